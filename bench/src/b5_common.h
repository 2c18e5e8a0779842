/* b5_common.h - what every B5 (monitor reassembly) harness shares, so that libnids and the
 * mOS-NG monitor are measured doing exactly the same work:
 *
 *   - b5_cap_load():   the whole pcap file is read into one buffer and indexed before any
 *                      timing starts (disk I/O is never measured);
 *   - b5_exp_load():   the generator's expected per-flow digests (CAPTURE.digests);
 *   - the per-byte callback contract:
 *         b5_flow_begin()  once per connection, when the harness first learns about it
 *                          (looks the 4-tuple up in the expectation table, starts two
 *                          streaming XXH64 states);
 *         b5_flow_data()   for every chunk of newly reassembled bytes, in stream order, for
 *                          either direction (hashes every byte: that is "reading" it);
 *         b5_flow_end()    when the connection ends (finishes both digests, compares);
 *   - b5_report():     prints the one RESULT line the bench scripts parse.
 *
 * Header only (static inline), included by gen_captures.c, nids_bench.c and the mOS-NG
 * monitor driver. The streaming XXH64 below is written from the public description of
 * the algorithm; gen_captures checks it against the library's one-shot XXH64().
 */
#ifndef MOS_BENCH_B5_COMMON_H
#define MOS_BENCH_B5_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Seconds on clock `clk` (CLOCK_MONOTONIC for wall time, CLOCK_THREAD_CPUTIME_ID for the
 * CPU time of the calling thread). */
static inline double b5_now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* --- streaming XXH64 ------------------------------------------------------------------ */

#define B5_P1 0x9E3779B185EBCA87ull
#define B5_P2 0xC2B2AE3D27D4EB4Full
#define B5_P3 0x165667B19E3779F9ull
#define B5_P4 0x85EBCA77C2B2AE63ull
#define B5_P5 0x27D4EB2F165667C5ull

struct b5_xxh64 {
	uint64_t v[4];
	uint64_t total;
	uint8_t mem[32];
	uint32_t memlen;
};

static inline uint64_t b5_rotl(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64u - r));
}

/* Little-endian loads; the memcpy compiles to one move on x86. */
static inline uint64_t b5_le64(const uint8_t *p)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
#else
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
#endif
}

static inline uint32_t b5_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline uint64_t b5_round(uint64_t acc, uint64_t lane)
{
	acc += lane * B5_P2;
	return b5_rotl(acc, 31) * B5_P1;
}

static inline void b5_xxh64_init(struct b5_xxh64 *s, uint64_t seed)
{
	s->v[0] = seed + B5_P1 + B5_P2;
	s->v[1] = seed + B5_P2;
	s->v[2] = seed;
	s->v[3] = seed - B5_P1;
	s->total = 0;
	s->memlen = 0;
}

static inline void b5_xxh64_update(struct b5_xxh64 *s, const void *data, size_t len)
{
	const uint8_t *p = data, *end = p + len;
	s->total += len;
	if (s->memlen + len < 32) {
		memcpy(s->mem + s->memlen, p, len);
		s->memlen += (uint32_t)len;
		return;
	}
	uint64_t v0 = s->v[0], v1 = s->v[1], v2 = s->v[2], v3 = s->v[3];
	if (s->memlen) {
		size_t fill = 32 - s->memlen;
		memcpy(s->mem + s->memlen, p, fill);
		p += fill;
		v0 = b5_round(v0, b5_le64(s->mem));
		v1 = b5_round(v1, b5_le64(s->mem + 8));
		v2 = b5_round(v2, b5_le64(s->mem + 16));
		v3 = b5_round(v3, b5_le64(s->mem + 24));
		s->memlen = 0;
	}
	while (end - p >= 32) {
		v0 = b5_round(v0, b5_le64(p));
		v1 = b5_round(v1, b5_le64(p + 8));
		v2 = b5_round(v2, b5_le64(p + 16));
		v3 = b5_round(v3, b5_le64(p + 24));
		p += 32;
	}
	s->v[0] = v0;
	s->v[1] = v1;
	s->v[2] = v2;
	s->v[3] = v3;
	if (p < end) {
		memcpy(s->mem, p, (size_t)(end - p));
		s->memlen = (uint32_t)(end - p);
	}
}

