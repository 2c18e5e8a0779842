/* test_base_spsc.c - SPSC record and byte rings: single-thread semantics (full/empty,
 * wraparound with odd record and chunk sizes, peek, zero-copy spans) and two-thread stress
 * runs that move millions of records and bytes and verify order and content.
 * The stress cases stop at their item count or after MOS_TEST_STRESS_MS (default 5000). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "mos_test.h"

#include "base/prng.h"
#include "base/spsc_ring.h"

static uint64_t ts_seed(uint64_t dflt)
{
	const char *env = getenv("MOS_TEST_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : dflt;
	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	return seed;
}

static uint64_t ts_now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static uint64_t ts_budget_ms(void)
{
	const char *env = getenv("MOS_TEST_STRESS_MS");
	return env != NULL ? strtoull(env, NULL, 0) : 5000;
}

/* Byte i of the test stream: not periodic at any ring size used here. */
static uint8_t ts_byte(uint64_t i)
{
	return (uint8_t)((i * 131) ^ (i >> 9) ^ (i >> 17));
}

/* --- Record ring, one thread --------------------------------------------------------- */

TEST(spsc_ring_full_and_empty)
{
	uint64_t storage[8], in[10], out[10];
	struct spsc_ring r;

	CHECK(spsc_ring_init(&r, storage, 8, sizeof(uint64_t)));
	CHECK_EQ(spsc_capacity(&r), 8);
	CHECK_EQ(spsc_dequeue_burst(&r, out, 10), 0);
	for (uint64_t i = 0; i < 10; i++)
		in[i] = 100 + i;
	CHECK_EQ(spsc_enqueue_burst(&r, in, 10), 8); /* all 8 slots usable */
	CHECK_EQ(spsc_free_count(&r), 0);
	CHECK_EQ(spsc_enqueue_burst(&r, in, 1), 0);
	CHECK_EQ(spsc_ready_count(&r), 8);
	CHECK_EQ(spsc_dequeue_burst(&r, out, 3), 3);
	CHECK_EQ(spsc_enqueue_burst(&r, in + 8, 2), 2); /* wraps */
	CHECK_EQ(spsc_dequeue_burst(&r, out + 3, 10), 7);
	for (uint64_t i = 0; i < 10; i++)
		CHECK_EQ_U64(out[i], 100 + i);
	CHECK_EQ(spsc_ready_count(&r), 0);
	CHECK_EQ(spsc_free_count(&r), 8);
}

TEST(spsc_ring_rejects_bad_sizes)
{
	uint64_t storage[16];
	struct spsc_ring r;

	CHECK(!spsc_ring_init(&r, storage, 12, 8));
	CHECK(!spsc_ring_init(&r, storage, 0, 8));
	CHECK(!spsc_ring_init(&r, storage, 16, 0));
	CHECK(!spsc_ring_init(&r, NULL, 16, 8));
	CHECK_EQ(spsc_ring_storage_bytes(16, 12), 192);
	CHECK_EQ(spsc_ring_storage_bytes(SPSC_CAPACITY_MAX * 2u, 1), 0);
	CHECK(spsc_ring_init(&r, storage, 1, 8));
}

TEST(spsc_ring_pointer_helpers)
{
	void *storage[4];
	int objs[5];
	struct spsc_ring r;

	CHECK(spsc_ring_init(&r, storage, 4, sizeof(void *)));
	for (int i = 0; i < 4; i++)
		CHECK(spsc_enqueue_ptr(&r, &objs[i]));
	CHECK(!spsc_enqueue_ptr(&r, &objs[4]));
	for (int i = 0; i < 4; i++)
		CHECK(spsc_dequeue_ptr(&r) == &objs[i]);
	CHECK(spsc_dequeue_ptr(&r) == NULL);
}

