/* test_tcp_state_timer.c - TCP state tests of the sender and the timers: initial
 * window, Nagle, RTO with Karn and exponential backoff (RFC 6298), fast retransmit and
 * NewReno (RFC 5681 / RFC 6582), SACK-based retransmission (RFC 6675), zero-window
 * probing, window updates, keepalive, idle timeout. Time is virtual. */
#include "tcp_test_util.h"

static const uint16_t A = WIRE_TCP_ACK;

/* An accepted connection (`opts`: MSS 1460, SACK, timestamps). */
static struct tt_conn tt_est(struct tt *b, bool opts)
{
	int lid = tt_listen(b, TT_SPORT, 8);
	return tt_accept_conn(b, lid, TT_PPORT, opts);
}

/* Queues `n` bytes on the stack's socket and polls once. */
static void tt_app_send(struct tt *b, struct tt_conn *c, size_t n)
{
	static uint8_t data[1 << 16];
	for (size_t i = 0; i < n; i++)
		data[i] = (uint8_t)(i * 13 + 1);
	CHECK_EQ(es_send(b->es, c->id, data, n), (ssize_t)n);
	tt_poll(b);
}

/* The peer acknowledges up to `ack` (with `wnd`), SACK blocks optional. */
static void tt_peer_acks(struct tt *b, struct tt_conn *c, uint32_t ack, uint16_t wnd, int nsack,
			 const uint32_t (*sack)[2])
{
	struct tt_seg s = {
		.sport = c->pport, .seq = c->pnxt, .ack = ack, .flags = A, .win = wnd};
	if (c->ts)
		s.o = tt_ts(b, c->t->ts_offset + (uint32_t)tt_now_ms(b));
	s.o.nsack = (uint8_t)nsack;
	for (int i = 0; i < nsack; i++) {
		s.o.sack[i][0] = sack[i][0];
		s.o.sack[i][1] = sack[i][1];
	}
	tt_send(b, &s);
}

TEST(initial_window_is_ten_full_segments)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, true);
	tt_app_send(&b, &c, 16000);
	struct tt_seg r;
	for (int i = 0; i < 10; i++)
		TT_EXPECT(&b, &r, A, c.snxt + (uint32_t)i * 1448, c.pnxt, 1448);
	tt_expect_none(&b);
	CHECK_EQ(c.t->cwnd, 10 * 1448);
	/* Each ACK opens the window further (slow start). */
	tt_peer_acks(&b, &c, c.snxt + 2 * 1448, 65535, 0, NULL);
	TT_EXPECT(&b, &r, A, c.snxt + 10 * 1448, c.pnxt, 1448);
	tt_teardown(&b);
}

TEST(nagle_holds_a_small_segment_while_data_is_unacknowledged)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, false);
	tt_app_send(&b, &c, 100);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 100);
	tt_app_send(&b, &c, 50);
	tt_expect_none(&b); /* held: 100 bytes are in flight */
	tt_peer_acks(&b, &c, c.snxt + 100, 65535, 0, NULL);
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt + 100, c.pnxt, 50);
	/* TCP_NODELAY: small segments go at once. */
	int one = 1;
	CHECK_EQ(es_setsockopt(b.es, c.id, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one), 0);
	tt_app_send(&b, &c, 10);
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt + 150, c.pnxt, 10);
	tt_teardown(&b);
}

TEST(rto_retransmits_with_exponential_backoff_from_the_200_ms_minimum)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, true);
	CHECK_EQ(c.t->rto_ms, TCP_RTO_MIN_MS); /* the handshake measured ~0 ms */
	tt_app_send(&b, &c, 100);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 100);
	unsigned gap = 200;
	for (int i = 0; i < 5; i++) {
		tt_run(&b, gap - 1);
		tt_expect_none(&b);
		tt_run(&b, 1);
		TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 100);
		gap *= 2;
	}
	CHECK_EQ(b.es->tcp.ctr.v[tcp_ctr_rtx_timeouts], 5);
	/* The ACK ends it; RTT timing restarts from a fresh sample. */
	tt_peer_acks(&b, &c, c.snxt + 100, 65535, 0, NULL);
	CHECK(!tw_timer_armed(&c.t->rtx_timer));
	CHECK_EQ(c.t->retries, 0);
	tt_teardown(&b);
}

