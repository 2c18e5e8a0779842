/* tcp_test_util.h - a bench for TCP state tests: one end-host engine (run to
 * completion on the sim link, virtual clock) and a raw peer port that sends exactly the
 * segments a test builds and reads back what the stack answers. Helpers open
 * connections in both directions so a test starts in the state it is about. */
#ifndef MOS_TEST_TCP_UTIL_H
#define MOS_TEST_TCP_UTIL_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "api/es.h"
#include "engine/config.h"
#include "engine/ctx.h"
#include "io/io_open.h"
#include "io/sim.h"
#include "mos_test.h"
#include "mtcp_util.h"
#include "tcp/tcp_int.h"
#include "wire/checksum.h"
#include "wire/frame.h"

#define TT_MS 1000000ull
#define TT_STACK_IP WIRE_IPV4(198, 51, 100, 1)
#define TT_PEER_IP WIRE_IPV4(198, 51, 100, 2)
#define TT_SPORT 80     /* the stack's listening port */
#define TT_PPORT 40000  /* the peer's port */
#define TT_PISS 1000000 /* the peer's initial sequence number */

struct tt {
	struct sim_net *net;
	struct mos_config *cfg, *pcfg;
	struct io_dev *io, *pio;
	struct eng_instance *inst;
	struct es_personality pers;
	struct eng_ctx *ctx;
	struct es_ctx *es;
	struct wire_mac stack_mac, peer_mac;
	uint32_t tsval; /* the peer's timestamp clock */
};

/* Options a peer segment carries. */
struct tt_opt {
	bool mss, ws, sack_perm, ts;
	uint16_t mss_val;
	uint8_t ws_val;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack[4][2];
};

/* A segment from the peer, or one received from the stack (parsed). */
struct tt_seg {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint16_t flags;
	uint16_t win;
	struct tt_opt o;
	uint8_t optbits; /* received: WIRE_TCPOPT_* present */
	const uint8_t *data;
	uint16_t len;
	uint8_t payload[2048]; /* received */
};

static inline struct mos_config *tt_parse(const char *text)
{
	struct mos_config *cfg = NULL;
	CHECK_MSG(mos_config_parse(text, strlen(text), "tt.conf", NULL, NULL, &cfg) == 0,
		  "config does not parse:\n%s", text);
	return cfg;
}

static inline struct io_dev *tt_open(struct sim_net *net, const struct mos_config *cfg)
{
	char err[256] = "";
	struct io_dev *io = NULL;
	struct io_open_args a = {
		.cfg = cfg, .queues = 1, .sim = net, .err = err, .err_len = sizeof err};
	CHECK_MSG(io_sim_open(&a, &io) == 0, "io_sim_open: %s", err);
	return io;
}

/* `extra`: more keys of the stack's mos block; it must set tcp_timeout and
 * tcp_tw_interval (e.g. " tcp_timeout = 2\n tcp_tw_interval = 500ms\n"). */
static inline void tt_setup_with(struct tt *b, const char *extra)
{
	memset(b, 0, sizeof *b);
	struct sim_net_params sp = sim_net_default_params();
	sp.seed = 7;
	b->net = sim_net_create(&sp);
	CHECK(b->net != NULL);
	char text[1024];
	snprintf(text, sizeof text,
		 "mos {\n forward = 0\n max_concurrency = 64\n max_num_buffers = 64\n"
		 " rmem_size = 16384\n wmem_size = 16384\n%s"
		 " netdev {\n  d0 0x1 device=link0 ip=198.51.100.1/24 mac=02:00:00:00:00:01\n "
		 "}\n"
		 " arp_table {\n  198.51.100.2 02:00:00:00:00:02\n }\n}\n",
		 extra != NULL ? extra : "");
	b->cfg = tt_parse(text);
	b->pcfg = tt_parse("mos {\n netdev {\n  p0 0x1 device=link0 ip=198.51.100.2/24 "
			   "mac=02:00:00:00:00:02\n }\n}\n");
	b->io = tt_open(b->net, b->cfg);
	b->pio = tt_open(b->net, b->pcfg);
	char err[256] = "";
	CHECK_MSG(eng_instance_create(b->cfg, b->io, &b->inst, err, sizeof err) == 0, "%s",
		  err);
	uint8_t secret[32];
	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)(i * 7 + 3);
	es_personality_init(&b->pers, secret);
	b->inst->end_host = &b->pers.base;
	b->ctx = eng_ctx_create(b->inst, 0, sim_net_now_ns(b->net));
	CHECK(b->ctx != NULL);
	b->es = es_of(b->ctx);
	CHECK(wire_mac_parse("02:00:00:00:00:01", &b->stack_mac));
	CHECK(wire_mac_parse("02:00:00:00:00:02", &b->peer_mac));
	b->tsval = 5000;
}

