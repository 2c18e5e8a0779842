/* test_rbuf.c - the reassembly buffer (tcp/rbuf.h): random operations against a flat-array
 * model across seeds, overlap policies, window edges, 64-bit offsets, capacity rounding and
 * disabling, the fragment limit, pool exhaustion, resizing, and exact segment accounting
 * (a full buffer holds exactly capacity / 1 KiB segments, also when head is unaligned). */
#include <stdlib.h>
#include <string.h>

#include "mos_test.h"
#include "rbuf_model.h"

#include "base/assert.h"
#include "base/prng.h"

#define TR_CHECK_OK(expr)                                                                      \
	do {                                                                                   \
		const char *tr_err_ = (expr);                                                  \
		CHECK_MSG(tr_err_ == NULL, "%s: %s", #expr, tr_err_);                          \
	} while (0)

static uint8_t tr_buf[1 << 17];

static struct rbuf_pool_config tr_cfg(uint32_t segments, uint32_t maps, uint32_t map_cap)
{
	struct rbuf_pool_config c = {segments, maps, map_cap, true};
	return c;
}

/* Writes version `v` of the stream at [off, off + len) and returns the info. */
static struct rbuf_write_info tr_write(struct rbuf *b, uint64_t off, uint32_t len, uint32_t v)
{
	struct rbuf_write_info info;

	CHECK(len <= sizeof tr_buf);
	rm_fill(tr_buf, off, len, v);
	CHECK_EQ(rbuf_write(b, off, tr_buf, len, &info), info.status);
	CHECK_EQ(info.stored + info.overlap + info.old + info.beyond + info.dropped, len);
	rbuf_validate(b);
	return info;
}

/* The stored bytes at [off, off + len) are version v of the stream. */
static void tr_expect(const struct rbuf *b, uint64_t off, uint32_t len, uint32_t v)
{
	static uint8_t got[1 << 17];

	CHECK_EQ(rbuf_read(b, off, got, len), len);
	for (uint32_t i = 0; i < len; i++)
		CHECK_MSG(got[i] == rm_byte(off + i, v), "byte at %llu is 0x%02x, want v%u",
			  (unsigned long long)(off + i), got[i], v);
}

static uint64_t tr_seed(uint64_t fallback)
{
	const char *env = getenv("MOS_TEST_SEED");
	return env ? strtoull(env, NULL, 0) : fallback;
}

static uint64_t tr_env(const char *name, uint64_t fallback)
{
	const char *env = getenv(name);
	return env ? strtoull(env, NULL, 0) : fallback;
}

/* --- Random operations against the model ------------------------------------------- */

struct tr_run {
	struct rm_pair p;
	struct prng rng;
	uint32_t max_len; /* phase: long writes or "confetti" of tiny ones */
	uint64_t op;
};

/* Offset of the next write: in order, anywhere around the window, or over stored data. */
static uint64_t tr_pick_off(struct tr_run *r, uint32_t *version)
{
	struct rm_model *m = &r->p.m;
	uint64_t head = m->head, span = (uint64_t)m->cap + 4096;
	uint32_t kind = (uint32_t)prng_below(&r->rng, 100);

	*version = 0;
	if (kind < 35)
		return rbuf_tail(&r->p.b);
	if (kind < 45)
		return rbuf_contig_end(&r->p.b);
	if (kind < 75)
		return head - rm_min(head, 2048) + prng_below(&r->rng, span);
	/* Duplicates over stored data, half of them with different bytes. */
	*version = (uint32_t)prng_below(&r->rng, 2);
	return head - rm_min(head, 300) + prng_below(&r->rng, (uint64_t)m->cap + 301);
}

static const char *tr_step(struct tr_run *r)
{
	struct rm_model *m = &r->p.m;
	uint32_t kind = (uint32_t)prng_below(&r->rng, 100), v, len;
	uint64_t off;

	if (kind < 55) {
		off = tr_pick_off(r, &v);
		len = (uint32_t)prng_range(&r->rng, 0, r->max_len);
		rm_fill(tr_buf, off, len, v);
		return rmd_write(&r->p, off, tr_buf, len);
	}
	if (kind < 70) {
		uint64_t to = prng_chance(&r->rng, 1, 2) ? rbuf_contig_end(&r->p.b)
							 : m->head + prng_below(&r->rng, 3000);
		if (prng_chance(&r->rng, 1, 50))
			to = m->head + m->cap + prng_below(&r->rng, 100000); /* far jump */
		return rmd_release(&r->p, to);
	}
	if (kind < 92) {
		off = m->head - rm_min(m->head, 100) +
		      prng_below(&r->rng, (uint64_t)m->cap + 200);
		return rmd_read(&r->p, off, (uint32_t)prng_range(&r->rng, 0, 5000));
	}
	if (kind < 96) {
		uint32_t cap = (uint32_t)prng_below(&r->rng, 40000);
		if (prng_chance(&r->rng, 1, 8))
			cap = (uint32_t)prng_below(&r->rng, 4) * RBUF_SEG_BYTES;
		if (prng_chance(&r->rng, 1, 50))
			cap = RBUF_CAPACITY_MAX + 1;
		return rmd_resize(&r->p, cap);
	}
	if (kind < 98) {
		rmd_set_policy(&r->p, (uint8_t)prng_below(&r->rng, MOS_OVERLAP_CNT));
		return NULL;
	}
	r->max_len = prng_chance(&r->rng, 1, 3) ? 24 : 3000; /* switch phase */
	return NULL;
}

/* Outcomes seen over all seeds (the random test must reach every path). */
static struct {
	uint64_t writes[RBUF_INVALID + 1], resizes[RBUF_INVALID + 1];
	uint64_t differs, splits, reads_hit, discards, fast_appends;
} tr_seen;

static void tr_tally(const struct rm_pair *p)
{
	for (int s = 0; s <= RBUF_INVALID; s++) {
		tr_seen.writes[s] += p->writes[s];
		tr_seen.resizes[s] += p->resizes[s];
	}
	tr_seen.differs += p->differs;
	tr_seen.splits += p->shared_slot_splits;
	tr_seen.reads_hit += p->reads_hit;
	tr_seen.discards += p->discards;
	tr_seen.fast_appends += p->fast_appends;
}

static void tr_run_seed(uint64_t seed, uint64_t ops)
{
	static const uint64_t starts[] = {0, UINT64_C(0xffffffff) - 5000, UINT64_C(1) << 40,
					  UINT64_C(0x3fffffffff00) + 77};
	struct tr_run r;
	struct rbuf_pool_config cfg;
	uint32_t cap;

	prng_init(&r.rng, seed);
	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	/* Small pools make NOMEM common; large ones let fragments pile up. */
	cfg = tr_cfg((uint32_t)prng_range(&r.rng, 3, 48), 1,
		     (uint32_t)prng_range(&r.rng, 9, 40) * RBUF_SEG_BYTES);
	cap = (uint32_t)prng_range(&r.rng, 0, 20000);
	TR_CHECK_OK(rmd_init(&r.p, &cfg, cap, (uint8_t)prng_below(&r.rng, 2),
			     starts[prng_below(&r.rng, sizeof starts / sizeof starts[0])] +
				     prng_below(&r.rng, 3000)));
	r.max_len = 3000;
	for (r.op = 0; r.op < ops; r.op++) {
		const char *err = tr_step(&r);
		if (err == NULL)
			err = rmd_check(&r.p, r.op % 64 == 0);
		CHECK_MSG(err == NULL, "seed %llu op %llu: %s", (unsigned long long)seed,
			  (unsigned long long)r.op, err);
	}
	TR_CHECK_OK(rmd_check(&r.p, true));
	tr_tally(&r.p);
	TR_CHECK_OK(rmd_fini(&r.p));
}

TEST(random_ops_match_flat_model_across_seeds)
{
	uint64_t seeds = tr_env("MOS_RBUF_SEEDS", 20), ops = tr_env("MOS_RBUF_OPS", 20000);
	uint64_t first = tr_seed(1);

	if (getenv("MOS_TEST_SEED") != NULL && getenv("MOS_RBUF_SEEDS") == NULL)
		seeds = 1; /* replay one seed; MOS_RBUF_SEEDS sweeps from MOS_TEST_SEED on */
	for (uint64_t s = 0; s < seeds; s++)
		tr_run_seed(first + s, ops);
	if (seeds < 20 || ops < 20000)
		return; /* a replay of one seed need not reach every outcome */
	/* Coverage: every write and resize outcome and the tricky paths were exercised. */
	for (int st = RBUF_OK; st <= RBUF_TOO_MANY_FRAGS; st++)
		CHECK_MSG(tr_seen.writes[st] > 0, "no write ended with status %d", st);
	CHECK(tr_seen.resizes[RBUF_OK] > 0 && tr_seen.resizes[RBUF_NOMEM] > 0 &&
	      tr_seen.resizes[RBUF_TOO_BIG] > 0);
	CHECK(tr_seen.differs > 0 && tr_seen.splits > 0 && tr_seen.reads_hit > 0);
	CHECK(tr_seen.discards > 0 && tr_seen.fast_appends > 0);
	printf("writes ok %llu partial %llu nomem %llu frags %llu; resizes ok %llu nomem %llu "
	       "too-big %llu; differs %llu splits %llu discards %llu appends %llu\n",
	       (unsigned long long)tr_seen.writes[RBUF_OK],
	       (unsigned long long)tr_seen.writes[RBUF_PARTIAL],
	       (unsigned long long)tr_seen.writes[RBUF_NOMEM],
	       (unsigned long long)tr_seen.writes[RBUF_TOO_MANY_FRAGS],
	       (unsigned long long)tr_seen.resizes[RBUF_OK],
	       (unsigned long long)tr_seen.resizes[RBUF_NOMEM],
	       (unsigned long long)tr_seen.resizes[RBUF_TOO_BIG],
	       (unsigned long long)tr_seen.differs, (unsigned long long)tr_seen.splits,
	       (unsigned long long)tr_seen.discards, (unsigned long long)tr_seen.fast_appends);
}

/* --- Overlap policies ---------------------------------------------------------------- */

static void tr_overlap_case(uint8_t policy)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(16, 0, 0);
	struct rbuf_write_info i;
	uint32_t keep = policy == MOS_OVERLAP_POLICY_FIRST ? 0 : 1;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 8192, policy, 0), RBUF_OK);
	tr_write(&b, 100, 1000, 0);
	/* Exact duplicate with the same bytes: overlap, nothing differs. */
	i = tr_write(&b, 100, 1000, 0);
	CHECK(i.overlap == 1000 && i.stored == 0 && !i.overlap_differs && i.status == RBUF_OK);
	/* Exact duplicate with conflicting bytes. */
	i = tr_write(&b, 100, 1000, 1);
	CHECK(i.overlap == 1000 && i.stored == 0 && i.overlap_differs);
	tr_expect(&b, 100, 1000, keep);
	/* Partial overlap on both sides of a stored range, conflicting bytes: the new
	 * bytes around it are stored, the overlapping ones follow the policy. */
	tr_write(&b, 3000, 100, 0);
	i = tr_write(&b, 2950, 200, 2);
	CHECK(i.stored == 100 && i.overlap == 100 && i.overlap_differs);
	tr_expect(&b, 2950, 50, 2);
	tr_expect(&b, 3000, 100, policy == MOS_OVERLAP_POLICY_FIRST ? 0 : 2);
	tr_expect(&b, 3100, 50, 2);
	/* One write spanning two stored ranges and the hole between them. */
	i = tr_write(&b, 1050, 1950, 3);
	CHECK(i.overlap == 50 + 50 && i.stored == 1850 && i.overlap_differs);
	CHECK_EQ(rbuf_frag_count(&b), 1);
	CHECK_EQ_U64(rbuf_avail_at(&b, 100), 3050);
	tr_expect(&b, 1100, 1850, 3);
	rbuf_fini(&b);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}

