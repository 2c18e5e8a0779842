/* gen_captures.c - deterministic synthetic TCP captures for B5 (monitor reassembly).
 *
 * Usage: gen_captures OUTDIR [--scale S] [--concurrency C] [--seed N] [--only NAME]
 *
 * Writes, for each capture NAME in {inorder, reorder, small}:
 *   OUTDIR/NAME.pcap     classic pcap, little-endian, microseconds, Ethernet (DLT 1)
 *   OUTDIR/NAME.digests  per flow: 4-tuple and XXH64 (seed 0) + length of the bytes of
 *                        each direction, i.e. what a reassembler must deliver
 * and OUTDIR/manifest (one line per capture with the parameters and totals; the bench
 * script compares it to decide whether the captures must be regenerated).
 *
 * Traffic model (everything derives from the seed, default 20261126, so the files are
 * byte-identical on every run and machine):
 *   - round(2000 * S) HTTP-like flows (client 10.0.x.y:port -> server 10.200.0.z:80), at
 *     most C of them (default 256) active at a time; a finished flow is replaced by the
 *     next one. Each step picks an active flow at random and lets it emit a burst of 1-16
 *     of its packets, so flows interleave the way window bursts do on a busy link.
 *   - each flow: SYN / SYN-ACK / ACK (MSS, window scale 7 and SACK-permitted options), a
 *     GET request of 90-500 bytes, a response (HTTP header + body) whose body size is
 *     drawn from a heavy-tailed mixture: half "small objects" log-uniform in 1-64 KB, half
 *     bounded Pareto (alpha 1.2, 256 KB .. 32 MB); data in MSS-sized segments; the
 *     receiver ACKs every second segment (at once on anything out of order); teardown
 *     FIN/ACK, ACK, FIN/ACK, ACK (the server closes first). About 0.9 GB at S = 1.
 *   - inorder: MSS 1448, nothing perturbed.
 *   - reorder: the same flows (same tuples, ISNs, bytes); 1 % of data segments are swapped
 *     with the next segment of the same direction, and 0.1 % are lost before the capture
 *     point and retransmitted after the sender has sent three more segments (fast
 *     retransmit on three duplicate ACKs; at the end of a message right after its last
 *     segment), so every stream is still complete. The receiver's ACKs follow what it has
 *     actually received (duplicate ACKs on holes).
 *   - small: the worst case, MSS 64 (every data segment carries <= 64 bytes), response
 *     bodies divided by 16 to keep the packet count near the others'.
 * All IPv4 header and TCP checksums are correct; IP ids count per direction; DF is set.
 * Timestamps start at 2026-11-26T00:00:00Z and advance as if the frames were sent back to
 * back at 10 Gb/s.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "b5_common.h"
#include "mtcp_util.h"

#define DEFAULT_SEED 20261126ull
#define FLOWS_AT_SCALE_1 2000
#define MAX_OOO 256
#define EPOCH_NS (1795651200ull * 1000000000ull) /* 2026-11-26T00:00:00Z */

/* --- deterministic randomness (splitmix64) --------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	r->s += 0x9E3779B97F4A7C15ull;
	return mix64(r->s);
}

static double rnd01(struct rng *r) /* [0, 1) */
{
	return (double)(rnd(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rnd(r) % n);
}

/* --- captures and flows ------------------------------------------------------------------ */

struct spec {
	const char *name;
	uint32_t mss;
	double p_reorder, p_loss;
	uint32_t body_div;
};

static const struct spec SPECS[] = {
	{"inorder", 1448, 0.0, 0.0, 1},
	{"reorder", 1448, 0.01, 0.001, 1},
	{"small", 64, 0.0, 0.0, 16},
};

enum { F_FIN = 0x01, F_SYN = 0x02, F_PSH = 0x08, F_ACK = 0x10 };

/* One packet of a flow; seq relative to the sender's ISN, ack to the peer's ISN. */
struct ev {
	uint32_t seq, ack;
	uint16_t len;
	uint8_t dir; /* 0 client->server, 1 server->client */
	uint8_t flags;
};

struct flow {
	uint32_t id;
	uint32_t ip[2]; /* [0] client, [1] server; host order */
	uint16_t port[2];
	uint32_t isn[2];
	uint64_t key; /* body content */
	char req[640];
	uint32_t req_len;
	uint16_t mss_opt;
	char hdr[192];
	uint32_t hdr_len;
	uint64_t body_len;
	/* packets */
	struct ev *evs;
	size_t nev, cap, next;
	uint16_t ipid[2];
};

struct stats {
	uint64_t packets, frame_bytes, payload_bytes, data_segments, reordered, lost;
};

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (!p) {
		fprintf(stderr, "gen_captures: out of memory\n");
		exit(2);
	}
	return p;
}