static inline uint64_t b5_xxh64_digest(const struct b5_xxh64 *s)
{
	uint64_t h;
	if (s->total >= 32) {
		h = b5_rotl(s->v[0], 1) + b5_rotl(s->v[1], 7) + b5_rotl(s->v[2], 12) +
		    b5_rotl(s->v[3], 18);
		for (int i = 0; i < 4; i++) {
			h ^= b5_round(0, s->v[i]);
			h = h * B5_P1 + B5_P4;
		}
	} else {
		h = s->v[2] /* the seed */ + B5_P5;
	}
	h += s->total;
	const uint8_t *p = s->mem, *end = s->mem + s->memlen;
	while (end - p >= 8) {
		h ^= b5_round(0, b5_le64(p));
		h = b5_rotl(h, 27) * B5_P1 + B5_P4;
		p += 8;
	}
	if (end - p >= 4) {
		h ^= (uint64_t)b5_le32(p) * B5_P1;
		h = b5_rotl(h, 23) * B5_P2 + B5_P3;
		p += 4;
	}
	while (p < end) {
		h ^= (uint64_t)*p * B5_P5;
		h = b5_rotl(h, 11) * B5_P1;
		p++;
	}
	h ^= h >> 33;
	h *= B5_P2;
	h ^= h >> 29;
	h *= B5_P3;
	h ^= h >> 32;
	return h;
}

/* --- the capture in memory ------------------------------------------------------------- */

struct b5_pkt {
	const uint8_t *data; /* Ethernet frame */
	uint32_t len;        /* captured length (the generator never truncates) */
	uint32_t ts_sec, ts_usec;
};

struct b5_cap {
	uint8_t *file; /* the whole file */
	size_t file_len;
	struct b5_pkt *pkts;
	size_t n;
	uint64_t frame_bytes; /* sum of captured frame lengths */
	int linktype;
};

static inline int b5_fail(const char *what, const char *path)
{
	fprintf(stderr, "b5: %s: %s%s%s\n", path, what, errno ? ": " : "",
		errno ? strerror(errno) : "");
	return -1;
}

/* Classic pcap, either byte order, microsecond or nanosecond magic (the generator writes
 * little-endian microsecond files). */
static inline int b5_cap_load(const char *path, struct b5_cap *c)
{
	memset(c, 0, sizeof *c);
	errno = 0;
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0)
		return b5_fail("cannot open", path);
	c->file_len = (size_t)st.st_size;
	c->file = malloc(c->file_len ? c->file_len : 1);
	if (!c->file)
		return b5_fail("out of memory", path);
	size_t got = 0;
	while (got < c->file_len) {
		ssize_t r = read(fd, c->file + got, c->file_len - got);
		if (r <= 0)
			return b5_fail("short read", path);
		got += (size_t)r;
	}
	close(fd);
	errno = 0;
	if (c->file_len < 24)
		return b5_fail("not a pcap file", path);
	uint32_t magic = b5_le32(c->file);
	int swap;
	int nsec = 0;
	if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
		swap = 0;
		nsec = magic == 0xa1b23c4du;
	} else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
		swap = 1;
		nsec = magic == 0x4d3cb2a1u;
	} else {
		return b5_fail("not a classic pcap file", path);
	}
#define B5_U32(p) (swap ? __builtin_bswap32(b5_le32(p)) : b5_le32(p))
	c->linktype = (int)(B5_U32(c->file + 20) & 0xffff);
	size_t cap = 1 << 16, off = 24;
	c->pkts = malloc(cap * sizeof *c->pkts);
	while (c->pkts && off + 16 <= c->file_len) {
		uint32_t incl = B5_U32(c->file + off + 8);
		if (off + 16 + incl > c->file_len)
			break;
		if (c->n == cap) {
			cap *= 2;
			struct b5_pkt *n = realloc(c->pkts, cap * sizeof *c->pkts);
			if (!n)
				break;
			c->pkts = n;
		}
		struct b5_pkt *k = &c->pkts[c->n++];
		k->ts_sec = B5_U32(c->file + off);
		k->ts_usec = B5_U32(c->file + off + 4) / (nsec ? 1000u : 1u);
		k->len = incl;
		k->data = c->file + off + 16;
		c->frame_bytes += incl;
		off += 16 + incl;
	}
