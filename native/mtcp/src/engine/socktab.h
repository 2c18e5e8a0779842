/* socktab.h - the socket id space of one context, shared by every kind of socket
 * (end-host streams, listeners, epoll instances, pipes, passive/raw/per-flow monitor
 * sockets): one id names one object, so mtcp_close() and friends dispatch on the
 * slot's kind (mOS 0.3 had two overlapping id spaces; spec §1).
 *
 * Ids are small integers [0, capacity), reused lowest-first after a close, as BSD
 * descriptors are. Allocation and release take a spinlock (app threads create and close
 * sockets while the stack thread creates per-flow monitor sockets); lookups are
 * lock-free reads of the slot's kind and object. The lowest free id comes from a
 * two-level bitmap of free ids (a bit per id, and a bit per 64-id word that has a free
 * one), so allocation costs a few word scans however many ids are taken, where a scan
 * of the slots cost hundreds of instructions per connection with thousands open.
 */
#ifndef MOS_ENGINE_SOCKTAB_H
#define MOS_ENGINE_SOCKTAB_H

#include <stdatomic.h>
#include <stdint.h>

struct socktab_slot {
	_Atomic int kind;  /* enum socket_type (mtcp_api.h); MOS_SOCK_UNUSED when free */
	void *_Atomic obj; /* the kind's object */
};

struct socktab {
	struct socktab_slot *slots;
	uint32_t capacity;
	uint32_t used;
	uint64_t *free_bits; /* bit i: id i is free (under lock) */
	uint64_t *free_sum;  /* bit w: free_bits[w] has a free id (under lock) */
	uint32_t sum_words;
	atomic_flag lock;
};

/* Creates a table of `capacity` ids. Returns 0 or -ENOMEM / -EINVAL. */
int socktab_init(struct socktab *t, uint32_t capacity);
void socktab_fini(struct socktab *t);

/* Allocates the lowest free id for an object of `kind`. Returns the id or -ENFILE. */
int socktab_alloc(struct socktab *t, int kind, void *obj);

/* Changes the kind of a live id (a stream becoming a listener). */
void socktab_set_kind(struct socktab *t, int id, int kind);

/* Changes the kind and the object of a live id (a stream becoming a listener). The
 * id's owner must not use it concurrently. */
void socktab_set(struct socktab *t, int id, int kind, void *obj);

/* Releases `id` (which must be live). */
void socktab_free(struct socktab *t, int id);

/* Kind of `id`, or MOS_SOCK_UNUSED (0) when out of range or free; *obj (if given)
 * receives its object. */
int socktab_get(const struct socktab *t, int id, void **obj);

#endif /* MOS_ENGINE_SOCKTAB_H */
