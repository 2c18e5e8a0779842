/* mon_test.h - test bed of the monitor tests: one engine with the monitor personality
 * on the simulated network with a virtual clock, "peers" that inject frames (a tap's
 * view of a conversation) and receive what the monitor forwards, a scripted TCP
 * conversation builder, and an event log that callbacks fill.
 *
 * The engine context is adopted into the public API (api_proc) so that callbacks can
 * use every mtcp_* function, exactly as in an application; each test case runs in its
 * own process, so the process-wide state is fresh. */
#ifndef MOS_MON_TEST_H
#define MOS_MON_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "api/api_mon.h"
#include "api/api_process.h"
#include "engine/config.h"
#include "engine/ctx.h"
#include "io/io_open.h"
#include "io/sim.h"
#include "mon/mon.h"
#include "mos_test.h"
#include "wire/checksum.h"
#include "wire/frame.h"
#include "wire/wire.h"

#define MT_UNUSED __attribute__((unused))
#define MT_MS 1000000ull

struct mt_bed {
	struct sim_net *net;
	struct mos_config *cfg;
	struct io_dev *io;
	struct eng_instance *inst;
	struct eng_ctx *ctx;
	struct mon_ctx *mon;
	struct mos_config *pcfg[2];
	struct io_dev *pio[2]; /* peers on link0 / link1 (side B) */
	struct api_ctx *api;
	mctx_t m;
};

static MT_UNUSED struct mos_config *mt_parse(const char *text)
{
	struct mos_config *cfg = NULL;
	CHECK_MSG(mos_config_parse(text, strlen(text), "mon.conf", NULL, NULL, &cfg) == 0,
		  "config does not parse:\n%s", text);
	return cfg;
}

static MT_UNUSED struct io_dev *mt_open(struct sim_net *net, const struct mos_config *cfg)
{
	char err[256] = "";
	struct io_dev *io = NULL;
	struct io_open_args a = {
		.cfg = cfg, .queues = 1, .sim = net, .err = err, .err_len = sizeof err};
	CHECK_MSG(io_sim_open(&a, &io) == 0, "io_sim_open: %s", err);
	return io;
}

/* `keys`: extra lines of the mos block. ports 1: passive tap on link0; 2: inline
 * bridge link0 <-> link1 (forward = 1 must be in keys). */
static MT_UNUSED void mt_bed_init(struct mt_bed *b, const char *keys, int ports)
{
	char text[2048];
	memset(b, 0, sizeof *b);
	struct sim_net_params sp = sim_net_default_params();
	sp.seed = 7;
	b->net = sim_net_create(&sp);
	CHECK(b->net != NULL);
	snprintf(text, sizeof text,
		 "mos {\n%s\n netdev {\n  m0 0x1 device=link0 mac=02:00:00:00:00:01\n%s "
		 "}\n%s}\n",
		 keys, ports > 1 ? "  m1 0x1 device=link1 mac=02:00:00:00:00:11\n" : "",
		 ports > 1 ? " nic_forward_table {\n  m0 m1\n }\n" : "");
	b->cfg = mt_parse(text);
	b->io = mt_open(b->net, b->cfg);
	char err[256] = "";
	CHECK_MSG(eng_instance_create(b->cfg, b->io, &b->inst, err, sizeof err) == 0, "%s",
		  err);
	b->inst->monitor = &mon_personality;
	for (int i = 0; i < ports; i++) {
		snprintf(text, sizeof text,
			 "mos {\n netdev {\n  p0 0x1 device=link%d mac=02:00:00:00:00:%02x\n "
			 "}\n}\n",
			 i, 0x20 + i);
		b->pcfg[i] = mt_parse(text);
		b->pio[i] = mt_open(b->net, b->pcfg[i]);
	}
	b->ctx = eng_ctx_create(b->inst, 0, sim_net_now_ns(b->net));
	CHECK(b->ctx != NULL);
	b->mon = mon_of(b->ctx);
	CHECK(b->mon != NULL);
	/* Adopt the context into the public API. */
	struct api_ctx *c = calloc(1, sizeof *c);
	CHECK(c != NULL);
	c->pub.cpu = 0;
	c->eng = b->ctx;
	c->owner = pthread_self();
	atomic_store(&c->state, API_CTX_RUNNING);
	api_proc.ctx[0] = c;
	api_proc.inst = b->inst;
	api_mon_bind(c);
	b->api = c;
	b->m = &c->pub;
}

