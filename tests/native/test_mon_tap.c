/* test_mon_tap.c - a monitor on a tap of the link between two end-host engines (the
 * mTCP personality, tests/native/tcp_sim.h), across seeds: loss, duplication,
 * reordering, corruption and delay on the link; bulk transfers of megabytes or hundreds
 * of short connections. The tap hands the monitor each frame as the receiving engine
 * gets it. Checked: every connection is seen (one flow, CONN_START and CONN_END once per
 * side), each direction the monitor reassembled is byte-exact with what the endpoints
 * exchanged (the harness's seeded pattern, header included), nothing is lost to the
 * reader, and every flow ends by the endpoints' FIN handshakes.
 * MOS_TEST_SEED=<n> replays one seed. */
#include "mon_test.h"
#include "tcp_sim.h"

#define TP_MAX_FLOWS 1024

struct tp_flow {
	uint8_t hdr[TS_HDR];
	uint32_t idx, req, resp;
	uint64_t got[2]; /* [0] client -> server (header included), [1] server -> client */
	uint32_t starts, ends;
	int end_reason;
	bool bad;
};

static struct tp_flow tp_flows[TP_MAX_FLOWS];
static uint32_t tp_nflows, tp_bad, tp_lost;
static uint64_t tp_seed;

static void tp_check_bytes(struct tp_flow *f, int side, const uint8_t *p, size_t n)
{
	int dir = side == MOS_SIDE_SVR ? 0 : 1;
	for (size_t i = 0; i < n; i++) {
		uint64_t pos = f->got[dir]++;
		if (dir == 0 && pos < TS_HDR) {
			f->hdr[pos] = p[i];
			if (pos == TS_HDR - 1) {
				uint32_t h[4];
				memcpy(h, f->hdr, TS_HDR);
				f->idx = h[0];
				f->req = h[1];
				f->resp = h[2];
				f->bad |= h[3] != TS_MAGIC;
			}
			continue;
		}
		uint64_t at = dir == 0 ? pos - TS_HDR : pos;
		f->bad |= f->got[0] < TS_HDR || p[i] != ts_byte(tp_seed, f->idx, dir, at);
	}
}

static void tp_read(mctx_t m, int sock, int side)
{
	struct tp_flow *f = mtcp_get_uctx(m, sock);
	uint8_t buf[16384];
	for (;;) {
		ssize_t n = mtcp_peek(m, sock, side, (char *)buf, sizeof buf);
		if (n == 0)
			return;
		if (n < 0) {
			tp_lost += (uint32_t)-n;
			continue;
		}
		if (f != NULL)
			tp_check_bytes(f, side, buf, (size_t)n);
	}
}

static void tp_on_start(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	struct tp_flow *f = mtcp_get_uctx(m, sock);
	if (f == NULL) {
		CHECK(tp_nflows < TP_MAX_FLOWS);
		f = &tp_flows[tp_nflows++];
		memset(f, 0, sizeof *f);
		mtcp_set_uctx(m, sock, f);
	}
	f->starts++;
}

static void tp_on_data(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	tp_read(m, sock, side);
}

static void tp_on_end(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	tp_read(m, sock, side);
	struct tp_flow *f = mtcp_get_uctx(m, sock);
	struct mos_flow_info fi;
	socklen_t l = sizeof fi;
	CHECK_EQ(mtcp_getsockopt(m, sock, SOL_MONSOCKET, MOS_FLOW_INFO, &fi, &l), 0);
	f->end_reason = fi.end_reason;
	f->ends++;
}

