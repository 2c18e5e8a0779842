/* test_mon_ude.c - user-defined events (spec §7.4): definition rules, the dispatch walk
 * (order, filters only where a callback listens), allocated events raised from filters,
 * and thread-safe definition. */
#include <pthread.h>

#include "mon_test.h"

#define C0 WIRE_IPV4(10, 3, 0, 1)
#define S0 WIRE_IPV4(10, 3, 0, 2)

static int ud_filter_calls[8];

/* True when the packet's payload starts with the argument bytes. */
static bool ud_filter_prefix(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	ud_filter_calls[0]++;
	struct pkt_info pi;
	if (mtcp_getlastpkt(m, sock, side, &pi) != 0)
		return false;
	return a != NULL && pi.payloadlen >= a->len && memcmp(pi.payload, a->arg, a->len) == 0;
}

static bool ud_filter_true(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)sock;
	(void)side;
	(void)ev;
	(void)a;
	ud_filter_calls[1]++;
	return true;
}

static bool ud_filter_unwanted(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)sock;
	(void)side;
	(void)ev;
	(void)a;
	ud_filter_calls[2]++;
	return true;
}

TEST(define_event_is_idempotent_and_copies_its_argument)
{
	char arg[8] = "GET ";
	filter_arg_t fa = {arg, 4};
	event_t e1 = mtcp_define_event(MOS_ON_PKT_IN, ud_filter_prefix, &fa);
	CHECK(e1 >= 4096);
	CHECK_EQ(mtcp_define_event(MOS_ON_PKT_IN, ud_filter_prefix, &fa), e1);
	memcpy(arg, "PUT ", 4); /* different bytes: a different event */
	event_t e2 = mtcp_define_event(MOS_ON_PKT_IN, ud_filter_prefix, &fa);
	CHECK(e2 != e1 && e2 >= 4096);
	CHECK_EQ(mtcp_define_event(MOS_ON_PKT_IN, ud_filter_true, NULL), e2 + 1);
	CHECK_EQ(mtcp_define_event(MOS_ON_PKT_IN, ud_filter_true, NULL), e2 + 1);
	/* Children of user-defined events. */
	event_t e3 = mtcp_define_event(e1, ud_filter_true, NULL);
	CHECK_EQ(e3, e2 + 2);
	errno = 0;
	CHECK_EQ(mtcp_define_event(MOS_ON_PKT_IN, NULL, NULL), MOS_NULL_EVENT);
	CHECK_EQ(errno, EINVAL);
	filter_arg_t broken = {NULL, 4};
	CHECK_EQ(mtcp_define_event(MOS_ON_PKT_IN, ud_filter_true, &broken), MOS_NULL_EVENT);
	CHECK_EQ(mtcp_define_event(3, ud_filter_true, NULL), MOS_NULL_EVENT);
	CHECK_EQ(mtcp_define_event(99999, ud_filter_true, NULL), MOS_NULL_EVENT);
	CHECK_EQ(mtcp_alloc_event(99999), MOS_NULL_EVENT);
	CHECK_EQ(errno, EINVAL);
	CHECK_EQ(mtcp_alloc_event(e1), e2 + 3);
}

/* Records UDE callbacks with their event ids and argument bytes. */
static event_t ud_seen[32];
static char ud_seen_arg[32][8];
static int ud_nseen;

static void ud_cb(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)m;
	(void)sock;
	(void)side;
	CHECK(ud_nseen < 32);
	if (a != NULL)
		memcpy(ud_seen_arg[ud_nseen], a->arg, a->len < 8 ? a->len : 8);
	ud_seen[ud_nseen++] = ev;
}

static void ud_flow(struct mt_bed *b, uint16_t port, const char *payload)
{
	struct mt_conn c;
	mt_conn_init(&c, C0, port, S0, 80);
	mt_handshake(b, &c);
	mt_data(b, &c, 0, payload, (uint16_t)strlen(payload));
	mt_poll(b);
}

TEST(user_events_are_walked_depth_first_after_their_parent)
{
	struct mt_bed b;
	mt_bed_init(&b, " forward = 0\n", 1);
	int s = mtcp_socket(b.m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	filter_arg_t get = {"GET ", 4};
	event_t u1 = mtcp_define_event(MOS_ON_PKT_IN, ud_filter_prefix, &get);
	event_t u2 = mtcp_define_event(u1, ud_filter_true, NULL);
	event_t unwanted = mtcp_define_event(MOS_ON_PKT_IN, ud_filter_unwanted, NULL);
	CHECK(u1 && u2 && unwanted);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_RCV, ud_cb), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, u1, MOS_HK_RCV, ud_cb), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, u2, MOS_HK_RCV, ud_cb), 0);
	/* A UDE is checked against its root built-in event's hooks. */
	event_t us = mtcp_define_event(MOS_ON_CONN_START, ud_filter_true, NULL);
	CHECK_ERRNO(mtcp_register_callback(b.m, s, us, MOS_NULL, ud_cb), EINVAL);
	ud_flow(&b, 6000, "GET /index.html");
	/* Per packet at RCV: PKT_IN, then u1's filter; for the request also u1 and u2. */
	CHECK_EQ(ud_nseen, 3 + 3);
	CHECK_EQ(ud_seen[3], MOS_ON_PKT_IN);
	CHECK_EQ(ud_seen[4], u1);
	CHECK(memcmp(ud_seen_arg[4], "GET ", 4) == 0);
	CHECK_EQ(ud_seen[5], u2);
	CHECK_EQ(ud_filter_calls[0], 4);
	CHECK_EQ(ud_filter_calls[1], 1); /* u2's filter only where u1 occurred */
	CHECK_EQ(ud_filter_calls[2], 0); /* nobody listens below `unwanted` */
	mt_bed_fini(&b);
}