TEST(rto_gives_up_after_15_retransmissions_with_etimedout)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, false);
	tt_app_send(&b, &c, 10);
	struct tt_seg r;
	int sent = 0;
	for (int ms = 0; ms < 20 * 60 * 1000; ms += 100) {
		tt_run(&b, 100);
		while (tt_recv(&b, &r))
			sent++;
		if (c.t->state == TCP_CLOSED)
			break;
	}
	CHECK_EQ(sent, 1 + TCP_MAX_RETRIES);
	CHECK_EQ(c.t->state, TCP_CLOSED);
	CHECK_EQ(es_send(b.es, c.id, "x", 1), -ETIMEDOUT);
	CHECK_EQ(b.es->tcp.ctr.v[tcp_ctr_timeouts], 1);
	tt_teardown(&b);
}

TEST(three_duplicate_acks_trigger_fast_retransmit_without_sack)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, false); /* MSS 536, no SACK: NewReno */
	tt_app_send(&b, &c, 536 * 8);
	struct tt_seg r;
	for (int i = 0; i < 8; i++)
		TT_EXPECT(&b, &r, A | (i == 7 ? WIRE_TCP_PSH : 0), c.snxt + (uint32_t)i * 536,
			  c.pnxt, 536);
	/* Segment 0 is lost: the peer acks nothing new, three times. */
	tt_peer_acks(&b, &c, c.snxt, 65535, 0, NULL);
	tt_peer_acks(&b, &c, c.snxt, 65535, 0, NULL);
	tt_expect_none(&b);
	tt_peer_acks(&b, &c, c.snxt, 65535, 0, NULL);
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 536);
	CHECK(c.t->f & TF_IN_RECOVERY);
	CHECK_EQ(c.t->ssthresh, 8 * 536 / 2);
	CHECK_EQ(b.es->tcp.ctr.v[tcp_ctr_fast_retransmits], 1);
	/* A partial ACK (segment 3 also lost): NewReno resends the next hole at once. */
	tt_peer_acks(&b, &c, c.snxt + 3 * 536, 65535, 0, NULL);
	TT_EXPECT(&b, &r, A, c.snxt + 3 * 536, c.pnxt, 536);
	/* The full ACK ends recovery. */
	tt_peer_acks(&b, &c, c.snxt + 8 * 536, 65535, 0, NULL);
	CHECK(!(c.t->f & TF_IN_RECOVERY));
	tt_teardown(&b);
}

TEST(sack_blocks_make_the_sender_retransmit_only_the_hole)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, true);
	tt_app_send(&b, &c, 1448 * 10);
	struct tt_seg r;
	for (int i = 0; i < 10; i++)
		CHECK(tt_recv(&b, &r));
	uint32_t s0 = c.snxt, m = 1448;
	/* Segments 1 and 2 are lost; the receiver SACKs 3.. as they arrive. One SACK
	 * covering three segments above the hole is enough (RFC 6675 IsLost). */
	uint32_t sack[1][2] = {{s0 + 3 * m, s0 + 6 * m}};
	tt_peer_acks(&b, &c, s0 + m, 65535, 1, sack);
	TT_EXPECT(&b, &r, A, s0 + m, c.pnxt, m);
	CHECK(c.t->f & TF_IN_RECOVERY);
	CHECK_EQ(c.t->cwnd, 9 * m / 2); /* half the flight */
	/* pipe = 4 segments above the SACKed ones + 1 retransmitted > cwnd: wait. */
	tt_expect_none(&b);
	sack[0][1] = s0 + 8 * m; /* 6 and 7 arrived: two leave the pipe */
	tt_peer_acks(&b, &c, s0 + m, 65535, 1, sack);
	TT_EXPECT(&b, &r, A, s0 + 2 * m, c.pnxt, m);
	tt_expect_none(&b); /* the SACKed segments are never resent */
	CHECK_EQ(b.es->tcp.ctr.v[tcp_ctr_rtx_segs], 2);
	tt_peer_acks(&b, &c, s0 + 10 * m, 65535, 0, NULL);
	CHECK(!(c.t->f & TF_IN_RECOVERY));
	tt_teardown(&b);
}