TEST(overlap_policy_first_keeps_stored_bytes)
{
	tr_overlap_case(MOS_OVERLAP_POLICY_FIRST);
}

TEST(overlap_policy_last_overwrites_stored_bytes)
{
	tr_overlap_case(MOS_OVERLAP_POLICY_LAST);
}

TEST(overlap_differs_only_for_conflicting_bytes)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(8, 0, 0);
	struct rbuf_write_info i;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 4096, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK);
	tr_write(&b, 0, 2000, 0);
	rm_fill(tr_buf, 500, 600, 0);
	tr_buf[599] ^= 1; /* the very last overlapping byte differs */
	CHECK_EQ(rbuf_write(&b, 500, tr_buf, 600, &i), RBUF_OK);
	CHECK(i.overlap == 600 && i.overlap_differs);
	rm_fill(tr_buf, 1900, 200, 0); /* equal overlap, then new bytes */
	CHECK_EQ(rbuf_write(&b, 1900, tr_buf, 200, &i), RBUF_OK);
	CHECK(i.overlap == 100 && i.stored == 100 && !i.overlap_differs);
	rbuf_fini(&b);
	rbuf_pool_fini(&pool);
}

/* --- Window edges -------------------------------------------------------------------- */

TEST(write_straddling_head_stores_only_from_head)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(8, 0, 0);
	struct rbuf_write_info i;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 4096, MOS_OVERLAP_POLICY_FIRST, 1000), RBUF_OK);
	i = tr_write(&b, 900, 300, 0);
	CHECK(i.old == 100 && i.stored == 200 && i.beyond == 0 && i.status == RBUF_PARTIAL);
	CHECK_EQ_U64(rbuf_contig_end(&b), 1200);
	tr_expect(&b, 1000, 200, 0);
	CHECK_EQ(rbuf_read(&b, 999, tr_buf, 10), 0);
	i = tr_write(&b, 0, 1000, 0); /* entirely old */
	CHECK(i.old == 1000 && i.stored == 0 && i.status == RBUF_PARTIAL);
	rbuf_fini(&b);
	rbuf_pool_fini(&pool);
}

