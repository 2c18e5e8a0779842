/* rbuf_model.h - a trivially correct reference model of tcp/rbuf (a flat byte array with a
 * per-byte "stored" flag over a large sliding span) and a driver that applies every
 * operation to a real buffer and to the model and compares the outcomes. Shared by
 * test_rbuf.c and fuzz/fuzz_rbuf.c. The model derives fragments, segment and fragment-table
 * usage, NOMEM and fragment-limit refusals from the per-byte flags alone, following the
 * rules written in rbuf.h, never from the buffer's own structures.
 *
 * Every rmd_* operation returns NULL when buffer and model agree, or a message. */
#ifndef MOS_TEST_RBUF_MODEL_H
#define MOS_TEST_RBUF_MODEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp/rbuf.h"

#ifndef RM_SPAN
#define RM_SPAN (UINT32_C(1) << 20) /* model bytes; capacities stay <= RM_CAP_LIMIT */
#endif
#define RM_CAP_LIMIT (RM_SPAN / 4)

struct rm_model {
	uint64_t base; /* offset of data[0] */
	uint8_t *data; /* RM_SPAN bytes */
	uint8_t *flag; /* RM_SPAN flags, 1 = stored; only [head, head + cap) may be set */
	uint64_t head;
	uint32_t cap; /* bytes, a multiple of RBUF_SEG_BYTES */
	uint8_t policy;
	uint32_t seg_total;
	uint32_t map_total;
	uint32_t map_slots;
};

/* A real buffer with its own pool, and the model. */
struct rm_pair {
	struct rbuf_pool pool;
	struct rbuf b;
	struct rm_model m;
	uint8_t *scratch; /* 2 * RM_SPAN: read targets */
	char msg[512];
	/* What the operations did, for coverage checks. */
	uint64_t writes[RBUF_INVALID + 1];  /* by status */
	uint64_t resizes[RBUF_INVALID + 1]; /* by status */
	uint64_t differs, shared_slot_splits, reads_hit, discards, fast_appends;
};

static inline const char *rm_fail(struct rm_pair *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static inline const char *rm_fail(struct rm_pair *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof p->msg, fmt, ap);
	va_end(ap);
	return p->msg;
}

/* --- The model ----------------------------------------------------------------------- */

