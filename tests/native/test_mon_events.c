/* test_mon_events.c - the built-in events of spec §8 at their hooks and sides, in their
 * order, on scripted conversations fed to a monitor over the simulated link. */
#include "mon_test.h"

static const char *ev_keys = " forward = 0\n tcp_tw_interval = 0\n tcp_timeout = 30\n";

#define C0 WIRE_IPV4(10, 0, 0, 1)
#define S0 WIRE_IPV4(10, 0, 0, 2)

static int ev_passive(struct mt_bed *b)
{
	int s = mtcp_socket(b->m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	CHECK(s >= 0);
	return s;
}

TEST(full_connection_raises_every_event_at_its_hook_and_side_in_bit_order)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	mt_register_all(b.m, ev_passive(&b));
	mt_conn_init(&c, C0, 40000, S0, 80);
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true),
		    "S.C.IN S.C.START S.C.STATE=SYN_SENT R.S.IN R.S.START R.S.STATE=SYN_RCVD");
	int mark = mt_nlog;
	mt_synack(&b, &c);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.S.IN R.C.IN R.C.STATE=ESTABLISHED");
	mark = mt_nlog;
	mt_ack(&b, &c, 0);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.C.IN R.S.IN R.S.STATE=ESTABLISHED");
	mark = mt_nlog;
	mt_data(&b, &c, 0, "hello", 5);
	mt_poll(&b);
	mt_data(&b, &c, 1, "world!", 6);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true),
		    "S.C.IN R.S.IN N.S.DATA S.S.IN R.C.IN N.C.DATA");
	mark = mt_nlog;
	mt_fin(&b, &c, 0);
	mt_poll(&b);
	mt_ack(&b, &c, 1);
	mt_poll(&b);
	mt_fin(&b, &c, 1);
	mt_poll(&b);
	mt_ack(&b, &c, 0);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true),
		    "S.C.IN S.C.STATE=FIN_WAIT_1 R.S.IN R.S.STATE=CLOSE_WAIT "
		    "S.S.IN R.C.IN R.C.STATE=FIN_WAIT_2 "
		    "S.S.IN S.S.STATE=LAST_ACK R.C.IN R.C.STATE=TIME_WAIT "
		    "S.C.IN R.S.IN R.S.STATE=CLOSED "
		    "S.C.STATE=CLOSED S.C.END R.C.STATE=CLOSED R.C.END S.S.END R.S.END");
	CHECK_EQ(b.ctx->flows, 0);
	mt_bed_fini(&b);
}

/* Captures MOS_FLOW_INFO of the flow in its CONN_END callback. */
static struct mos_flow_info ev_end_info;
static int ev_end_calls;

static void ev_cb_end_info(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	socklen_t l = sizeof ev_end_info;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_FLOW_INFO, &ev_end_info, &l), 0);
	CHECK_EQ(l, sizeof ev_end_info);
	/* CONN_END has no current packet. */
	struct pkt_info pi;
	CHECK_ERRNO(mtcp_getlastpkt(m, sock, side, &pi), ENODATA);
	ev_end_calls++;
}

TEST(rst_closes_both_sides_and_ends_the_flow_with_reason_rst)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_END, MOS_HK_SND, ev_cb_end_info),
		 0);
	mt_conn_init(&c, C0, 40001, S0, 80);
	mt_handshake(&b, &c);
	mt_data(&b, &c, 0, "GET /", 5);
	mt_poll(&b);
	int mark = mt_nlog;
	mt_rst(&b, &c, 1);
	mt_poll(&b);
	/* The replaced SND CONN_END callback is ev_cb_end_info: no "S.x.END" in the log. */
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true),
		    "S.S.IN S.S.STATE=CLOSED R.C.IN R.C.STATE=CLOSED R.C.END R.S.END");
	CHECK_EQ(ev_end_calls, 2); /* once per side */
	CHECK_EQ(ev_end_info.end_reason, MOS_FLOW_END_RST);
	CHECK_EQ(ev_end_info.side[MOS_SIDE_CLI].bytes, 5);
	CHECK_EQ(ev_end_info.side[MOS_SIDE_CLI].stream_bytes, 5);
	CHECK_EQ(ev_end_info.side[MOS_SIDE_SVR].rst, 1);
	CHECK_EQ(ev_end_info.side[MOS_SIDE_CLI].packets, 3);
	CHECK_EQ(ev_end_info.side[MOS_SIDE_SVR].packets, 2);
	CHECK_EQ(ev_end_info.flags & MOS_FLOW_MIDSTREAM, 0);
	CHECK_EQ(b.ctx->flows, 0);
	mt_bed_fini(&b);
}