TEST(write_straddling_window_end_stores_only_inside)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(8, 0, 0);
	struct rbuf_write_info i;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 4096, MOS_OVERLAP_POLICY_FIRST, 500), RBUF_OK);
	i = tr_write(&b, 4000, 1000, 0); /* window is [500, 4596) */
	CHECK(i.stored == 596 && i.beyond == 404 && i.status == RBUF_PARTIAL);
	CHECK_EQ_U64(rbuf_tail(&b), 4596);
	CHECK_EQ_U64(rbuf_room(&b), 0);
	i = tr_write(&b, 4596, 10, 0);
	CHECK(i.beyond == 10 && i.stored == 0);
	/* Fill everything: exactly capacity / 1 KiB segments although head is unaligned
	 * (the first and last partial segments share one). */
	i = tr_write(&b, 500, 3500, 0);
	CHECK(i.stored == 3500 && i.status == RBUF_OK);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 4);
	tr_expect(&b, 500, 4096, 0);
	/* Releasing 600 bytes frees nothing (the head's segment still has data) and makes
	 * room for 600 bytes that land in the shared segment. */
	CHECK_EQ_U64(rbuf_release(&b, 1100), 600);
	i = tr_write(&b, 4596, 600, 0);
	CHECK(i.stored == 600 && i.status == RBUF_OK);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 4);
	tr_expect(&b, 1100, 4096, 0);
	rbuf_fini(&b);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}