static inline uint64_t rm_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t rm_max(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static inline uint64_t rm_wend(const struct rm_model *m)
{
	return m->head + m->cap;
}

static inline bool rm_stored(const struct rm_model *m, uint64_t x)
{
	return x >= m->head && x < rm_wend(m) && m->flag[x - m->base];
}

/* Some stored byte in [lo, hi) (clipped to the window). */
static inline bool rm_any(const struct rm_model *m, uint64_t lo, uint64_t hi)
{
	lo = rm_max(lo, m->head);
	hi = rm_min(hi, rm_wend(m));
	return lo < hi && memchr(m->flag + (lo - m->base), 1, (size_t)(hi - lo)) != NULL;
}

static inline uint64_t rm_count(const struct rm_model *m, uint64_t lo, uint64_t hi)
{
	uint64_t n = 0;

	for (uint64_t x = rm_max(lo, m->head); x < rm_min(hi, rm_wend(m)); x++)
		n += m->flag[x - m->base];
	return n;
}

/* Keeps [head, head + cap) inside [base, base + RM_SPAN). */
static inline void rm_rebase(struct rm_model *m)
{
	if (rm_wend(m) <= m->base + RM_SPAN)
		return;
	if (m->head - m->base < RM_SPAN) {
		size_t keep = (size_t)(m->base + RM_SPAN - m->head);
		memmove(m->data, m->data + (m->head - m->base), keep);
		memmove(m->flag, m->flag + (m->head - m->base), keep);
		memset(m->flag + keep, 0, RM_SPAN - keep);
	} else {
		memset(m->flag, 0, RM_SPAN);
	}
	m->base = m->head;
}

/* Stored runs [s, e) in order; returns their number (at most max are written). */
static inline uint32_t rm_runs(const struct rm_model *m, uint64_t *s, uint64_t *e, uint32_t max)
{
	const uint8_t *f = m->flag + (m->head - m->base);
	size_t i = 0, n = m->cap;
	uint32_t count = 0;

	while (i < n) {
		const uint8_t *one = memchr(f + i, 1, n - i), *zero;
		if (one == NULL)
			break;
		i = (size_t)(one - f);
		zero = memchr(f + i, 0, n - i);
		if (count < max) {
			s[count] = m->head + i;
			e[count] = m->head + (zero ? (size_t)(zero - f) : n);
		}
		count++;
		i = zero ? (size_t)(zero - f) : n;
	}
	return count;
}

static inline uint64_t rm_tail(const struct rm_model *m)
{
	for (uint64_t x = rm_wend(m); x > m->head; x--)
		if (m->flag[x - 1 - m->base])
			return x;
	return m->head;
}

/* Stored bytes in logical segment n (inside the window). */
static inline bool rm_seg_data(const struct rm_model *m, uint64_t n)
{
	return rm_any(m, n * RBUF_SEG_BYTES, (n + 1) * RBUF_SEG_BYTES);
}

/* Physical segments in use: one per logical segment holding data, except that the
 * head's segment and the window's last partial segment (head unaligned) share one. */
static inline uint32_t rm_segs_used(const struct rm_model *m)
{
	uint64_t n0 = m->head / RBUF_SEG_BYTES, nslots = m->cap / RBUF_SEG_BYTES;
	uint32_t used = 0;
	uint64_t s[RBUF_MAX_FRAGS + 1], e[RBUF_MAX_FRAGS + 1];

	if (m->cap == 0)
		return 0;
	for (uint64_t n = n0; n <= n0 + nslots; n++)
		used += rm_seg_data(m, n);
	if (rm_seg_data(m, n0) && rm_seg_data(m, n0 + nslots))
		used--;
	return used + (rm_runs(m, s, e, RBUF_MAX_FRAGS + 1) >= 2); /* + fragment table */
}

/* Segments a write into [a, z) must take: logical segments of [a, z) whose physical slot
 * holds no data yet (the head's and the last partial segment count once). */
static inline uint32_t rm_segs_needed(const struct rm_model *m, uint64_t a, uint64_t z)
{
	uint64_t n0 = m->head / RBUF_SEG_BYTES, nslots = m->cap / RBUF_SEG_BYTES;
	uint64_t first = a / RBUF_SEG_BYTES, last = (z - 1) / RBUF_SEG_BYTES;
	uint32_t need = 0;

	for (uint64_t n = first; n <= last; n++) {
		bool shared = n == n0 || n == n0 + nslots;
		if (n == n0 + nslots && first <= n0)
			continue; /* same slot as n0, already counted */
		if (rm_seg_data(m, n) ||
		    (shared && (rm_seg_data(m, n0) || rm_seg_data(m, n0 + nslots))))
			continue;
		need++;
	}
	return need;
}

static inline void rm_model_init(struct rm_model *m, uint32_t cap, uint8_t policy,
				 uint64_t head, const struct rbuf_pool_config *cfg)
{
	m->data = calloc(RM_SPAN, 1);
	m->flag = calloc(RM_SPAN, 1);
	m->base = head;
	m->head = head;
	m->cap = cap;
	m->policy = policy;
	m->seg_total = cfg->segments;
	m->map_total = cfg->maps;
	m->map_slots =
		cfg->maps ? (cfg->map_capacity_bytes + RBUF_SEG_BYTES - 1) / RBUF_SEG_BYTES : 0;
}

static inline void rm_model_fini(struct rm_model *m)
{
	free(m->data);
	free(m->flag);
	m->data = m->flag = NULL;
}

static inline uint64_t rm_release(struct rm_model *m, uint64_t h)
{
	uint64_t dropped;

	if (h <= m->head)
		return 0;
	dropped = rm_count(m, m->head, h);
	if (rm_min(h, rm_wend(m)) > m->head)
		memset(m->flag + (m->head - m->base), 0,
		       (size_t)(rm_min(h, rm_wend(m)) - m->head));
	m->head = h;
	rm_rebase(m);
	return dropped;
}

/* Expected outcome of a write; applies it. */
static inline void rm_write(struct rm_model *m, uint64_t off, const uint8_t *src, uint32_t len,
			    struct rbuf_write_info *info)
{
	uint64_t end = off + len, a = rm_max(off, m->head), z = rm_min(end, rm_wend(m));
	uint64_t s[64], e[64];
	uint32_t runs, touching = 0, after, need;
	bool ok_partial;

	memset(info, 0, sizeof *info);
	info->old = (uint32_t)(off < m->head ? rm_min(end, m->head) - off : 0);
	info->beyond = (uint32_t)(end > rm_wend(m) ? end - rm_max(off, rm_wend(m)) : 0);
	ok_partial = info->old || info->beyond;
	info->status = ok_partial ? RBUF_PARTIAL : RBUF_OK;
	if (a >= z)
		return;
	runs = rm_runs(m, s, e, 64);
	for (uint32_t i = 0; i < runs && i < 64; i++)
		touching += e[i] >= a && s[i] <= z;
	after = runs - touching + 1;
	if (touching == 0 && runs == RBUF_MAX_FRAGS) {
		info->dropped = (uint32_t)(z - a);
		info->status = RBUF_TOO_MANY_FRAGS;
		return;
	}
	need = rm_segs_needed(m, a, z) + (after >= 2 && runs <= 1);
	if (need > m->seg_total - rm_segs_used(m)) {
		info->dropped = (uint32_t)(z - a);
		info->status = RBUF_NOMEM;
		return;
	}
	for (uint64_t x = a; x < z; x++) {
		uint8_t v = src[x - off];
		uint8_t *d = m->data + (x - m->base), *f = m->flag + (x - m->base);
		if (*f) {
			info->overlap++;
			if (*d != v) {
				info->overlap_differs = true;
				if (m->policy == MOS_OVERLAP_POLICY_LAST)
					*d = v;
			}
		} else {
			*d = v;
			*f = 1;
			info->stored++;
		}
	}
}

/* Expected outcome of a resize; applies it unless refused. */
static inline enum rbuf_status rm_resize(struct rm_model *m, uint32_t raw, uint32_t maps_free,
					 uint64_t *discarded)
{
	uint32_t slots, old = m->cap / RBUF_SEG_BYTES;
	uint64_t n0 = m->head / RBUF_SEG_BYTES, tail;

	*discarded = 0;
	if (raw > RBUF_CAPACITY_MAX)
		return RBUF_TOO_BIG;
	slots = (raw + RBUF_SEG_BYTES - 1) / RBUF_SEG_BYTES;
	if (slots > RBUF_INLINE_SLOTS && slots > m->map_slots)
		return RBUF_TOO_BIG;
	if (slots > old) {
		bool need_block = slots > RBUF_INLINE_SLOTS && old <= RBUF_INLINE_SLOTS;
		bool split = old != 0 && m->head % RBUF_SEG_BYTES != 0 && rm_seg_data(m, n0) &&
			     rm_seg_data(m, n0 + old);
		if ((split && rm_segs_used(m) == m->seg_total) ||
		    (need_block && maps_free == 0))
			return RBUF_NOMEM;
	} else if (slots < old) {
		tail = rm_tail(m);
		if (tail > m->head + (uint64_t)slots * RBUF_SEG_BYTES)
			*discarded = rm_release(m, tail - (uint64_t)slots * RBUF_SEG_BYTES);
	}
	m->cap = slots * RBUF_SEG_BYTES;
	rm_rebase(m);
	return RBUF_OK;
}

/* Bytes from off to the end of its run, capped at len. */
static inline uint64_t rm_avail(const struct rm_model *m, uint64_t off, uint64_t len)
{
	uint64_t n = 0;

	while (n < len && rm_stored(m, off + n))
		n++;
	return n;
}

/* --- The driver -------------------------------------------------------------------- */

/* Sets up a pool of cfg and a buffer with the given parameters (cap <= RM_CAP_LIMIT);
 * a message if the real initialisation disagrees with the model. */
static inline const char *rmd_init(struct rm_pair *p, const struct rbuf_pool_config *cfg,
				   uint32_t cap, uint8_t policy, uint64_t head)
{
	enum rbuf_status st;
	uint64_t dummy;

	memset(p, 0, sizeof *p);
	if (rbuf_pool_init(&p->pool, cfg, NULL) != RBUF_OK)
		return rm_fail(p, "rbuf_pool_init failed");
	p->scratch = malloc(2 * (size_t)RM_SPAN);
	rm_model_init(&p->m, 0, policy, head, cfg);
	st = rbuf_init(&p->b, &p->pool, cap, policy, head);
	if (st != rm_resize(&p->m, cap, cfg->maps, &dummy))
		return rm_fail(p, "rbuf_init(cap %u) returned %d", cap, st);
	return NULL;
}

/* Fragments, marks, accounting and (full) every stored byte against the model. */
static inline const char *rmd_check(struct rm_pair *p, bool full)
{
	struct rm_model *m = &p->m;
	struct tcp_ring_fragment fr[RBUF_MAX_FRAGS + 1];
	uint64_t s[RBUF_MAX_FRAGS + 2], e[RBUF_MAX_FRAGS + 2];
	uint32_t runs = rm_runs(m, s, e, RBUF_MAX_FRAGS + 2);
	uint32_t got = rbuf_fragments(&p->b, fr, RBUF_MAX_FRAGS + 1);

	rbuf_validate(&p->b);
	if (rbuf_head(&p->b) != m->head || rbuf_capacity(&p->b) != m->cap)
		return rm_fail(p, "head/cap %llu/%u, model %llu/%u",
			       (unsigned long long)rbuf_head(&p->b), rbuf_capacity(&p->b),
			       (unsigned long long)m->head, m->cap);
	if (got != runs || got != rbuf_frag_count(&p->b))
		return rm_fail(p, "%u fragments, model %u", got, runs);
	for (uint32_t i = 0; i < runs; i++)
		if (fr[i].offset != s[i] || fr[i].offset + fr[i].len != e[i])
			return rm_fail(p, "fragment %u [%llu,+%u), model [%llu,%llu)", i,
				       (unsigned long long)fr[i].offset, fr[i].len,
				       (unsigned long long)s[i], (unsigned long long)e[i]);
	if (rbuf_tail(&p->b) != (runs ? e[runs - 1] : m->head) ||
	    rbuf_contig_end(&p->b) != (runs && s[0] == m->head ? e[0] : m->head))
		return rm_fail(p, "tail/contig_end wrong");
	if (rbuf_pool_segments_in_use(&p->pool) != rm_segs_used(m))
		return rm_fail(p, "%u segments in use, model %u",
			       rbuf_pool_segments_in_use(&p->pool), rm_segs_used(m));
	if (rbuf_pool_maps_in_use(&p->pool) != (m->cap / RBUF_SEG_BYTES > RBUF_INLINE_SLOTS))
		return rm_fail(p, "map blocks in use %u", rbuf_pool_maps_in_use(&p->pool));
	for (uint32_t i = 0; full && i < runs; i++) {
		size_t n = (size_t)(e[i] - s[i]);
		if (rbuf_read(&p->b, s[i], p->scratch, n + 7) != n ||
		    memcmp(p->scratch, m->data + (s[i] - m->base), n) != 0)
			return rm_fail(p, "content of fragment %u differs", i);
	}
	return NULL;
}

static inline const char *rmd_write(struct rm_pair *p, uint64_t off, const uint8_t *src,
				    uint32_t len)
{
	struct rbuf_write_info got, want;
	bool append = p->b.nfrags <= 1 && off == rbuf_tail(&p->b) && len != 0 &&
		      off + len <= rbuf_window_end(&p->b);
	enum rbuf_status st = rbuf_write(&p->b, off, src, len, &got);

	p->fast_appends += append && got.status == RBUF_OK;

	rm_write(&p->m, off, src, len, &want);
	if (st != got.status || got.status != want.status || got.stored != want.stored ||
	    got.overlap != want.overlap || got.old != want.old || got.beyond != want.beyond ||
	    got.dropped != want.dropped || got.overlap_differs != want.overlap_differs)
		return rm_fail(
			p,
			"write [%llu,+%u) head %llu cap %u: status %d/%d stored %u/%u "
			"overlap %u/%u old %u/%u beyond %u/%u dropped %u/%u differs %d/%d",
			(unsigned long long)off, len, (unsigned long long)p->m.head, p->m.cap,
			got.status, want.status, got.stored, want.stored, got.overlap,
			want.overlap, got.old, want.old, got.beyond, want.beyond, got.dropped,
			want.dropped, got.overlap_differs, want.overlap_differs);
	if (got.stored + got.overlap + got.old + got.beyond + got.dropped != len)
		return rm_fail(p, "write counters do not add up to %u", len);
	p->writes[got.status]++;
	p->differs += got.overlap_differs;
	return NULL;
}

static inline const char *rmd_release(struct rm_pair *p, uint64_t h)
{
	uint64_t got = rbuf_release(&p->b, h), want = rm_release(&p->m, h);

	if (got != want)
		return rm_fail(p, "release to %llu dropped %llu, model %llu",
			       (unsigned long long)h, (unsigned long long)got,
			       (unsigned long long)want);
	return NULL;
}

static inline const char *rmd_resize(struct rm_pair *p, uint32_t cap)
{
	uint64_t got_d, want_d;
	uint32_t maps_free = p->m.map_total - rbuf_pool_maps_in_use(&p->pool);
	uint64_t n0 = p->m.head / RBUF_SEG_BYTES, old = p->m.cap / RBUF_SEG_BYTES;
	bool split = old != 0 && p->m.head % RBUF_SEG_BYTES != 0 && rm_seg_data(&p->m, n0) &&
		     rm_seg_data(&p->m, n0 + old);
	enum rbuf_status want = rm_resize(&p->m, cap, maps_free, &want_d);
	enum rbuf_status got = rbuf_resize(&p->b, cap, &got_d);

	if (got != want || got_d != want_d)
		return rm_fail(p, "resize to %u: status %d/%d discarded %llu/%llu", cap, got,
			       want, (unsigned long long)got_d, (unsigned long long)want_d);
	p->resizes[got]++;
	p->shared_slot_splits += split && got == RBUF_OK && p->m.cap / RBUF_SEG_BYTES > old;
	p->discards += got_d != 0;
	return NULL;
}

/* rbuf_read, rbuf_avail_at and rbuf_spans at off against the model. */
static inline const char *rmd_read(struct rm_pair *p, uint64_t off, uint32_t len)
{
	uint64_t want = rm_avail(&p->m, off, len), all = rm_avail(&p->m, off, UINT64_MAX);
	size_t got;
	struct rbuf_span sp[8];
	uint32_t nsp, total = 0;

	memset(p->scratch, 0xee, (size_t)len + 1);
	got = rbuf_read(&p->b, off, p->scratch, len);
	if (got != want || rbuf_avail_at(&p->b, off) != all)
		return rm_fail(p, "read at %llu len %u returned %zu, model %llu",
			       (unsigned long long)off, len, got, (unsigned long long)want);
	if (want && memcmp(p->scratch, p->m.data + (off - p->m.base), (size_t)want) != 0)
		return rm_fail(p, "read at %llu: bytes differ", (unsigned long long)off);
	if (p->scratch[want] != 0xee)
		return rm_fail(p, "read at %llu wrote past its count", (unsigned long long)off);
	p->reads_hit += want != 0;
	nsp = rbuf_spans(&p->b, off, len, sp, 8);
	for (uint32_t i = 0; i < nsp; i++) {
		if (sp[i].len == 0 || sp[i].len > RBUF_SEG_BYTES ||
		    memcmp(sp[i].data, p->m.data + (off + total - p->m.base), sp[i].len) != 0)
			return rm_fail(p, "span %u at %llu wrong", i, (unsigned long long)off);
		total += sp[i].len;
	}
	if (total != (nsp < 8 ? want : total) || total > want)
		return rm_fail(p, "spans at %llu cover %u bytes, model %llu",
			       (unsigned long long)off, total, (unsigned long long)want);
	return NULL;
}

static inline void rmd_set_policy(struct rm_pair *p, uint8_t policy)
{
	rbuf_set_policy(&p->b, policy);
	p->m.policy = policy;
}

/* Finishes the buffer and checks the pool is whole again, then frees everything. */
static inline const char *rmd_fini(struct rm_pair *p)
{
	const char *err = NULL;

	rbuf_fini(&p->b);
	if (rbuf_pool_segments_in_use(&p->pool) != 0 || rbuf_pool_maps_in_use(&p->pool) != 0)
		err = rm_fail(p, "after fini %u segments / %u maps still in use",
			      rbuf_pool_segments_in_use(&p->pool),
			      rbuf_pool_maps_in_use(&p->pool));
	else
		rbuf_pool_fini(&p->pool);
	rm_model_fini(&p->m);
	free(p->scratch);
	p->scratch = NULL;
	return err;
}

/* Stream content: version 0 is "the" byte at x; other versions differ at every x. */
static inline uint8_t rm_byte(uint64_t x, uint32_t version)
{
	uint64_t h = (x + 1) * UINT64_C(0x9e3779b97f4a7c15);

	return (uint8_t)((h >> 56) + version * 37u);
}

static inline void rm_fill(uint8_t *dst, uint64_t off, uint32_t len, uint32_t version)
{
	for (uint32_t i = 0; i < len; i++)
		dst[i] = rm_byte(off + i, version);
}

#endif /* MOS_TEST_RBUF_MODEL_H */