TEST(zero_window_is_probed_with_one_byte_and_backoff)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, true);
	tt_app_send(&b, &c, 100);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 100);
	tt_peer_acks(&b, &c, c.snxt + 100, 0, 0, NULL); /* window 0 */
	c.snxt += 100;
	tt_app_send(&b, &c, 50);
	tt_expect_none(&b);
	unsigned gap = 200;
	for (int i = 0; i < 3; i++) {
		tt_run(&b, gap - 1);
		tt_expect_none(&b);
		tt_run(&b, 1);
		TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 1);  /* one byte beyond the window */
		tt_peer_acks(&b, &c, c.snxt, 0, 0, NULL); /* still closed */
		gap *= 2;
	}
	/* The window opens: everything goes. */
	tt_peer_acks(&b, &c, c.snxt, 65535, 0, NULL);
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 50);
	tt_teardown(&b);
}

TEST(rto_into_a_closed_window_sends_a_probe_and_the_answer_reopens_it)
{
	/* Data in flight, then the peer closes its window (it shrank it, or the data was
	 * dropped for lack of room) and the update that reopens it is lost: the RTO must
	 * turn into a zero-window probe, or nothing is ever sent again (tcp_sim_sweep
	 * seeds 3743 and 8572 timed out so). */
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, true);
	tt_app_send(&b, &c, 100);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 100);
	tt_peer_acks(&b, &c, c.snxt, 0, 0, NULL); /* nothing acknowledged, window 0 */
	int probes = 0;
	for (int ms = 0; ms < 10000 && probes < 3; ms += 10) {
		tt_run(&b, 10);
		while (tt_recv(&b, &r)) {
			CHECK_EQ(r.seq, c.snxt); /* one byte at SND.UNA */
			CHECK_EQ(r.len, 1);
			probes++;
			tt_peer_acks(&b, &c, c.snxt, 0, 0, NULL); /* still closed */
		}
	}
	CHECK_EQ(probes, 3);
	CHECK(c.t->f & TF_PERSIST);
	tt_peer_acks(&b, &c, c.snxt, 65535, 0, NULL); /* the answer reopens it */
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 100);
	tt_peer_acks(&b, &c, c.snxt + 100, 65535, 0, NULL);
	CHECK(!tw_timer_armed(&c.t->rtx_timer));
	CHECK_EQ(c.t->state, TCP_ESTABLISHED);
	tt_teardown(&b);
}

TEST(a_peer_answering_zero_window_probes_is_kept_and_a_silent_one_times_out)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, true);
	tt_app_send(&b, &c, 100);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 100);
	tt_peer_acks(&b, &c, c.snxt + 100, 0, 0, NULL); /* all acknowledged, window 0 */
	c.snxt += 100;
	tt_app_send(&b, &c, 50);
	int probes = 0;
	/* 40 minutes of answered probes: far more than TCP_MAX_RETRIES of them. */
	for (int ms = 0; ms < 40 * 60 * 1000; ms += 100) {
		tt_run(&b, 100);
		while (tt_recv(&b, &r)) {
			CHECK_EQ(r.len, 1);
			probes++;
			tt_peer_acks(&b, &c, c.snxt, 0, 0, NULL);
		}
	}
	CHECK(probes > TCP_MAX_RETRIES + 5);
	CHECK_EQ(c.t->state, TCP_ESTABLISHED);
	/* The peer goes silent: it ends within a few probe intervals. */
	int ms = 0;
	for (; ms < 10 * 60 * 1000 && c.t->state != TCP_CLOSED; ms += 100) {
		tt_run(&b, 100);
		while (tt_recv(&b, &r))
			;
	}
	CHECK_EQ(c.t->state, TCP_CLOSED);
	CHECK(ms <= 4 * TCP_RTO_MAX_MS);
	CHECK_EQ(es_send(b.es, c.id, "x", 1), -ETIMEDOUT);
	tt_teardown(&b);
}