static uint64_t stream_len(const struct flow *f, int dir)
{
	return dir == 0 ? f->req_len : f->hdr_len + f->body_len;
}

/* Bytes [off, off+len) of direction dir's stream. */
static void stream_bytes(const struct flow *f, int dir, uint64_t off, size_t len, uint8_t *dst)
{
	if (dir == 0) {
		memcpy(dst, f->req + off, len);
		return;
	}
	while (len && off < f->hdr_len) {
		*dst++ = (uint8_t)f->hdr[off++];
		len--;
	}
	uint64_t bo = off - f->hdr_len;
	while (len) {
		uint64_t w = mix64(f->key + (bo >> 3) * 0x9E3779B97F4A7C15ull);
		unsigned sh = (unsigned)(bo & 7);
		size_t take = 8 - sh < len ? 8 - sh : len;
		w >>= 8 * sh;
		for (size_t i = 0; i < take; i++) {
			*dst++ = (uint8_t)w;
			w >>= 8;
		}
		bo += take;
		len -= take;
	}
}

static double bounded_pareto(struct rng *r, double lo, double hi, double alpha)
{
	double u = rnd01(r), la = pow(lo, alpha), ha = pow(hi, alpha);
	return pow((ha - u * (ha - la)) / (ha * la), -1.0 / alpha);
}

/* Parameters of flow `id`: depend only on the seed and the id (not on the capture). */
static void flow_init(struct flow *f, uint64_t seed, uint32_t id)
{
	memset(f, 0, sizeof *f);
	struct rng r = {mix64(seed ^ (0x51ED270B27AB9D1Dull * (id + 1ull)))};
	f->id = id;
	uint32_t slot = id % 60000u, round = id / 60000u;
	f->ip[0] = (10u << 24) | (slot + 256u); /* 10.0.1.0 .. 10.0.235.95 */
	f->port[0] = (uint16_t)(1024u + ((round ^ (uint32_t)(mix64(slot) & 0x7fff)) % 64000u));
	f->ip[1] = (10u << 24) | (200u << 16) | (1u + rnd_below(&r, 64));
	f->port[1] = 80;
	f->isn[0] = (uint32_t)rnd(&r);
	f->isn[1] = (uint32_t)rnd(&r);
	f->key = rnd(&r);
	uint32_t cookie = rnd_below(&r, 400);
	int n = snprintf(f->req, sizeof f->req,
			 "GET /objects/%08" PRIx32 ".bin HTTP/1.1\r\nHost: s%u.example.net\r\n"
			 "User-Agent: mos-ng-bench/1\r\nAccept: */*\r\nCookie: ",
			 (uint32_t)rnd(&r), (unsigned)(f->ip[1] & 0xff));
	for (uint32_t i = 0; i < cookie; i++)
		f->req[n++] = (char)('a' + rnd_below(&r, 26));
	memcpy(f->req + n, "\r\n\r\n", 4);
	f->req_len = (uint32_t)n + 4;
	double body = rnd01(&r) < 0.5
			      ? exp(log(1024.0) + rnd01(&r) * log(64.0))
			      : bounded_pareto(&r, 256.0 * 1024, 32.0 * 1024 * 1024, 1.2);
	f->body_len = (uint64_t)body;
}

