/* test_base_pool.c - object pools and the bump arena: exhaustion, distinct aligned objects,
 * random get/put cycles against a shadow model, and misuse (double free, foreign pointer,
 * write after free) stopping the process. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mos_test.h"

#include "base/pool.h"
#include "base/prng.h"

#if defined(__SANITIZE_ADDRESS__)
#define TP_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TP_ASAN 1
#endif
#endif
#ifndef TP_ASAN
#define TP_ASAN 0
#endif

struct tp_obj {
	uint64_t a;
	uint32_t b;
	uint8_t tail[13];
};

static struct pool_config tp_config(uint32_t capacity, size_t align, bool poison)
{
	struct pool_config c = {"test", sizeof(struct tp_obj), align, capacity, poison};
	return c;
}

TEST(pool_exhaustion_returns_null_and_counts_failures)
{
	struct pool p;
	struct pool_config c = tp_config(100, 0, false);
	void *objs[100];

	CHECK_EQ(pool_init(&p, &c, NULL), POOL_OK);
	CHECK_EQ(pool_capacity(&p), 100);
	CHECK_EQ(pool_available(&p), 100);
	for (int i = 0; i < 100; i++) {
		objs[i] = pool_get(&p);
		CHECK(objs[i] != NULL);
	}
	CHECK_EQ(pool_in_use(&p), 100);
	CHECK_EQ(pool_available(&p), 0);
	CHECK(pool_get(&p) == NULL);
	CHECK(pool_get(&p) == NULL);
	CHECK_EQ_U64(pool_get_failures(&p), 2);
	pool_put(&p, objs[42]);
	CHECK(pool_get(&p) == objs[42]); /* LIFO: the freed object comes back */
	for (int i = 0; i < 100; i++)
		pool_put(&p, objs[i]);
	CHECK_EQ(pool_available(&p), 100);
	CHECK_EQ(pool_in_use(&p), 0);
	pool_fini(&p);
}

TEST(pool_objects_are_distinct_aligned_and_indexed)
{
	static const size_t aligns[] = {0, 8, 16, 64, 256};
	for (size_t k = 0; k < sizeof aligns / sizeof aligns[0]; k++) {
		struct pool p;
		struct pool_config c = tp_config(257, aligns[k], k % 2 == 0);
		uintptr_t prev = 0;
		size_t align = aligns[k] ? aligns[k] : _Alignof(max_align_t);

		CHECK_EQ(pool_init(&p, &c, NULL), POOL_OK);
		for (uint32_t i = 0; i < 257; i++) {
			struct tp_obj *o = pool_get(&p);
			CHECK(o != NULL);
			CHECK_EQ((uintptr_t)o % align, 0);
			/* A fresh pool hands out objects in index order, without overlap. */
			CHECK_EQ(pool_index_of(&p, o), i);
			CHECK(pool_at(&p, i) == o);
			CHECK(pool_is_live(&p, i));
			CHECK(pool_owns(&p, o));
			CHECK(!pool_owns(&p, (char *)o + 1));
			if (i > 0)
				CHECK((uintptr_t)o >= prev + sizeof *o);
			prev = (uintptr_t)o;
			memset(o, (int)i, sizeof *o);
		}
		for (uint32_t i = 0; i < 257; i++) {
			const uint8_t *bytes = pool_at(&p, i);
			for (size_t j = 0; j < sizeof(struct tp_obj); j++)
				CHECK_EQ(bytes[j], (uint8_t)i);
		}
		pool_fini(&p);
	}
}