/* 12-byte records in a 16-slot ring with random burst sizes: every wrap position. */
TEST(spsc_ring_odd_records_wrap_in_order)
{
	struct rec {
		uint32_t seq, inv, pad;
	} storage[16], buf[20];
	struct spsc_ring r;
	struct prng g;
	uint32_t next_in = 0, next_out = 0;

	prng_init(&g, ts_seed(3));
	CHECK(spsc_ring_init(&r, storage, 16, sizeof(struct rec)));
	for (int op = 0; op < 100000; op++) {
		uint32_t n = 1 + (uint32_t)prng_below(&g, 20);
		if (prng_chance(&g, 1, 2)) {
			uint32_t room = spsc_free_count(&r), done;
			for (uint32_t i = 0; i < n; i++)
				buf[i] = (struct rec){next_in + i, ~(next_in + i), 0};
			done = spsc_enqueue_burst(&r, buf, n);
			CHECK_EQ(done, n < room ? n : room);
			next_in += done;
		} else {
			uint32_t got = spsc_dequeue_burst(&r, buf, n);
			for (uint32_t i = 0; i < got; i++) {
				CHECK_EQ(buf[i].seq, next_out);
				CHECK_EQ(buf[i].inv, ~next_out);
				next_out++;
			}
		}
		CHECK_EQ(next_in - next_out, spsc_ready_count(&r));
	}
	CHECK(next_out > 100000);
}

/* --- Byte ring, one thread ----------------------------------------------------------- */

TEST(spsc_bytes_odd_chunks_wrap_and_keep_content)
{
	unsigned char mem[64], chunk[80];
	struct spsc_bytes b;
	struct prng g;
	uint64_t wpos = 0, rpos = 0;

	prng_init(&g, ts_seed(5));
	CHECK(!spsc_bytes_init(&b, mem, 48));
	CHECK(spsc_bytes_init(&b, mem, 64));
	for (int op = 0; op < 200000; op++) {
		uint32_t n = 1 + 2 * (uint32_t)prng_below(&g, 40); /* odd sizes 1..79 */
		if (prng_chance(&g, 1, 2)) {
			uint32_t room = spsc_bytes_writable(&b), done;
			for (uint32_t i = 0; i < n; i++)
				chunk[i] = ts_byte(wpos + i);
			done = spsc_bytes_write(&b, chunk, n);
			CHECK_EQ(done, n < room ? n : room);
			wpos += done;
		} else {
			uint32_t got = spsc_bytes_read(&b, chunk, n);
			for (uint32_t i = 0; i < got; i++)
				CHECK_EQ(chunk[i], ts_byte(rpos + i));
			rpos += got;
		}
		CHECK_EQ(spsc_bytes_readable(&b), wpos - rpos);
		CHECK_EQ(spsc_bytes_readable(&b) + spsc_bytes_writable(&b), 64);
	}
	CHECK(rpos > 1000000);
}

TEST(spsc_bytes_peek_and_spans_across_the_wrap)
{
	unsigned char mem[64], src[64], dst[64];
	struct spsc_bytes b;
	struct spsc_span sp[2];

	for (int i = 0; i < 64; i++)
		src[i] = (unsigned char)(i + 1);
	CHECK(spsc_bytes_init(&b, mem, 64));
	CHECK_EQ(spsc_bytes_write(&b, src, 50), 50);
	CHECK_EQ(spsc_bytes_read(&b, dst, 40), 40);  /* read position 40 */
	CHECK_EQ(spsc_bytes_write(&b, src, 40), 40); /* bytes 50..63, then 0..25 */
	CHECK_EQ(spsc_bytes_readable(&b), 50);

	/* Peek at an offset, across the wrap, without consuming. */
	memset(dst, 0, sizeof dst);
	CHECK_EQ(spsc_bytes_peek(&b, 5, dst, 30), 30);
	for (int i = 0; i < 5; i++)
		CHECK_EQ(dst[i], src[45 + i]);
	for (int i = 5; i < 30; i++)
		CHECK_EQ(dst[i], src[i - 5]);
	CHECK_EQ(spsc_bytes_peek(&b, 45, dst, 30), 5);
	CHECK_EQ(spsc_bytes_peek(&b, 50, dst, 30), 0);
	CHECK_EQ(spsc_bytes_readable(&b), 50);

	/* Readable spans: 24 bytes to the end of the buffer, then 26 from its start. */
	CHECK_EQ(spsc_bytes_read_spans(&b, 0, sp), 50);
	CHECK(sp[0].ptr == mem + 40);
	CHECK_EQ(sp[0].len, 24);
	CHECK(sp[1].ptr == mem);
	CHECK_EQ(sp[1].len, 26);
	CHECK_EQ(sp[0].ptr[0], src[40]);
	CHECK_EQ(sp[1].ptr[25], src[39]);
	CHECK_EQ(spsc_bytes_read_spans(&b, 30, sp), 20); /* offset past the wrap */
	CHECK(sp[0].ptr == mem + 6);
	CHECK_EQ(sp[0].len, 20);
	CHECK_EQ(sp[1].len, 0);
	CHECK_EQ(spsc_bytes_read_spans(&b, 60, sp), 0);

	spsc_bytes_consume(&b, 30);
	CHECK_EQ(spsc_bytes_readable(&b), 20);

	/* Writable spans: free space is 44 bytes from position 90 (offset 26). */
	CHECK_EQ(spsc_bytes_write_spans(&b, sp), 44);
	CHECK(sp[0].ptr == mem + 26);
	CHECK_EQ(sp[0].len, 38);
	CHECK(sp[1].ptr == mem);
	CHECK_EQ(sp[1].len, 6);
	for (uint32_t i = 0; i < sp[0].len; i++)
		sp[0].ptr[i] = 0xa0;
	sp[1].ptr[0] = 0xb1;
	sp[1].ptr[1] = 0xb2;
	spsc_bytes_commit(&b, sp[0].len + 2);
	CHECK_EQ(spsc_bytes_readable(&b), 60);
	CHECK_EQ(spsc_bytes_peek(&b, 20, dst, 64), 40);
	CHECK_EQ(dst[0], 0xa0);
	CHECK_EQ(dst[37], 0xa0);
	CHECK_EQ(dst[38], 0xb1);
	CHECK_EQ(dst[39], 0xb2);
}