static inline void tt_setup(struct tt *b)
{
	tt_setup_with(b, " tcp_timeout = 0\n tcp_tw_interval = 500ms\n");
}

static inline void tt_teardown(struct tt *b)
{
	eng_ctx_destroy(b->ctx);
	eng_instance_destroy(b->inst);
	io_close(b->io);
	io_close(b->pio);
	mos_config_free(b->cfg);
	mos_config_free(b->pcfg);
	sim_net_destroy(b->net);
}

/* One poll of the stack at the current time. */
static inline void tt_poll(struct tt *b)
{
	eng_ctx_poll(b->ctx, sim_net_now_ns(b->net));
}

/* Advances virtual time by `ms`, polling the stack every millisecond. */
static inline void tt_run(struct tt *b, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		CHECK(sim_net_advance(b->net, TT_MS) == 0);
		tt_poll(b);
	}
}

static inline uint64_t tt_now_ms(struct tt *b)
{
	return sim_net_now_ns(b->net) / TT_MS;
}

static inline void tt_fill_opts(const struct tt_opt *o, struct wire_tcp_opts *w)
{
	memset(w, 0, sizeof *w);
	if (o->mss) {
		w->present |= WIRE_TCPOPT_MSS;
		w->mss = o->mss_val;
	}
	if (o->ws) {
		w->present |= WIRE_TCPOPT_WS;
		w->wscale = o->ws_val;
	}
	if (o->sack_perm)
		w->present |= WIRE_TCPOPT_SACK_PERM;
	if (o->ts) {
		w->present |= WIRE_TCPOPT_TS;
		w->ts_val = o->tsval;
		w->ts_ecr = o->tsecr;
	}
	if (o->nsack > 0) {
		w->present |= WIRE_TCPOPT_SACK;
		w->sack_count = o->nsack;
		for (int i = 0; i < o->nsack; i++) {
			w->sack[i].left = o->sack[i][0];
			w->sack[i].right = o->sack[i][1];
		}
	}
}

/* The peer transmits segment s (ports default to the test ports), then the stack
 * polls once. */
static inline void tt_send(struct tt *b, const struct tt_seg *s)
{
	uint8_t f[2048];
	struct wire_eth_repr eth = {
		.dst = b->stack_mac, .src = b->peer_mac, .ethertype = WIRE_ETHERTYPE_IPV4};
	size_t off = wire_eth_emit(&eth, f, sizeof f);
	struct wire_tcp_repr r;
	memset(&r, 0, sizeof r);
	r.sport = s->sport ? s->sport : TT_PPORT;
	r.dport = s->dport ? s->dport : TT_SPORT;
	r.seq = s->seq;
	r.ack = s->ack;
	r.flags = s->flags;
	r.window = s->win;
	tt_fill_opts(&s->o, &r.opts);
	size_t hl = wire_tcp_emit(&r, f + off + 20, sizeof f - off - 20);
	CHECK(hl >= 20);
	if (s->len > 0)
		memcpy(f + off + 20 + hl, s->data, s->len);
	struct wire_ipv4_repr ip = {.src = TT_PEER_IP,
				    .dst = TT_STACK_IP,
				    .proto = WIRE_IP_PROTO_TCP,
				    .ttl = 64,
				    .total_len = (uint16_t)(20 + hl + s->len)};
	wire_ipv4_emit(&ip, 0, f + off, 20);
	wire_tcp_fill_checksum(f + off + 20, (uint16_t)(hl + s->len), &ip, 0);
	size_t len = off + 20 + hl + s->len;
	struct io_buf buf;
	CHECK(io_alloc(b->pio, 0, &buf) == 0);
	memcpy(buf.data, f, len);
	buf.len = (uint16_t)len;
	buf.port = 0;
	CHECK_EQ(io_tx_burst(b->pio, 0, 0, &buf, 1), 1);
	tt_poll(b);
}