static void flow_finish_params(struct flow *f, const struct spec *sp)
{
	f->body_len /= sp->body_div;
	if (f->body_len == 0)
		f->body_len = 1;
	f->hdr_len = (uint32_t)snprintf(f->hdr, sizeof f->hdr,
					"HTTP/1.1 200 OK\r\nContent-Length: %" PRIu64
					"\r\nContent-Type: application/octet-stream\r\n"
					"Connection: close\r\n\r\n",
					f->body_len);
}

static void push(struct flow *f, int dir, uint8_t flags, uint32_t seq, uint32_t ack,
		 uint32_t len)
{
	if (f->nev == f->cap) {
		f->cap = f->cap ? f->cap * 2 : 64;
		f->evs = xrealloc(f->evs, f->cap * sizeof *f->evs);
	}
	f->evs[f->nev++] = (struct ev){.seq = seq,
				       .ack = ack,
				       .len = (uint16_t)len,
				       .dir = (uint8_t)dir,
				       .flags = flags};
}

/* The receiver of one direction: cumulative point and out-of-order segments. */
struct rcv {
	uint64_t nxt;
	uint64_t ooo_a[MAX_OOO], ooo_b[MAX_OOO];
	int nooo;
	int unacked;
};

/* Direction `d` sends its whole stream (relative seq 1 ..) in MSS segments, perturbed;
 * the peer answers with ACKs. snd_other/rcv_other: the peer's own sequence position and
 * what `d` acknowledges of the peer. */
struct sender_ctx {
	struct flow *f;
	int d;
	uint32_t mss;
	uint64_t len;
	uint32_t peer_seq; /* relative seq the peer uses in its ACKs */
	uint32_t my_ack;   /* relative ack `d` puts on its data */
	struct rcv r;
	struct stats *st;
};

static void transmit(struct sender_ctx *c, uint64_t seg)
{
	uint64_t a = seg * c->mss, b = a + c->mss < c->len ? a + c->mss : c->len;
	uint8_t fl = F_ACK | (b == c->len ? F_PSH : 0);
	push(c->f, c->d, fl, (uint32_t)(1 + a), c->my_ack, (uint32_t)(b - a));
	c->st->data_segments++;
	/* the receiver */
	struct rcv *r = &c->r;
	int now = 0;
	if (a == r->nxt) {
		r->nxt = b;
		now = r->nooo > 0; /* filled (part of) a hole */
		for (int i = 0; i < r->nooo;) {
			if (r->ooo_a[i] <= r->nxt) {
				if (r->ooo_b[i] > r->nxt)
					r->nxt = r->ooo_b[i];
				r->ooo_a[i] = r->ooo_a[r->nooo - 1];
				r->ooo_b[i] = r->ooo_b[r->nooo - 1];
				r->nooo--;
				i = 0;
			} else {
				i++;
			}
		}
	} else if (a > r->nxt) {
		if (r->nooo == MAX_OOO) {
			fprintf(stderr, "gen_captures: too many out-of-order segments\n");
			exit(2);
		}
		r->ooo_a[r->nooo] = a;
		r->ooo_b[r->nooo] = b;
		r->nooo++;
		now = 1; /* duplicate ACK */
	} else {
		now = 1; /* old data again */
	}
	if (now || ++r->unacked >= 2) {
		push(c->f, !c->d, F_ACK, c->peer_seq, (uint32_t)(1 + r->nxt), 0);
		r->unacked = 0;
	}
}