/* --- Two threads --------------------------------------------------------------------- */

struct ts_rec {
	uint64_t seq;
	uint64_t check;
};

struct ts_stress {
	struct spsc_ring ring;
	struct spsc_bytes bytes;
	uint64_t limit;       /* records or bytes to move */
	uint64_t deadline_ms; /* stop producing after this */
	uint64_t seed;
	_Atomic uint64_t produced_final; /* set by the producer when done */
	_Atomic int producer_done;
	uint64_t consumed;
	uint64_t errors;
	uint64_t first_error_at;
};

static uint64_t ts_check(uint64_t seq)
{
	return seq * UINT64_C(0x9e3779b97f4a7c15) ^ 0xabcdef;
}

static void *ts_ring_producer(void *arg)
{
	struct ts_stress *s = arg;
	struct ts_rec buf[32];
	struct prng g;
	uint64_t next = 0;

	prng_init_stream(&g, s->seed, 1);
	while (next < s->limit) {
		uint32_t n = 1 + (uint32_t)prng_below(&g, 32), done;
		if (s->limit - next < n)
			n = (uint32_t)(s->limit - next);
		for (uint32_t i = 0; i < n; i++)
			buf[i] = (struct ts_rec){next + i, ts_check(next + i)};
		done = spsc_enqueue_burst(&s->ring, buf, n);
		next += done;
		if ((next & 0xffff) < done && ts_now_ms() > s->deadline_ms)
			break;
	}
	atomic_store_explicit(&s->produced_final, next, memory_order_relaxed);
	atomic_store_explicit(&s->producer_done, 1, memory_order_release);
	return NULL;
}

static void ts_ring_consume(struct ts_stress *s)
{
	struct ts_rec buf[32];
	struct prng g;

	prng_init_stream(&g, s->seed, 2);
	for (;;) {
		int done = atomic_load_explicit(&s->producer_done, memory_order_acquire);
		uint32_t got =
			spsc_dequeue_burst(&s->ring, buf, 1 + (uint32_t)prng_below(&g, 32));
		for (uint32_t i = 0; i < got; i++) {
			uint64_t want = s->consumed + i;
			if (buf[i].seq != want || buf[i].check != ts_check(want)) {
				if (s->errors++ == 0)
					s->first_error_at = want;
			}
		}
		s->consumed += got;
		if (got == 0 && done &&
		    s->consumed ==
			    atomic_load_explicit(&s->produced_final, memory_order_relaxed))
			break;
	}
}

TEST(spsc_ring_two_threads_move_millions_in_order)
{
	static struct ts_stress s;
	static struct ts_rec storage[1024];
	pthread_t prod;

	memset(&s, 0, sizeof s);
	s.seed = ts_seed(17);
	s.limit = 5000000;
	s.deadline_ms = ts_now_ms() + ts_budget_ms();
	CHECK(spsc_ring_init(&s.ring, storage, 1024, sizeof(struct ts_rec)));
	CHECK(pthread_create(&prod, NULL, ts_ring_producer, &s) == 0);
	ts_ring_consume(&s);
	CHECK(pthread_join(prod, NULL) == 0);
	CHECK_MSG(s.errors == 0, "%llu bad records, first at %llu",
		  (unsigned long long)s.errors, (unsigned long long)s.first_error_at);
	CHECK_EQ_U64(s.consumed, atomic_load(&s.produced_final));
	CHECK_MSG(s.consumed >= 100000, "only %llu records moved",
		  (unsigned long long)s.consumed);
	CHECK_EQ(spsc_ready_count(&s.ring), 0);
}