#undef B5_U32
	if (!c->pkts)
		return b5_fail("out of memory", path);
	if (off != c->file_len)
		return b5_fail("truncated pcap file", path);
	return 0;
}

/* --- expected digests and the per-flow callback work ------------------------------------ */

/* One flow of the generator; the 4-tuple in host byte order, "client" = the SYN sender. */
struct b5_flow {
	uint32_t cli_ip, srv_ip;
	uint16_t cli_port, srv_port;
	uint64_t exp_len[2], exp_digest[2]; /* [0] client->server, [1] server->client */
	/* filled by the harness */
	struct b5_xxh64 h[2];
	uint64_t got_len[2], got_digest[2];
	uint8_t begun, ended, ok;
};

struct b5_exp {
	struct b5_flow *flows;
	size_t n;
	uint32_t *slots; /* open addressing: flow index + 1, 0 = empty */
	size_t mask;
	uint64_t payload_bytes; /* expected stream bytes, both directions */
	/* counted by the callbacks */
	uint64_t begun, ended, unknown, seen_bytes;
	/* accumulated over passes by b5_exp_pass_done() */
	uint64_t passes, flows_total, flows_ok_total;
	char name[64];
};

static inline uint64_t b5_tuple_hash(uint32_t cip, uint16_t cport, uint32_t sip, uint16_t sport)
{
	uint64_t k = ((uint64_t)cip << 32 | sip) ^ ((uint64_t)cport << 16 | sport) * B5_P1;
	k ^= k >> 31;
	k *= B5_P2;
	k ^= k >> 29;
	return k;
}

/* Reads CAPTURE.digests (see gen_captures.c for the format). */
static inline int b5_exp_load(const char *path, struct b5_exp *e)
{
	memset(e, 0, sizeof *e);
	errno = 0;
	FILE *f = fopen(path, "r");
	if (!f)
		return b5_fail("cannot open", path);
	char line[512];
	size_t cap = 1024;
	e->flows = calloc(cap, sizeof *e->flows);
	while (e->flows && fgets(line, sizeof line, f)) {
		if (strncmp(line, "capture ", 8) == 0) {
			sscanf(line + 8, "%63s", e->name);
			continue;
		}
		if (strncmp(line, "flow ", 5) != 0)
			continue;
		unsigned a[4], b[4], cp, sp;
		unsigned long long id, l0, l1, d0, d1;
		if (sscanf(line + 5, "%llu %u.%u.%u.%u %u %u.%u.%u.%u %u %llu %llx %llu %llx",
			   &id, &a[0], &a[1], &a[2], &a[3], &cp, &b[0], &b[1], &b[2], &b[3],
			   &sp, &l0, &d0, &l1, &d1) != 15) {
			fclose(f);
			errno = 0;
			return b5_fail("bad flow line", path);
		}
		if (e->n == cap) {
			cap *= 2;
			struct b5_flow *n = realloc(e->flows, cap * sizeof *e->flows);
			if (!n)
				break;
			e->flows = n;
		}
		struct b5_flow *fl = &e->flows[e->n++];
		memset(fl, 0, sizeof *fl);
		fl->cli_ip = a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3];
		fl->srv_ip = b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3];
		fl->cli_port = (uint16_t)cp;
		fl->srv_port = (uint16_t)sp;
		fl->exp_len[0] = l0;
		fl->exp_len[1] = l1;
		fl->exp_digest[0] = d0;
		fl->exp_digest[1] = d1;
		e->payload_bytes += l0 + l1;
	}
	fclose(f);
	if (!e->flows)
		return b5_fail("out of memory", path);
	size_t slots = 16;
	while (slots < 2 * e->n)
		slots *= 2;
	e->mask = slots - 1;
	e->slots = calloc(slots, sizeof *e->slots);
	if (!e->slots)
		return b5_fail("out of memory", path);
	for (size_t i = 0; i < e->n; i++) {
		struct b5_flow *fl = &e->flows[i];
		size_t s = b5_tuple_hash(fl->cli_ip, fl->cli_port, fl->srv_ip, fl->srv_port) &
			   e->mask;
		while (e->slots[s])
			s = (s + 1) & e->mask;
		e->slots[s] = (uint32_t)(i + 1);
	}
	return 0;
}

