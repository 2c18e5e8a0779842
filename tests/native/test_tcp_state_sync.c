/* test_tcp_state_sync.c - TCP state tests of synchronized connections (RFC 9293
 * §3.10.7.4): acceptability, RST and SYN in every state with the RFC 5961 answers, ACK
 * acceptability, data and its acknowledgements, PAWS, and every closing path (active,
 * passive, simultaneous, TIME-WAIT expiry, RST on unread data, abort). */
#include "tcp_test_util.h"

static const uint16_t A = WIRE_TCP_ACK;

/* The stack closes its side (close() on the socket): FIN,ACK goes out. */
static void tt_app_close(struct tt *b, struct tt_conn *c)
{
	CHECK_EQ(es_close(b->es, c->id), 0);
	tt_poll(b);
	struct tt_seg r;
	TT_EXPECT(b, &r, WIRE_TCP_FIN | A, c->snxt, c->pnxt, 0);
	c->snxt++;
}

/* The peer's FIN; the stack acknowledges it at once. */
static void tt_peer_fin(struct tt *b, struct tt_conn *c)
{
	tt_send_on(b, c, WIRE_TCP_FIN | A, NULL, 0);
	struct tt_seg r;
	TT_EXPECT(b, &r, A, c->snxt, c->pnxt, 0);
}

/* The peer acknowledges everything (no reply expected). */
static void tt_peer_ack(struct tt *b, struct tt_conn *c)
{
	tt_send_on(b, c, A, NULL, 0);
	tt_expect_none(b);
}

/* A connection in `state`, seen from the stack (accepted from a listener). */
static struct tt_conn tt_conn_in(struct tt *b, uint8_t state)
{
	int lid = tt_listen(b, TT_SPORT, 8);
	struct tt_conn c = tt_accept_conn(b, lid, TT_PPORT, false);
	switch (state) {
	case TCP_CLOSE_WAIT:
		tt_peer_fin(b, &c);
		break;
	case TCP_LAST_ACK:
		tt_peer_fin(b, &c);
		tt_app_close(b, &c);
		break;
	case TCP_FIN_WAIT_1:
		tt_app_close(b, &c);
		break;
	case TCP_FIN_WAIT_2:
		tt_app_close(b, &c);
		tt_peer_ack(b, &c);
		break;
	case TCP_CLOSING: {
		tt_app_close(b, &c);
		/* The peer's FIN that does not acknowledge ours yet. */
		struct tt_seg s = {.sport = c.pport,
				   .seq = c.pnxt,
				   .ack = c.snxt - 1,
				   .flags = WIRE_TCP_FIN | A,
				   .win = 65535};
		tt_send(b, &s);
		c.pnxt++;
		struct tt_seg r;
		TT_EXPECT(b, &r, A, c.snxt, c.pnxt, 0);
		break;
	}
	case TCP_TIME_WAIT:
		tt_app_close(b, &c);
		tt_peer_ack(b, &c);
		tt_peer_fin(b, &c);
		break;
	default:
		break;
	}
	CHECK_EQ(c.t->state, state);
	return c;
}

static const uint8_t tt_sync_states[] = {TCP_ESTABLISHED, TCP_FIN_WAIT_1, TCP_FIN_WAIT_2,
					 TCP_CLOSE_WAIT,  TCP_CLOSING,    TCP_LAST_ACK,
					 TCP_TIME_WAIT};

static bool tt_gone(struct tt *b)
{
	return flow_table_count(&b->es->tcp.flows) == 0;
}

TEST(rst_at_rcv_nxt_ends_the_connection_in_every_synchronized_state)
{
	for (size_t i = 0; i < sizeof tt_sync_states; i++) {
		struct tt b;
		tt_setup(&b);
		uint8_t st = tt_sync_states[i];
		struct tt_conn c = tt_conn_in(&b, st);
		mt_note("state %u", st);
		struct tt_seg s = {.seq = c.pnxt, .flags = WIRE_TCP_RST};
		tt_send(&b, &s);
		tt_expect_none(&b);
		CHECK(tt_gone(&b));
		if (st == TCP_ESTABLISHED || st == TCP_CLOSE_WAIT) {
			/* the application still holds the socket and hears of it */
			CHECK_EQ(es_recv(b.es, c.id, (char[8]){0}, 8, 0), -ECONNRESET);
			CHECK_EQ(es_recv(b.es, c.id, (char[8]){0}, 8, 0), 0);
			CHECK_EQ(es_send(b.es, c.id, "x", 1), -EPIPE);
		}
		CHECK_EQ(b.es->tcp.ctr.v[tcp_ctr_resets_received], 1);
		tt_teardown(&b);
	}
}