TEST(offsets_above_2_pow_32_are_not_truncated)
{
	static const uint64_t heads[] = {UINT64_C(0xffffffff) - 700, UINT64_C(0x100000000),
					 UINT64_C(0x123456789abc), RBUF_HEAD_MAX - 100000};
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(40, 1, 32768);
	struct tcp_ring_fragment fr[4];

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
		uint64_t head = heads[h];
		mt_note("head=%llu", (unsigned long long)head);
		CHECK_EQ(rbuf_init(&b, &pool, 32768, MOS_OVERLAP_POLICY_FIRST, head), RBUF_OK);
		tr_write(&b, head + 2000, 1448, 0); /* out of order first */
		tr_write(&b, head, 1448, 0);
		CHECK_EQ(rbuf_fragments(&b, fr, 4), 2);
		CHECK_EQ_U64(fr[0].offset, head);
		CHECK_EQ_U64(fr[1].offset, head + 2000);
		CHECK_EQ(fr[1].len, 1448);
		tr_write(&b, head + 1448, 552, 0);
		CHECK_EQ_U64(rbuf_contig_end(&b), head + 3448);
		tr_expect(&b, head, 3448, 0);
		/* Offsets that differ from stored ones only above bit 32 are not stored. */
		CHECK_EQ(rbuf_read(&b, head + 10 + (UINT64_C(1) << 32), tr_buf, 4), 0);
		CHECK_EQ(tr_write(&b, head + 10 + (UINT64_C(1) << 32), 10, 1).beyond, 10);
		/* Offsets at the top of the 64-bit range never wrap into the window. */
		CHECK_EQ(tr_write(&b, UINT64_MAX - 5, 10, 1).beyond, 10);
		CHECK_EQ(tr_write(&b, RBUF_OFFSET_LIMIT, 10, 1).beyond, 10);
		CHECK_EQ_U64(rbuf_release(&b, head + 3000), 3000);
		tr_expect(&b, head + 3000, 448, 0);
		rbuf_fini(&b);
		CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	}
	rbuf_pool_fini(&pool);
}