TEST(rst_outside_the_window_is_ignored)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	mt_register_all(b.m, ev_passive(&b));
	mt_conn_init(&c, C0, 40002, S0, 80);
	mt_handshake(&b, &c);
	int mark = mt_nlog;
	mt_seg(&b, &c, 1, c.nxt[1] + 1000000, c.nxt[0], WIRE_TCP_RST | WIRE_TCP_ACK, NULL, 0);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.S.IN R.C.IN");
	CHECK_EQ(b.ctx->flows, 1);
	mt_bed_fini(&b);
}

TEST(simultaneous_close_goes_through_closing_on_both_sides)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	mt_register_all(b.m, ev_passive(&b));
	mt_conn_init(&c, C0, 40003, S0, 80);
	mt_handshake(&b, &c);
	int mark = mt_nlog;
	uint32_t cfin = c.nxt[0], sfin = c.nxt[1];
	/* Both FINs cross: neither acknowledges the other's. */
	mt_seg(&b, &c, 0, cfin, sfin, WIRE_TCP_FIN | WIRE_TCP_ACK, NULL, 0);
	mt_poll(&b);
	mt_seg(&b, &c, 1, sfin, cfin, WIRE_TCP_FIN | WIRE_TCP_ACK, NULL, 0);
	mt_poll(&b);
	mt_seg(&b, &c, 0, cfin + 1, sfin + 1, WIRE_TCP_ACK, NULL, 0);
	mt_poll(&b);
	mt_seg(&b, &c, 1, sfin + 1, cfin + 1, WIRE_TCP_ACK, NULL, 0);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, false),
		    "S.C.STATE=FIN_WAIT_1 R.S.STATE=CLOSE_WAIT "
		    "S.S.STATE=CLOSING R.C.STATE=CLOSING "
		    "R.S.STATE=TIME_WAIT R.C.STATE=TIME_WAIT "
		    "S.C.STATE=CLOSED S.C.END R.C.STATE=CLOSED R.C.END "
		    "S.S.STATE=CLOSED S.S.END R.S.STATE=CLOSED R.S.END");
	mt_bed_fini(&b);
}

TEST(time_wait_lasts_tcp_tw_interval_on_the_wheel)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, " forward = 0\n tcp_tw_interval = 2\n tcp_timeout = 60\n", 1);
	int s = ev_passive(&b);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_END, MOS_HK_SND, ev_cb_end_info),
		 0);
	mt_conn_init(&c, C0, 40004, S0, 80);
	mt_handshake(&b, &c);
	mt_fin(&b, &c, 0);
	mt_poll(&b);
	mt_fin(&b, &c, 1);
	mt_poll(&b);
	mt_ack(&b, &c, 0);
	mt_poll(&b); /* client TIME_WAIT, server CLOSED */
	CHECK_EQ(b.ctx->flows, 1);
	mt_run(&b, 1990);
	CHECK_EQ(ev_end_calls, 0);
	mt_run(&b, 20);
	CHECK_EQ(ev_end_calls, 2);
	CHECK_EQ(ev_end_info.end_reason, MOS_FLOW_END_FIN);
	CHECK_EQ(b.ctx->flows, 0);
	mt_bed_fini(&b);
}

