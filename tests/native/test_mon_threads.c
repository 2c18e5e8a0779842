/* test_mon_threads.c - the monitor with a real stack thread (mtcp_create_context on the
 * sim backend with its real-time clock): the application thread creates sockets,
 * binds filters, registers and unregisters callbacks and arms timers while the stack
 * thread creates flows and runs callbacks. Meant for the sanitizer builds: nothing may
 * race, leak or crash; callbacks run on the stack thread only. */
#include <pthread.h>
#include <time.h>

#include "mon_test.h"

#define TH_FLOWS 3000

static const char *th_conf = "mos {\n io = sim\n forward = 0\n max_concurrency = 1024\n"
			     " tcp_timeout = 1\n netdev {\n  m0 0x1 device=link0\n }\n}\n";

static _Atomic uint64_t th_starts, th_ends, th_timers, th_wrong_thread;
static pthread_t th_app;

static void th_cb(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)sock;
	(void)side;
	(void)a;
	if (pthread_equal(pthread_self(), th_app))
		atomic_fetch_add(&th_wrong_thread, 1);
	if (ev == MOS_ON_CONN_START)
		atomic_fetch_add(&th_starts, 1);
	if (ev == MOS_ON_CONN_END)
		atomic_fetch_add(&th_ends, 1);
}

static void th_timer(mctx_t m, int id, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)id;
	(void)side;
	(void)ev;
	(void)a;
	if (pthread_equal(pthread_self(), th_app))
		atomic_fetch_add(&th_wrong_thread, 1);
	atomic_fetch_add(&th_timers, 1);
}

static struct io_dev *th_peer(struct mos_config **cfg)
{
	const char *text = "mos {\n netdev {\n  p0 0x1 device=link0\n }\n}\n";
	*cfg = mt_parse(text);
	return mt_open(api_proc.sim, *cfg);
}

static void th_syn(struct io_dev *peer, uint32_t i)
{
	struct mt_conn c;
	mt_conn_init(&c, WIRE_IPV4(10, 7, (i >> 8) & 0xff, i & 0xff), (uint16_t)(2000 + i),
		     WIRE_IPV4(10, 8, 0, 1), 80);
	uint8_t f[256];
	size_t n = mt_frame(f, &c, 0, c.isn[0], 0, WIRE_TCP_SYN, NULL, 0);
	struct io_buf buf;
	CHECK(io_alloc(peer, 0, &buf) == 0);
	memcpy(buf.data, f, n);
	buf.len = (uint16_t)n;
	buf.port = 0;
	CHECK_EQ(io_tx_burst(peer, 0, 0, &buf, 1), 1);
}

TEST(app_thread_reconfigures_sockets_while_the_stack_thread_runs)
{
	th_app = pthread_self();
	struct mos_config *cfg = mt_parse(th_conf);
	CHECK_EQ(mos_init_config(cfg, MOS_INIT_NO_SIGNALS), 0);
	mos_config_free(cfg);
	mctx_t m = mtcp_create_context(0);
	CHECK(m != NULL);
	struct mos_config *pcfg;
	struct io_dev *peer = th_peer(&pcfg);
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	CHECK(s >= 0);
	CHECK_EQ(mtcp_register_callback(m, s, MOS_ON_CONN_START, MOS_HK_SND, th_cb), 0);
	for (uint32_t i = 0; i < TH_FLOWS; i++) {
		th_syn(peer, i);
		/* Meanwhile: replace callbacks and filters, make and close sockets, arm timers.
		 */
		callback_t cb = (i & 1) ? th_cb : NULL;
		if (cb != NULL || i % 4 == 2)
			mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_RCV, cb);
		union monitor_filter f = {.stream_orphan_filter =
						  (i & 2) ? "tcp" : "tcp port 80"};
		CHECK_EQ(mtcp_bind_monitor_filter(m, s, &f), 0);
		int x = mtcp_socket(m, AF_INET,
				    (i & 1) ? MOS_SOCK_MONITOR_RAW : MOS_SOCK_MONITOR_STREAM,
				    0);
		CHECK(x >= 0);
		CHECK_EQ(mtcp_close(m, x), 0);
		if (i % 100 == 0) {
			struct timeval tv = {0, 1000};
			CHECK_EQ(mtcp_settimer(m, (int)i, &tv, th_timer), 0);
		}
		if (i % 64 == 63) {
			struct timespec ts = {0, 200000};
			nanosleep(&ts, NULL);
		}
	}
	/* Let the stack thread finish: every SYN seen, the idle flows timed out (1 s). */
	for (int i = 0; i < 400 && (atomic_load(&th_starts) < TH_FLOWS ||
				    atomic_load(&th_timers) < TH_FLOWS / 100 ||
				    mtcp_get_connection_cnt(m) != 0);
	     i++) {
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	CHECK_EQ(atomic_load(&th_starts), TH_FLOWS);
	CHECK_EQ(atomic_load(&th_timers), TH_FLOWS / 100);
	CHECK_EQ(mtcp_get_connection_cnt(m), 0);
	CHECK(atomic_load(&th_ends) > 0);
	CHECK_EQ(atomic_load(&th_wrong_thread), 0);
	/* Per-flow functions refuse the application thread. */
	char b;
	CHECK_ERRNO(mtcp_peek(m, s, MOS_SIDE_CLI, &b, 1), EPERM);
	CHECK_EQ(mtcp_destroy_context(m), 0);
	io_close(peer);
	mos_config_free(pcfg);
	CHECK_EQ(mtcp_destroy(), 0);
}
