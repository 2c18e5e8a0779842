/* mos_test.h - the small test harness of the C tests.
 *
 * A test file defines cases with TEST(name) { ... } and checks with CHECK*(). Each
 * case runs in its own process under ctest (`<binary> <case>`), so one failing or
 * crashing case never hides another. A failed CHECK stops the case and prints
 * file:line, the expression and the values. Test files with a seeded random part
 * print the seed on failure through mt_note().
 */
#ifndef MOS_TEST_H
#define MOS_TEST_H

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef void (*mt_fn)(void);
void mt_register(const char *name, mt_fn fn);
void mt_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));
/* Text printed only if the running case fails (e.g. "seed=1234"). */
void mt_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Directory holding this repository's shared data (../shared/data), or NULL. */
const char *mt_shared_data_dir(void);
/* Directory of the repository root. */
const char *mt_repo_dir(void);
/* Runs fn() in a forked child; returns its wait status and puts what it wrote to stderr
 * into err (NUL-terminated, truncated to cap). For checking that misuse aborts. */
int mt_run_child(void (*fn)(void), char *err, size_t cap);

#define TEST(name)                                                                             \
	static void name(void);                                                                \
	__attribute__((constructor)) static void mt_reg_##name(void)                           \
	{                                                                                      \
		mt_register(#name, name);                                                      \
	}                                                                                      \
	static void name(void)

#define CHECK(cond)                                                                            \
	do {                                                                                   \
		if (!(cond))                                                                   \
			mt_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                       \
	} while (0)

#define CHECK_MSG(cond, ...)                                                                   \
	do {                                                                                   \
		if (!(cond))                                                                   \
			mt_fail(__FILE__, __LINE__, __VA_ARGS__);                              \
	} while (0)

#define CHECK_EQ(a, b)                                                                         \
	do {                                                                                   \
		long long mt_a_ = (long long)(a), mt_b_ = (long long)(b);                      \
		if (mt_a_ != mt_b_)                                                            \
			mt_fail(__FILE__, __LINE__, "CHECK_EQ(%s, %s): %lld != %lld", #a, #b,  \
				mt_a_, mt_b_);                                                 \
	} while (0)

#define CHECK_EQ_U64(a, b)                                                                     \
	do {                                                                                   \
		uint64_t mt_a_ = (uint64_t)(a), mt_b_ = (uint64_t)(b);                         \
		if (mt_a_ != mt_b_)                                                            \
			mt_fail(__FILE__, __LINE__,                                            \
				"CHECK_EQ_U64(%s, %s): 0x%" PRIx64 " != 0x%" PRIx64, #a, #b,   \
				mt_a_, mt_b_);                                                 \
	} while (0)

#define CHECK_STREQ(a, b)                                                                      \
	do {                                                                                   \
		const char *mt_a_ = (a), *mt_b_ = (b);                                         \
		if (mt_a_ == NULL || mt_b_ == NULL || strcmp(mt_a_, mt_b_) != 0)               \
			mt_fail(__FILE__, __LINE__, "CHECK_STREQ(%s, %s): \"%s\" != \"%s\"",   \
				#a, #b, mt_a_ ? mt_a_ : "(null)", mt_b_ ? mt_b_ : "(null)");   \
	} while (0)

#define CHECK_CONTAINS(hay, needle)                                                            \
	do {                                                                                   \
		const char *mt_h_ = (hay), *mt_n_ = (needle);                                  \
		if (mt_h_ == NULL || strstr(mt_h_, mt_n_) == NULL)                             \
			mt_fail(__FILE__, __LINE__,                                            \
				"CHECK_CONTAINS(%s, %s): \"%s\" does not contain \"%s\"",      \
				#hay, #needle, mt_h_ ? mt_h_ : "(null)", mt_n_);               \
	} while (0)

/* -1 with the given errno. */
#define CHECK_ERRNO(expr, err)                                                                 \
	do {                                                                                   \
		errno = 0;                                                                     \
		long long mt_r_ = (long long)(expr);                                           \
		int mt_e_ = errno;                                                             \
		if (mt_r_ != -1 || mt_e_ != (err))                                             \
			mt_fail(__FILE__, __LINE__,                                            \
				"CHECK_ERRNO(%s, %s): returned %lld errno %d (%s)", #expr,     \
				#err, mt_r_, mt_e_, strerror(mt_e_));                          \
	} while (0)

#endif /* MOS_TEST_H */