TEST(idle_timeout_expires_each_flow_at_its_own_deadline)
{
	struct mt_bed b;
	struct mt_conn busy, idle;
	mt_bed_init(&b, " forward = 0\n tcp_timeout = 1\n", 1);
	int s = ev_passive(&b);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_END, MOS_HK_SND, ev_cb_end_info),
		 0);
	mt_conn_init(&busy, C0, 41000, S0, 80);
	mt_conn_init(&idle, C0, 41001, S0, 80);
	mt_handshake(&b, &busy); /* the busy flow is first in every list */
	mt_handshake(&b, &idle);
	uint64_t t0 = sim_net_now_ns(b.net);
	/* The busy flow talks every 100 ms for 3 s; the idle one must still expire ~1 s
	 * after its last packet (no head-of-line blocking behind the busy flow). */
	uint64_t idle_end_ns = 0;
	for (int i = 0; i < 30; i++) {
		mt_data(&b, &busy, 0, "x", 1);
		mt_run(&b, 100);
		if (idle_end_ns == 0 && ev_end_calls > 0)
			idle_end_ns = sim_net_now_ns(b.net);
	}
	CHECK(idle_end_ns != 0);
	CHECK_MSG(idle_end_ns - t0 <= 1100 * MT_MS, "idle flow ended %llu ms late",
		  (unsigned long long)((idle_end_ns - t0) / MT_MS));
	CHECK_EQ(ev_end_info.end_reason, MOS_FLOW_END_TIMEOUT);
	CHECK_EQ(b.ctx->flows, 1);
	mt_run(&b, 1100);
	CHECK_EQ(b.ctx->flows, 0);
	CHECK_EQ(ev_end_calls, 4);
	/* Established sides went CLOSED at destruction. */
	CHECK_EQ(mt_count(MOS_ON_TCP_STATE_CHANGE, 'S', -1) >= 4, 1);
	mt_bed_fini(&b);
}

TEST(retransmitted_syn_synack_data_and_fin_raise_rexmit_at_the_receiver)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	mt_register_all(b.m, ev_passive(&b));
	mt_conn_init(&c, C0, 40005, S0, 80);
	mt_syn(&b, &c);
	mt_poll(&b);
	int mark = mt_nlog;
	mt_seg(&b, &c, 0, c.isn[0], 0, WIRE_TCP_SYN, NULL, 0); /* (b) SYN again */
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.C.IN R.S.IN R.S.REXMIT");
	mt_synack(&b, &c);
	mt_poll(&b);
	mt_ack(&b, &c, 0);
	mt_poll(&b);
	mark = mt_nlog;
	mt_seg(&b, &c, 1, c.isn[1], c.nxt[0], WIRE_TCP_SYN | WIRE_TCP_ACK, NULL, 0); /* (c) */
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.S.IN R.C.IN R.C.REXMIT");
	mt_data(&b, &c, 0, "abcd", 4);
	mt_poll(&b);
	mark = mt_nlog;
	mt_seg(&b, &c, 0, c.nxt[0] - 4, c.nxt[1], WIRE_TCP_ACK | WIRE_TCP_PSH, "abcd",
	       4); /* (a) */
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.C.IN R.S.IN R.S.REXMIT");
	mt_fin(&b, &c, 0);
	mt_poll(&b);
	mark = mt_nlog;
	mt_seg(&b, &c, 0, c.nxt[0] - 1, c.nxt[1], WIRE_TCP_ACK | WIRE_TCP_FIN, NULL,
	       0); /* (d) */
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.C.IN R.S.IN R.S.REXMIT");
	CHECK_EQ(mt_count(MOS_ON_CONN_NEW_DATA, 'N', MOS_SIDE_SVR), 1);
	mt_bed_fini(&b);
}

/* NEW_DATA callback that reads everything new. */
static char ev_read[65536];
static size_t ev_nread;
static int ev_data_calls;

static void ev_cb_read(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	ev_data_calls++;
	for (;;) {
		ssize_t n =
			mtcp_peek(m, sock, side, ev_read + ev_nread, sizeof ev_read - ev_nread);
		if (n == 0)
			break;
		CHECK(n > 0);
		ev_nread += (size_t)n;
	}
}

TEST(new_data_is_raised_once_per_flow_per_batch)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, ev_cb_read), 0);
	mt_conn_init(&c, C0, 40006, S0, 80);
	mt_handshake(&b, &c);
	mt_data(&b, &c, 0, "one ", 4);
	mt_data(&b, &c, 0, "two ", 4);
	mt_data(&b, &c, 0, "three", 5);
	mt_poll(&b);
	CHECK_EQ(ev_data_calls, 1);
	CHECK_EQ(ev_nread, 13);
	CHECK(memcmp(ev_read, "one two three", 13) == 0);
	for (int i = 0; i < 3; i++) {
		mt_data(&b, &c, 0, "x", 1);
		mt_poll(&b);
	}
	CHECK_EQ(ev_data_calls, 4);
	/* Peeking again finds nothing new: 0, never an error or an exit. */
	CHECK_EQ(ev_nread, 16);
	mt_bed_fini(&b);
}