static MT_UNUSED void mt_bed_fini(struct mt_bed *b)
{
	api_proc.ctx[0] = NULL;
	api_proc.inst = NULL;
	eng_ctx_destroy(b->ctx);
	free(b->api);
	eng_instance_destroy(b->inst);
	io_close(b->io);
	for (int i = 0; i < 2; i++) {
		io_close(b->pio[i]);
		mos_config_free(b->pcfg[i]);
	}
	mos_config_free(b->cfg);
	sim_net_destroy(b->net);
}

/* Injects a frame into link `peer` toward the monitor. */
static MT_UNUSED void mt_inject(struct mt_bed *b, int peer, const uint8_t *f, size_t len)
{
	struct io_buf buf;
	CHECK(io_alloc(b->pio[peer], 0, &buf) == 0);
	CHECK(len <= buf.cap);
	memcpy(buf.data, f, len);
	buf.len = (uint16_t)len;
	buf.port = 0;
	CHECK_EQ(io_tx_burst(b->pio[peer], 0, 0, &buf, 1), 1);
}

/* One engine iteration 1 ms later: what was injected is one receive batch (<= 32). */
static MT_UNUSED void mt_poll(struct mt_bed *b)
{
	CHECK(sim_net_advance(b->net, MT_MS) == 0);
	eng_ctx_poll(b->ctx, sim_net_now_ns(b->net));
}

static MT_UNUSED void mt_run(struct mt_bed *b, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++)
		mt_poll(b);
}

/* The next frame peer `peer` received from the monitor (0 when none). */
static MT_UNUSED size_t mt_recv(struct mt_bed *b, int peer, uint8_t *out, size_t cap)
{
	struct io_buf buf;
	if (io_rx_burst(b->pio[peer], 0, 0, &buf, 1) == 0)
		return 0;
	size_t n = buf.len < cap ? buf.len : cap;
	memcpy(out, buf.data, n);
	io_free(b->pio[peer], 0, &buf);
	return n;
}

/* ---- a scripted conversation ----------------------------------------------------------------
 */

struct mt_conn {
	uint32_t ip[2]; /* [0] client, [1] server; host order */
	uint16_t port[2];
	uint32_t isn[2];
	uint32_t nxt[2]; /* next sequence number each endpoint sends */
	uint16_t win[2];
	int wscale[2]; /* -1: no option in the SYN */
	int vlan;      /* -1: untagged */
};

static MT_UNUSED void mt_conn_init(struct mt_conn *c, uint32_t cip, uint16_t cport,
				   uint32_t sip, uint16_t sport)
{
	memset(c, 0, sizeof *c);
	c->ip[0] = cip;
	c->ip[1] = sip;
	c->port[0] = cport;
	c->port[1] = sport;
	c->isn[0] = 1000;
	c->isn[1] = 5000;
	c->nxt[0] = c->isn[0];
	c->nxt[1] = c->isn[1];
	c->win[0] = c->win[1] = 65535;
	c->wscale[0] = c->wscale[1] = -1;
	c->vlan = -1;
}

/* Builds one frame from endpoint `from`. Returns its length. */
static MT_UNUSED size_t mt_frame(uint8_t *f, const struct mt_conn *c, int from, uint32_t seq,
				 uint32_t ack, uint16_t flags, const void *data, uint16_t len)
{
	struct wire_eth_repr eth = {.ethertype = WIRE_ETHERTYPE_IPV4};
	eth.src.b[0] = 0x02;
	eth.src.b[5] = (uint8_t)(0x40 + from);
	eth.dst.b[0] = 0x02;
	eth.dst.b[5] = (uint8_t)(0x40 + !from);
	if (c->vlan >= 0) {
		eth.vlan_count = 1;
		eth.vlan_tpid[0] = WIRE_ETHERTYPE_VLAN;
		eth.vlan_tci[0] = (uint16_t)c->vlan;
	}
	size_t off = wire_eth_emit(&eth, f, 2048);
	struct wire_tcp_repr t = {.sport = c->port[from],
				  .dport = c->port[!from],
				  .seq = seq,
				  .ack = ack,
				  .flags = flags,
				  .window = c->win[from]};
	if ((flags & WIRE_TCP_SYN) && c->wscale[from] >= 0) {
		t.opts.present = WIRE_TCPOPT_WS | WIRE_TCPOPT_MSS;
		t.opts.wscale = (uint8_t)c->wscale[from];
		t.opts.mss = 1460;
	}
	uint8_t tcp[64];
	size_t th = wire_tcp_emit(&t, tcp, sizeof tcp);
	CHECK(th >= 20);
	struct wire_ipv4_repr ip = {.src = c->ip[from],
				    .dst = c->ip[!from],
				    .proto = WIRE_IP_PROTO_TCP,
				    .ttl = 64,
				    .id = 1,
				    .total_len = (uint16_t)(20 + th + len)};
	off += wire_ipv4_emit(&ip, 0, f + off, 2048 - off);
	memcpy(f + off, tcp, th);
	if (len > 0)
		memcpy(f + off + th, data, len);
	wire_tcp_fill_checksum(f + off, (uint16_t)(th + len), &ip, 0);
	return off + th + len;
}

