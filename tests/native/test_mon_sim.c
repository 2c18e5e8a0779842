/* test_mon_sim.c - a monitor in the middle of a real conversation, across many seeds.
 *
 *   client --link0-- [m0  monitor (inline bridge)  m1] --link1-- server
 *
 * Both links have loss, duplication, reordering, corruption and jitter in both
 * directions, so every packet meets faults before and after the monitor. The endpoints
 * are scripted TCPs written here (handshake with retransmission, go-back-N data with
 * cumulative ACKs, checksums verified, active close by the client, TIME_WAIT) - small
 * enough to be obviously right, strict enough to be real TCP on the wire. Checked per
 * seed: each side's stream as the monitor reassembled it equals what the receiving
 * endpoint delivered (and what the sender sent); each endpoint's state transitions
 * equal the monitor's transitions of that side, FIN_WAIT_2 aside (whether an endpoint
 * passes through it depends on the order packets reach it, which reordering after
 * the monitor can change); CONN_START
 * and CONN_END exactly once per side and hook; no reader ever loses bytes.
 * MOS_TEST_SEED=<n> replays one seed.
 *
 * test_mon_tap.c runs the same kind of check with two end-host engines as the
 * endpoints (the monitor on a tap of their link); the scripted endpoints here allow an
 * inline monitor with faults on both sides of it and exact state comparisons. */
#include "mon_test.h"

#define SP_MSS 1000u
#define SP_WIN 8000u
#define SP_RTO_MS 100u
#define SP_TW_MS 3000u
#define SP_REQ 5000u
#define SP_RESP 60000u
#define SP_MAX_STATES 32

struct sp_ep {
	int role; /* MOS_SIDE_CLI or MOS_SIDE_SVR */
	struct io_dev *io;
	struct mt_conn conn; /* addresses; conn.nxt unused */
	int state;
	uint32_t iss, snd_una, snd_nxt, snd_max, irs, rcv_nxt;
	const uint8_t *out;
	uint32_t out_len;
	uint8_t *in;
	uint32_t in_len, in_expect;
	bool fin_sent, fin_acked, ack_pending;
	uint32_t fin_seq;
	uint64_t rto_at, tw_until;
	int states[SP_MAX_STATES];
	int nstates;
};

static uint64_t sp_now_ms(struct mt_bed *b)
{
	return sim_net_now_ns(b->net) / MT_MS;
}

/* Transitions are recorded once per event (a packet, a send, a timer), with the state
 * reached: RFC 9293's FIN_WAIT_1 + "FIN that acknowledges ours" goes to TIME_WAIT in
 * one step, as the monitor reports it. */
static void sp_record(struct sp_ep *e)
{
	if (e->nstates > 0 && e->states[e->nstates - 1] == e->state)
		return;
	CHECK(e->nstates < SP_MAX_STATES);
	e->states[e->nstates++] = e->state;
}

static void sp_set_state(struct sp_ep *e, int st)
{
	e->state = st;
}

static void sp_send(struct sp_ep *e, uint32_t seq, uint16_t flags, const uint8_t *d,
		    uint16_t len)
{
	uint8_t f[2048];
	size_t n = mt_frame(f, &e->conn, e->role, seq, e->rcv_nxt, flags, d, len);
	struct io_buf buf;
	CHECK(io_alloc(e->io, 0, &buf) == 0);
	memcpy(buf.data, f, n);
	buf.len = (uint16_t)n;
	buf.port = 0;
	CHECK_EQ(io_tx_burst(e->io, 0, 0, &buf, 1), 1);
}

/* ---- input ---------------------------------------------------------------------------- */