static int ev_err_calls;
static ssize_t ev_err_peeked;

static void ev_cb_err_peek(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	ev_err_calls++;
	char tmp[8192];
	ssize_t n = mtcp_peek(m, sock, side, tmp, sizeof tmp);
	CHECK(n > 0);
	/* The oldest bytes are still there when ERROR runs. */
	CHECK(tmp[0] == 'A');
	ev_err_peeked += n;
}

static void ev_fill(char *p, size_t n, char c)
{
	memset(p, c, n);
}

TEST(outrun_raises_error_before_overwriting_and_peek_reports_the_loss)
{
	struct mt_bed b;
	struct mt_conn c;
	char seg[1400];
	/* Part 1: the ERROR callback saves the bytes. */
	mt_bed_init(&b, " forward = 0\n rmem_size = 4096\n", 1);
	int s = ev_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_ERROR, MOS_NULL, ev_cb_err_peek), 0);
	mt_conn_init(&c, C0, 40007, S0, 80);
	mt_handshake(&b, &c);
	ev_fill(seg, sizeof seg, 'A');
	mt_data(&b, &c, 0, seg, 1400);
	mt_poll(&b);
	ev_fill(seg, sizeof seg, 'B');
	mt_data(&b, &c, 0, seg, 1400);
	mt_poll(&b);
	CHECK_EQ(ev_err_calls, 0);
	ev_fill(seg, sizeof seg, 'C');
	mt_data(&b, &c, 0, seg, 1400); /* 4200 > 4096 */
	mt_poll(&b);
	CHECK_EQ(ev_err_calls, 1);
	CHECK_EQ(ev_err_peeked, 2800);
	mt_bed_fini(&b);
}

static ssize_t ev_peek_results[8];
static int ev_peek_errno[8];
static int ev_npeek;

static void ev_cb_peek_late(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	char tmp[8192];
	while (ev_npeek < 8) {
		errno = 0;
		ssize_t n = mtcp_peek(m, sock, side, tmp, sizeof tmp);
		ev_peek_results[ev_npeek] = n;
		ev_peek_errno[ev_npeek++] = errno;
		if (n == 0)
			break;
	}
}

TEST(peek_after_an_outrun_returns_minus_the_lost_bytes_then_continues)
{
	struct mt_bed b;
	struct mt_conn c;
	char seg[1400];
	mt_bed_init(&b, " forward = 0\n rmem_size = 4096\n", 1);
	int s = ev_passive(&b);
	mt_conn_init(&c, C0, 40008, S0, 80);
	mt_handshake(&b, &c);
	for (int i = 0; i < 3; i++) {
		ev_fill(seg, sizeof seg, (char)('A' + i));
		mt_data(&b, &c, 0, seg, 1400);
		mt_poll(&b);
	}
	CHECK_EQ(
		mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, ev_cb_peek_late),
		0);
	/* The registration affects flows created afterwards only: a new flow. */
	struct mt_conn d;
	mt_conn_init(&d, C0, 40009, S0, 80);
	mt_handshake(&b, &d);
	for (int i = 0; i < 3; i++) {
		ev_fill(seg, sizeof seg, (char)('A' + i));
		mt_data(&b, &d, 0, seg, 1400);
	}
	mt_poll(&b); /* one batch: 4200 bytes through 4096, then NEW_DATA */
	CHECK_EQ(ev_npeek, 3);
	CHECK_EQ(ev_peek_results[0], -104);
	CHECK_EQ(ev_peek_errno[0], ENODATA);
	CHECK_EQ(ev_peek_results[1], 4096);
	CHECK_EQ(ev_peek_results[2], 0);
	mt_bed_fini(&b);
}

TEST(data_beyond_the_advertised_window_raises_error_and_is_still_stored)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, ev_cb_read), 0);
	mt_conn_init(&c, C0, 40010, S0, 80);
	mt_handshake(&b, &c);
	c.win[1] = 100;
	mt_ack(&b, &c, 1); /* the server now offers 100 bytes */
	mt_poll(&b);
	char seg[300];
	ev_fill(seg, sizeof seg, 'w');
	int mark = mt_nlog;
	mt_data(&b, &c, 0, seg, 300);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true), "S.C.IN N.S.ERR R.S.IN");
	CHECK_EQ(b.mon->ctr.v[mon_ctr_out_of_window], 1);
	/* Receivers often take such bytes (mOS 0.3 dropped them): they are readable. */
	CHECK_EQ(ev_nread, 300);
	mt_bed_fini(&b);
}