TEST(rst_in_window_but_not_at_rcv_nxt_gets_a_challenge_ack_in_every_state)
{
	for (size_t i = 0; i < sizeof tt_sync_states; i++) {
		struct tt b;
		tt_setup(&b);
		uint8_t st = tt_sync_states[i];
		mt_note("state %u", st);
		struct tt_conn c = tt_conn_in(&b, st);
		struct tt_seg s = {.seq = c.pnxt + 100, .flags = WIRE_TCP_RST};
		tt_send(&b, &s);
		struct tt_seg r;
		TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0); /* RFC 5961 §3.2 */
		CHECK_EQ(c.t->state, st);
		CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_rst_invalid), 1);
		CHECK_EQ(b.es->tcp.ctr.v[tcp_ctr_challenge_acks], 1);
		tt_teardown(&b);
	}
}

TEST(rst_outside_the_window_is_dropped_silently)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	struct tt_seg s = {.seq = c.pnxt + 100000, .flags = WIRE_TCP_RST};
	tt_send(&b, &s);
	s.seq = c.pnxt - 1;
	tt_send(&b, &s);
	tt_expect_none(&b);
	CHECK_EQ(c.t->state, TCP_ESTABLISHED);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_rst_invalid), 2);
	tt_teardown(&b);
}

TEST(syn_gets_a_challenge_ack_in_every_synchronized_state)
{
	for (size_t i = 0; i < sizeof tt_sync_states; i++) {
		struct tt b;
		tt_setup(&b);
		uint8_t st = tt_sync_states[i];
		mt_note("state %u", st);
		struct tt_conn c = tt_conn_in(&b, st);
		/* In the window, and (for TIME-WAIT) not newer than the connection, so it
		 * is not taken as a new incarnation. */
		struct tt_seg s = {.seq = c.pnxt - 1, .flags = WIRE_TCP_SYN, .win = 1000};
		if (st != TCP_TIME_WAIT)
			s.seq = c.pnxt + 10;
		tt_send(&b, &s);
		struct tt_seg r;
		TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0); /* RFC 5961 §4.2 */
		CHECK_EQ(c.t->state, st);
		tt_teardown(&b);
	}
}

TEST(new_syn_for_a_tuple_in_time_wait_opens_a_new_connection)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_TIME_WAIT);
	struct tt_seg s = {.seq = c.pnxt + 100000, .flags = WIRE_TCP_SYN, .win = 1000};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_SYN | A, r.seq, c.pnxt + 100000 + 1, 0);
	struct flow_key k = {TT_STACK_IP, TT_PEER_IP, TT_SPORT, TT_PPORT};
	struct tcp_tcb *t = flow_table_lookup(&b.es->tcp.flows, &k);
	CHECK(t != NULL);
	CHECK_EQ(t->state, TCP_SYN_RCVD);
	tt_teardown(&b);
}

TEST(segment_outside_the_window_gets_an_ack_and_is_dropped)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	uint8_t data[100];
	memset(data, 'x', sizeof data);
	struct tt_seg s = {.seq = c.pnxt + 20000,
			   .ack = c.snxt,
			   .flags = A,
			   .win = 1000,
			   .data = data,
			   .len = 100};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(r.win, 16384);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_not_acceptable), 1);
	CHECK_EQ(tcp_app_rx_bytes(c.t), 0);
	tt_teardown(&b);
}

TEST(old_duplicate_segment_gets_an_immediate_ack)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	tt_send_on(&b, &c, A, "abcd", 4);
	tt_run(&b, 50); /* the delayed ACK */
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	struct tt_seg s = {.seq = c.pnxt - 4,
			   .ack = c.snxt,
			   .flags = A,
			   .win = 1000,
			   .data = (const uint8_t *)"abcd",
			   .len = 4};
	tt_send(&b, &s);
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(tcp_app_rx_bytes(c.t), 4);
	tt_teardown(&b);
}

TEST(segment_without_ack_is_dropped_in_a_synchronized_state)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	struct tt_seg s = {.seq = c.pnxt,
			   .flags = WIRE_TCP_PSH,
			   .win = 1000,
			   .data = (const uint8_t *)"zz",
			   .len = 2};
	tt_send(&b, &s);
	tt_expect_none(&b);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_bad_flags) +
			 eng_ctx_port_drops(b.ctx, 0, DROP_tcp_no_ack_flag),
		 1);
	CHECK_EQ(tcp_app_rx_bytes(c.t), 0);
	tt_teardown(&b);
}