TEST(capacity_is_rounded_up_to_whole_segments)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(8, 0, 0);
	struct rbuf_write_info i;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 1500, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK);
	CHECK_EQ(rbuf_capacity(&b), 2048);
	i = tr_write(&b, 0, 3000, 0);
	CHECK(i.stored == 2048 && i.beyond == 952);
	CHECK_EQ(rbuf_resize(&b, 1, NULL), RBUF_OK);
	CHECK_EQ(rbuf_capacity(&b), 1024);
	CHECK_EQ(rbuf_resize(&b, RBUF_CAPACITY_MAX + 1, NULL), RBUF_TOO_BIG);
	CHECK_EQ(rbuf_resize(&b, 9 * 1024, NULL), RBUF_TOO_BIG); /* no map pool */
	CHECK_EQ(rbuf_capacity(&b), 1024);
	rbuf_fini(&b);
	rbuf_pool_fini(&pool);
}

TEST(capacity_zero_disables_the_buffer)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(4, 0, 0);
	struct rbuf_write_info i;
	struct rbuf_span sp[2];

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 0, MOS_OVERLAP_POLICY_FIRST, 100), RBUF_OK);
	CHECK(!rbuf_enabled(&b));
	i = tr_write(&b, 100, 500, 0);
	CHECK(i.stored == 0 && i.beyond == 500 && i.status == RBUF_PARTIAL);
	i = tr_write(&b, 50, 100, 0);
	CHECK(i.old == 50 && i.beyond == 50);
	CHECK_EQ(rbuf_read(&b, 100, tr_buf, 10), 0);
	CHECK_EQ(rbuf_spans(&b, 100, 10, sp, 2), 0);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	CHECK_EQ_U64(rbuf_release(&b, 700), 0);
	CHECK_EQ_U64(rbuf_head(&b), 700);
	CHECK_EQ_U64(rbuf_contig_end(&b), 700);
	rbuf_fini(&b);
	rbuf_pool_fini(&pool);
}

/* --- Limits -------------------------------------------------------------------------- */

TEST(fragment_limit_refuses_the_33rd_disjoint_fragment)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(80, 1, 65536);
	struct tcp_ring_fragment before[RBUF_MAX_FRAGS], after[RBUF_MAX_FRAGS];
	struct rbuf_write_info i;
	uint32_t used;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 65536, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK);
	for (uint32_t f = 0; f < RBUF_MAX_FRAGS; f++)
		CHECK_EQ(tr_write(&b, 1 + f * 1500, 10, 0).status, RBUF_OK);
	CHECK_EQ(rbuf_frag_count(&b), RBUF_MAX_FRAGS);
	CHECK_EQ(rbuf_fragments(&b, before, RBUF_MAX_FRAGS), RBUF_MAX_FRAGS);
	used = rbuf_pool_segments_in_use(&pool);
	i = tr_write(&b, RBUF_MAX_FRAGS * 1500 + 100, 700, 0);
	CHECK(i.status == RBUF_TOO_MANY_FRAGS && i.dropped == 700 && i.stored == 0);
	CHECK_EQ_U64(pool.frag_limit_events, 1);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), used);
	CHECK_EQ(rbuf_fragments(&b, after, RBUF_MAX_FRAGS), RBUF_MAX_FRAGS);
	for (uint32_t f = 0; f < RBUF_MAX_FRAGS; f++)
		CHECK(before[f].offset == after[f].offset && before[f].len == after[f].len);
	CHECK_EQ(rbuf_read(&b, RBUF_MAX_FRAGS * 1500 + 100, tr_buf, 1), 0);
	/* Extending or joining existing fragments is still allowed. */
	CHECK_EQ(tr_write(&b, 11, 1490, 0).status, RBUF_OK);
	CHECK_EQ(rbuf_frag_count(&b), RBUF_MAX_FRAGS - 1);
	CHECK_EQ(tr_write(&b, RBUF_MAX_FRAGS * 1500 + 100, 700, 0).status, RBUF_OK);
	/* Before head or beyond the window is not a new fragment. */
	CHECK_EQ(tr_write(&b, 70000, 10, 0).status, RBUF_PARTIAL);
	rbuf_fini(&b);
	rbuf_pool_fini(&pool);
}