static void sp_input_handshake(struct sp_ep *e, const struct wire_tcp_repr *t, uint64_t now)
{
	uint16_t fl = t->flags;
	if (e->state == TCP_LISTEN && (fl & WIRE_TCP_SYN) && !(fl & WIRE_TCP_ACK)) {
		e->irs = t->seq;
		e->rcv_nxt = t->seq + 1;
		sp_set_state(e, TCP_SYN_RCVD);
		e->snd_nxt = e->snd_max = e->iss + 1;
		sp_send(e, e->iss, WIRE_TCP_SYN | WIRE_TCP_ACK, NULL, 0);
		e->rto_at = now + SP_RTO_MS;
	} else if (e->state == TCP_SYN_RCVD && (fl & WIRE_TCP_SYN)) {
		sp_send(e, e->iss, WIRE_TCP_SYN | WIRE_TCP_ACK, NULL, 0); /* duplicate SYN */
	} else if (e->state == TCP_SYN_SENT && (fl & WIRE_TCP_SYN) && (fl & WIRE_TCP_ACK) &&
		   t->ack == e->iss + 1) {
		e->irs = t->seq;
		e->rcv_nxt = t->seq + 1;
		e->snd_una = t->ack;
		sp_set_state(e, TCP_ESTABLISHED);
		e->ack_pending = true;
	} else if ((fl & WIRE_TCP_SYN) && e->state != TCP_SYN_SENT) {
		e->ack_pending = true; /* a retransmitted SYN/ACK: acknowledge again */
	}
}

static void sp_input_ack(struct sp_ep *e, const struct wire_tcp_repr *t, uint64_t now)
{
	if (!(t->flags & WIRE_TCP_ACK))
		return;
	if (e->state == TCP_SYN_RCVD && t->ack == e->iss + 1) {
		e->snd_una = t->ack;
		sp_set_state(e, TCP_ESTABLISHED);
	}
	if (seq_gt(seq32(t->ack), seq32(e->snd_una)) &&
	    seq_leq(seq32(t->ack), seq32(e->snd_max))) {
		e->snd_una = t->ack;
		e->rto_at = now + SP_RTO_MS;
	}
	if (e->fin_sent && !e->fin_acked && seq_geq(seq32(t->ack), seq32(e->fin_seq + 1))) {
		e->fin_acked = true;
		if (e->state == TCP_FIN_WAIT_1)
			sp_set_state(e, TCP_FIN_WAIT_2);
		else if (e->state == TCP_LAST_ACK)
			sp_set_state(e, TCP_CLOSED);
	}
}

static void sp_input_data(struct sp_ep *e, const struct wire_tcp_repr *t, const uint8_t *p,
			  uint64_t now)
{
	if (t->payload_len > 0) {
		e->ack_pending = true;
		if (t->seq == e->rcv_nxt && e->in_len + t->payload_len <= e->in_expect) {
			memcpy(e->in + e->in_len, p, t->payload_len);
			e->in_len += t->payload_len;
			e->rcv_nxt += t->payload_len;
		}
	}
	if (!(t->flags & WIRE_TCP_FIN))
		return;
	e->ack_pending = true;
	if (t->seq + t->payload_len != e->rcv_nxt)
		return; /* out of order, or already received: acknowledged again */
	e->rcv_nxt++;
	if (e->state == TCP_ESTABLISHED) {
		sp_set_state(e, TCP_CLOSE_WAIT);
	} else if (e->state == TCP_FIN_WAIT_2) {
		sp_set_state(e, TCP_TIME_WAIT);
		e->tw_until = now + SP_TW_MS;
	}
}

static void sp_input(struct sp_ep *e, const uint8_t *f, uint16_t len, uint64_t now)
{
	struct wire_pkt w;
	if (wire_parse_frame(f, len, 0, &w) != DROP_NONE || w.l4 != WIRE_L4_TCP)
		return; /* corrupted on the way, or not ours */
	const struct wire_tcp_repr *t = &w.tcp;
	if (w.ipv4.dst != e->conn.ip[e->role] || t->dport != e->conn.port[e->role])
		return;
	if (e->state == TCP_CLOSED)
		return;
	sp_input_handshake(e, t, now);
	if (e->state == TCP_LISTEN || e->state == TCP_SYN_SENT)
		return;
	sp_input_ack(e, t, now);
	if (e->state != TCP_SYN_RCVD)
		sp_input_data(e, t, f + w.payload_off, now);
}

