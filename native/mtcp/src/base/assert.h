/* assert.h - invariant checks that stay on in every build, plus compile-time helpers.
 *
 * Contract
 *   MOS_ASSERT(cond)                 if cond is false: print "file:line: assertion failed:
 *                                    <expr>" to stderr and abort(). cond is evaluated exactly
 *                                    once in every build; NDEBUG has no effect.
 *   MOS_ASSERT_MSG(cond, fmt, ...)   the same with a printf-style explanation (values of the
 *                                    variables involved) appended.
 *   MOS_STATIC_ASSERT(cond, msg)     C11 _Static_assert.
 *   MOS_BUILD_BUG_ON(cond)           compile error when the constant expression cond is true.
 *   MOS_LIKELY(x) / MOS_UNLIKELY(x)  branch hints; value is !!(x).
 *   MOS_ARRAY_LEN(a)                 element count of an array; a compile error when given a
 *                                    pointer.
 *   MOS_CONTAINER_OF(p, type, mbr)   the object of type `type` whose member `mbr` is at p;
 *                                    a pointer of another type is diagnosed (an error
 *                                    under the project's -Werror).
 *
 * Assertions document and enforce internal invariants: pre/postconditions and states that
 * only a programming error can reach. They are never used for anything that comes from
 * outside the program (packets, configuration, API arguments); those are validated and
 * return an error or a counted drop.
 *
 * Cost: one predictable branch per check; the failure path is out of line (cold).
 * Thread-safety: safe from any thread; a failure aborts the whole process.
 */
#ifndef MOS_BASE_ASSERT_H
#define MOS_BASE_ASSERT_H

#include <stddef.h>

/* Prints the failed expression with its location to stderr and aborts. Called only through
 * the macros below. */
void assert_fail(const char *file, int line, const char *expr) __attribute__((noreturn, cold));
void assert_fail_msg(const char *file, int line, const char *expr, const char *fmt, ...)
	__attribute__((noreturn, cold, format(printf, 4, 5)));

#define MOS_LIKELY(x) __builtin_expect(!!(x), 1)
#define MOS_UNLIKELY(x) __builtin_expect(!!(x), 0)

#define MOS_ASSERT(cond)                                                                       \
	do {                                                                                   \
		if (MOS_UNLIKELY(!(cond)))                                                     \
			assert_fail(__FILE__, __LINE__, #cond);                                \
	} while (0)

#define MOS_ASSERT_MSG(cond, ...)                                                              \
	do {                                                                                   \
		if (MOS_UNLIKELY(!(cond)))                                                     \
			assert_fail_msg(__FILE__, __LINE__, #cond, __VA_ARGS__);               \
	} while (0)

#define MOS_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#define MOS_BUILD_BUG_ON(cond) _Static_assert(!(cond), "MOS_BUILD_BUG_ON(" #cond ")")

/* 1 when `a` is an array, 0 when it is a pointer (arrays and pointers to their first
 * element have different types). */
#define MOS_IS_ARRAY_(a) (!__builtin_types_compatible_p(__typeof__(a), __typeof__(&(a)[0])))

/* sizeof a char array of size -1 is a compile error: rejects pointers. */
#define MOS_ARRAY_LEN(a)                                                                       \
	(sizeof(a) / sizeof((a)[0]) + 0 * sizeof(char[MOS_IS_ARRAY_(a) ? 1 : -1]))

/* The comparison inside sizeof is never evaluated; it only makes the compiler reject a p
 * whose pointee type differs from the member's. */
#define MOS_CONTAINER_OF(p, type, mbr)                                                         \
	((void)sizeof((p) == &((type *)0)->mbr),                                               \
	 (type *)(void *)((char *)(p)-offsetof(type, mbr)))

#endif /* MOS_BASE_ASSERT_H */
