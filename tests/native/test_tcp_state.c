/* test_tcp_state.c - TCP state tests, opening side (RFC 9293 §3.10.7.1-3): CLOSED and
 * LISTEN answers, the three-way handshake both ways, SYN-SENT and SYN-RECEIVED with
 * RFC 5961 RST/SYN/ACK handling, simultaneous open, SYN retransmission. One segment in,
 * the exact reply out. */
#include "tcp_test_util.h"

TEST(syn_to_listener_gets_syn_ack_with_mss_ws_sack_and_timestamps)
{
	struct tt b;
	tt_setup(&b);
	tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 29200};
	s.o = (struct tt_opt){.mss = true,
			      .mss_val = 1400,
			      .ws = true,
			      .ws_val = 7,
			      .sack_perm = true,
			      .ts = true,
			      .tsval = 4242};
	tt_send(&b, &s);
	struct tt_seg r;
	CHECK(tt_recv(&b, &r));
	CHECK_EQ(r.flags, WIRE_TCP_SYN | WIRE_TCP_ACK);
	CHECK_EQ(r.sport, TT_SPORT);
	CHECK_EQ(r.dport, TT_PPORT);
	CHECK_EQ(r.ack, TT_PISS + 1);
	CHECK_EQ(r.win, 16384); /* the receive buffer, unscaled in a SYN */
	CHECK_EQ(r.optbits,
		 WIRE_TCPOPT_MSS | WIRE_TCPOPT_WS | WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_TS);
	CHECK_EQ(r.o.mss_val, 1460);
	CHECK_EQ(r.o.ws_val, 0); /* 16 KiB fits the header: no shift needed */
	CHECK_EQ(r.o.tsecr, 4242);
	CHECK_EQ(r.len, 0);
	tt_expect_none(&b);
	/* The TCB waits in SYN-RECEIVED on the listener's embryonic list. */
	struct flow_key k = {TT_STACK_IP, TT_PEER_IP, TT_SPORT, TT_PPORT};
	struct tcp_tcb *t = flow_table_lookup(&b.es->tcp.flows, &k);
	CHECK(t != NULL);
	CHECK_EQ(t->state, TCP_SYN_RCVD);
	CHECK_EQ(t->iss.v, r.seq);
	CHECK_EQ(t->smss, 1400);
	CHECK_EQ(t->snd_wscale, 7);
	tt_teardown(&b);
}

TEST(syn_without_options_gets_syn_ack_with_mss_only)
{
	struct tt b;
	tt_setup(&b);
	tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 8192};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_SYN | WIRE_TCP_ACK, r.seq, TT_PISS + 1, 0);
	CHECK_EQ(r.optbits, WIRE_TCPOPT_MSS);
	CHECK_EQ(r.o.mss_val, 1460);
	tt_teardown(&b);
}

TEST(final_ack_establishes_and_queues_the_connection_for_accept)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_conn c = tt_accept_conn(&b, lid, TT_PPORT, true);
	CHECK_EQ(c.t->state, TCP_ESTABLISHED);
	CHECK(c.t->f & TF_TS_OK);
	CHECK(c.t->f & TF_SACK_OK);
	CHECK_EQ(b.es->tcp.ctr.v[tcp_ctr_passive_opens], 1);
	CHECK_EQ(atomic_load(&b.ctx->flows), 1);
	tt_teardown(&b);
}

TEST(segment_to_a_closed_port_gets_rst_ack_acknowledging_it)
{
	struct tt b;
	tt_setup(&b);
	uint8_t data[10] = {0};
	struct tt_seg s = {
		.seq = 5000, .flags = WIRE_TCP_SYN, .win = 100, .data = data, .len = 10};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_RST | WIRE_TCP_ACK, 0, 5000 + 10 + 1, 0);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_no_socket), 1);
	tt_teardown(&b);
}

TEST(ack_to_a_closed_port_gets_rst_with_the_ack_as_sequence)
{
	struct tt b;
	tt_setup(&b);
	struct tt_seg s = {.seq = 5000, .ack = 777, .flags = WIRE_TCP_ACK, .win = 100};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_RST, 777, 0, 0);
	tt_teardown(&b);
}