static void sp_input_packet(struct sp_ep *e, const uint8_t *f, uint16_t len, uint64_t now)
{
	sp_input(e, f, len, now);
	sp_record(e);
}

/* ---- output ---------------------------------------------------------------------------- */

static bool sp_may_close(const struct sp_ep *e)
{
	bool all_acked = e->snd_una == e->iss + 1 + e->out_len;
	if (e->role == MOS_SIDE_CLI)
		return e->state == TCP_ESTABLISHED && all_acked && e->in_len == e->in_expect;
	return e->state == TCP_CLOSE_WAIT && all_acked;
}

static void sp_output_data(struct sp_ep *e, uint64_t now)
{
	uint32_t end = e->iss + 1 + e->out_len;
	/* The server answers once the whole request has arrived. */
	bool may_send = e->role == MOS_SIDE_CLI || e->in_len == e->in_expect;
	if (!e->fin_sent && now >= e->rto_at && e->snd_una != e->snd_nxt)
		e->snd_nxt = e->snd_una; /* go back N */
	while (may_send && !e->fin_sent && seq_lt(seq32(e->snd_nxt), seq32(end)) &&
	       e->snd_nxt - e->snd_una < SP_WIN) {
		uint32_t off = e->snd_nxt - (e->iss + 1);
		uint32_t n = e->out_len - off < SP_MSS ? e->out_len - off : SP_MSS;
		sp_send(e, e->snd_nxt, WIRE_TCP_ACK | WIRE_TCP_PSH, e->out + off, (uint16_t)n);
		if (e->snd_nxt == e->snd_una)
			e->rto_at = now + SP_RTO_MS;
		e->snd_nxt += n;
		if (seq_gt(seq32(e->snd_nxt), seq32(e->snd_max)))
			e->snd_max = e->snd_nxt;
		e->ack_pending = false;
	}
}

static void sp_output(struct sp_ep *e, uint64_t now)
{
	switch (e->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
		return;
	case TCP_SYN_SENT:
	case TCP_SYN_RCVD:
		if (now >= e->rto_at) {
			uint16_t fl = e->state == TCP_SYN_SENT ? WIRE_TCP_SYN
							       : WIRE_TCP_SYN | WIRE_TCP_ACK;
			sp_send(e, e->iss, fl, NULL, 0);
			e->rto_at = now + SP_RTO_MS;
		}
		return;
	default:
		break;
	}
	sp_output_data(e, now);
	if (!e->fin_sent && sp_may_close(e)) {
		e->fin_sent = true;
		e->fin_seq = e->snd_nxt;
		e->snd_max = e->snd_nxt + 1;
		sp_set_state(e, e->state == TCP_ESTABLISHED ? TCP_FIN_WAIT_1 : TCP_LAST_ACK);
		sp_send(e, e->fin_seq, WIRE_TCP_FIN | WIRE_TCP_ACK, NULL, 0);
		e->rto_at = now + SP_RTO_MS;
		e->ack_pending = false;
	} else if (e->fin_sent && !e->fin_acked && now >= e->rto_at) {
		sp_send(e, e->fin_seq, WIRE_TCP_FIN | WIRE_TCP_ACK, NULL, 0);
		e->rto_at = now + SP_RTO_MS;
		e->ack_pending = false;
	}
	if (e->ack_pending) {
		uint32_t seq = e->fin_sent ? e->fin_seq + 1 : e->snd_nxt;
		sp_send(e, seq, WIRE_TCP_ACK, NULL, 0);
		e->ack_pending = false;
	}
	if (e->state == TCP_TIME_WAIT && now >= e->tw_until)
		sp_set_state(e, TCP_CLOSED);
}

static void sp_step(struct sp_ep *e, uint64_t now)
{
	struct io_buf bufs[32];
	uint16_t n;
	while ((n = io_rx_burst(e->io, 0, 0, bufs, 32)) > 0) {
		for (uint16_t i = 0; i < n; i++) {
			sp_input_packet(e, bufs[i].data, bufs[i].len, now);
			io_free(e->io, 0, &bufs[i]);
		}
	}
	sp_output(e, now);
	sp_record(e);
}