/* A connection starts: 4-tuple in host byte order, client = the side that sent the SYN.
 * Returns the flow to pass to b5_flow_data/b5_flow_end, or NULL for a flow the generator
 * did not write (counted; its bytes are then not hashed). */
static inline struct b5_flow *b5_flow_begin(struct b5_exp *e, uint32_t cli_ip,
					    uint16_t cli_port, uint32_t srv_ip,
					    uint16_t srv_port)
{
	size_t s = b5_tuple_hash(cli_ip, cli_port, srv_ip, srv_port) & e->mask;
	for (; e->slots[s]; s = (s + 1) & e->mask) {
		struct b5_flow *fl = &e->flows[e->slots[s] - 1];
		if (fl->cli_ip == cli_ip && fl->srv_ip == srv_ip && fl->cli_port == cli_port &&
		    fl->srv_port == srv_port) {
			if (!fl->begun) {
				fl->begun = 1;
				e->begun++;
				b5_xxh64_init(&fl->h[0], 0);
				b5_xxh64_init(&fl->h[1], 0);
			}
			return fl;
		}
	}
	e->unknown++;
	return NULL;
}

/* New in-order bytes of one direction: dir 0 = client->server, 1 = server->client. */
static inline void b5_flow_data(struct b5_flow *fl, int dir, const void *data, size_t len)
{
	if (fl)
		b5_xxh64_update(&fl->h[dir], data, len);
}

/* The connection ended (closed, reset, timed out or the harness is exiting). */
static inline void b5_flow_end(struct b5_exp *e, struct b5_flow *fl)
{
	if (!fl || fl->ended)
		return;
	fl->ended = 1;
	e->ended++;
	for (int d = 0; d < 2; d++) {
		fl->got_len[d] = fl->h[d].total;
		fl->got_digest[d] = b5_xxh64_digest(&fl->h[d]);
		e->seen_bytes += fl->got_len[d];
	}
	fl->ok = fl->got_len[0] == fl->exp_len[0] && fl->got_len[1] == fl->exp_len[1] &&
		 fl->got_digest[0] == fl->exp_digest[0] &&
		 fl->got_digest[1] == fl->exp_digest[1];
}

/* After feeding the whole capture once: counts the flows whose digests matched and
 * clears the per-flow state, so the same capture can be fed again (the timed loop may
 * feed it several times to run long enough without a larger file; the 4-tuples and
 * ISNs repeat, but every connection of a pass has ended before the next pass opens it
 * again). */
static inline void b5_exp_pass_done(struct b5_exp *e)
{
	e->passes++;
	for (size_t i = 0; i < e->n; i++) {
		struct b5_flow *fl = &e->flows[i];
		e->flows_total++;
		e->flows_ok_total += fl->ok;
		if (!fl->ok && e->flows_total - e->flows_ok_total <= 5)
			fprintf(stderr,
				"b5: pass %" PRIu64
				": flow %zu %08x:%u -> %08x:%u %s: c2s %" PRIu64 "/%" PRIu64
				" bytes, s2c %" PRIu64 "/%" PRIu64 " bytes\n",
				e->passes, i, fl->cli_ip, fl->cli_port, fl->srv_ip,
				fl->srv_port,
				!fl->begun   ? "never began"
				: !fl->ended ? "never ended"
					     : "differs",
				fl->got_len[0], fl->exp_len[0], fl->got_len[1], fl->exp_len[1]);
		fl->begun = fl->ended = fl->ok = 0;
	}
}

/* Moves every timestamp of the capture forward by `sec` seconds (between passes, so that
 * time never runs backwards for the harness). */
static inline void b5_cap_shift_time(struct b5_cap *c, uint32_t sec)
{
	for (size_t i = 0; i < c->n; i++)
		c->pkts[i].ts_sec += sec;
}

/* Seconds the capture spans, rounded up, plus one: the shift between passes. */
static inline uint32_t b5_cap_span(const struct b5_cap *c)
{
	return c->n ? c->pkts[c->n - 1].ts_sec - c->pkts[0].ts_sec + 2 : 1;
}