TEST(rst_to_a_closed_port_or_a_listener_is_ignored)
{
	struct tt b;
	tt_setup(&b);
	struct tt_seg s = {.seq = 5000, .ack = 777, .flags = WIRE_TCP_RST | WIRE_TCP_ACK};
	tt_send(&b, &s);
	tt_expect_none(&b);
	tt_listen(&b, TT_SPORT, 8);
	tt_send(&b, &s);
	tt_expect_none(&b);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_state_rejects), 1);
	tt_teardown(&b);
}

TEST(ack_to_a_listener_gets_rst)
{
	struct tt b;
	tt_setup(&b);
	tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = 5000, .ack = 4321, .flags = WIRE_TCP_ACK, .win = 100};
	tt_send(&b, &s);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_RST, 4321, 0, 0);
	tt_teardown(&b);
}

TEST(connect_sends_syn_with_every_option)
{
	struct tt b;
	tt_setup(&b);
	int id = es_socket(b.es);
	CHECK_EQ(es_connect(b.es, id, TT_PEER_IP, 8080), 0);
	tt_poll(&b);
	struct tt_seg r;
	CHECK(tt_recv(&b, &r));
	CHECK_EQ(r.flags, WIRE_TCP_SYN);
	CHECK_EQ(r.dport, 8080);
	CHECK(r.sport >= TCP_EPHEMERAL_LO && r.sport <= TCP_EPHEMERAL_HI);
	CHECK_EQ(r.win, 16384);
	CHECK_EQ(r.optbits,
		 WIRE_TCPOPT_MSS | WIRE_TCPOPT_WS | WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_TS);
	CHECK_EQ(r.o.tsecr, 0);
	struct tcp_tcb *t = tt_tcb(&b, id);
	CHECK_EQ(t->state, TCP_SYN_SENT);
	CHECK_EQ(r.seq, t->iss.v);
	CHECK_EQ(r.o.tsval, t->ts_offset + (uint32_t)tt_now_ms(&b));
	CHECK_EQ(es_connect(b.es, id, TT_PEER_IP, 8080), -EALREADY);
	tt_teardown(&b);
}

TEST(syn_ack_completes_an_active_open_with_an_ack)
{
	struct tt b;
	tt_setup(&b);
	struct tt_conn c = tt_connect_conn(&b, 8080, true);
	CHECK(atomic_load(&c.t->sflags) & TCP_SF_CONNECTED);
	CHECK_EQ(es_connect(b.es, c.id, TT_PEER_IP, 8080), -EISCONN);
	/* Data flows: the stack's payload arrives with the right sequence number. */
	CHECK_EQ(es_send(b.es, c.id, "hello", 5), 5);
	tt_poll(&b);
	struct tt_seg r;
	TT_EXPECT(&b, &r, WIRE_TCP_ACK | WIRE_TCP_PSH, c.snxt, c.pnxt, 5);
	CHECK(memcmp(r.data, "hello", 5) == 0);
	tt_teardown(&b);
}

TEST(syn_ack_with_a_bad_ack_in_syn_sent_gets_rst)
{
	struct tt b;
	tt_setup(&b);
	int id = es_socket(b.es);
	CHECK_EQ(es_connect(b.es, id, TT_PEER_IP, 8080), 0);
	tt_poll(&b);
	struct tt_seg syn, r;
	CHECK(tt_recv(&b, &syn));
	struct tt_seg sa = {.sport = 8080,
			    .dport = syn.sport,
			    .seq = TT_PISS,
			    .ack = syn.seq + 7,
			    .flags = WIRE_TCP_SYN | WIRE_TCP_ACK,
			    .win = 1000};
	tt_send(&b, &sa);
	TT_EXPECT(&b, &r, WIRE_TCP_RST, syn.seq + 7, 0, 0);
	CHECK_EQ(tt_tcb(&b, id)->state, TCP_SYN_SENT);
	tt_teardown(&b);
}