/* ---- the monitor's view ------------------------------------------------------------------ */

struct sp_view {
	uint8_t stream[2][SP_RESP + SP_REQ];
	uint32_t len[2];
	int64_t lost[2];
	int states[2][SP_MAX_STATES];
	int nstates[2];
	int starts[3][2], ends[3][2]; /* [hook][side] */
};

static struct sp_view sp_v;

static void sp_read(mctx_t m, int sock, int side)
{
	for (;;) {
		uint32_t room = (uint32_t)sizeof sp_v.stream[side] - sp_v.len[side];
		ssize_t n = mtcp_peek(m, sock, side, (char *)sp_v.stream[side] + sp_v.len[side],
				      room);
		if (n == 0)
			return;
		if (n < 0) {
			sp_v.lost[side] += -n;
			continue;
		}
		sp_v.len[side] += (uint32_t)n;
	}
}

static void sp_cb_null(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	sp_read(m, sock, side); /* NEW_DATA, and ERROR (an outrun is coming) */
}

static void sp_cb_hook(mctx_t m, int sock, int side, event_t ev, int hook)
{
	if (ev == MOS_ON_CONN_START)
		sp_v.starts[hook][side]++;
	if (ev == MOS_ON_CONN_END) {
		sp_v.ends[hook][side]++;
		sp_read(m, sock, side);
	}
	if (ev != MOS_ON_TCP_STATE_CHANGE)
		return;
	int st;
	socklen_t l = sizeof st;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET,
				 side == MOS_SIDE_CLI ? MOS_TCP_STATE_CLI : MOS_TCP_STATE_SVR,
				 &st, &l),
		 0);
	int *n = &sp_v.nstates[side];
	if (*n == 0 || sp_v.states[side][*n - 1] != st) {
		CHECK(*n < SP_MAX_STATES);
		sp_v.states[side][(*n)++] = st;
	}
}

static void sp_cb_snd(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	sp_cb_hook(m, sock, side, ev, MON_HK_SND);
}

static void sp_cb_rcv(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	sp_cb_hook(m, sock, side, ev, MON_HK_RCV);
}

/* ---- one seed ------------------------------------------------------------------------------
 */

static uint64_t sp_rand(uint64_t *s)
{
	*s = *s * 6364136223846793005ull + 1442695040888963407ull;
	return *s >> 33;
}

static void sp_faults(struct mt_bed *b, uint64_t *rs)
{
	for (int link = 0; link < 2; link++) {
		for (int dir = SIM_DIR_AB; dir <= SIM_DIR_BA; dir++) {
			struct sim_faults f = {0};
			f.loss_ppm = (uint32_t)(sp_rand(rs) % 60000);    /* < 6 % */
			f.dup_ppm = (uint32_t)(sp_rand(rs) % 20000);     /* < 2 % */
			f.reorder_ppm = (uint32_t)(sp_rand(rs) % 50000); /* < 5 % */
			f.corrupt_ppm = (uint32_t)(sp_rand(rs) % 10000); /* < 1 % */
			f.corrupt_past_l2 = true;
			f.delay_ns = MT_MS;
			f.jitter_ns = (sp_rand(rs) % 3) * MT_MS;
			f.reorder_min_ns = MT_MS;
			f.reorder_max_ns = 20 * MT_MS;
			const char *name = link == 0 ? "link0" : "link1";
			CHECK_EQ(sim_link_set_faults(b->net, name, dir, &f), 0);
		}
	}
}

/* The transitions without FIN_WAIT_2, the one state an endpoint may or may not pass
 * through depending on whether the ACK of its FIN and the peer's FIN arrive together,
 * separately, or swapped by reordering on either side of the monitor. Everything else
 * must match exactly. */
static int sp_milestones(const int *st, int n, int *out)
{
	int k = 0;
	for (int i = 0; i < n; i++) {
		if (st[i] != TCP_FIN_WAIT_2 && (k == 0 || out[k - 1] != st[i]))
			out[k++] = st[i];
	}
	return k;
}