static void send_stream(struct sender_ctx *c, const struct spec *sp, struct rng *pr)
{
	uint64_t k = (c->len + c->mss - 1) / c->mss;
	uint32_t *order = xrealloc(NULL, (k ? k : 1) * sizeof *order);
	for (uint64_t i = 0; i < k; i++)
		order[i] = (uint32_t)i;
	if (sp->p_reorder > 0) {
		for (uint64_t i = 0; i + 1 < k; i++) {
			if (rnd01(pr) < sp->p_reorder) {
				uint32_t t = order[i];
				order[i] = order[i + 1];
				order[i + 1] = t;
				c->st->reordered++;
				i++;
			}
		}
	}
	uint32_t pend_seg[MAX_OOO];
	int pend_cnt[MAX_OOO], npend = 0;
	for (uint64_t i = 0; i < k; i++) {
		if (sp->p_loss > 0 && npend < MAX_OOO && rnd01(pr) < sp->p_loss) {
			pend_seg[npend] = order[i];
			pend_cnt[npend] = 3;
			npend++;
			c->st->lost++;
			continue;
		}
		transmit(c, order[i]);
		for (int j = 0; j < npend;) {
			if (--pend_cnt[j] == 0) {
				transmit(c, pend_seg[j]);
				memmove(pend_seg + j, pend_seg + j + 1,
					(size_t)(npend - j - 1) * sizeof *pend_seg);
				memmove(pend_cnt + j, pend_cnt + j + 1,
					(size_t)(npend - j - 1) * sizeof *pend_cnt);
				npend--;
			} else {
				j++;
			}
		}
	}
	for (int j = 0; j < npend; j++)
		transmit(c, pend_seg[j]);
	free(order);
	if (c->r.nooo != 0 || c->r.nxt != c->len) {
		fprintf(stderr, "gen_captures: internal error: stream incomplete\n");
		exit(2);
	}
}

static void flow_build(struct flow *f, const struct spec *sp, uint64_t seed, struct stats *st)
{
	struct rng pr = {mix64(seed ^ 0xC0FFEEull ^ (0x2545F4914F6CDD1Dull * (f->id + 1ull)))};
	uint32_t req = f->req_len, resp = (uint32_t)stream_len(f, 1);
	f->nev = f->next = 0;
	push(f, 0, F_SYN, 0, 0, 0);
	push(f, 1, F_SYN | F_ACK, 0, 1, 0);
	push(f, 0, F_ACK, 1, 1, 0);
	struct sender_ctx c = {.f = f,
			       .d = 0,
			       .mss = sp->mss,
			       .len = req,
			       .peer_seq = 1,
			       .my_ack = 1,
			       .st = st};
	send_stream(&c, sp, &pr);
	/* the response's first segment carries the server's ACK of the whole request */
	c = (struct sender_ctx){.f = f,
				.d = 1,
				.mss = sp->mss,
				.len = resp,
				.peer_seq = 1 + req,
				.my_ack = 1 + req,
				.st = st};
	send_stream(&c, sp, &pr);
	if (c.r.unacked) /* delayed ACK of the tail */
		push(f, 0, F_ACK, 1 + req, 1 + resp, 0);
	push(f, 1, F_FIN | F_ACK, 1 + resp, 1 + req, 0);
	push(f, 0, F_ACK, 1 + req, 2 + resp, 0);
	push(f, 0, F_FIN | F_ACK, 1 + req, 2 + resp, 0);
	push(f, 1, F_ACK, 2 + resp, 2 + req, 0);
}

/* --- frames and the pcap file ------------------------------------------------------------ */

