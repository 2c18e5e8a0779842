/* test_base_counters.c - X-macro counter blocks: ids, names and descriptions from one list,
 * single-writer updates, and a concurrent reader that never sees a torn or decreasing
 * value. */
#include <pthread.h>
#include <stdatomic.h>

#include "mos_test.h"

#include "base/counters.h"

#define TC_COUNTERS(X, tag)                                                                    \
	X(tag, rx_packets, "frames received")                                                  \
	X(tag, rx_bytes, "bytes received")                                                     \
	X(tag, drop_short, "frames shorter than their headers")

MOS_CTR_DECLARE(tc_ctr, TC_COUNTERS);

static const char *const tc_names[] = MOS_CTR_NAMES(TC_COUNTERS, tc_ctr);
static const char *const tc_descs[] = MOS_CTR_DESCS(TC_COUNTERS, tc_ctr);

TEST(counters_ids_names_and_descriptions_come_from_one_list)
{
	CHECK_EQ(tc_ctr_COUNT, 3);
	CHECK_EQ(tc_ctr_rx_packets, 0);
	CHECK_EQ(tc_ctr_drop_short, 2);
	CHECK_EQ(sizeof tc_names / sizeof tc_names[0], tc_ctr_COUNT);
	CHECK_STREQ(tc_names[tc_ctr_rx_bytes], "rx_bytes");
	CHECK_STREQ(tc_descs[tc_ctr_drop_short], "frames shorter than their headers");
	CHECK(sizeof(struct tc_ctr) >= tc_ctr_COUNT * sizeof(uint64_t) + 64);
}

TEST(counters_add_set_snapshot_accumulate)
{
	struct tc_ctr core[2];
	uint64_t snap[tc_ctr_COUNT], sum[tc_ctr_COUNT] = {0};

	memset(core, 0, sizeof core);
	MOS_CTR_INC(&core[0], tc_ctr_rx_packets);
	MOS_CTR_ADD(&core[0], tc_ctr_rx_bytes, 1500);
	MOS_CTR_INC(&core[1], tc_ctr_rx_packets);
	MOS_CTR_ADD(&core[1], tc_ctr_rx_bytes, 60);
	ctr_inc(&core[1].v[tc_ctr_drop_short]);
	ctr_snapshot(core[0].v, snap, tc_ctr_COUNT);
	CHECK_EQ_U64(snap[tc_ctr_rx_packets], 1);
	CHECK_EQ_U64(snap[tc_ctr_rx_bytes], 1500);
	CHECK_EQ_U64(snap[tc_ctr_drop_short], 0);
	for (int c = 0; c < 2; c++)
		ctr_accumulate(sum, core[c].v, tc_ctr_COUNT);
	CHECK_EQ_U64(sum[tc_ctr_rx_packets], 2);
	CHECK_EQ_U64(sum[tc_ctr_rx_bytes], 1560);
	CHECK_EQ_U64(sum[tc_ctr_drop_short], 1);
	ctr_set(&core[0].v[tc_ctr_rx_bytes], 7);
	CHECK_EQ_U64(ctr_load(&core[0].v[tc_ctr_rx_bytes]), 7);
}

struct tc_shared {
	struct tc_ctr block;
	_Atomic int done;
	uint64_t limit;
};

static void *tc_writer(void *arg)
{
	struct tc_shared *s = arg;

	for (uint64_t i = 0; i < s->limit; i++) {
		MOS_CTR_INC(&s->block, tc_ctr_rx_packets);
		/* Values that change in both halves, so a torn read would show. */
		MOS_CTR_ADD(&s->block, tc_ctr_rx_bytes, 0x100000001ULL);
	}
	atomic_store_explicit(&s->done, 1, memory_order_release);
	return NULL;
}

TEST(counters_reader_on_another_thread_sees_monotonic_untorn_values)
{
	static struct tc_shared s;
	pthread_t w;
	uint64_t last_pkts = 0, last_bytes = 0, reads = 0;

	memset(&s, 0, sizeof s);
	s.limit = 5000000;
	CHECK(pthread_create(&w, NULL, tc_writer, &s) == 0);
	for (;;) {
		int done = atomic_load_explicit(&s.done, memory_order_acquire);
		uint64_t pkts = ctr_load(&s.block.v[tc_ctr_rx_packets]);
		uint64_t bytes = ctr_load(&s.block.v[tc_ctr_rx_bytes]);

		CHECK(pkts >= last_pkts && bytes >= last_bytes);
		/* Every value the counter takes has equal halves: n * (2^32 + 1). */
		CHECK_EQ_U64(bytes >> 32, bytes & 0xffffffffu);
		last_pkts = pkts;
		last_bytes = bytes;
		reads++;
		if (done)
			break;
	}
	CHECK(pthread_join(w, NULL) == 0);
	CHECK_EQ_U64(ctr_load(&s.block.v[tc_ctr_rx_packets]), s.limit);
	CHECK_EQ_U64(ctr_load(&s.block.v[tc_ctr_rx_bytes]), s.limit * 0x100000001ULL);
	CHECK(reads > 0);
}