static void *ts_bytes_producer(void *arg)
{
	struct ts_stress *s = arg;
	unsigned char chunk[3000];
	struct prng g;
	uint64_t pos = 0;

	prng_init_stream(&g, s->seed, 3);
	while (pos < s->limit) {
		uint32_t n = 1 + (uint32_t)prng_below(&g, sizeof chunk), done = 0;
		if (s->limit - pos < n)
			n = (uint32_t)(s->limit - pos);
		if (prng_chance(&g, 1, 2)) {
			for (uint32_t i = 0; i < n; i++)
				chunk[i] = ts_byte(pos + i);
			done = spsc_bytes_write(&s->bytes, chunk, n);
		} else {
			struct spsc_span sp[2];
			spsc_bytes_write_spans(&s->bytes, sp);
			for (int k = 0; k < 2 && done < n; k++) {
				uint32_t take = sp[k].len < n - done ? sp[k].len : n - done;
				for (uint32_t i = 0; i < take; i++)
					sp[k].ptr[i] = ts_byte(pos + done + i);
				done += take;
			}
			spsc_bytes_commit(&s->bytes, done);
		}
		pos += done;
		if ((pos & 0xfffff) < done && ts_now_ms() > s->deadline_ms)
			break;
	}
	atomic_store_explicit(&s->produced_final, pos, memory_order_relaxed);
	atomic_store_explicit(&s->producer_done, 1, memory_order_release);
	return NULL;
}

static void ts_bytes_check(struct ts_stress *s, const unsigned char *p, uint32_t len)
{
	for (uint32_t i = 0; i < len; i++) {
		if (p[i] != ts_byte(s->consumed + i) && s->errors++ == 0)
			s->first_error_at = s->consumed + i;
	}
	s->consumed += len;
}

static void ts_bytes_consume(struct ts_stress *s)
{
	unsigned char chunk[2500];
	struct prng g;

	prng_init_stream(&g, s->seed, 4);
	for (;;) {
		int done = atomic_load_explicit(&s->producer_done, memory_order_acquire);
		uint32_t got;
		if (prng_chance(&g, 1, 2)) {
			got = spsc_bytes_read(&s->bytes, chunk,
					      1 + (uint32_t)prng_below(&g, sizeof chunk));
			ts_bytes_check(s, chunk, got);
		} else {
			struct spsc_span sp[2];
			got = spsc_bytes_read_spans(&s->bytes, 0, sp);
			ts_bytes_check(s, sp[0].ptr, sp[0].len);
			ts_bytes_check(s, sp[1].ptr, sp[1].len);
			spsc_bytes_consume(&s->bytes, got);
		}
		if (got == 0 && done &&
		    s->consumed ==
			    atomic_load_explicit(&s->produced_final, memory_order_relaxed))
			break;
	}
}

TEST(spsc_bytes_two_threads_move_the_stream_intact)
{
	static struct ts_stress s;
	static unsigned char mem[1 << 14];
	pthread_t prod;

	memset(&s, 0, sizeof s);
	s.seed = ts_seed(23);
	s.limit = UINT64_C(64) << 20; /* 64 MiB */
	s.deadline_ms = ts_now_ms() + ts_budget_ms();
	CHECK(spsc_bytes_init(&s.bytes, mem, sizeof mem));
	CHECK(pthread_create(&prod, NULL, ts_bytes_producer, &s) == 0);
	ts_bytes_consume(&s);
	CHECK(pthread_join(prod, NULL) == 0);
	CHECK_MSG(s.errors == 0, "%llu bad bytes, first at offset %llu",
		  (unsigned long long)s.errors, (unsigned long long)s.first_error_at);
	CHECK_EQ_U64(s.consumed, atomic_load(&s.produced_final));
	CHECK_MSG(s.consumed >= (1u << 20), "only %llu bytes moved",
		  (unsigned long long)s.consumed);
	CHECK_EQ(spsc_bytes_readable(&s.bytes), 0);
}