static void put16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void put32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* Ones'-complement sum of big-endian 16-bit words (odd tail padded with zero). */
static uint64_t csum_add(uint64_t sum, const uint8_t *p, size_t len)
{
	while (len >= 4) {
		sum += (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

static uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

struct out {
	FILE *f;
	uint64_t ns; /* virtual clock */
	struct stats st;
};

static void emit(struct out *o, struct flow *f, const struct ev *e)
{
	uint8_t fr[14 + 20 + 32 + 1500];
	int d = e->dir;
	static const uint8_t mac[2][6] = {{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}};
	memcpy(fr, mac[!d], 6);
	memcpy(fr + 6, mac[d], 6);
	put16(fr + 12, 0x0800);
	uint8_t *ip = fr + 14, *tcp = ip + 20;
	uint32_t optlen = (e->flags & F_SYN) ? 12 : 0;
	uint32_t tcplen = 20 + optlen + e->len, iplen = 20 + tcplen;
	ip[0] = 0x45;
	ip[1] = 0;
	put16(ip + 2, iplen);
	put16(ip + 4, f->ipid[d]++);
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	put16(ip + 10, 0);
	put32(ip + 12, f->ip[d]);
	put32(ip + 16, f->ip[!d]);
	put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
	put16(tcp, f->port[d]);
	put16(tcp + 2, f->port[!d]);
	put32(tcp + 4, f->isn[d] + e->seq);
	put32(tcp + 8, (e->flags & F_ACK) ? f->isn[!d] + e->ack : 0);
	tcp[12] = (uint8_t)(((20 + optlen) / 4) << 4);
	tcp[13] = e->flags;
	put16(tcp + 14, (e->flags & F_SYN) ? 65535 : 2048); /* 2048 << 7 = 256 KB */
	put16(tcp + 16, 0);
	put16(tcp + 18, 0);
	if (optlen) {
		uint8_t *op = tcp + 20;
		op[0] = 2; /* MSS */
		op[1] = 4;
		put16(op + 2, f->mss_opt);
		op[4] = 1; /* NOP, window scale 7 */
		op[5] = 3;
		op[6] = 3;
		op[7] = 7;
		op[8] = 4; /* SACK permitted, NOP NOP */
		op[9] = 2;
		op[10] = 1;
		op[11] = 1;
	}
	if (e->len)
		stream_bytes(f, d, e->seq - 1, e->len, tcp + 20 + optlen);
	uint8_t pseudo[12];
	memcpy(pseudo, ip + 12, 8);
	pseudo[8] = 0;
	pseudo[9] = 6;
	put16(pseudo + 10, tcplen);
	put16(tcp + 16, csum_fold(csum_add(csum_add(0, pseudo, 12), tcp, tcplen)));
	uint32_t flen = 14 + iplen;
	uint8_t ph[16];
	put32le(ph, (uint32_t)(o->ns / 1000000000u));
	put32le(ph + 4, (uint32_t)(o->ns / 1000u % 1000000u));
	put32le(ph + 8, flen);
	put32le(ph + 12, flen);
	if (fwrite(ph, 1, 16, o->f) != 16 || fwrite(fr, 1, flen, o->f) != flen) {
		fprintf(stderr, "gen_captures: write failed: %s\n", strerror(errno));
		exit(2);
	}
	o->ns += (uint64_t)(flen + 24) * 8 / 10; /* 10 Gb/s incl. preamble, FCS, gap */
	o->st.packets++;
	o->st.frame_bytes += flen;
	o->st.payload_bytes += e->len;
}

static uint64_t digest_dir(const struct flow *f, int dir)
{
	static uint8_t buf[1 << 16];
	struct b5_xxh64 h;
	b5_xxh64_init(&h, 0);
	uint64_t len = stream_len(f, dir);
	for (uint64_t off = 0; off < len; off += sizeof buf) {
		size_t n = len - off < sizeof buf ? (size_t)(len - off) : sizeof buf;
		stream_bytes(f, dir, off, n, buf);
		b5_xxh64_update(&h, buf, n);
	}
	return b5_xxh64_digest(&h);
}

static void ipstr(uint32_t a, char *s)
{
	sprintf(s, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255);
}

/* Starts flow `id` in slot f (keeping the slot's event buffer) and writes its digests. */
static void start_flow(struct flow *f, const struct spec *sp, uint64_t seed, uint32_t id,
		       struct stats *st, FILE *df)
{
	struct ev *keep = f->evs;
	size_t kcap = f->cap;
	flow_init(f, seed, id);
	f->evs = keep;
	f->cap = kcap;
	flow_finish_params(f, sp);
	f->mss_opt = (uint16_t)sp->mss;
	flow_build(f, sp, seed, st);
	char a[16], b[16];
	ipstr(f->ip[0], a);
	ipstr(f->ip[1], b);
	fprintf(df,
		"flow %u %s %u %s %u %" PRIu64 " %016" PRIx64 " %" PRIu64 " %016" PRIx64 "\n",
		f->id, a, f->port[0], b, f->port[1], stream_len(f, 0), digest_dir(f, 0),
		stream_len(f, 1), digest_dir(f, 1));
}

static int generate(const char *dir, const struct spec *sp, uint64_t seed, double scale,
		    uint32_t nflows, uint32_t conc, FILE *manifest)
{
	char path[4096], dpath[4096];
	snprintf(path, sizeof path, "%s/%s.pcap", dir, sp->name);
	snprintf(dpath, sizeof dpath, "%s/%s.digests", dir, sp->name);
	struct out o = {.f = fopen(path, "wb"), .ns = EPOCH_NS};
	FILE *df = fopen(dpath, "w");
	if (!o.f || !df) {
		fprintf(stderr, "gen_captures: cannot create %s: %s\n", !o.f ? path : dpath,
			strerror(errno));
		return 2;
	}
	static char obuf[1 << 22];
	setvbuf(o.f, obuf, _IOFBF, sizeof obuf);
	uint8_t gh[24];
	put32le(gh, 0xa1b2c3d4u);
	gh[4] = 2, gh[5] = 0, gh[6] = 4, gh[7] = 0;
	put32le(gh + 8, 0);
	put32le(gh + 12, 0);
	put32le(gh + 16, 65535);
	put32le(gh + 20, 1);
	fwrite(gh, 1, 24, o.f);
	fprintf(df,
		"# mOS-NG bench capture: expected per-flow stream digests (XXH64, seed 0)\n");
	fprintf(df, "capture %s\n", sp->name);
	fprintf(df,
		"params seed=%" PRIu64 " scale=%g flows=%u concurrency=%u mss=%u reorder=%g "
		"loss=%g body_div=%u\n",
		seed, scale, nflows, conc, sp->mss, sp->p_reorder, sp->p_loss, sp->body_div);
	fprintf(df, "# flow ID CLIENT_IP CLIENT_PORT SERVER_IP SERVER_PORT C2S_LEN C2S_XXH64 "
		    "S2C_LEN S2C_XXH64\n");

	struct flow *slots = xrealloc(NULL, conc * sizeof *slots);
	uint32_t *active = xrealloc(NULL, conc * sizeof *active);
	uint32_t nactive = 0, next = 0;
	struct rng sched = {mix64(seed ^ 0x5CED)};
	for (uint32_t i = 0; i < conc; i++) {
		memset(&slots[i], 0, sizeof slots[i]);
		active[nactive++] = i;
	}
	for (uint32_t i = 0; i < nactive;) {
		if (next >= nflows) {
			active[i] = active[--nactive];
			continue;
		}
		start_flow(&slots[active[i]], sp, seed, next++, &o.st, df);
		i++;
	}
	while (nactive) {
		uint32_t j = rnd_below(&sched, nactive);
		struct flow *f = &slots[active[j]];
		uint32_t burst = 1 + rnd_below(&sched, 16);
		while (burst-- && f->next < f->nev)
			emit(&o, f, &f->evs[f->next++]);
		if (f->next < f->nev)
			continue;
		if (next >= nflows) {
			free(f->evs);
			f->evs = NULL;
			active[j] = active[--nactive];
			continue;
		}
		start_flow(f, sp, seed, next++, &o.st, df);
	}
	free(slots);
	free(active);
	fprintf(df,
		"totals packets=%" PRIu64 " frame_bytes=%" PRIu64 " payload_bytes=%" PRIu64
		" data_segments=%" PRIu64 " reordered=%" PRIu64 " lost=%" PRIu64 "\n",
		o.st.packets, o.st.frame_bytes, o.st.payload_bytes, o.st.data_segments,
		o.st.reordered, o.st.lost);
	if (fclose(o.f) != 0 || fclose(df) != 0) {
		fprintf(stderr, "gen_captures: write failed: %s\n", strerror(errno));
		return 2;
	}
	fprintf(manifest,
		"%s seed=%" PRIu64 " scale=%g flows=%u concurrency=%u mss=%u packets=%" PRIu64
		" frame_bytes=%" PRIu64 " data_segments=%" PRIu64 " reordered=%" PRIu64
		" lost=%" PRIu64 "\n",
		sp->name, seed, scale, nflows, conc, sp->mss, o.st.packets, o.st.frame_bytes,
		o.st.data_segments, o.st.reordered, o.st.lost);
	printf("%-8s %10" PRIu64 " packets %8.1f MB of frames %6" PRIu64 " reordered %5" PRIu64
	       " lost  -> %s\n",
	       sp->name, o.st.packets, (double)o.st.frame_bytes / 1e6, o.st.reordered,
	       o.st.lost, path);
	return 0;
}

/* The streaming XXH64 of b5_common.h must equal the library's one-shot XXH64. */
static int self_check(void)
{
	uint8_t buf[4096];
	struct rng r = {1};
	for (size_t i = 0; i < sizeof buf; i++)
		buf[i] = (uint8_t)rnd(&r);
	for (size_t len = 0; len <= sizeof buf; len = len < 80 ? len + 1 : len * 2 + 7) {
		size_t l = len < sizeof buf ? len : sizeof buf;
		struct b5_xxh64 h;
		b5_xxh64_init(&h, 0);
		for (size_t off = 0; off < l;) { /* odd chunk sizes */
			size_t n = 1 + (off * 7 + 3) % 45;
			n = n < l - off ? n : l - off;
			b5_xxh64_update(&h, buf + off, n);
			off += n;
		}
		if (b5_xxh64_digest(&h) != XXH64(buf, l, 0)) {
			fprintf(stderr, "gen_captures: streaming XXH64 differs at length %zu\n",
				l);
			return 1;
		}
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: gen_captures OUTDIR [--scale S] [--concurrency C] [--seed N] "
			"[--only inorder|reorder|small]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-')
		usage();
	const char *dir = argv[1], *only = NULL;
	double scale = 1.0;
	uint64_t seed = DEFAULT_SEED;
	uint32_t conc = 256;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--scale") == 0)
			scale = atof(argv[++i]);
		else if (strcmp(argv[i], "--concurrency") == 0)
			conc = (uint32_t)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--seed") == 0)
			seed = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--only") == 0)
			only = argv[++i];
		else
			usage();
	}
	if (scale <= 0 || conc == 0)
		usage();
	if (self_check())
		return 3;
	uint32_t nflows = (uint32_t)llround(FLOWS_AT_SCALE_1 * scale);
	if (nflows == 0)
		nflows = 1;
	if (conc > nflows)
		conc = nflows;
	mkdir(dir, 0755);
	char mpath[4096];
	snprintf(mpath, sizeof mpath, "%s/manifest", dir);
	FILE *mf = fopen(mpath, "w");
	if (!mf) {
		fprintf(stderr, "gen_captures: cannot create %s: %s\n", mpath, strerror(errno));
		return 2;
	}
	fprintf(mf, "gen_captures v1\n");
	int rc = 0, found = 0;
	for (size_t i = 0; i < sizeof SPECS / sizeof SPECS[0] && rc == 0; i++) {
		if (only && strcmp(only, SPECS[i].name) != 0)
			continue;
		found = 1;
		rc = generate(dir, &SPECS[i], seed, scale, nflows, conc, mf);
	}
	if (fclose(mf) != 0)
		rc = 2;
	if (!found)
		usage();
	return rc;
}