/* The next TCP segment the peer received (ARP and others skipped); false if none. */
static inline bool tt_recv(struct tt *b, struct tt_seg *s)
{
	for (int i = 0; i < 64; i++) {
		struct io_buf buf;
		if (io_rx_burst(b->pio, 0, 0, &buf, 1) == 0)
			return false;
		struct wire_pkt pkt;
		enum drop_reason why = wire_parse_frame(buf.data, buf.len, 0, &pkt);
		if (why != DROP_NONE || pkt.l4 != WIRE_L4_TCP) {
			io_free(b->pio, 0, &buf);
			continue;
		}
		memset(s, 0, sizeof *s);
		s->sport = pkt.tcp.sport;
		s->dport = pkt.tcp.dport;
		s->seq = pkt.tcp.seq;
		s->ack = pkt.tcp.ack;
		s->flags = pkt.tcp.flags;
		s->win = pkt.tcp.window;
		const struct wire_tcp_opts *o = &pkt.tcp.opts;
		s->optbits = o->present;
		s->o.mss_val = o->mss;
		s->o.ws_val = o->wscale;
		s->o.tsval = o->ts_val;
		s->o.tsecr = o->ts_ecr;
		s->o.nsack = (o->present & WIRE_TCPOPT_SACK) ? o->sack_count : 0;
		for (int k = 0; k < s->o.nsack; k++) {
			s->o.sack[k][0] = o->sack[k].left;
			s->o.sack[k][1] = o->sack[k].right;
		}
		s->len = pkt.payload_len;
		memcpy(s->payload, buf.data + pkt.payload_off, s->len);
		s->data = s->payload;
		CHECK(pkt.ipv4.src == TT_STACK_IP && pkt.ipv4.dst == TT_PEER_IP);
		io_free(b->pio, 0, &buf);
		return true;
	}
	return false;
}

static inline void tt_expect_none(struct tt *b)
{
	struct tt_seg s;
	CHECK_MSG(!tt_recv(b, &s), "unexpected segment flags 0x%x seq %u ack %u len %u",
		  s.flags, s.seq, s.ack, s.len);
}

/* Receives one segment and checks flags, seq, ack (when ACK is set) and its length. */
#define TT_EXPECT(b, s, fl, sq, ak, ln)                                                        \
	do {                                                                                   \
		CHECK_MSG(tt_recv((b), (s)), "no segment (expected flags 0x%x)",               \
			  (unsigned)(fl));                                                     \
		CHECK_MSG((s)->flags == (fl), "flags 0x%x, expected 0x%x", (s)->flags,         \
			  (unsigned)(fl));                                                     \
		CHECK_EQ((s)->seq, (uint32_t)(sq));                                            \
		if ((fl)&WIRE_TCP_ACK)                                                         \
			CHECK_EQ((s)->ack, (uint32_t)(ak));                                    \
		CHECK_EQ((s)->len, (ln));                                                      \
	} while (0)

/* A connection seen from both sides. */
struct tt_conn {
	int id;            /* the stack's socket id */
	struct tcp_tcb *t; /* its TCB */
	uint32_t pnxt;     /* the peer's next sequence number */
	uint32_t snxt;     /* the stack's next sequence number (what the peer acks) */
	uint16_t pport;
	bool ts;
};

static inline struct tcp_tcb *tt_tcb(struct tt *b, int id)
{
	void *obj;
	CHECK_EQ(socktab_get(&b->ctx->socks, id, &obj), MOS_SOCK_STREAM);
	return obj;
}

static inline int tt_listen(struct tt *b, uint16_t port, int backlog)
{
	int id = es_socket(b->es);
	CHECK(id >= 0);
	CHECK_EQ(es_bind(b->es, id, 0, port), 0);
	CHECK_EQ(es_listen(b->es, id, backlog), 0);
	return id;
}

/* The peer's timestamp option (its clock advances by one per segment). */
static inline struct tt_opt tt_ts(struct tt *b, uint32_t tsecr)
{
	struct tt_opt o = {.ts = true, .tsval = ++b->tsval, .tsecr = tsecr};
	return o;
}

