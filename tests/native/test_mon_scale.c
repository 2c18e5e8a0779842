/* test_mon_scale.c - a million short flows through a monitor whose table holds 65,536:
 * memory stays bounded (fixed pools), the least recently active flows are evicted and
 * counted, every evicted flow gets its CONN_END, and nothing crashes. */
#include <time.h>

#include "mon_test.h"

static uint64_t sc_ends;

static void sc_cb_end(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)sock;
	(void)side;
	(void)ev;
	(void)a;
	sc_ends++;
}

/* Flow i's client: 10.(i >> 16).(i >> 8).(i) port 1024 + i % 50000. */
static void sc_conn(struct mt_conn *c, uint32_t i)
{
	mt_conn_init(c, WIRE_IPV4(10, (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff),
		     (uint16_t)(1024 + i % 50000), WIRE_IPV4(192, 0, 2, 80), 80);
	c->isn[0] = i * 7919u;
	c->nxt[0] = c->isn[0];
}

static double sc_seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

TEST(a_million_flows_through_a_65536_flow_table_evict_and_stay_bounded)
{
	struct mt_bed b;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	mt_bed_init(&b, " forward = 0\n max_concurrency = 65536\n tcp_tw_interval = 0\n", 1);
	int s = mtcp_socket(b.m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	CHECK(s >= 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_END, MOS_HK_SND, sc_cb_end), 0);
	const uint32_t n = 1000000;
	struct mt_conn c;
	/* Phase 1: a million SYNs that are never answered (a SYN flood). */
	for (uint32_t i = 0; i < n; i++) {
		sc_conn(&c, i);
		mt_syn(&b, &c);
		if (i % 32 == 31)
			mt_poll(&b);
		CHECK(b.ctx->flows <= 65536);
	}
	mt_poll(&b);
	struct mos_monitor_stats st;
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	CHECK_EQ(st.flows_created, n);
	CHECK_EQ(st.flows_evicted, n - 65536);
	CHECK_EQ(st.flows_active, 65536);
	CHECK_EQ(b.ctx->flows, 65536);
	CHECK_EQ(sc_ends, 2ull * (n - 65536)); /* both sides of every evicted flow */
	CHECK_EQ(pool_in_use(&b.mon->flows), 65536);
	CHECK_EQ(pool_capacity(&b.mon->flows), 65536);
	/* Phase 2: 100,000 complete short conversations still work, each ending itself. */
	for (uint32_t i = 0; i < 100000; i++) {
		sc_conn(&c, n + i);
		mt_syn(&b, &c);
		mt_synack(&b, &c);
		mt_ack(&b, &c, 0);
		mt_data(&b, &c, 0, "GET / HTTP/1.0\r\n\r\n", 18);
		mt_rst(&b, &c, 1);
		if (i % 6 == 5)
			mt_poll(&b);
	}
	mt_poll(&b);
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	CHECK_EQ(st.flows_created, n + 100000);
	CHECK(b.ctx->flows <= 65536);
	CHECK_EQ(rbuf_pool_segments_in_use(&b.mon->segs),
		 0); /* ended flows gave buffers back */
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mt_note("%.1f s", sc_seconds(&t0, &t1));
	mt_bed_fini(&b);
}
