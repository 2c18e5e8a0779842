/* test_api_context.c - contexts through the public API on the sim backend: stack
 * threads, run-to-completion contexts, SIGINT handling, ports and counters. Each case
 * runs in its own process (ctest), so the process-wide state starts fresh. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "mos_ext.h"
#include "mos_test.h"

/* Two cores, one sim port: enough to exercise threads without a device. */
static const char *ctx_conf =
	"mos {\n io = sim\n stat_print = sim0\n netdev {\n"
	"  sim0 0x3 device=link0 ip=198.51.100.1/24 mac=02:00:00:00:01:01\n }\n}\n";

static void ctx_init(unsigned flags)
{
	struct mos_config *cfg = NULL;
	CHECK_EQ(mos_config_parse(ctx_conf, strlen(ctx_conf), "ctx.conf", NULL, NULL, &cfg), 0);
	CHECK_EQ(mos_init_config(cfg, flags), 0);
	mos_config_free(cfg);
}

TEST(threaded_contexts_start_stop_and_free_everything)
{
	ctx_init(MOS_INIT_NO_SIGNALS);
	mctx_t a = mtcp_create_context(0);
	mctx_t b = mtcp_create_context(1);
	CHECK(a != NULL && b != NULL);
	CHECK_EQ(a->cpu, 0);
	CHECK_EQ(b->cpu, 1);
	CHECK(mtcp_create_context(0) == NULL && errno == EEXIST);
	CHECK(mtcp_create_context(2) == NULL && errno == EINVAL);
	CHECK_EQ(mtcp_get_connection_cnt(a), 0);
	CHECK_ERRNO(mtcp_destroy(), EBUSY);
	CHECK_EQ(mtcp_destroy_context(a), 0);
	CHECK_ERRNO(mtcp_destroy_context(a), EACCES); /* gone */
	CHECK_EQ(mtcp_destroy_context(b), 0);
	CHECK_EQ(mtcp_destroy(), 0);
}

TEST(create_context_before_init_is_eperm_and_null_is_eacces)
{
	CHECK(mtcp_create_context(0) == NULL && errno == EPERM);
	CHECK_ERRNO(mtcp_destroy_context(NULL), EACCES);
	struct mtcp_context fake = {0};
	CHECK_ERRNO(mtcp_destroy_context(&fake), EACCES);
	CHECK_EQ(mtcp_get_connection_cnt(&fake), (uint32_t)-1);
	mtcp_app_join(&fake); /* returns at once */
}

