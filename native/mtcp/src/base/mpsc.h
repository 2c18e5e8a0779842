/* mpsc.h - lock-free intrusive multi-producer, single-consumer stack ("doorbells").
 *
 * Producers (any thread) push nodes embedded in their objects; the one consumer takes
 * the whole stack at once with mpsc_take_all and walks it. There is no pop of a single
 * node, so the ABA problem of lock-free stacks cannot arise: a node is pushed again
 * only after the consumer took it. A node must not be pushed while it is on the stack;
 * owners keep an atomic "pending" flag next to the node for that (test-and-set it
 * before pushing, clear it after taking).
 *
 * Memory order: a push publishes everything the producer wrote before it (release); the
 * consumer's take acquires it. Complexity: O(1) per push (a CAS loop that retries only
 * under contention), O(1) per take. Bounded by construction: at most one entry per node.
 */
#ifndef MOS_BASE_MPSC_H
#define MOS_BASE_MPSC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct mpsc_node {
	struct mpsc_node *next;
};

struct mpsc_stack {
	struct mpsc_node *_Atomic head;
};

static inline void mpsc_init(struct mpsc_stack *s)
{
	atomic_init(&s->head, NULL);
}

/* [any thread] Pushes n; returns true when the stack was empty before. */
static inline bool mpsc_push(struct mpsc_stack *s, struct mpsc_node *n)
{
	struct mpsc_node *h = atomic_load_explicit(&s->head, memory_order_relaxed);
	do {
		n->next = h;
	} while (!atomic_compare_exchange_weak_explicit(&s->head, &h, n, memory_order_release,
							memory_order_relaxed));
	return h == NULL;
}

/* [consumer] Takes every node, most recently pushed first; NULL when empty. */
static inline struct mpsc_node *mpsc_take_all(struct mpsc_stack *s)
{
	if (atomic_load_explicit(&s->head, memory_order_relaxed) == NULL)
		return NULL;
	return atomic_exchange_explicit(&s->head, NULL, memory_order_acquire);
}

/* [any thread] Nothing is pushed (a hint: it may change right after). */
static inline bool mpsc_empty(const struct mpsc_stack *s)
{
	return atomic_load_explicit(&((struct mpsc_stack *)s)->head, memory_order_relaxed) ==
	       NULL;
}

#endif /* MOS_BASE_MPSC_H */