/* Passive open on listener `lid`: SYN (all options when `opts`), SYN-ACK, ACK, accept. */
static inline struct tt_conn tt_accept_conn(struct tt *b, int lid, uint16_t pport, bool opts)
{
	struct tt_conn c = {.pport = pport, .ts = opts};
	struct tt_seg s = {.sport = pport, .seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 65535};
	if (opts)
		s.o = (struct tt_opt){.mss = true,
				      .mss_val = 1460,
				      .ws = true,
				      .ws_val = 0,
				      .sack_perm = true,
				      .ts = true,
				      .tsval = ++b->tsval};
	tt_send(b, &s);
	struct tt_seg r;
	CHECK(tt_recv(b, &r));
	CHECK_EQ(r.flags, WIRE_TCP_SYN | WIRE_TCP_ACK);
	CHECK_EQ(r.ack, TT_PISS + 1);
	struct tt_seg a = {.sport = pport,
			   .seq = TT_PISS + 1,
			   .ack = r.seq + 1,
			   .flags = WIRE_TCP_ACK,
			   .win = 65535};
	if (opts)
		a.o = tt_ts(b, r.o.tsval);
	tt_send(b, &a);
	uint32_t ip;
	uint16_t port;
	struct tcp_tcb *orphan;
	c.id = es_accept(b->es, lid, &ip, &port, &orphan);
	CHECK_MSG(c.id >= 0, "accept: %d", c.id);
	CHECK_EQ(ip, TT_PEER_IP);
	CHECK_EQ(port, pport);
	c.t = tt_tcb(b, c.id);
	CHECK_EQ(c.t->state, TCP_ESTABLISHED);
	c.pnxt = TT_PISS + 1;
	c.snxt = r.seq + 1;
	tt_expect_none(b);
	return c;
}

/* Active open: connect, the peer answers SYN-ACK (options when `opts`), the stack ACKs. */
static inline struct tt_conn tt_connect_conn(struct tt *b, uint16_t pport, bool opts)
{
	struct tt_conn c = {.pport = pport, .ts = opts};
	c.id = es_socket(b->es);
	CHECK(c.id >= 0);
	CHECK_EQ(es_connect(b->es, c.id, TT_PEER_IP, pport), 0);
	tt_poll(b);
	struct tt_seg syn;
	CHECK(tt_recv(b, &syn));
	CHECK_EQ(syn.flags, WIRE_TCP_SYN);
	c.t = tt_tcb(b, c.id);
	struct tt_seg sa = {.sport = pport,
			    .dport = syn.sport,
			    .seq = TT_PISS,
			    .ack = syn.seq + 1,
			    .flags = WIRE_TCP_SYN | WIRE_TCP_ACK,
			    .win = 65535};
	if (opts)
		sa.o = (struct tt_opt){.mss = true,
				       .mss_val = 1460,
				       .ws = true,
				       .ws_val = 0,
				       .sack_perm = true,
				       .ts = true,
				       .tsval = ++b->tsval,
				       .tsecr = syn.o.tsval};
	tt_send(b, &sa);
	struct tt_seg ack;
	TT_EXPECT(b, &ack, WIRE_TCP_ACK, syn.seq + 1, TT_PISS + 1, 0);
	CHECK_EQ(c.t->state, TCP_ESTABLISHED);
	c.pnxt = TT_PISS + 1;
	c.snxt = syn.seq + 1;
	return c;
}

/* A data or control segment of the peer on connection c (ACKs everything the stack
 * sent, timestamps when negotiated). */
static inline void tt_send_on(struct tt *b, struct tt_conn *c, uint16_t flags, const void *data,
			      uint16_t len)
{
	struct tt_seg s = {.sport = c->pport,
			   .dport = c->t->key.sport,
			   .seq = c->pnxt,
			   .ack = c->snxt,
			   .flags = flags,
			   .win = 65535,
			   .data = data,
			   .len = len};
	if (c->ts)
		s.o = tt_ts(b, c->t->ts_offset + (uint32_t)tt_now_ms(b));
	tt_send(b, &s);
	c->pnxt += len + ((flags & WIRE_TCP_FIN) ? 1u : 0u);
}

#endif /* MOS_TEST_TCP_UTIL_H */