TEST(run_to_completion_context_is_driven_by_its_thread)
{
	ctx_init(MOS_INIT_NO_SIGNALS);
	mctx_t m = mos_create_context(0, MOS_CONTEXT_RUN_TO_COMPLETION);
	CHECK(m != NULL);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(mos_poll(m, 30) >= 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_MSG(ms >= 29, "mos_poll(30) returned after %ld ms", ms);
	CHECK(mos_poll(m, 0) >= 0);
	mctx_t t = mtcp_create_context(1);
	CHECK_ERRNO(mos_poll(t, 0), EINVAL); /* it has a stack thread */
	CHECK_EQ(mos_stop(), 0);
	CHECK_ERRNO(mos_poll(m, 0), EINTR);
	mtcp_app_join(m); /* stopped: returns */
	mtcp_app_join(t);
	CHECK_EQ(mtcp_destroy_context(t), 0);
	CHECK_EQ(mtcp_destroy_context(m), 0);
	CHECK_EQ(mtcp_destroy(), 0);
}

static volatile sig_atomic_t ctx_app_handler_calls;

static void ctx_app_handler(int sig)
{
	(void)sig;
	ctx_app_handler_calls++;
}

TEST(sigint_without_app_handler_stops_every_context_and_app_join_returns)
{
	ctx_init(0);
	mctx_t a = mtcp_create_context(0);
	mctx_t b = mtcp_create_context(1);
	CHECK(a != NULL && b != NULL);
	CHECK_EQ(raise(SIGINT), 0);
	mtcp_app_join(a); /* would block forever if SIGINT did not stop the loops */
	mtcp_app_join(b);
	CHECK_EQ(mtcp_destroy_context(a), 0);
	CHECK_EQ(mtcp_destroy_context(b), 0);
	CHECK_EQ(mtcp_destroy(), 0);
}

TEST(sigint_with_app_handler_calls_it_and_a_second_sigint_stops)
{
	ctx_init(0);
	CHECK(mtcp_register_signal(SIGINT, ctx_app_handler) == NULL);
	mctx_t m = mos_create_context(0, MOS_CONTEXT_RUN_TO_COMPLETION);
	CHECK(m != NULL);
	CHECK_EQ(raise(SIGINT), 0);
	CHECK_EQ(ctx_app_handler_calls, 1);
	CHECK(mos_poll(m, 0) >= 0); /* the application decides: still running */
	CHECK_EQ(raise(SIGINT), 0); /* within one second: forced stop */
	CHECK_EQ(ctx_app_handler_calls, 2);
	CHECK_ERRNO(mos_poll(m, 0), EINTR);
	CHECK(mtcp_register_signal(SIGINT, NULL) == ctx_app_handler);
	CHECK_EQ(mtcp_destroy_context(m), 0);
	CHECK_EQ(mtcp_destroy(), 0);
}

TEST(register_signal_installs_other_handlers)
{
	CHECK(mtcp_register_signal(SIGUSR2, ctx_app_handler) != SIG_ERR);
	CHECK(mtcp_register_signal(SIGUSR2, SIG_DFL) == ctx_app_handler);
	CHECK(mtcp_register_signal(-3, ctx_app_handler) == SIG_ERR && errno == EINVAL);
}

TEST(ports_and_counters_describe_the_running_instance)
{
	CHECK_ERRNO(mos_port_count(), EALREADY);
	ctx_init(MOS_INIT_NO_SIGNALS);
	CHECK_EQ(mos_port_count(), 1);
	struct mos_port_info p;
	CHECK_EQ(mos_port_info(0, &p), 0);
	CHECK_STREQ(p.name, "sim0");
	CHECK_STREQ(p.driver, "sim");
	CHECK_EQ(p.mac[5], 0x01);
	CHECK_EQ(p.ip, htonl(0xc6336401u));
	CHECK_EQ(p.prefix_len, 24);
	CHECK(p.caps & MOS_PORT_TX);
	CHECK_ERRNO(mos_port_info(1, &p), EINVAL);
	mctx_t m = mos_create_context(0, MOS_CONTEXT_RUN_TO_COMPLETION);
	CHECK(mos_poll(m, 0) >= 0);
	struct mos_port_counters c;
	CHECK_EQ(mos_port_counters(0, -1, &c), 0);
	CHECK_EQ(c.tx_packets, 1); /* the gratuitous ARP */
	CHECK_EQ(mos_port_counters(0, 0, &c), 0);
	CHECK_EQ(c.tx_packets, 1);
	CHECK_ERRNO(mos_port_counters(0, 5, &c), EINVAL);
	uint64_t drops[128];
	int n = mos_port_drops(0, -1, drops, 128);
	CHECK(n > 10 && n <= 128);
	CHECK_STREQ(mos_drop_reason_name(0), "none");
	CHECK(mos_drop_reason_name(n) == NULL);
	int found = 0;
	for (int r = 0; r < n; r++)
		found += strcmp(mos_drop_reason_name(r), "ipv4_bad_ihl") == 0;
	CHECK_EQ(found, 1);
	CHECK_EQ(mtcp_destroy_context(m), 0);
	CHECK_EQ(mtcp_destroy(), 0);
}

TEST(init_with_a_missing_backend_device_fails_cleanly)
{
	/* A pcap port on a file that does not exist: mtcp_init reports EIO, no exit. */
	const char *text = "mos {\n io = pcap\n netdev {\n  p0 0x1 "
			   "device=file:/nonexistent/x.pcap\n }\n}\n";
	struct mos_config *cfg = NULL;
	CHECK_EQ(mos_config_parse(text, strlen(text), "x.conf", NULL, NULL, &cfg), 0);
	CHECK_ERRNO(mos_init_config(cfg, 0), EIO);
	mos_config_free(cfg);
	CHECK_ERRNO(mtcp_destroy(), EALREADY);
}