TEST(pool_exhaustion_reports_nomem_and_recovers_after_release)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(3, 0, 0);
	struct rbuf_write_info i;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 8192, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK);
	CHECK_EQ(tr_write(&b, 0, 3072, 0).status, RBUF_OK); /* all three segments */
	CHECK_EQ(rbuf_pool_segments_free(&pool), 0);
	i = tr_write(&b, 3072, 1448, 0); /* fast path: needs a fourth segment */
	CHECK(i.status == RBUF_NOMEM && i.dropped == 1448 && i.stored == 0);
	i = tr_write(&b, 5000, 100, 0); /* general path: new segment and a fragment table */
	CHECK(i.status == RBUF_NOMEM && i.dropped == 100);
	i = tr_write(&b, 6000, 100, 1); /* partly beyond? no: in window, still no memory */
	CHECK_EQ(i.status, RBUF_NOMEM);
	CHECK_EQ_U64(pool.nomem_events, 3);
	CHECK_EQ_U64(rbuf_tail(&b), 3072);
	CHECK_EQ(rbuf_frag_count(&b), 1);
	/* Overlap-only writes need nothing and still work. */
	CHECK_EQ(tr_write(&b, 100, 1000, 0).overlap, 1000);
	/* Consuming 2 KiB returns two segments; the append now fits. */
	CHECK_EQ_U64(rbuf_release(&b, 2048), 2048);
	CHECK_EQ(rbuf_pool_segments_free(&pool), 2);
	CHECK_EQ(tr_write(&b, 3072, 1448, 0).status, RBUF_OK);
	tr_expect(&b, 2048, 2472, 0);
	rbuf_fini(&b);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}

TEST(map_pool_exhaustion_and_invalid_pool_configs)
{
	struct rbuf_pool pool;
	struct rbuf a, b;
	struct rbuf_pool_config cfg = tr_cfg(8, 1, 16384);
	struct rbuf_pool_config bad1 = tr_cfg(0, 0, 0), bad2 = tr_cfg(1, 1, 0);
	struct rbuf_pool_config bad3 = tr_cfg(1, 1, RBUF_CAPACITY_MAX + 1);

	CHECK_EQ(rbuf_pool_init(&pool, &bad1, NULL), RBUF_INVALID);
	CHECK_EQ(rbuf_pool_init(&pool, &bad2, NULL), RBUF_INVALID);
	CHECK_EQ(rbuf_pool_init(&pool, &bad3, NULL), RBUF_INVALID);
	CHECK(rbuf_pool_memory_bytes(&cfg) >= 8 * 1024 + 16 * 4);
	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&a, &pool, 16384, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK);
	CHECK_EQ(rbuf_pool_maps_in_use(&pool), 1);
	CHECK_EQ(rbuf_init(&b, &pool, 10000, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_NOMEM);
	CHECK(!rbuf_enabled(&b)); /* a valid disabled buffer */
	CHECK_EQ(rbuf_init(&b, &pool, 16385, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_TOO_BIG);
	CHECK_EQ(rbuf_init(&b, &pool, 8192, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK); /* inline */
	CHECK_EQ(rbuf_resize(&b, 9000, NULL), RBUF_NOMEM);
	CHECK_EQ(rbuf_capacity(&b), 8192);
	CHECK_EQ(rbuf_resize(&a, 4096, NULL), RBUF_OK); /* back inline: returns the block */
	CHECK_EQ(rbuf_pool_maps_in_use(&pool), 0);
	CHECK_EQ(rbuf_resize(&b, 9000, NULL), RBUF_OK);
	CHECK_EQ(rbuf_capacity(&b), 9216);
	rbuf_fini(&a);
	rbuf_fini(&b);
	rbuf_fini(&b); /* twice is harmless */
	CHECK_EQ(rbuf_pool_maps_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}

/* --- Resize -------------------------------------------------------------------------- */

TEST(resize_grow_keeps_every_stored_byte)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(64, 1, 65536);

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	/* Head unaligned, window full: the shared segment must be split when growing. */
	CHECK_EQ(rbuf_init(&b, &pool, 4096, MOS_OVERLAP_POLICY_FIRST, 300), RBUF_OK);
	tr_write(&b, 300, 4096, 0);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 4);
	CHECK_EQ(rbuf_resize(&b, 20000, NULL), RBUF_OK);
	CHECK_EQ(rbuf_capacity(&b), 20480);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 5);
	tr_expect(&b, 300, 4096, 0);
	tr_write(&b, 4396, 16384, 0);
	tr_expect(&b, 300, 20480, 0);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 20);
	CHECK_EQ(rbuf_resize(&b, 65536, NULL), RBUF_OK);
	tr_expect(&b, 300, 20480, 0);
	rbuf_fini(&b);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}