TEST(ack_of_data_never_sent_gets_an_ack_and_is_dropped)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	struct tt_seg s = {.seq = c.pnxt, .ack = c.snxt + 500, .flags = A, .win = 1000};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_bad_ack), 1);
	tt_teardown(&b);
}

TEST(ack_older_than_the_window_gets_a_challenge_ack)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	/* SND.UNA - MAX.SND.WND > SEG.ACK (RFC 5961 §5.2): 65535 is the largest window. */
	struct tt_seg s = {.seq = c.pnxt, .ack = c.snxt - 70000, .flags = A, .win = 1000};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_bad_ack), 1);
	tt_teardown(&b);
}

TEST(in_order_data_is_delivered_and_acked_after_the_40_ms_delay)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	tt_send_on(&b, &c, A | WIRE_TCP_PSH, "hello", 5);
	tt_expect_none(&b);
	CHECK_EQ(tcp_app_rx_bytes(c.t), 5);
	tt_run(&b, 39);
	tt_expect_none(&b);
	tt_run(&b, 1);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(r.win, 16384 - 5);
	char buf[8];
	CHECK_EQ(es_recv(b.es, c.id, buf, sizeof buf, MSG_PEEK), 5);
	CHECK_EQ(es_recv(b.es, c.id, buf, sizeof buf, 0), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK_EQ(es_recv(b.es, c.id, buf, sizeof buf, 0), -EAGAIN);
	tt_teardown(&b);
}

TEST(every_second_full_segment_is_acked_at_once)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_conn c = tt_accept_conn(&b, lid, TT_PPORT, true);
	uint8_t seg[1448]; /* MSS 1460 less the timestamp option */
	memset(seg, 7, sizeof seg);
	tt_send_on(&b, &c, A, seg, sizeof seg);
	tt_expect_none(&b);
	tt_send_on(&b, &c, A, seg, sizeof seg);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(r.win, 16384 - 2 * 1448);
	tt_teardown(&b);
}

TEST(out_of_order_data_gets_an_immediate_dup_ack_with_a_sack_block)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_conn c = tt_accept_conn(&b, lid, TT_PPORT, true);
	uint8_t d[300];
	for (int i = 0; i < 300; i++)
		d[i] = (uint8_t)i;
	uint32_t base = c.pnxt;
	c.pnxt = base + 100; /* the first 100 bytes are "lost" */
	tt_send_on(&b, &c, A, d + 100, 100);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, base, 0);
	CHECK(r.optbits & WIRE_TCPOPT_SACK);
	CHECK_EQ(r.o.nsack, 1);
	CHECK_EQ(r.o.sack[0][0], base + 100);
	CHECK_EQ(r.o.sack[0][1], base + 200);
	/* A second island: the newest block comes first (RFC 2018 §4). */
	c.pnxt = base + 250;
	tt_send_on(&b, &c, A, d + 250, 50);
	TT_EXPECT(&b, &r, A, c.snxt, base, 0);
	CHECK_EQ(r.o.nsack, 2);
	CHECK_EQ(r.o.sack[0][0], base + 250);
	CHECK_EQ(r.o.sack[0][1], base + 300);
	CHECK_EQ(r.o.sack[1][0], base + 100);
	CHECK_EQ(r.o.sack[1][1], base + 200);
	CHECK_EQ(tcp_app_rx_bytes(c.t), 0);
	/* Filling the first hole: an immediate ACK up to the second hole. */
	c.pnxt = base;
	tt_send_on(&b, &c, A, d, 100);
	TT_EXPECT(&b, &r, A, c.snxt, base + 200, 0);
	CHECK_EQ(r.o.nsack, 1);
	CHECK_EQ(r.o.sack[0][0], base + 250);
	c.pnxt = base + 200;
	tt_send_on(&b, &c, A, d + 200, 50);
	TT_EXPECT(&b, &r, A, c.snxt, base + 300, 0);
	CHECK_EQ(r.o.nsack, 0);
	uint8_t got[300];
	CHECK_EQ(es_recv(b.es, c.id, got, sizeof got, 0), 300);
	CHECK(memcmp(got, d, 300) == 0);
	CHECK_EQ(rbuf_pool_segments_in_use(&b.es->tcp.ooo_pool), 0);
	tt_teardown(&b);
}