TEST(orphans_reach_every_passive_socket_with_side_both)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	mt_register_all(b.m, s);
	mt_conn_init(&c, C0, 40011, S0, 80);
	c.nxt[0] = 777;
	c.nxt[1] = 999;
	mt_data(&b, &c, 0, "mid", 3); /* no SYN seen: an orphan */
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "N.B.ORPHAN");
	CHECK_EQ(mt_log[0].sock, s);
	CHECK_EQ(b.ctx->flows, 0);
	struct mos_monitor_stats st;
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	CHECK_EQ(st.orphans, 1);
	CHECK_EQ(st.flows_created, 0);
	mt_bed_fini(&b);
}

/* Two passive sockets: which one runs first (tags 1 and 2). */
static void ev_cb_a(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('A', m, sock, side, ev, 1);
}

static void ev_cb_b(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('B', m, sock, side, ev, 2);
}

static void ev_register_ab(mctx_t m, int s, callback_t cb)
{
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_SND, cb), 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_PKT_IN, MOS_HK_RCV, cb), 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, cb), 0);
}

TEST(sockets_run_in_attachment_order_toward_the_packet_destination)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	ev_register_ab(b.m, ev_passive(&b), ev_cb_a);
	ev_register_ab(b.m, ev_passive(&b), ev_cb_b);
	mt_conn_init(&c, C0, 40012, S0, 80);
	mt_handshake(&b, &c);
	int mark = mt_nlog;
	mt_data(&b, &c, 0, "req", 3);
	mt_poll(&b);
	/* Client to server: A then B at every hook. */
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true),
		    "A.C.IN B.C.IN A.S.IN B.S.IN A.S.DATA B.S.DATA");
	mark = mt_nlog;
	mt_data(&b, &c, 1, "resp", 4);
	mt_poll(&b);
	/* Server to client: the reverse. */
	CHECK_STREQ(mt_log_text(mark, mt_nlog, true),
		    "B.S.IN A.S.IN B.C.IN A.C.IN B.C.DATA A.C.DATA");
	mt_bed_fini(&b);
}

static void ev_cb_other(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('X', m, sock, side, ev, 9);
}

TEST(register_checks_hooks_replaces_and_unregisters)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_NULL, mt_cb_null),
		    EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, MOS_ON_REXMIT, MOS_NULL, mt_cb_null),
		    EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_HK_SND, mt_cb_snd),
		    EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, MOS_ON_ORPHAN, MOS_HK_RCV, mt_cb_rcv),
		    EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, MOS_ON_ERROR, MOS_HK_RCV, mt_cb_rcv),
		    EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, 12345, mt_cb_snd), EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, 0, MOS_HK_SND, mt_cb_snd), EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, 3, MOS_HK_SND, mt_cb_snd), EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, 4096 + 500, MOS_HK_SND, mt_cb_snd), EINVAL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s + 100, MOS_ON_PKT_IN, MOS_HK_SND, mt_cb_snd),
		    EBADF);
	CHECK_ERRNO(mtcp_register_callback(NULL, s, MOS_ON_PKT_IN, MOS_HK_SND, mt_cb_snd),
		    EACCES);
	/* PKT_IN and TIMEOUT are accepted on all three hooks. */
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_TIMEOUT, MOS_NULL, mt_cb_null), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_TIMEOUT, MOS_HK_SND, mt_cb_snd), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_NULL, mt_cb_null), 0);
	/* Replace: one callback per (socket, hook, event). */
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND, mt_cb_snd), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND, ev_cb_other), 0);
	CHECK_EQ(mtcp_unregister_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_RCV), -1);
	CHECK_EQ(errno, EINVAL);
	struct mt_conn c;
	mt_conn_init(&c, C0, 40013, S0, 80);
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "X.C.START");
	/* Unregister: nothing for the next flow. */
	CHECK_EQ(mtcp_unregister_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND), 0);
	CHECK_ERRNO(mtcp_unregister_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND), EINVAL);
	mt_conn_init(&c, C0, 40014, S0, 80);
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_EQ(mt_nlog, 1);
	mt_bed_fini(&b);
}