static MT_UNUSED void mt_seg(struct mt_bed *b, const struct mt_conn *c, int from, uint32_t seq,
			     uint32_t ack, uint16_t flags, const void *data, uint16_t len)
{
	uint8_t f[2048];
	size_t n = mt_frame(f, c, from, seq, ack, flags, data, len);
	mt_inject(b, 0, f, n);
}

static MT_UNUSED void mt_syn(struct mt_bed *b, struct mt_conn *c)
{
	mt_seg(b, c, 0, c->isn[0], 0, WIRE_TCP_SYN, NULL, 0);
	c->nxt[0] = c->isn[0] + 1;
}

static MT_UNUSED void mt_synack(struct mt_bed *b, struct mt_conn *c)
{
	mt_seg(b, c, 1, c->isn[1], c->nxt[0], WIRE_TCP_SYN | WIRE_TCP_ACK, NULL, 0);
	c->nxt[1] = c->isn[1] + 1;
}

static MT_UNUSED void mt_ack(struct mt_bed *b, struct mt_conn *c, int from)
{
	mt_seg(b, c, from, c->nxt[from], c->nxt[!from], WIRE_TCP_ACK, NULL, 0);
}

static MT_UNUSED void mt_data(struct mt_bed *b, struct mt_conn *c, int from, const void *d,
			      uint16_t len)
{
	mt_seg(b, c, from, c->nxt[from], c->nxt[!from], WIRE_TCP_ACK | WIRE_TCP_PSH, d, len);
	c->nxt[from] += len;
}

static MT_UNUSED void mt_fin(struct mt_bed *b, struct mt_conn *c, int from)
{
	mt_seg(b, c, from, c->nxt[from], c->nxt[!from], WIRE_TCP_ACK | WIRE_TCP_FIN, NULL, 0);
	c->nxt[from] += 1;
}

static MT_UNUSED void mt_rst(struct mt_bed *b, struct mt_conn *c, int from)
{
	mt_seg(b, c, from, c->nxt[from], c->nxt[!from], WIRE_TCP_ACK | WIRE_TCP_RST, NULL, 0);
}

/* SYN, SYN/ACK, ACK, each in its own batch. */
static MT_UNUSED void mt_handshake(struct mt_bed *b, struct mt_conn *c)
{
	mt_syn(b, c);
	mt_poll(b);
	mt_synack(b, c);
	mt_poll(b);
	mt_ack(b, c, 0);
	mt_poll(b);
}

/* ---- event log
 * ---------------------------------------------------------------------------------- */

#define MT_LOG_MAX 8192

struct mt_ev {
	char hook; /* 'S', 'R', 'N' */
	int sock, side;
	event_t ev;
	int state; /* STATE_CHANGE: the new state of `side` */
	int tag;   /* which callback (mt_cb_tagged) */
};

static struct mt_ev mt_log[MT_LOG_MAX];
static int mt_nlog;

static MT_UNUSED const char *mt_ev_name(event_t ev)
{
	switch (ev) {
	case MOS_ON_PKT_IN:
		return "IN";
	case MOS_ON_CONN_START:
		return "START";
	case MOS_ON_CONN_NEW_DATA:
		return "DATA";
	case MOS_ON_ERROR:
		return "ERR";
	case MOS_ON_TCP_STATE_CHANGE:
		return "STATE";
	case MOS_ON_ORPHAN:
		return "ORPHAN";
	case MOS_ON_REXMIT:
		return "REXMIT";
	case MOS_ON_CONN_END:
		return "END";
	default:
		return "UDE";
	}
}