static bool sp_same_milestones(const int *a, int na, const int *b, int nb)
{
	int x[SP_MAX_STATES], y[SP_MAX_STATES];
	int nx = sp_milestones(a, na, x), ny = sp_milestones(b, nb, y);
	return nx == ny && memcmp(x, y, (size_t)nx * sizeof x[0]) == 0;
}

static void sp_ep_init(struct sp_ep *e, struct mt_bed *b, int role, const struct mt_conn *c,
		       uint32_t iss, const uint8_t *out, uint32_t out_len, uint8_t *in,
		       uint32_t in_expect)
{
	memset(e, 0, sizeof *e);
	e->role = role;
	e->io = b->pio[role];
	e->conn = *c;
	e->iss = iss;
	e->snd_una = e->snd_nxt = e->snd_max = iss;
	e->out = out;
	e->out_len = out_len;
	e->in = in;
	e->in_expect = in_expect;
	e->state = role == MOS_SIDE_CLI ? TCP_CLOSED : TCP_LISTEN;
	sp_record(e); /* the initial state, which the comparison skips */
}

static void sp_check(const struct sp_ep *cli, const struct sp_ep *srv, const uint8_t *req,
		     const uint8_t *resp)
{
	CHECK_EQ(cli->in_len, SP_RESP);
	CHECK_EQ(srv->in_len, SP_REQ);
	CHECK(memcmp(cli->in, resp, SP_RESP) == 0);
	CHECK(memcmp(srv->in, req, SP_REQ) == 0);
	/* What the client received, the monitor reassembled on the client side. */
	CHECK_EQ(sp_v.lost[0] + sp_v.lost[1], 0);
	CHECK_EQ(sp_v.len[MOS_SIDE_CLI], SP_RESP);
	CHECK_EQ(sp_v.len[MOS_SIDE_SVR], SP_REQ);
	CHECK(memcmp(sp_v.stream[MOS_SIDE_CLI], resp, SP_RESP) == 0);
	CHECK(memcmp(sp_v.stream[MOS_SIDE_SVR], req, SP_REQ) == 0);
	for (int h = MON_HK_SND; h <= MON_HK_RCV; h++) {
		for (int s = 0; s < 2; s++) {
			CHECK_EQ(sp_v.starts[h][s], h == MON_HK_SND ? 1 - s : s);
			CHECK_EQ(sp_v.ends[h][s], 1);
		}
	}
	const struct sp_ep *ep[2] = {cli, srv};
	for (int s = 0; s < 2; s++) {
		char a[512] = "", m[512] = "";
		for (int i = 1; i < ep[s]->nstates; i++)
			snprintf(a + strlen(a), sizeof a - strlen(a), " %s",
				 mt_state_name(ep[s]->states[i]));
		for (int i = 0; i < sp_v.nstates[s]; i++)
			snprintf(m + strlen(m), sizeof m - strlen(m), " %s",
				 mt_state_name(sp_v.states[s][i]));
		CHECK_MSG(sp_same_milestones(ep[s]->states + 1, ep[s]->nstates - 1,
					     sp_v.states[s], sp_v.nstates[s]),
			  "side %d: endpoint%s, monitor%s", s, a, m);
		CHECK_EQ(sp_v.states[s][sp_v.nstates[s] - 1], TCP_CLOSED);
	}
}

/* Faults that really happened, over every seed run (so the test cannot pass on a
 * perfect network by mistake). */
static struct sim_link_stats sp_seen;
static uint64_t sp_virtual_ms;

static void sp_account(struct mt_bed *b)
{
	for (int link = 0; link < 2; link++) {
		struct sim_link_stats st;
		CHECK_EQ(sim_link_stats(b->net, link ? "link1" : "link0", SIM_DIR_BOTH, &st),
			 0);
		sp_seen.lost += st.lost;
		sp_seen.duplicated += st.duplicated;
		sp_seen.reordered += st.reordered;
		sp_seen.corrupted += st.corrupted;
		sp_seen.offered += st.offered;
	}
}