/* The floor any harness pays for the callback's work: the TCP payload of every packet,
 * in capture order, hashed into one XXH64 state (headers parsed just enough to find the
 * payload; no reassembly, no per-flow state). Thread CPU seconds for one pass. Not
 * inlined, so callgrind can count it alone (--toggle-collect=b5_callback_floor). */
__attribute__((noinline, unused)) static double b5_callback_floor(const struct b5_cap *c,
								  uint64_t *sink)
{
	struct b5_xxh64 h;
	b5_xxh64_init(&h, 0);
	double t0 = b5_now(CLOCK_THREAD_CPUTIME_ID);
	for (size_t i = 0; i < c->n; i++) {
		const uint8_t *p = c->pkts[i].data;
		if (c->pkts[i].len < 54 || p[12] != 0x08 || p[13] != 0 || p[23] != 6)
			continue;
		unsigned ihl = (p[14] & 15u) * 4, tot = (unsigned)p[16] << 8 | p[17];
		const uint8_t *t = p + 14 + ihl;
		unsigned doff = (t[12] >> 4) * 4u;
		if (tot > ihl + doff && 14 + tot <= c->pkts[i].len)
			b5_xxh64_update(&h, t + doff, tot - ihl - doff);
	}
	double t1 = b5_now(CLOCK_THREAD_CPUTIME_ID);
	*sink = b5_xxh64_digest(&h);
	return t1 - t0;
}

/* --- the RESULT line ---------------------------------------------------------------------- */

/* Prints (stdout) one line:
 *   RESULT bench=b5 impl=IMPL capture=NAME passes=P packets=.. frame_bytes=..
 *          payload_bytes=.. seconds=.. cpu_seconds=.. gbps=.. mpps=.. gbps_wall=..
 *          mpps_wall=.. flows=.. flows_ok=.. digests=ok|MISMATCH|partial [extra]
 * packets, frame_bytes and payload_bytes are totals over the P passes; seconds and
 * cpu_seconds the wall-clock and thread-CPU time of the timed loop (all passes). gbps and
 * mpps are per core: frame bits (Ethernet header included; no preamble, FCS or gap) and
 * packets divided by cpu_seconds; the _wall variants divide by seconds. flows and
 * flows_ok count over all passes (call b5_exp_pass_done() after each). `partial` = the
 * harness fed only part of the capture (no verdict). Returns 0 when every flow of every
 * pass ended with both digests matching and nothing unknown was seen. */
static inline int b5_report(const char *impl, const struct b5_cap *c, const struct b5_exp *e,
			    int partial, double wall_s, double cpu_s, const char *extra)
{
	uint64_t passes = e->passes ? e->passes : 1;
	uint64_t pk = c->n * passes, fb = c->frame_bytes * passes;
	int good = e->flows_ok_total == e->flows_total && e->unknown == 0 && e->passes > 0;
	printf("RESULT bench=b5 impl=%s capture=%s passes=%" PRIu64 " packets=%" PRIu64
	       " frame_bytes=%" PRIu64 " payload_bytes=%" PRIu64
	       " seconds=%.4f cpu_seconds=%.4f gbps=%.3f mpps=%.3f gbps_wall=%.3f "
	       "mpps_wall=%.3f"
	       " flows=%" PRIu64 " flows_ok=%" PRIu64 " digests=%s%s%s\n",
	       impl, e->name[0] ? e->name : "?", passes, pk, fb, e->payload_bytes * passes,
	       wall_s, cpu_s, (double)fb * 8 / cpu_s / 1e9, (double)pk / cpu_s / 1e6,
	       (double)fb * 8 / wall_s / 1e9, (double)pk / wall_s / 1e6, e->flows_total,
	       e->flows_ok_total,
	       partial ? "partial"
	       : good  ? "ok"
		       : "MISMATCH",
	       extra && *extra ? " " : "", extra ? extra : "");
	fflush(stdout);
	if (!partial && e->unknown)
		fprintf(stderr, "b5: %" PRIu64 " connections not in the digest file\n",
			e->unknown);
	if (partial)
		return 0;
	return good ? 0 : 1;
}

#endif /* MOS_BENCH_B5_COMMON_H */