TEST(resize_shrink_discards_oldest_bytes_and_reports_them)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(64, 1, 65536);
	uint64_t discarded = 99;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 16384, MOS_OVERLAP_POLICY_LAST, 1000), RBUF_OK);
	tr_write(&b, 1000, 5000, 0);
	tr_write(&b, 9000, 2000, 0); /* stored span [1000, 11000) with a hole */
	/* Shrinking to 12 KiB keeps everything. */
	CHECK_EQ(rbuf_resize(&b, 12288, &discarded), RBUF_OK);
	CHECK_EQ_U64(discarded, 0);
	tr_expect(&b, 1000, 5000, 0);
	/* 4 KiB: head moves to 11000 - 4096 = 6904; the in-order part [1000, 6000) is gone. */
	CHECK_EQ(rbuf_resize(&b, 4000, &discarded), RBUF_OK);
	CHECK_EQ_U64(discarded, 5000);
	CHECK_EQ_U64(rbuf_head(&b), 6904);
	CHECK_EQ(rbuf_frag_count(&b), 1);
	tr_expect(&b, 9000, 2000, 0);
	CHECK(rbuf_pool_segments_in_use(&pool) <= 3);
	/* To 1 KiB: only the newest 1024 bytes survive. */
	CHECK_EQ(rbuf_resize(&b, 1024, &discarded), RBUF_OK);
	CHECK_EQ_U64(discarded, 976);
	CHECK_EQ_U64(rbuf_head(&b), 9976);
	tr_expect(&b, 9976, 1024, 0);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 1);
	/* To 0: everything goes, the buffer is disabled. */
	CHECK_EQ(rbuf_resize(&b, 0, &discarded), RBUF_OK);
	CHECK_EQ_U64(discarded, 1024);
	CHECK(!rbuf_enabled(&b));
	CHECK_EQ_U64(rbuf_head(&b), 11000);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	CHECK_EQ(rbuf_pool_maps_in_use(&pool), 0);
	/* And back on. */
	CHECK_EQ(rbuf_resize(&b, 2048, &discarded), RBUF_OK);
	CHECK_EQ(tr_write(&b, 11000, 2048, 0).stored, 2048);
	rbuf_fini(&b);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}

/* --- Reading ------------------------------------------------------------------------- */

TEST(in_order_stream_reads_back_through_read_and_spans)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(8, 0, 0);
	struct rbuf_span sp[4];
	uint64_t off = 0, consumed = 0;

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 8192, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK);
	/* An end host: append 1448-byte segments, consume through spans, release. */
	for (int n = 0; n < 2000; n++) {
		struct rbuf_write_info i = tr_write(&b, off, 1448, 0);
		uint32_t count, total = 0;
		CHECK(i.stored == 1448 && i.status == RBUF_OK);
		off += 1448;
		count = rbuf_spans(&b, consumed, 4096, sp, 4);
		CHECK(count >= 1 && count <= 4);
		for (uint32_t s = 0; s < count; s++) {
			for (uint32_t k = 0; k < sp[s].len; k++)
				CHECK(sp[s].data[k] == rm_byte(consumed + total + k, 0));
			total += sp[s].len;
		}
		consumed += total;
		rbuf_release(&b, consumed);
		CHECK(rbuf_pool_segments_in_use(&pool) <= 8);
	}
	CHECK_EQ(rbuf_read(&b, consumed, tr_buf, 100000), off - consumed);
	rbuf_fini(&b);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}