TEST(rst_acknowledging_our_syn_refuses_the_connection)
{
	struct tt b;
	tt_setup(&b);
	int id = es_socket(b.es);
	CHECK_EQ(es_connect(b.es, id, TT_PEER_IP, 8080), 0);
	tt_poll(&b);
	struct tt_seg syn;
	CHECK(tt_recv(&b, &syn));
	/* Without an ACK the RST is ignored (RFC 5961 §3.2 for SYN-SENT). */
	struct tt_seg rst = {
		.sport = 8080, .dport = syn.sport, .seq = 0, .flags = WIRE_TCP_RST};
	tt_send(&b, &rst);
	CHECK_EQ(tt_tcb(&b, id)->state, TCP_SYN_SENT);
	rst.flags = WIRE_TCP_RST | WIRE_TCP_ACK;
	rst.ack = syn.seq + 1;
	tt_send(&b, &rst);
	tt_expect_none(&b);
	struct tcp_tcb *t = tt_tcb(&b, id);
	CHECK_EQ(t->state, TCP_CLOSED);
	CHECK(tcp_poll_mask(t) & TCP_POLL_ERR);
	int v = 0;
	socklen_t l = sizeof v;
	CHECK_EQ(es_getsockopt(b.es, id, SOL_SOCKET, SO_ERROR, &v, &l), 0);
	CHECK_EQ(v, ECONNREFUSED);
	CHECK_EQ(es_close(b.es, id), 0);
	tt_poll(&b);
	CHECK_EQ(pool_in_use(&b.es->tcp.tcbs), 0);
	tt_teardown(&b);
}

TEST(simultaneous_open_reaches_established)
{
	struct tt b;
	tt_setup(&b);
	int id = es_socket(b.es);
	CHECK_EQ(es_bind(b.es, id, 0, 5555), 0);
	CHECK_EQ(es_connect(b.es, id, TT_PEER_IP, 6666), 0);
	tt_poll(&b);
	struct tt_seg syn, r;
	CHECK(tt_recv(&b, &syn));
	CHECK_EQ(syn.sport, 5555);
	/* The peer's own SYN crosses ours: SYN-RECEIVED, <SEQ=ISS><ACK=RCV.NXT><SYN,ACK>. */
	struct tt_seg psyn = {.sport = 6666,
			      .dport = 5555,
			      .seq = TT_PISS,
			      .flags = WIRE_TCP_SYN,
			      .win = 8000};
	tt_send(&b, &psyn);
	TT_EXPECT(&b, &r, WIRE_TCP_SYN | WIRE_TCP_ACK, syn.seq, TT_PISS + 1, 0);
	struct tcp_tcb *t = tt_tcb(&b, id);
	CHECK_EQ(t->state, TCP_SYN_RCVD);
	/* Its SYN,ACK for our SYN completes the handshake. */
	struct tt_seg psa = {.sport = 6666,
			     .dport = 5555,
			     .seq = TT_PISS,
			     .ack = syn.seq + 1,
			     .flags = WIRE_TCP_SYN | WIRE_TCP_ACK,
			     .win = 8000};
	tt_send(&b, &psa);
	TT_EXPECT(&b, &r, WIRE_TCP_ACK, syn.seq + 1, TT_PISS + 1, 0);
	CHECK_EQ(t->state, TCP_ESTABLISHED);
	tt_teardown(&b);
}

TEST(retransmitted_syn_in_syn_received_gets_the_syn_ack_again)
{
	struct tt b;
	tt_setup(&b);
	tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000}, r1, r2;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r1));
	tt_send(&b, &s);
	TT_EXPECT(&b, &r2, WIRE_TCP_SYN | WIRE_TCP_ACK, r1.seq, TT_PISS + 1, 0);
	tt_teardown(&b);
}