TEST(pool_random_get_put_cycles_keep_contents_and_counts)
{
	enum { CAP = 300, OPS = 200000 };
	struct pool p;
	struct pool_config c = tp_config(CAP, 0, true);
	struct tp_obj *held[CAP];
	uint32_t n_held = 0;
	struct prng r;
	uint64_t seed =
		getenv("MOS_TEST_SEED") ? strtoull(getenv("MOS_TEST_SEED"), NULL, 0) : 11;

	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	prng_init(&r, seed);
	CHECK_EQ(pool_init(&p, &c, NULL), POOL_OK);
	for (uint32_t op = 0; op < OPS; op++) {
		if (prng_chance(&r, 1, 2)) {
			struct tp_obj *o = pool_get(&p);
			if (n_held == CAP) {
				CHECK(o == NULL);
				continue;
			}
			CHECK(o != NULL);
			/* Poisoned pools hand out the "uninitialised" pattern. */
			CHECK_EQ(((uint8_t *)o)[0], POOL_POISON_UNINIT);
			for (uint32_t i = 0; i < n_held; i++)
				CHECK(held[i] != o);
			o->a = (uint64_t)(uintptr_t)o ^ 0x5555;
			o->b = op;
			held[n_held++] = o;
		} else if (n_held > 0) {
			uint32_t k = (uint32_t)prng_below(&r, n_held);
			struct tp_obj *o = held[k];
			CHECK_EQ_U64(o->a, (uint64_t)(uintptr_t)o ^ 0x5555);
			pool_put(&p, o);
			held[k] = held[--n_held];
		}
		CHECK_EQ(pool_in_use(&p), n_held);
	}
	while (n_held > 0)
		pool_put(&p, held[--n_held]);
	CHECK_EQ(pool_available(&p), CAP);
	pool_fini(&p);
}

TEST(pool_invalid_config_returns_einval)
{
	struct pool p;
	struct pool_config c = tp_config(10, 0, false);

	c.obj_size = 0;
	CHECK_EQ(pool_init(&p, &c, NULL), POOL_EINVAL);
	c = tp_config(0, 0, false);
	CHECK_EQ(pool_init(&p, &c, NULL), POOL_EINVAL);
	c = tp_config(10, 24, false);
	CHECK_EQ(pool_init(&p, &c, NULL), POOL_EINVAL);
	c = tp_config(POOL_CAPACITY_MAX + 1, 0, false);
	CHECK_EQ(pool_init(&p, &c, NULL), POOL_EINVAL);
	CHECK_EQ(pool_memory_bytes(&c), 0);
	c = tp_config(10, 0, false);
	c.obj_size = SIZE_MAX / 4;
	CHECK_EQ(pool_init(&p, &c, NULL), POOL_EINVAL);
}

TEST(pool_from_arena_fits_exactly_and_exhausts_cleanly)
{
	struct arena a;
	struct pool p1, p2, p3;
	struct pool_config c1 = tp_config(1000, 64, false);
	struct pool_config c2 = tp_config(33, 0, true);
	size_t need = pool_memory_bytes(&c1) + pool_memory_bytes(&c2);

	CHECK(pool_memory_bytes(&c1) >= 1000 * 64);
	CHECK(arena_init(&a, need));
	CHECK_EQ(pool_init(&p1, &c1, &a), POOL_OK);
	CHECK_EQ(pool_init(&p2, &c2, &a), POOL_OK);
	CHECK_EQ(pool_init(&p3, &c2, &a), POOL_ENOMEM);
	CHECK(pool_get(&p1) != NULL);
	CHECK(pool_get(&p2) != NULL);
	CHECK_EQ(pool_in_use(&p1), 1);
	pool_fini(&p1);
	pool_fini(&p2);
	arena_fini(&a);
}

TEST(arena_alloc_aligns_zeroes_and_refuses_overflow)
{
	static unsigned char buf[1024];
	struct arena a;
	unsigned char *x, *y;

	memset(buf, 0xee, sizeof buf);
	arena_init_buffer(&a, buf, sizeof buf);
	x = arena_alloc(&a, 3, 1);
	CHECK(x != NULL);
	y = arena_alloc(&a, 100, 64);
	CHECK(y != NULL);
	CHECK_EQ((uintptr_t)y % 64, 0);
	CHECK(y >= x + 3);
	for (int i = 0; i < 100; i++)
		CHECK_EQ(y[i], 0);
	CHECK(arena_alloc(&a, 2000, 8) == NULL);
	CHECK(arena_alloc(&a, SIZE_MAX, 8) == NULL);
	CHECK(arena_alloc(&a, arena_remaining(&a), 1) != NULL);
	CHECK_EQ(arena_remaining(&a), 0);
	CHECK(arena_alloc(&a, 1, 1) == NULL);
	arena_fini(&a);
}