/* Registers PKT_IN at RCV on the per-flow socket from CONN_START: this flow only. */
static void ev_cb_per_flow(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	CHECK_EQ(mtcp_register_callback(m, sock, MOS_ON_PKT_IN, MOS_HK_RCV, ev_cb_other), 0);
}

TEST(per_flow_registration_is_copy_on_write_and_passive_is_a_snapshot)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND, ev_cb_per_flow),
		 0);
	struct mt_conn c1, c2;
	mt_conn_init(&c1, C0, 40015, S0, 80);
	mt_syn(&b, &c1);
	mt_poll(&b);
	CHECK_EQ(mt_nlog, 1); /* the SYN's RCV hook saw the new callback */
	/* A later passive registration does not reach the existing flow. */
	CHECK_EQ(mtcp_unregister_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_SND, mt_cb_snd), 0);
	mt_synack(&b, &c1);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "X.S.IN X.C.IN");
	/* A new flow gets the passive socket's current table, not flow 1's copy. */
	mt_conn_init(&c2, C0, 40016, S0, 80);
	mt_syn(&b, &c2);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "X.S.IN X.C.IN S.C.IN");
	mt_bed_fini(&b);
}

/* Queries from inside a callback. */
static int ev_q_done;

static void ev_cb_queries(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	struct sockaddr_in sa[2];
	socklen_t l = sizeof(struct sockaddr);
	CHECK_EQ(mtcp_getpeername(m, sock, (struct sockaddr *)&sa[0], &l, MOS_SIDE_SVR), 0);
	CHECK_EQ(ntohl(sa[0].sin_addr.s_addr), S0);
	CHECK_EQ(ntohs(sa[0].sin_port), 80);
	l = 2 * sizeof(struct sockaddr);
	CHECK_EQ(mtcp_getpeername(m, sock, (struct sockaddr *)sa, &l, MOS_SIDE_BOTH), 0);
	CHECK_EQ(ntohl(sa[MOS_SIDE_CLI].sin_addr.s_addr), C0);
	CHECK_EQ(ntohs(sa[MOS_SIDE_CLI].sin_port), 40017);
	CHECK_EQ(ntohl(sa[MOS_SIDE_SVR].sin_addr.s_addr), S0);
	l = 3;
	CHECK_ERRNO(mtcp_getpeername(m, sock, (struct sockaddr *)sa, &l, MOS_SIDE_CLI), EINVAL);
	l = sizeof(struct sockaddr);
	CHECK_ERRNO(mtcp_getpeername(m, sock, (struct sockaddr *)sa, &l, 7), EINVAL);
	uint32_t ts = 0;
	l = sizeof ts;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_TIMESTAMP, &ts, &l), 0);
	CHECK_EQ(ts, mtcp_cb_get_ts(m));
	CHECK(mtcp_get_uctx(m, sock) == NULL);
	mtcp_set_uctx(m, sock, &ev_q_done);
	CHECK(mtcp_get_uctx(m, sock) == &ev_q_done);
	int st;
	l = sizeof st;
	CHECK_ERRNO(mtcp_getsockopt(m, sock, SOL_MONSOCKET, 0x77, &st, &l), ENOSYS);
	ev_q_done++;
}

TEST(callbacks_query_peers_states_time_and_user_context)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND, ev_cb_queries),
		 0);
	struct mt_conn c;
	mt_conn_init(&c, C0, 40017, S0, 80);
	mt_run(&b, 5);
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_EQ(ev_q_done, 1);
	/* Off the callback: per-flow functions refuse with EPERM; passive uctx works. */
	char x;
	CHECK_ERRNO(mtcp_peek(b.m, s + 1, MOS_SIDE_SVR, &x, 1), EPERM);
	mtcp_set_uctx(b.m, s, &x);
	CHECK(mtcp_get_uctx(b.m, s) == &x);
	CHECK_ERRNO(mtcp_getpeername(b.m, s, NULL, NULL, MOS_SIDE_CLI), EPERM);
	mt_bed_fini(&b);
}

/* STOP_MON from a callback. */
static int ev_stop_side;

static void ev_cb_stop(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	CHECK_EQ(mtcp_setsockopt(m, sock, SOL_MONSOCKET, MOS_STOP_MON, &ev_stop_side,
				 sizeof ev_stop_side),
		 0);
}

