/* test_mon_timer.c - mtcp_settimer and mtcp_cb_get_ts on the context's timer wheel with
 * a virtual clock: exact deadlines, re-arming from the callback, equal deadlines in
 * registration order, registration from another thread. */
#include <pthread.h>

#include "mon_test.h"

static int tm_fired[16];
static uint64_t tm_at_ns[16];
static int tm_order[16];
static int tm_norder;
static struct mt_bed *tm_bed;
static int tm_sock = -1; /* a monitor socket, when the test made one */

static void tm_cb(mctx_t m, int id, int side, event_t ev, filter_arg_t *a)
{
	CHECK(id >= 0 && id < 16);
	CHECK_EQ(side, 0);
	CHECK_EQ(ev, 0);
	CHECK(a == NULL);
	tm_fired[id]++;
	tm_at_ns[id] = sim_net_now_ns(tm_bed->net);
	tm_order[tm_norder++ % 16] = id;
	CHECK_EQ(mtcp_cb_get_ts(m), (uint32_t)(tm_bed->ctx->now_ms * 1000u));
	struct pkt_info pi;
	if (tm_sock >= 0) /* a timer has no current packet */
		CHECK_ERRNO(mtcp_getlastpkt(m, tm_sock, MOS_SIDE_CLI, &pi), ENODATA);
}

TEST(a_timer_fires_once_at_its_deadline_on_the_context_thread)
{
	struct mt_bed b;
	mt_bed_init(&b, " forward = 0\n", 1);
	tm_bed = &b;
	tm_sock = mtcp_socket(b.m, AF_INET, MOS_SOCK_MONITOR_RAW, 0);
	CHECK(tm_sock >= 0);
	struct timeval tv = {0, 50000}; /* 50 ms */
	uint64_t t0 = sim_net_now_ns(b.net);
	CHECK_EQ(mtcp_settimer(b.m, 3, &tv, tm_cb), 0);
	mt_run(&b, 49);
	CHECK_EQ(tm_fired[3], 0);
	mt_run(&b, 2);
	CHECK_EQ(tm_fired[3], 1);
	CHECK_EQ((tm_at_ns[3] - t0) / MT_MS, 50);
	mt_run(&b, 200);
	CHECK_EQ(tm_fired[3], 1); /* one-shot */
	mt_bed_fini(&b);
}

static int tm_rearms;

static void tm_cb_periodic(mctx_t m, int id, int side, event_t ev, filter_arg_t *a)
{
	(void)side;
	(void)ev;
	(void)a;
	tm_fired[id]++;
	if (++tm_rearms < 5) {
		struct timeval tv = {0, 10000};
		CHECK_EQ(mtcp_settimer(m, id, &tv, tm_cb_periodic), 0);
	}
}

TEST(a_timer_rearmed_from_its_callback_is_periodic)
{
	struct mt_bed b;
	mt_bed_init(&b, " forward = 0\n", 1);
	tm_bed = &b;
	struct timeval tv = {0, 10000};
	CHECK_EQ(mtcp_settimer(b.m, 1, &tv, tm_cb_periodic), 0);
	mt_run(&b, 45);
	CHECK_EQ(tm_fired[1], 4);
	mt_run(&b, 100);
	CHECK_EQ(tm_fired[1], 5);
	mt_bed_fini(&b);
}

TEST(equal_deadlines_fire_in_registration_order)
{
	struct mt_bed b;
	mt_bed_init(&b, " forward = 0\n", 1);
	tm_bed = &b;
	struct timeval tv = {0, 20000};
	for (int id = 5; id >= 0; id--)
		CHECK_EQ(mtcp_settimer(b.m, id, &tv, tm_cb), 0);
	mt_run(&b, 25);
	CHECK_EQ(tm_norder, 6);
	for (int i = 0; i < 6; i++)
		CHECK_EQ(tm_order[i], 5 - i);
	mt_bed_fini(&b);
}

static void *tm_other_thread(void *p)
{
	struct mt_bed *b = p;
	struct timeval tv = {0, 30000};
	CHECK_EQ(mtcp_settimer(b->m, 7, &tv, tm_cb), 0);
	/* Stack-thread only: refused from here. */
	errno = 0;
	CHECK_EQ(mtcp_cb_get_ts(b->m), 0);
	CHECK_EQ(errno, EPERM);
	return NULL;
}

TEST(timers_registered_from_another_thread_are_armed_by_the_loop)
{
	struct mt_bed b;
	mt_bed_init(&b, " forward = 0\n", 1);
	tm_bed = &b;
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, tm_other_thread, &b), 0);
	pthread_join(th, NULL);
	uint64_t t0 = sim_net_now_ns(b.net);
	mt_run(&b, 40);
	CHECK_EQ(tm_fired[7], 1);
	/* Counted from the loop iteration that took the request (<= 1 ms later). */
	CHECK((tm_at_ns[7] - t0) / MT_MS >= 30 && (tm_at_ns[7] - t0) / MT_MS <= 31);
	mt_bed_fini(&b);
}

TEST(settimer_rejects_bad_arguments)
{
	struct mt_bed b;
	mt_bed_init(&b, " forward = 0\n", 1);
	struct timeval tv = {1, 0}, neg = {-1, 0};
	CHECK_ERRNO(mtcp_settimer(b.m, 0, NULL, tm_cb), EINVAL);
	CHECK_ERRNO(mtcp_settimer(b.m, 0, &tv, NULL), EINVAL);
	CHECK_ERRNO(mtcp_settimer(b.m, 0, &neg, tm_cb), EINVAL);
	CHECK_ERRNO(mtcp_settimer(NULL, 0, &tv, tm_cb), EACCES);
	errno = 0;
	CHECK_EQ(mtcp_cb_get_ts(NULL), 0);
	CHECK_EQ(errno, EACCES);
	mt_bed_fini(&b);
}