TEST(rst_in_syn_received_returns_to_listen)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000}, r;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r));
	struct tt_seg rst = {.seq = TT_PISS + 1, .flags = WIRE_TCP_RST};
	tt_send(&b, &rst);
	tt_expect_none(&b);
	CHECK_EQ(flow_table_count(&b.es->tcp.flows), 0);
	/* The listener is still there: a new SYN gets its SYN,ACK. */
	tt_send(&b, &s);
	TT_EXPECT(&b, &r, WIRE_TCP_SYN | WIRE_TCP_ACK, r.seq, TT_PISS + 1, 0);
	uint32_t ip;
	uint16_t port;
	struct tcp_tcb *orphan;
	CHECK_EQ(es_accept(b.es, lid, &ip, &port, &orphan), -EAGAIN);
	tt_teardown(&b);
}

TEST(new_syn_in_the_window_of_syn_received_returns_to_listen)
{
	struct tt b;
	tt_setup(&b);
	tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000}, r;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r));
	s.seq = TT_PISS + 10;
	tt_send(&b, &s);
	tt_expect_none(&b);
	CHECK_EQ(flow_table_count(&b.es->tcp.flows), 0);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_syn_challenged), 1);
	tt_teardown(&b);
}

TEST(bad_ack_in_syn_received_gets_rst)
{
	struct tt b;
	tt_setup(&b);
	tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000}, r;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r));
	uint32_t iss = r.seq;
	struct tt_seg a = {
		.seq = TT_PISS + 1, .ack = iss + 5, .flags = WIRE_TCP_ACK, .win = 1000};
	tt_send(&b, &a);
	TT_EXPECT(&b, &r, WIRE_TCP_RST, iss + 5, 0, 0);
	tt_teardown(&b);
}

TEST(data_on_the_final_ack_of_the_handshake_is_delivered)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000}, r;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r));
	struct tt_seg a = {.seq = TT_PISS + 1,
			   .ack = r.seq + 1,
			   .flags = WIRE_TCP_ACK,
			   .win = 1000,
			   .data = (const uint8_t *)"GET /",
			   .len = 5};
	tt_send(&b, &a);
	uint32_t ip;
	uint16_t port;
	struct tcp_tcb *orphan;
	int id = es_accept(b.es, lid, &ip, &port, &orphan);
	CHECK(id >= 0);
	char buf[8];
	CHECK_EQ(es_recv(b.es, id, buf, sizeof buf, 0), 5);
	CHECK(memcmp(buf, "GET /", 5) == 0);
	tt_teardown(&b);
}

TEST(syn_is_retransmitted_with_backoff_then_connect_times_out)
{
	struct tt b;
	tt_setup(&b);
	int id = es_socket(b.es);
	CHECK_EQ(es_connect(b.es, id, TT_PEER_IP, 8080), 0);
	tt_poll(&b);
	struct tt_seg syn, r;
	CHECK(tt_recv(&b, &syn));
	/* RFC 6298: 1 s, then doubling; six retransmissions, then ETIMEDOUT. */
	unsigned gap = 1000;
	for (int i = 0; i < TCP_MAX_SYN_RETRIES; i++) {
		tt_run(&b, gap - 1);
		tt_expect_none(&b);
		tt_run(&b, 1);
		TT_EXPECT(&b, &r, WIRE_TCP_SYN, syn.seq, 0, 0);
		gap *= 2;
	}
	tt_run(&b, gap);
	tt_expect_none(&b);
	struct tcp_tcb *t = tt_tcb(&b, id);
	CHECK_EQ(t->state, TCP_CLOSED);
	char buf[4];
	CHECK_EQ(es_recv(b.es, id, buf, sizeof buf, 0), -ETIMEDOUT);
	tt_teardown(&b);
}

TEST(syn_ack_is_retransmitted_when_the_final_ack_does_not_come)
{
	struct tt b;
	tt_setup(&b);
	tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000}, r, r2;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r));
	tt_run(&b, 999);
	tt_expect_none(&b);
	tt_run(&b, 1);
	TT_EXPECT(&b, &r2, WIRE_TCP_SYN | WIRE_TCP_ACK, r.seq, TT_PISS + 1, 0);
	tt_teardown(&b);
}