TEST(reading_a_full_buffer_sends_a_window_update)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, true);
	uint8_t seg[1448];
	memset(seg, 1, sizeof seg);
	struct tt_seg r;
	uint32_t got = 0;
	while (got + 1448 <= 16384) {
		tt_send_on(&b, &c, A, seg, 1448);
		got += 1448;
		while (tt_recv(&b, &r))
			;
	}
	tt_send_on(&b, &c, A, seg, 16384 - got); /* fills the buffer exactly */
	tt_run(&b, 50);
	while (tt_recv(&b, &r))
		;
	CHECK_EQ(r.win, 0);
	CHECK_EQ(r.ack, c.pnxt);
	uint8_t buf[16384];
	CHECK_EQ(es_recv(b.es, c.id, buf, 8192, 0), 8192);
	tt_poll(&b);
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(r.win, 8192);
	tt_teardown(&b);
}

TEST(keepalive_probes_after_idle_and_resets_after_the_count)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, false);
	int one = 1, idle = 10, intvl = 2, cnt = 3;
	CHECK_EQ(es_setsockopt(b.es, c.id, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one), 0);
	CHECK_EQ(es_setsockopt(b.es, c.id, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle), 0);
	CHECK_EQ(es_setsockopt(b.es, c.id, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl),
		 0);
	CHECK_EQ(es_setsockopt(b.es, c.id, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt), 0);
	struct tt_seg r;
	tt_run(&b, 9999);
	tt_expect_none(&b);
	tt_run(&b, 1);
	/* RFC 1122 §4.2.3.6: SEG.SEQ = SND.NXT - 1, no data. */
	TT_EXPECT(&b, &r, A, c.snxt - 1, c.pnxt, 0);
	tt_peer_acks(&b, &c, c.snxt, 65535, 0, NULL); /* the peer answers: idle again */
	tt_run(&b, 9999);
	tt_expect_none(&b);
	tt_run(&b, 1);
	TT_EXPECT(&b, &r, A, c.snxt - 1, c.pnxt, 0);
	for (int i = 1; i < cnt; i++) {
		tt_run(&b, 2000);
		TT_EXPECT(&b, &r, A, c.snxt - 1, c.pnxt, 0);
	}
	tt_run(&b, 2000);
	TT_EXPECT(&b, &r, WIRE_TCP_RST | A, c.snxt, c.pnxt, 0);
	CHECK_EQ(c.t->state, TCP_CLOSED);
	char buf[4];
	CHECK_EQ(es_recv(b.es, c.id, buf, sizeof buf, 0), -ETIMEDOUT);
	tt_teardown(&b);
}

TEST(idle_timeout_resets_with_etimedout)
{
	struct tt b;
	tt_setup_with(&b, " tcp_timeout = 2\n tcp_tw_interval = 500ms\n");
	struct tt_conn c = tt_est(&b, false);
	struct tt_seg r;
	tt_run(&b, 1000);
	tt_send_on(&b, &c, A, "x", 1); /* activity restarts the count */
	tt_run(&b, 1999);
	while (tt_recv(&b, &r))
		CHECK(!(r.flags & WIRE_TCP_RST));
	tt_run(&b, 1);
	TT_EXPECT(&b, &r, WIRE_TCP_RST | A, c.snxt, c.pnxt, 0);
	CHECK(tcp_poll_mask(c.t) & TCP_POLL_ERR);
	int v = 0;
	socklen_t l = sizeof v;
	CHECK_EQ(es_getsockopt(b.es, c.id, SOL_SOCKET, SO_ERROR, &v, &l), 0);
	CHECK_EQ(v, ETIMEDOUT);
	tt_teardown(&b);
}

TEST(delayed_ack_rides_on_the_response)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_est(&b, false);
	tt_send_on(&b, &c, A | WIRE_TCP_PSH, "ping", 4);
	tt_expect_none(&b);
	tt_app_send(&b, &c, 4); /* the response carries the ACK */
	struct tt_seg r;
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 4);
	tt_run(&b, 100);
	tt_expect_none(&b); /* no separate delayed ACK */
	tt_teardown(&b);
}