/* --- Misuse stops the process ------------------------------------------------------- */

static void tp_child_double_free(void)
{
	static struct pool p;
	struct pool_config c = tp_config(4, 0, false);
	void *o;

	pool_init(&p, &c, NULL);
	o = pool_get(&p);
	pool_put(&p, o);
	pool_put(&p, o);
}

static void tp_child_foreign_pointer(void)
{
	static struct pool p;
	static struct tp_obj outside;
	struct pool_config c = tp_config(4, 0, false);

	pool_init(&p, &c, NULL);
	pool_put(&p, &outside);
}

static void tp_child_write_after_free(void)
{
	static struct pool p;
	struct pool_config c = tp_config(1, 0, true);
	struct tp_obj *o;

	pool_init(&p, &c, NULL);
	o = pool_get(&p);
	pool_put(&p, o);
	((volatile struct tp_obj *)o)->b = 7; /* the bug */
	o = pool_get(&p);
}

TEST(pool_double_free_aborts)
{
	char err[8192];
	int status = mt_run_child(tp_child_double_free, err, sizeof err);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "pool test: double free of object 0");
}

TEST(pool_put_of_foreign_pointer_aborts)
{
	char err[8192];
	int status = mt_run_child(tp_child_foreign_pointer, err, sizeof err);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "is not one of its objects");
}

TEST(pool_write_after_free_is_caught)
{
	char err[8192];
	int status = mt_run_child(tp_child_write_after_free, err, sizeof err);

	if (TP_ASAN) {
		/* ASan sees the write itself: free objects are poisoned for it. */
		CHECK(!(WIFEXITED(status) && WEXITSTATUS(status) == 0));
		CHECK_CONTAINS(err, "use-after-poison");
	} else {
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
		CHECK_CONTAINS(err, "written after free");
	}
}

/* pool_put takes a power-of-two stride (32 here) inline with a shift and any other stride
 * (24) out of line with a division: both refuse a pointer into the middle of an object
 * and a second put. */
static void tp_child_interior_pointer_pow2(void)
{
	static struct pool p;
	struct pool_config c = tp_config(4, 0, false);

	pool_init(&p, &c, NULL);
	MOS_ASSERT(p.stride_bytes == 32);
	unsigned char *o = pool_get(&p);
	pool_put(&p, o + 8);
}

static void tp_child_interior_pointer_odd(void)
{
	static struct pool p;
	struct pool_config c = {"test", 24, 8, 4, false};

	pool_init(&p, &c, NULL);
	MOS_ASSERT(p.stride_bytes == 24);
	unsigned char *o = pool_get(&p);
	pool_put(&p, o + 8);
}

static void tp_child_double_free_odd(void)
{
	static struct pool p;
	struct pool_config c = {"test", 24, 8, 4, false};

	pool_init(&p, &c, NULL);
	void *a = pool_get(&p), *b = pool_get(&p);
	pool_put(&p, a);
	pool_put(&p, b);
	pool_put(&p, b);
}

TEST(pool_put_of_interior_pointer_aborts_for_any_stride)
{
	char err[8192];
	int status = mt_run_child(tp_child_interior_pointer_pow2, err, sizeof err);

	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "is not one of its objects");
	status = mt_run_child(tp_child_interior_pointer_odd, err, sizeof err);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "is not one of its objects");
	status = mt_run_child(tp_child_double_free_odd, err, sizeof err);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "pool test: double free of object 1");
}