TEST(a_full_backlog_drops_new_syns_until_accept)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 1);
	tt_accept_conn(&b, lid, 40001, false);
	/* The first connection was accepted; the second fills the backlog ... */
	struct tt_seg s = {.sport = 40002, .seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000},
		      r;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r));
	/* ... so a third SYN gets nothing (its sender will try again). */
	struct tt_seg s3 = {.sport = 40003, .seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000};
	tt_send(&b, &s3);
	tt_expect_none(&b);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_listen_overflow), 1);
	tt_teardown(&b);
}

TEST(closing_a_listener_resets_connections_nobody_accepted)
{
	struct tt b;
	tt_setup(&b);
	int lid = tt_listen(&b, TT_SPORT, 8);
	struct tt_seg s = {.seq = TT_PISS, .flags = WIRE_TCP_SYN, .win = 1000}, r;
	tt_send(&b, &s);
	CHECK(tt_recv(&b, &r));
	struct tt_seg a = {
		.seq = TT_PISS + 1, .ack = r.seq + 1, .flags = WIRE_TCP_ACK, .win = 1000};
	tt_send(&b, &a);
	CHECK_EQ(es_close(b.es, lid), 0);
	tt_poll(&b);
	struct tt_seg rst;
	TT_EXPECT(&b, &rst, WIRE_TCP_RST | WIRE_TCP_ACK, r.seq + 1, TT_PISS + 1, 0);
	CHECK_EQ(flow_table_count(&b.es->tcp.flows), 0);
	tt_poll(&b);
	CHECK_EQ(pool_in_use(&b.es->tcp.tcbs), 0);
	/* The port is free again. */
	tt_listen(&b, TT_SPORT, 8);
	tt_teardown(&b);
}

TEST(connect_picks_source_ports_whose_replies_come_back_to_this_core)
{
	struct sim_net_params sp = sim_net_default_params();
	struct sim_net *net = sim_net_create(&sp);
	CHECK(net != NULL);
	struct mos_config *cfg = tt_parse(
		"mos {\n max_concurrency = 64\n max_num_buffers = 64\n netdev {\n"
		"  d0 0x3 device=link0 ip=198.51.100.1/24 mac=02:00:00:00:00:01\n }\n}\n");
	char err[256] = "";
	struct io_dev *io = NULL;
	struct io_open_args a = {
		.cfg = cfg, .queues = 2, .sim = net, .err = err, .err_len = sizeof err};
	CHECK_MSG(io_sim_open(&a, &io) == 0, "%s", err);
	struct eng_instance *inst = NULL;
	CHECK(eng_instance_create(cfg, io, &inst, err, sizeof err) == 0);
	struct es_personality pers;
	uint8_t secret[32] = {1, 2, 3};
	es_personality_init(&pers, secret);
	inst->end_host = &pers.base;
	struct eng_ctx *c0 = eng_ctx_create(inst, 0, 0), *c1 = eng_ctx_create(inst, 1, 0);
	CHECK(c0 != NULL && c1 != NULL);
	for (int core = 0; core < 2; core++) {
		struct es_ctx *es = es_of(core ? c1 : c0);
		for (int i = 0; i < 20; i++) {
			int id = es_socket(es);
			CHECK(id >= 0);
			CHECK_EQ(es_connect(es, id, TT_PEER_IP, (uint16_t)(8000 + i)), 0);
			struct tcp_tcb *t = tt_tcb(&(struct tt){.ctx = core ? c1 : c0}, id);
			int q = GetRSSCPUCore(htonl(TT_PEER_IP), htonl(TT_STACK_IP),
					      htons(t->key.dport), htons(t->key.sport), 2);
			CHECK_EQ(q, core);
		}
	}
	eng_ctx_destroy(c0);
	eng_ctx_destroy(c1);
	eng_instance_destroy(inst);
	io_close(io);
	mos_config_free(cfg);
	sim_net_destroy(net);
}
