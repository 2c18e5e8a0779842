/* test_base_assert.c - MOS_ASSERT stays on even with NDEBUG, aborts with file:line and the
 * expression, evaluates its condition once; and the compile-time helpers. */
#define NDEBUG 1 /* must not switch MOS_ASSERT off */

#include <signal.h>
#include <stdint.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mos_test.h"

#include "base/assert.h"

static volatile int ta_value = 3;

static void ta_child_assert(void)
{
	MOS_ASSERT(ta_value == 4);
}

static void ta_child_assert_msg(void)
{
	MOS_ASSERT_MSG(ta_value < 2, "value was %d", ta_value);
}

static void ta_child_passes(void)
{
	MOS_ASSERT(ta_value == 3);
	MOS_ASSERT_MSG(ta_value == 3, "unused %d", ta_value);
}

TEST(assert_aborts_with_location_and_expression_despite_ndebug)
{
	char err[4096];
	int status = mt_run_child(ta_child_assert, err, sizeof err);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "test_base_assert.c:");
	CHECK_CONTAINS(err, "assertion failed: ta_value == 4");
}

TEST(assert_msg_prints_the_values)
{
	char err[4096];
	int status = mt_run_child(ta_child_assert_msg, err, sizeof err);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "assertion failed: ta_value < 2: value was 3");
}

TEST(assert_that_holds_does_nothing)
{
	char err[4096];
	int status = mt_run_child(ta_child_passes, err, sizeof err);

	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_EQ(err[0], '\0');
}

TEST(assert_evaluates_its_condition_once)
{
	int calls = 0;

	MOS_ASSERT(++calls == 1);
	MOS_ASSERT_MSG(++calls == 2, "calls %d", calls);
	CHECK_EQ(calls, 2);
}

struct ta_outer {
	uint32_t a;
	uint64_t inner;
	char tail[3];
};

MOS_STATIC_ASSERT(sizeof(uint32_t) == 4, "static assert compiles");
MOS_BUILD_BUG_ON(sizeof(uint64_t) != 8);

TEST(array_len_and_container_of)
{
	int arr[17];
	struct ta_outer o;
	uint64_t *p = &o.inner;

	CHECK_EQ(MOS_ARRAY_LEN(arr), 17);
	CHECK_EQ(MOS_ARRAY_LEN(o.tail), 3);
	CHECK(MOS_CONTAINER_OF(p, struct ta_outer, inner) == &o);
	CHECK(MOS_CONTAINER_OF(&o.tail[0], struct ta_outer, tail[0]) == &o);
	CHECK_EQ(MOS_LIKELY(5), 1);
	CHECK_EQ(MOS_UNLIKELY(0), 0);
}