TEST(stop_mon_on_one_side_silences_that_side_only)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_RCV, ev_cb_stop), 0);
	ev_stop_side = MOS_SIDE_CLI;
	struct mt_conn c;
	mt_conn_init(&c, C0, 40018, S0, 80);
	mt_handshake(&b, &c);
	mt_data(&b, &c, 1, "to-client", 9);
	mt_data(&b, &c, 0, "to-server", 9);
	mt_poll(&b);
	mt_rst(&b, &c, 0);
	mt_poll(&b);
	for (int i = 0; i < mt_nlog; i++) {
		/* After the SYN, nothing about the client side. */
		if (i >= 4)
			CHECK_MSG(mt_log[i].side != MOS_SIDE_CLI, "event %d: %s", i,
				  mt_log_text(i, i + 1, true));
	}
	CHECK_EQ(mt_count(MOS_ON_CONN_NEW_DATA, 'N', MOS_SIDE_SVR), 1);
	CHECK_EQ(mt_count(MOS_ON_CONN_END, 0, MOS_SIDE_SVR), 2);
	CHECK_EQ(mt_count(MOS_ON_CONN_END, 0, MOS_SIDE_CLI), 0);
	CHECK_EQ(b.ctx->flows, 0);
	mt_bed_fini(&b);
}

TEST(stop_mon_both_really_stops_both_and_later_packets_are_not_orphans)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_START, MOS_HK_SND, ev_cb_stop), 0);
	ev_stop_side = MOS_SIDE_BOTH;
	struct mt_conn c;
	mt_conn_init(&c, C0, 40019, S0, 80);
	mt_handshake(&b, &c);
	mt_data(&b, &c, 0, "payload", 7);
	mt_poll(&b);
	mt_fin(&b, &c, 0);
	mt_poll(&b);
	/* Only the SYN's events before the stop took effect at the end of the packet's
	 * SND hook... and nothing else: no RCV events, no END, no orphans. */
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "S.C.IN S.C.STATE=SYN_SENT");
	struct mos_monitor_stats st;
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	CHECK_EQ(st.orphans, 0);
	/* The flow stays as a tombstone until its idle timeout; a new SYN with a new
	 * ISN on the same 4-tuple starts a new, monitored flow. */
	CHECK_EQ(b.ctx->flows, 1);
	ev_stop_side = MOS_SIDE_CLI;
	c.isn[0] = 90000;
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_EQ(mt_count(MOS_ON_CONN_START, 'R', MOS_SIDE_SVR), 1);
	mt_bed_fini(&b);
}

TEST(midstream_pickup_creates_flows_with_roles_from_ports)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	int on = MOS_MIDSTREAM_PORTS;
	CHECK_EQ(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_MIDSTREAM, &on, sizeof on), 0);
	int got = -1;
	socklen_t l = sizeof got;
	CHECK_EQ(mtcp_getsockopt(b.m, s, SOL_MONSOCKET, MOS_MIDSTREAM, &got, &l), 0);
	CHECK_EQ(got, MOS_MIDSTREAM_PORTS);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, ev_cb_read), 0);
	struct mt_conn c;
	mt_conn_init(&c, C0, 40020, S0, 80);
	c.nxt[0] = 123456;
	c.nxt[1] = 987654;
	/* The capture starts with the server's response. */
	mt_data(&b, &c, 1, "HTTP/1.1 200 OK", 15);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "S.S.IN S.S.START S.S.STATE=ESTABLISHED "
						   "R.C.IN R.C.START R.C.STATE=ESTABLISHED");
	CHECK_EQ(ev_nread, 15);
	CHECK(memcmp(ev_read, "HTTP/1.1 200 OK", 15) == 0);
	mt_data(&b, &c, 0, "GET /next", 9);
	mt_poll(&b);
	CHECK_EQ(ev_nread, 24);
	struct mos_monitor_stats st;
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	CHECK_EQ(st.flows_midstream, 1);
	CHECK_EQ(st.orphans, 0);
	mt_bed_fini(&b);
}