static void sp_run_seed(uint64_t seed)
{
	static uint8_t req[SP_REQ], resp[SP_RESP], got_req[SP_REQ], got_resp[SP_RESP];
	struct mt_bed b;
	mt_note("seed=%llu", (unsigned long long)seed);
	memset(&sp_v, 0, sizeof sp_v);
	uint64_t rs = seed * 0x9e3779b97f4a7c15ull + 1;
	mt_bed_init(&b,
		    " forward = 1\n tcp_tw_interval = 0\n tcp_timeout = 60\n max_concurrency = "
		    "1024\n",
		    2);
	int s = mtcp_socket(b.m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	const event_t hk[] = {MOS_ON_CONN_START, MOS_ON_TCP_STATE_CHANGE, MOS_ON_CONN_END};
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(mtcp_register_callback(b.m, s, hk[i], MOS_HK_SND, sp_cb_snd), 0);
		CHECK_EQ(mtcp_register_callback(b.m, s, hk[i], MOS_HK_RCV, sp_cb_rcv), 0);
	}
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, sp_cb_null), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_ERROR, MOS_NULL, sp_cb_null), 0);
	sp_faults(&b, &rs);
	for (size_t i = 0; i < SP_REQ; i++)
		req[i] = (uint8_t)sp_rand(&rs);
	for (size_t i = 0; i < SP_RESP; i++)
		resp[i] = (uint8_t)sp_rand(&rs);
	struct mt_conn c;
	mt_conn_init(&c, WIRE_IPV4(10, 9, 0, 1), (uint16_t)(20000 + seed % 40000),
		     WIRE_IPV4(10, 9, 1, 1), 80);
	struct sp_ep cli, srv;
	sp_ep_init(&cli, &b, MOS_SIDE_CLI, &c, (uint32_t)sp_rand(&rs) << 1, req, SP_REQ,
		   got_resp, SP_RESP);
	sp_ep_init(&srv, &b, MOS_SIDE_SVR, &c, (uint32_t)sp_rand(&rs) << 1, resp, SP_RESP,
		   got_req, SP_REQ);
	sp_set_state(&cli, TCP_SYN_SENT); /* the client's first send is its SYN */
	sp_record(&cli);
	cli.rto_at = 0;
	for (int ms = 0; ms < 120000; ms++) {
		uint64_t now = sp_now_ms(&b);
		sp_step(&cli, now);
		sp_step(&srv, now);
		mt_poll(&b);
		if (cli.state == TCP_CLOSED && srv.state == TCP_CLOSED && b.ctx->flows == 0)
			break;
	}
	CHECK_MSG(cli.state == TCP_CLOSED && srv.state == TCP_CLOSED,
		  "endpoints did not finish: client %d server %d", cli.state, srv.state);
	CHECK_MSG(b.ctx->flows == 0, "the monitor still tracks the flow");
	sp_check(&cli, &srv, req, resp);
	sp_account(&b);
	sp_virtual_ms += sp_now_ms(&b);
	mt_bed_fini(&b);
}

TEST(monitor_in_the_middle_matches_both_endpoints_across_seeds)
{
	const char *env = getenv("MOS_TEST_SEED");
	if (env != NULL) {
		sp_run_seed(strtoull(env, NULL, 0));
		return;
	}
	for (uint64_t seed = 1; seed <= 200; seed++)
		sp_run_seed(seed);
	mt_note("%llu frames, %llu lost, %llu duplicated, %llu reordered, %llu corrupted, %llu "
		"virtual ms",
		(unsigned long long)sp_seen.offered, (unsigned long long)sp_seen.lost,
		(unsigned long long)sp_seen.duplicated, (unsigned long long)sp_seen.reordered,
		(unsigned long long)sp_seen.corrupted, (unsigned long long)sp_virtual_ms);
	CHECK(sp_seen.lost > 1000 && sp_seen.duplicated > 100 && sp_seen.reordered > 100 &&
	      sp_seen.corrupted > 10);
}