TEST(paws_drops_an_old_timestamp_and_acks)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_conn c = tt_accept_conn(&b, lid, TT_PPORT, true);
	uint32_t recent = c.t->ts_recent;
	struct tt_seg s = {.sport = TT_PPORT,
			   .seq = c.pnxt,
			   .ack = c.snxt,
			   .flags = A,
			   .win = 1000,
			   .data = (const uint8_t *)"old",
			   .len = 3};
	s.o = (struct tt_opt){.ts = true, .tsval = recent - 10, .tsecr = 0};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	CHECK_EQ(r.o.tsecr, recent);
	CHECK_EQ(tcp_app_rx_bytes(c.t), 0);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_paws), 1);
	/* A newer timestamp is accepted and becomes TS.Recent. */
	s.o.tsval = recent + 10;
	tt_send(&b, &s);
	CHECK_EQ(tcp_app_rx_bytes(c.t), 3);
	CHECK_EQ(c.t->ts_recent, recent + 10);
	tt_teardown(&b);
}

/* ---- Closing ------------------------------------------------------------------------ */

TEST(active_close_goes_fin_wait_1_fin_wait_2_time_wait_and_expires)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_FIN_WAIT_1);
	tt_peer_ack(&b, &c);
	CHECK_EQ(c.t->state, TCP_FIN_WAIT_2);
	tt_peer_fin(&b, &c);
	CHECK_EQ(c.t->state, TCP_TIME_WAIT);
	CHECK_EQ(atomic_load(&b.ctx->flows), 1);
	tt_run(&b, 499);
	CHECK(!tt_gone(&b)); /* tcp_tw_interval = 500ms */
	tt_run(&b, 1);
	CHECK(tt_gone(&b));
	CHECK_EQ(atomic_load(&b.ctx->flows), 0);
	tt_run(&b, 1);
	CHECK_EQ(pool_in_use(&b.es->tcp.tcbs), 0);
	tt_teardown(&b);
}

TEST(retransmitted_fin_in_time_wait_is_acked_and_restarts_the_timer)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_TIME_WAIT);
	tt_run(&b, 400);
	c.pnxt--; /* the peer sends its FIN again */
	tt_send_on(&b, &c, WIRE_TCP_FIN | A, NULL, 0);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0);
	tt_run(&b, 400);
	CHECK(!tt_gone(&b));
	tt_run(&b, 100);
	CHECK(tt_gone(&b));
	tt_teardown(&b);
}

TEST(passive_close_goes_close_wait_last_ack_closed)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_CLOSE_WAIT);
	char buf[4];
	CHECK_EQ(es_recv(b.es, c.id, buf, sizeof buf, 0), 0); /* end of stream */
	CHECK_EQ(es_send(b.es, c.id, "bye", 3), 3);           /* still allowed */
	tt_poll(&b);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A | WIRE_TCP_PSH, c.snxt, c.pnxt, 3);
	c.snxt += 3;
	tt_app_close(&b, &c);
	CHECK_EQ(c.t->state, TCP_LAST_ACK);
	tt_peer_ack(&b, &c);
	CHECK(tt_gone(&b));
	tt_teardown(&b);
}

TEST(simultaneous_close_goes_through_closing_to_time_wait)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_CLOSING);
	tt_peer_ack(&b, &c);
	CHECK_EQ(c.t->state, TCP_TIME_WAIT);
	tt_run(&b, 500);
	CHECK(tt_gone(&b));
	tt_teardown(&b);
}

TEST(close_with_unread_data_sends_rst)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	tt_send_on(&b, &c, A, "unread", 6);
	CHECK_EQ(es_close(b.es, c.id), 0);
	tt_poll(&b);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_RST | A, c.snxt, c.pnxt, 0);
	CHECK(tt_gone(&b));
	tt_teardown(&b);
}

TEST(abort_sends_rst_and_frees_the_socket)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_ESTABLISHED);
	CHECK_EQ(es_abort(b.es, c.id), 0);
	tt_poll(&b);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_RST | A, c.snxt, c.pnxt, 0);
	CHECK(tt_gone(&b));
	CHECK_EQ(es_abort(b.es, c.id), -EBADF);
	tt_teardown(&b);
}