/* The monitor engine: one port on the tap of link0. */
static void tp_monitor(struct mt_bed *b, struct sim_net *net)
{
	memset(b, 0, sizeof *b);
	b->net = net;
	CHECK_EQ(sim_net_add_tap(net, "link0", "tap0"), 0);
	/* New links get the net's default faults: the tap itself must be perfect. */
	struct sim_faults none = {0};
	CHECK_EQ(sim_link_set_faults(net, "tap0", SIM_DIR_BOTH, &none), 0);
	const char *text = "mos {\n forward = 0\n max_concurrency = 1024\n rmem_size = 524288\n"
			   " tcp_tw_interval = 0\n tcp_timeout = 3600\n"
			   " netdev {\n  t0 0x1 device=tap0\n }\n}\n";
	b->cfg = mt_parse(text);
	b->io = mt_open(net, b->cfg);
	char err[256] = "";
	CHECK_MSG(eng_instance_create(b->cfg, b->io, &b->inst, err, sizeof err) == 0, "%s",
		  err);
	b->inst->monitor = &mon_personality;
	b->ctx = eng_ctx_create(b->inst, 0, sim_net_now_ns(net));
	CHECK(b->ctx != NULL);
	b->mon = mon_of(b->ctx);
	struct api_ctx *c = calloc(1, sizeof *c);
	CHECK(c != NULL);
	c->eng = b->ctx;
	c->owner = pthread_self();
	atomic_store(&c->state, API_CTX_RUNNING);
	api_proc.ctx[0] = c;
	api_proc.inst = b->inst;
	api_mon_bind(c);
	b->api = c;
	b->m = &c->pub;
	int s = mtcp_socket(b->m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	CHECK(s >= 0);
	CHECK_EQ(mtcp_register_callback(b->m, s, MOS_ON_CONN_START, MOS_HK_SND, tp_on_start),
		 0);
	CHECK_EQ(mtcp_register_callback(b->m, s, MOS_ON_CONN_START, MOS_HK_RCV, tp_on_start),
		 0);
	CHECK_EQ(mtcp_register_callback(b->m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, tp_on_data),
		 0);
	CHECK_EQ(mtcp_register_callback(b->m, s, MOS_ON_ERROR, MOS_NULL, tp_on_data), 0);
	CHECK_EQ(mtcp_register_callback(b->m, s, MOS_ON_CONN_END, MOS_HK_SND, tp_on_end), 0);
}

static void tp_monitor_fini(struct mt_bed *b)
{
	api_proc.ctx[0] = NULL;
	api_proc.inst = NULL;
	eng_ctx_destroy(b->ctx);
	free(b->api);
	eng_instance_destroy(b->inst);
	io_close(b->io);
	mos_config_free(b->cfg);
}

static bool tp_idle(struct ts_sim *s)
{
	return ts_drained(s);
}

/* ts_loop of tcp_sim.h with the monitor polled at the same times. */
static bool tp_loop(struct ts_sim *s, struct mt_bed *b, bool (*done)(struct ts_sim *))
{
	while (!done(s)) {
		uint64_t now = sim_net_now_ns(s->net);
		if (now > s->p.time_limit_ns)
			return ts_fail(s, "time limit");
		ts_poll_both(s);
		/* The tap carries both directions: read it until empty, or the tap link's
		 * store fills up and drops frames the endpoints did get. */
		while (eng_ctx_poll(b->ctx, now) > 0)
			;
		bool progress = false;
		if (!ts_apps(s, &progress))
			return false;
		if (progress || done(s))
			continue;
		uint64_t next = ts_next_ns(s);
		uint64_t mon = eng_ctx_next_deadline_ns(b->ctx);
		next = mon < next ? mon : next;
		if (next == UINT64_MAX)
			return ts_fail(s, "stuck");
		sim_net_set_time(s->net, next > now ? next : now + TS_MS);
	}
	return true;
}

static void tp_seed_run(uint64_t seed)
{
	struct ts_sim *s = calloc(1, sizeof *s);
	struct mt_bed b;
	CHECK(s != NULL);
	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	tp_seed = s->seed = seed;
	tp_nflows = tp_bad = tp_lost = 0;
	ts_params_for_seed(&s->p, seed, 50000);
	CHECK_MSG(ts_setup(s), "%s", s->err);
	tp_monitor(&b, s->net);
	bool ok = tp_loop(s, &b, ts_all_done);
	es_close(s->srv.es, s->lsn);
	ok = ok && tp_loop(s, &b, tp_idle);
	CHECK_MSG(ok, "%s", s->err);
	/* The endpoints are done; let the monitor see the last packets. */
	for (int i = 0; i < 100 && b.ctx->flows > 0; i++) {
		sim_net_advance(s->net, TS_MS);
		eng_ctx_poll(b.ctx, sim_net_now_ns(s->net));
	}
	struct mos_monitor_stats st;
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	mt_note("monitor: %llu created, %llu midstream, %llu ended, %llu orphans, %llu evicted",
		(unsigned long long)st.flows_created, (unsigned long long)st.flows_midstream,
		(unsigned long long)st.flows_ended, (unsigned long long)st.orphans,
		(unsigned long long)st.flows_evicted);
	struct sim_link_stats tap;
	CHECK_EQ(sim_link_stats(s->net, "tap0", SIM_DIR_BOTH, &tap), 0);
	CHECK_EQ(tap.queue_dropped, 0);
	CHECK_EQ(tp_nflows, s->p.conns);
	CHECK_EQ(tp_lost, 0);
	for (uint32_t i = 0; i < tp_nflows; i++) {
		const struct tp_flow *f = &tp_flows[i];
		CHECK_MSG(!f->bad, "flow %u (#%u): bytes differ", i, f->idx);
		CHECK_EQ(f->starts, 2);
		CHECK_EQ(f->ends, 2);
		CHECK_EQ(f->got[0], TS_HDR + (uint64_t)f->req);
		CHECK_EQ(f->got[1], f->resp);
		/* Closed by the endpoints: FIN handshakes, or a RST where an endpoint
		 * discarded unread data or answered a segment after it closed. */
		CHECK(f->end_reason == MOS_FLOW_END_FIN || f->end_reason == MOS_FLOW_END_RST);
	}
	CHECK_EQ(b.ctx->flows, 0);
	tp_monitor_fini(&b);
	ts_free(s);
	free(s);
}

TEST(monitor_on_a_tap_between_two_end_host_engines_sees_every_stream)
{
	const char *env = getenv("MOS_TEST_SEED");
	if (env != NULL) {
		tp_seed_run(strtoull(env, NULL, 0));
		return;
	}
	for (uint64_t seed = 1; seed <= 60; seed++)
		tp_seed_run(seed);
}