TEST(pool_get_put_lifo_order_for_any_stride)
{
	size_t sizes[2] = {32, 24};
	for (int k = 0; k < 2; k++) {
		struct pool p;
		struct pool_config c = {"test", sizes[k], 8, 8, false};
		CHECK_EQ(pool_init(&p, &c, NULL), POOL_OK);
		unsigned char *o[8];
		for (uint32_t i = 0; i < 8; i++) {
			o[i] = pool_get(&p);
			CHECK(o[i] == (unsigned char *)pool_at(&p, i));
			CHECK(pool_is_live(&p, i));
		}
		CHECK(pool_get(&p) == NULL);
		CHECK_EQ(pool_get_failures(&p), 1u);
		pool_put(&p, o[5]);
		pool_put(&p, o[2]);
		CHECK(!pool_is_live(&p, 5) && !pool_is_live(&p, 2));
		CHECK_EQ(pool_available(&p), 2u);
		CHECK(pool_get(&p) == o[2]);
		CHECK(pool_get(&p) == o[5]);
		for (uint32_t i = 0; i < 8; i++)
			pool_put(&p, o[i]);
		CHECK_EQ(pool_available(&p), 8u);
		pool_fini(&p);
	}
}

/* pool_get_index hands out what pool_get would (the same LIFO order, through the inline
 * step or, with poisoning, through pool_get_full), and UINT32_MAX when exhausted. */
TEST(pool_get_index_matches_pool_get)
{
	for (int poison = 0; poison < 2; poison++) {
		struct pool a, b;
		struct pool_config c = tp_config(6, 0, poison != 0);
		CHECK_EQ(pool_init(&a, &c, NULL), POOL_OK);
		CHECK_EQ(pool_init(&b, &c, NULL), POOL_OK);
		for (int i = 0; i < 6; i++) {
			uint32_t ia = pool_get_index(&a);
			void *ob = pool_get(&b);
			CHECK(ob != NULL);
			CHECK_EQ(ia, pool_index_of(&b, ob));
			CHECK(pool_is_live(&a, ia));
		}
		CHECK_EQ(pool_get_index(&a), UINT32_MAX);
		CHECK_EQ(pool_get_failures(&a), 1u);
		pool_put(&a, pool_at(&a, 3));
		pool_put(&a, pool_at(&a, 1));
		CHECK_EQ(pool_get_index(&a), 1u);
		CHECK_EQ(pool_get_index(&a), 3u);
		for (uint32_t i = 0; i < 6; i++) {
			pool_put(&a, pool_at(&a, i));
			pool_put(&b, pool_at(&b, i));
		}
		pool_fini(&a);
		pool_fini(&b);
	}
}

static void tp_child_put_index_twice(void)
{
	static struct pool p;
	struct pool_config c = tp_config(4, 0, false);

	pool_init(&p, &c, NULL);
	uint32_t i = pool_get_index(&p);
	pool_put_index(&p, i);
	pool_put_index(&p, i);
}

static void tp_child_put_index_out_of_range(void)
{
	static struct pool p;
	struct pool_config c = tp_config(4, 0, false);

	pool_init(&p, &c, NULL);
	(void)pool_get_index(&p);
	pool_put_index(&p, 4);
}

/* pool_put_index frees by index as pool_put frees by pointer (LIFO reuse, counts), and
 * refuses a second put and an index past the capacity. */
TEST(pool_put_index_frees_and_refuses_misuse)
{
	for (int poison = 0; poison < 2; poison++) {
		struct pool p;
		struct pool_config c = tp_config(4, 0, poison != 0);
		CHECK_EQ(pool_init(&p, &c, NULL), POOL_OK);
		for (uint32_t i = 0; i < 4; i++)
			CHECK_EQ(pool_get_index(&p), i);
		pool_put_index(&p, 2);
		CHECK(!pool_is_live(&p, 2));
		CHECK_EQ(pool_available(&p), 1u);
		CHECK(pool_get(&p) == pool_at(&p, 2));
		for (uint32_t i = 0; i < 4; i++)
			pool_put_index(&p, i);
		CHECK_EQ(pool_available(&p), 4u);
		pool_fini(&p);
	}
	char err[8192];
	int status = mt_run_child(tp_child_put_index_twice, err, sizeof err);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "pool test: double free of object 0");
	status = mt_run_child(tp_child_put_index_out_of_range, err, sizeof err);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT);
	CHECK_CONTAINS(err, "index 4 >= capacity 4");
}