TEST(midstream_first_packet_rule_makes_its_sender_the_client)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	int on = MOS_MIDSTREAM_FIRST;
	CHECK_EQ(mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_MIDSTREAM, &on, sizeof on), 0);
	mt_register_all(b.m, s);
	struct mt_conn c;
	mt_conn_init(&c, C0, 40021, S0, 80);
	mt_data(&b, &c, 1, "resp", 4);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, 2, true), "S.C.IN S.C.START");
	/* A SYN/ACK picks roles from the handshake whatever the rule. */
	struct mt_conn d;
	mt_conn_init(&d, C0, 40022, S0, 80);
	d.nxt[0] = d.isn[0] + 1;
	int mark = mt_nlog;
	mt_synack(&b, &d);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(mark, mt_nlog, false),
		    "S.S.START S.S.STATE=SYN_RCVD R.C.START R.C.STATE=ESTABLISHED");
	mt_bed_fini(&b);
}

TEST(vlan_tagged_conversations_are_monitored_like_untagged_ones)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	mt_register_all(b.m, ev_passive(&b));
	struct mt_conn c;
	mt_conn_init(&c, C0, 40023, S0, 80);
	c.vlan = 42;
	mt_handshake(&b, &c);
	mt_data(&b, &c, 0, "tagged", 6);
	mt_poll(&b);
	mt_rst(&b, &c, 0);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, false),
		    "S.C.START S.C.STATE=SYN_SENT R.S.START R.S.STATE=SYN_RCVD "
		    "R.C.STATE=ESTABLISHED R.S.STATE=ESTABLISHED N.S.DATA "
		    "S.C.STATE=CLOSED R.S.STATE=CLOSED S.C.END R.C.END S.S.END R.S.END");
	mt_bed_fini(&b);
}

TEST(a_new_syn_on_a_closed_or_unanswered_tuple_starts_a_new_flow)
{
	struct mt_bed b;
	mt_bed_init(&b, ev_keys, 1);
	mt_register_all(b.m, ev_passive(&b));
	struct mt_conn c;
	mt_conn_init(&c, C0, 12345, S0, 8080);
	c.isn[0] = 1111;
	mt_syn(&b, &c);
	mt_poll(&b);
	mt_seg(&b, &c, 1, 0, c.nxt[0], WIRE_TCP_RST | WIRE_TCP_ACK, NULL, 0); /* refused */
	mt_poll(&b);
	CHECK_EQ(mt_count(MOS_ON_CONN_END, 0, -1), 4);
	c.isn[0] = 3333;
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_EQ(mt_count(MOS_ON_CONN_START, 'S', MOS_SIDE_CLI), 2);
	/* SYN retries with a new ISN while unanswered: each is a new attempt. */
	c.isn[0] = 4444;
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_EQ(mt_count(MOS_ON_CONN_START, 'S', MOS_SIDE_CLI), 3);
	CHECK_EQ(mt_count(MOS_ON_CONN_END, 0, -1), 8);
	/* The same ISN again is a retransmission, not a new flow. */
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_EQ(mt_count(MOS_ON_CONN_START, 'S', MOS_SIDE_CLI), 3);
	CHECK_EQ(b.ctx->flows, 1);
	mt_bed_fini(&b);
}

TEST(data_just_before_a_rst_in_the_same_batch_is_delivered_before_conn_end)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, ev_keys, 1);
	int s = ev_passive(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, ev_cb_read), 0);
	mt_register_all(b.m, s);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, ev_cb_read), 0);
	mt_conn_init(&c, C0, 12345, S0, 8080);
	c.wscale[0] = 5;
	c.win[0] = c.win[1] = 8192;
	c.isn[0] = 1111;
	mt_syn(&b, &c); /* refused by a bare RST, then the tuple is used again */
	mt_seg(&b, &c, 1, 2222, 0, WIRE_TCP_RST, NULL, 0);
	c.isn[0] = 3333;
	c.isn[1] = 4444;
	mt_syn(&b, &c);
	mt_synack(&b, &c);
	mt_ack(&b, &c, 0);
	mt_data(&b, &c, 0, "GET /", 5);
	mt_data(&b, &c, 1, "<html>hi</html>", 15);
	mt_seg(&b, &c, 0, c.nxt[0], 0, WIRE_TCP_RST, NULL, 0);
	mt_poll(&b);
	CHECK_EQ(ev_nread, 20); /* the client side's bytes first, then the server's */
	CHECK(memcmp(ev_read, "<html>hi</html>GET /", 20) == 0);
	mt_bed_fini(&b);
}