static MT_UNUSED const char *mt_state_name(int st)
{
	static const char *const n[] = {"CLOSED",      "LISTEN",     "SYN_SENT",   "SYN_RCVD",
					"ESTABLISHED", "FIN_WAIT_1", "FIN_WAIT_2", "CLOSE_WAIT",
					"CLOSING",     "LAST_ACK",   "TIME_WAIT"};
	return st >= 0 && st <= 10 ? n[st] : "?";
}

static MT_UNUSED void mt_record(char hook, mctx_t m, int sock, int side, event_t ev, int tag)
{
	CHECK(mt_nlog < MT_LOG_MAX);
	struct mt_ev *e = &mt_log[mt_nlog++];
	e->hook = hook;
	e->sock = sock;
	e->side = side;
	e->ev = ev;
	e->tag = tag;
	e->state = -1;
	if (ev == MOS_ON_TCP_STATE_CHANGE && side != MOS_SIDE_BOTH) {
		int st = -1;
		socklen_t l = sizeof st;
		CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET,
					 side == MOS_SIDE_CLI ? MOS_TCP_STATE_CLI
							      : MOS_TCP_STATE_SVR,
					 &st, &l),
			 0);
		e->state = st;
	}
}

static MT_UNUSED void mt_cb_snd(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('S', m, sock, side, ev, 0);
}

static MT_UNUSED void mt_cb_rcv(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('R', m, sock, side, ev, 0);
}

static MT_UNUSED void mt_cb_null(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('N', m, sock, side, ev, 0);
}

/* Registers the log callbacks for every built-in event at every hook it may use. */
static MT_UNUSED void mt_register_all(mctx_t m, int sock)
{
	const event_t hk_ev[] = {MOS_ON_PKT_IN, MOS_ON_CONN_START, MOS_ON_TCP_STATE_CHANGE,
				 MOS_ON_REXMIT, MOS_ON_CONN_END};
	const event_t null_ev[] = {MOS_ON_CONN_NEW_DATA, MOS_ON_ERROR, MOS_ON_ORPHAN};
	for (size_t i = 0; i < sizeof hk_ev / sizeof hk_ev[0]; i++) {
		CHECK_EQ(mtcp_register_callback(m, sock, hk_ev[i], MOS_HK_SND, mt_cb_snd), 0);
		CHECK_EQ(mtcp_register_callback(m, sock, hk_ev[i], MOS_HK_RCV, mt_cb_rcv), 0);
	}
	for (size_t i = 0; i < sizeof null_ev / sizeof null_ev[0]; i++)
		CHECK_EQ(mtcp_register_callback(m, sock, null_ev[i], MOS_NULL, mt_cb_null), 0);
}

/* The log as text: "S.C.IN S.C.START S.C.STATE=SYN_SENT R.S.IN ..." (hook, side). */
static MT_UNUSED const char *mt_log_text(int from, int to, bool with_in)
{
	static char buf[65536];
	size_t n = 0;
	buf[0] = '\0';
	for (int i = from; i < to && i < mt_nlog; i++) {
		const struct mt_ev *e = &mt_log[i];
		if (!with_in && e->ev == MOS_ON_PKT_IN)
			continue;
		char side = e->side == MOS_SIDE_CLI ? 'C' : e->side == MOS_SIDE_SVR ? 'S' : 'B';
		n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%c.%c.%s", n ? " " : "",
				      e->hook, side, mt_ev_name(e->ev));
		if (e->state >= 0)
			n += (size_t)snprintf(buf + n, sizeof buf - n, "=%s",
					      mt_state_name(e->state));
		CHECK(n < sizeof buf - 64);
	}
	return buf;
}

static MT_UNUSED int mt_count(event_t ev, char hook, int side)
{
	int k = 0;
	for (int i = 0; i < mt_nlog; i++) {
		if (mt_log[i].ev == ev && (hook == 0 || mt_log[i].hook == hook) &&
		    (side < 0 || mt_log[i].side == side))
			k++;
	}
	return k;
}

#endif /* MOS_MON_TEST_H */