/* Allocated events raised from a filter. */
static event_t ud_alloc_a, ud_alloc_b, ud_other_alloc;
static int ud_raise_rc[4];

static bool ud_filter_raiser(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	(void)ev;
	struct pkt_info pi;
	CHECK_EQ(mtcp_getlastpkt(m, sock, side, &pi), 0);
	if (pi.payloadlen == 0)
		return false;
	ud_raise_rc[0] = mtcp_raise_event(m, ud_alloc_b);
	ud_raise_rc[1] = mtcp_raise_event(m, ud_alloc_a);
	ud_raise_rc[2] = mtcp_raise_event(m, ud_alloc_a); /* at most once per walk */
	errno = 0;
	ud_raise_rc[3] = mtcp_raise_event(m, ud_other_alloc) == -1 && errno == EINVAL;
	return false; /* raised events run even though this filter says no */
}

TEST(allocated_events_fire_when_a_filter_raises_them)
{
	struct mt_bed b;
	mt_bed_init(&b, " forward = 0\n", 1);
	int s = mtcp_socket(b.m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	event_t r = mtcp_define_event(MOS_ON_PKT_IN, ud_filter_raiser, NULL);
	ud_alloc_a = mtcp_alloc_event(r);
	ud_alloc_b = mtcp_alloc_event(r);
	event_t unrelated = mtcp_define_event(MOS_ON_CONN_START, ud_filter_true, NULL);
	ud_other_alloc = mtcp_alloc_event(unrelated);
	CHECK(ud_alloc_a && ud_alloc_b && ud_other_alloc);
	CHECK_EQ(mtcp_register_callback(b.m, s, ud_alloc_a, MOS_HK_SND, ud_cb), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, ud_alloc_b, MOS_HK_SND, ud_cb), 0);
	/* Outside a filter: EPERM; a defined (not allocated) event: EINVAL. */
	CHECK_ERRNO(mtcp_raise_event(b.m, ud_alloc_a), EPERM);
	ud_flow(&b, 6001, "payload");
	CHECK_EQ(ud_nseen, 2);
	CHECK_EQ(ud_seen[0], ud_alloc_b); /* in raise order */
	CHECK_EQ(ud_seen[1], ud_alloc_a);
	CHECK_EQ(ud_raise_rc[0], 0);
	CHECK_EQ(ud_raise_rc[1], 0);
	CHECK_EQ(ud_raise_rc[2], 0);
	CHECK_EQ(ud_raise_rc[3], 1);
	mt_bed_fini(&b);
}

struct ud_thread_arg {
	int which;
	event_t got[200];
};

static void *ud_define_thread(void *p)
{
	struct ud_thread_arg *t = p;
	for (int i = 0; i < 200; i++) {
		int key = i % 50; /* 50 distinct arguments, defined by every thread */
		filter_arg_t fa = {&key, sizeof key};
		t->got[i] = mtcp_define_event(MOS_ON_CONN_NEW_DATA, ud_filter_true, &fa);
	}
	return NULL;
}

TEST(define_event_is_thread_safe_and_stays_idempotent)
{
	pthread_t th[4];
	struct ud_thread_arg arg[4];
	for (int i = 0; i < 4; i++) {
		arg[i].which = i;
		CHECK_EQ(pthread_create(&th[i], NULL, ud_define_thread, &arg[i]), 0);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < 200; i++) {
		CHECK(arg[0].got[i] >= 4096);
		for (int t = 1; t < 4; t++)
			CHECK_EQ(arg[t].got[i], arg[0].got[i]);
		CHECK_EQ(arg[0].got[i], arg[0].got[i % 50]);
	}
	/* Exactly 50 events were made. */
	int key = 7;
	filter_arg_t fa = {&key, sizeof key};
	event_t e = mtcp_define_event(MOS_ON_CONN_NEW_DATA, ud_filter_true, &fa);
	CHECK_EQ(e, arg[0].got[7]);
	CHECK_EQ(mtcp_define_event(MOS_ON_ERROR, ud_filter_true, NULL), 4096 + 50);
}