TEST(fin_with_data_out_of_order_takes_effect_when_the_hole_fills)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_conn c = tt_accept_conn(&b, lid, TT_PPORT, true);
	uint32_t base = c.pnxt;
	c.pnxt = base + 3;
	tt_send_on(&b, &c, A | WIRE_TCP_FIN, "def", 3);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, base, 0);
	CHECK_EQ(c.t->state, TCP_ESTABLISHED);
	c.pnxt = base;
	tt_send_on(&b, &c, A, "abc", 3);
	TT_EXPECT(&b, &r, A, c.snxt, base + 7, 0);
	CHECK_EQ(c.t->state, TCP_CLOSE_WAIT);
	char buf[8];
	CHECK_EQ(es_recv(b.es, c.id, buf, sizeof buf, 0), 6);
	CHECK(memcmp(buf, "abcdef", 6) == 0);
	CHECK_EQ(es_recv(b.es, c.id, buf, sizeof buf, 0), 0);
	tt_teardown(&b);
}

TEST(without_time_wait_the_last_ack_still_goes_out_and_the_connection_ends)
{
	struct tt b;
	tt_setup_with(&b, " tcp_timeout = 0\n tcp_tw_interval = 0\n");
	struct tt_conn c = tt_conn_in(&b, TCP_FIN_WAIT_2);
	tt_send_on(&b, &c, WIRE_TCP_FIN | A, NULL, 0);
	struct tt_seg r;
	TT_EXPECT(&b, &r, A, c.snxt, c.pnxt, 0); /* the peer's FIN is acknowledged */
	CHECK(tt_gone(&b));                      /* and nothing waits */
	tt_poll(&b);
	CHECK_EQ(pool_in_use(&b.es->tcp.tcbs), 0);
	tt_teardown(&b);
}

/* An orphan (closed by the application) in FIN_WAIT_1: the peer's ACK of our FIN alone
 * leaves FIN_WAIT_2 watched by the slow timer, which ends it after TCP_FIN_WAIT_2_MS. */
TEST(orphan_fin_wait_2_is_watched_by_the_slow_timer_and_ends)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_FIN_WAIT_1);
	tt_peer_ack(&b, &c);
	CHECK_EQ(c.t->state, TCP_FIN_WAIT_2);
	CHECK((c.t->f & TF_ORPHAN_WAIT) != 0);
	CHECK((c.t->f & (TF_ORPHAN_ARM | TF_TW_NET)) == 0);
	CHECK(tw_timer_armed(&c.t->slow_timer));
	CHECK_EQ(tw_timer_deadline(&c.t->slow_timer), c.t->end_ms);
	CHECK_EQ(c.t->end_ms, b.ctx->now_ms + TCP_FIN_WAIT_2_MS);
	tt_run(&b, TCP_FIN_WAIT_2_MS - 1);
	CHECK(!tt_gone(&b));
	tt_run(&b, 1);
	CHECK(tt_gone(&b));
	tt_teardown(&b);
}

/* The same orphan, when the peer's FIN rides on the ACK of ours: straight through
 * FIN_WAIT_2 to TIME_WAIT, whose interval alone is timed. */
TEST(orphan_fin_wait_1_acked_with_the_peer_fin_times_only_time_wait)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_conn_in(&b, TCP_FIN_WAIT_1);
	tt_peer_fin(&b, &c);
	CHECK_EQ(c.t->state, TCP_TIME_WAIT);
	CHECK((c.t->f & (TF_ORPHAN_WAIT | TF_ORPHAN_ARM | TF_TW_NET)) == 0);
	CHECK(tw_timer_armed(&c.t->slow_timer));
	CHECK_EQ(tw_timer_deadline(&c.t->slow_timer), b.ctx->now_ms + 500);
	tt_run(&b, 499);
	CHECK(!tt_gone(&b));
	tt_run(&b, 1);
	CHECK(tt_gone(&b));
	tt_teardown(&b);
}

/* Without TIME_WAIT: the orphan acknowledges the FIN and ends in the same poll, with no
 * timer left behind. */
TEST(orphan_without_time_wait_acks_the_fin_and_ends_with_no_timer_left)
{
	struct tt b;
	tt_setup_with(&b, " tcp_timeout = 0\n tcp_tw_interval = 0\n");
	struct tt_conn c = tt_conn_in(&b, TCP_FIN_WAIT_1);
	uint32_t armed = tw_armed_count(&b.ctx->wheel);
	tt_peer_fin(&b, &c);
	CHECK(tt_gone(&b));
	CHECK(tw_armed_count(&b.ctx->wheel) < armed); /* the retransmission timer went */
	tt_poll(&b);
	CHECK_EQ(pool_in_use(&b.es->tcp.tcbs), 0);
	tt_teardown(&b);
}