TEST(read_stops_at_holes_and_fails_off_the_stored_data)
{
	struct rbuf_pool pool;
	struct rbuf b;
	struct rbuf_pool_config cfg = tr_cfg(8, 0, 0);

	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 8192, MOS_OVERLAP_POLICY_FIRST, 0), RBUF_OK);
	tr_write(&b, 0, 100, 0);
	tr_write(&b, 200, 100, 0);
	CHECK_EQ(rbuf_read(&b, 50, tr_buf, 1000), 50);
	CHECK_EQ(rbuf_read(&b, 100, tr_buf, 1000), 0);
	CHECK_EQ(rbuf_read(&b, 250, tr_buf, 10), 10);
	CHECK_EQ(rbuf_read(&b, 300, tr_buf, 10), 0);
	CHECK_EQ(rbuf_read(&b, UINT64_MAX, tr_buf, 10), 0);
	CHECK_EQ_U64(rbuf_contig_end(&b), 100);
	CHECK_EQ_U64(rbuf_stored_bytes(&b), 200);
	/* Releasing into the hole: head is a hole, contig_end = head. */
	CHECK_EQ_U64(rbuf_release(&b, 150), 100);
	CHECK_EQ_U64(rbuf_contig_end(&b), 150);
	CHECK_EQ(rbuf_frag_count(&b), 1);
	rbuf_fini(&b);
	rbuf_pool_fini(&pool);
}

TEST(append_in_seg_matches_write_for_in_order_appends)
{
	struct rbuf_pool pool;
	struct rbuf a, b;
	struct rbuf_pool_config cfg = tr_cfg(16, 0, 0);
	struct prng rng;
	static uint8_t got_a[4096], got_b[4096];
	uint64_t off = 1000; /* head not 1 KiB-aligned: the last slot shares the first one */
	uint32_t fast = 0, refused = 0;

	prng_init(&rng, tr_seed(7));
	CHECK_EQ(rbuf_pool_init(&pool, &cfg, NULL), RBUF_OK);
	CHECK_EQ(rbuf_init(&a, &pool, 4096, MOS_OVERLAP_POLICY_FIRST, off), RBUF_OK);
	CHECK_EQ(rbuf_init(&b, &pool, 4096, MOS_OVERLAP_POLICY_FIRST, off), RBUF_OK);
	/* Twin buffers fed the same in-order stream, mostly small appends (some empty, some
	 * crossing a segment, some past the window), one through rbuf_append_in_seg with
	 * rbuf_write as the fallback, the other through rbuf_write only. */
	for (int n = 0; n < 20000; n++) {
		uint32_t kind = (uint32_t)prng_below(&rng, 10);
		uint32_t len = kind == 0  ? 0
			       : kind < 8 ? (uint32_t)prng_below(&rng, 200) + 1
					  : (uint32_t)prng_below(&rng, 1500) + 1;
		if (prng_below(&rng, 4) != 0 && off + len > rbuf_window_end(&a)) {
			uint64_t h = off + len - rbuf_capacity(&a);
			CHECK_EQ_U64(rbuf_release(&a, h), rbuf_release(&b, h));
		}
		struct rbuf_write_info ia, ib;
		rm_fill(tr_buf, off, len, 0);
		CHECK_EQ(rbuf_write(&b, off, tr_buf, len, &ib), ib.status);
		if (rbuf_append_in_seg(&a, off, tr_buf, len)) {
			fast++;
			CHECK(len > 0);
			CHECK_EQ(ib.stored, len);
			CHECK_EQ(ib.status, RBUF_OK);
		} else {
			refused++;
			CHECK_EQ(rbuf_write(&a, off, tr_buf, len, &ia), ia.status);
			CHECK_EQ(ia.stored, ib.stored);
			CHECK_EQ(ia.beyond, ib.beyond);
		}
		rbuf_validate(&a);
		rbuf_validate(&b);
		CHECK_EQ_U64(rbuf_head(&a), rbuf_head(&b));
		CHECK_EQ_U64(rbuf_tail(&a), rbuf_tail(&b));
		CHECK_EQ(rbuf_frag_count(&a), rbuf_frag_count(&b));
		uint64_t from = rbuf_head(&a), span = rbuf_tail(&a) - from;
		CHECK_EQ(rbuf_read(&a, from, got_a, sizeof got_a), span);
		CHECK_EQ(rbuf_read(&b, from, got_b, sizeof got_b), span);
		CHECK(memcmp(got_a, got_b, (size_t)span) == 0);
		for (uint64_t k = 0; k < span; k++)
			CHECK(got_a[k] == rm_byte(from + k, 0));
		if (ib.stored == len)
			off += len;
		else
			off = rbuf_tail(&b); /* the rest did not fit: go on from the tail */
	}
	mt_note("in-segment appends %u, refused %u", fast, refused);
	CHECK(fast > 1000 && refused > 1000);
	rbuf_fini(&a);
	rbuf_fini(&b);
	CHECK_EQ(rbuf_pool_segments_in_use(&pool), 0);
	rbuf_pool_fini(&pool);
}
