/* sim_internal.h - the objects of the simulated network shared by sim*.c: net, link,
 * link direction (bounded frame store + delivery heap + receive queues), port, dev. */
#ifndef MOS_IO_SIM_INTERNAL_H
#define MOS_IO_SIM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/pool.h"
#include "base/prng.h"
#include "io/io.h"
#include "io/sim.h"
#include "wire/rss.h"

#define SIM_SLOT_NONE UINT32_MAX

/* A small test-and-set lock, taken only in REALTIME mode. */
struct sim_spin {
	atomic_flag flag;
};

void sim_spin_init(struct sim_spin *s);
void sim_spin_lock_slow(struct sim_spin *s);

static inline void sim_spin_lock(struct sim_spin *s, bool on)
{
	if (on && atomic_flag_test_and_set_explicit(&s->flag, memory_order_acquire))
		sim_spin_lock_slow(s);
}

static inline void sim_spin_unlock(struct sim_spin *s, bool on)
{
	if (on)
		atomic_flag_clear_explicit(&s->flag, memory_order_release);
}

/* One delivery-heap entry: ordered by (due_ns, seq). */
struct sim_qent {
	uint64_t due_ns;
	uint64_t seq;
	uint32_t slot;
};

/* What a store slot holds besides its bytes. */
struct sim_slot_meta {
	uint64_t due_ns;
	uint64_t seq;
	uint64_t frame_id;
	uint32_t rss_hash;
	uint16_t len;
	bool has_hash;
};

/* A receive queue of the receiving port: a ring of slot indices (in dir->rings). */
struct sim_rxq {
	uint32_t head;
	uint32_t count;
};

struct sim_link;
struct sim_port;

/* One direction of a link. Everything below `lock` is protected by it. */
struct sim_dir {
	struct sim_spin lock;
	struct sim_link *link;
	uint8_t index; /* SIM_DIR_AB or SIM_DIR_BA */
	struct sim_faults faults;
	struct prng rng;
	uint64_t frame_id;      /* frames offered so far */
	uint64_t seq;           /* copies scheduled so far */
	uint64_t busy_until_ns; /* the serializer is busy until then */
	uint64_t last_due_ns;   /* latest in-order delivery time (keep_order) */
	uint32_t cap;           /* slots */
	uint32_t slot_bytes;
	uint8_t *slot_data;         /* cap * slot_bytes */
	struct sim_slot_meta *meta; /* cap */
	uint32_t *free_slots;       /* stack of free slot indices */
	uint32_t free_count;
	struct sim_qent *heap; /* cap entries, heap_len used */
	uint32_t heap_len;
	uint32_t *rings; /* IO_MAX_QUEUES rings of cap entries */
	struct sim_rxq rxq[IO_MAX_QUEUES];
	uint32_t held;        /* frames waiting in rxq rings */
	struct sim_port *dst; /* receiving port, NULL = the void */
	struct sim_dir *tap;  /* direction receiving copies, or NULL */
	struct sim_link_stats st;
};

struct sim_link {
	char name[SIM_LINK_NAME_MAX + 1];
	struct sim_net *net;
	struct sim_port *end[2]; /* side A, side B */
	struct sim_dir dir[2];   /* [SIM_DIR_AB], [SIM_DIR_BA] */
	bool is_tap;             /* receives copies in dir[BA]; side B reserved */
	bool tapped;             /* its directions copy to a tap */
};

struct sim_net {
	uint64_t seed;
	bool realtime;
	bool tracing;
	bool offload_csum;
	bool no_rss;
	uint64_t now_ns;          /* VIRTUAL clock */
	uint64_t start_ns;        /* REALTIME: time at creation */
	uint64_t mono_base_ns;    /* REALTIME: CLOCK_MONOTONIC at creation */
	struct sim_faults faults; /* of new links */
	uint32_t max_links;
	uint32_t queue_frames;
	uint32_t max_frame_bytes;
	sim_trace_fn trace_fn;
	void *trace_user;
	pthread_mutex_t mu; /* control path: link table, joins, taps, stats */
	uint32_t link_count;
	uint32_t ports_attached;
	struct sim_link **links;
	struct wire_rss_table rss; /* Toeplitz, symmetric key */
};

/* Per-(port, queue) counters, written only by the queue's thread. */
struct sim_port_q {
	uint64_t rx_packets, rx_bytes, rx_missed;
	uint64_t tx_packets, tx_bytes, tx_errors;
	char pad_[16];
};

struct sim_dev;

struct sim_port {
	struct sim_dev *dev;
	struct sim_link *link;
	uint16_t index;
	uint8_t side; /* 0 = A, 1 = B */
	char name[32];
	uint8_t mac[6];
	struct sim_port_q qs[IO_MAX_QUEUES];
};

/* Header at the start of every buffer object (before the headroom). */
struct sim_buf_hdr {
	uint32_t magic;
	uint16_t queue;
	struct sim_dev *dev;
};

#define SIM_BUF_MAGIC 0x53494d42u /* "SIMB" */
#define SIM_BUF_HDR_BYTES 64u
#define SIM_BUF_OBJ_BYTES (SIM_BUF_HDR_BYTES + SIM_BUF_HEADROOM + SIM_BUF_DATA_BYTES)

struct sim_bufq {
	struct sim_spin lock;
	struct pool pool;
	bool ready;
};

struct sim_dev {
	struct io_dev io; /* first: io_dev * <-> sim_dev * */
	struct sim_net *net;
	struct sim_port ports[IO_MAX_PORTS];
	struct sim_bufq q[IO_MAX_QUEUES];
};

/* --- sim_net.c ------------------------------------------------------------------- */
/* The link named `name` (created when `create`), or NULL (errno-style code in *err:
 * -ENOENT, -ENOSPC, -ENOMEM, -EINVAL). Caller holds net->mu. */
struct sim_link *sim_net_link_locked(struct sim_net *net, const char *name, bool create,
				     int *err);
void sim_net_lock(struct sim_net *net);
void sim_net_unlock(struct sim_net *net);
/* Validates a faults struct against the net's store size. */
bool sim_faults_valid(const struct sim_net *net, const struct sim_faults *f);

/* --- sim_dir.c ------------------------------------------------------------------- */
/* Allocates the store of a direction; false on ENOMEM. */
bool sim_dir_init(struct sim_dir *d, struct sim_link *link, uint8_t index);
void sim_dir_fini(struct sim_dir *d);
/* Offers one frame at now_ns (caller holds d->lock). */
void sim_dir_send(struct sim_dir *d, const uint8_t *frame, uint16_t len, uint64_t now_ns);
/* Moves copies due at now_ns into the receive queues of d->dst (caller holds lock). */
void sim_dir_pull(struct sim_dir *d, uint64_t now_ns);
/* The oldest slot waiting in receive queue q, or SIM_SLOT_NONE. */
uint32_t sim_dir_take(struct sim_dir *d, uint16_t q);
/* Returns a taken slot to the store. */
void sim_dir_release(struct sim_dir *d, uint32_t slot);
/* Drops every copy scheduled or waiting (the receiver left), counted as no_peer. */
void sim_dir_flush(struct sim_dir *d, uint64_t now_ns);
/* Earliest due time, at least now_ns (now_ns when frames are due or wait in receive
 * queues), UINT64_MAX if nothing is pending. */
uint64_t sim_dir_next_ns(struct sim_dir *d, uint64_t now_ns);
/* Reports a trace event of a slot (the port dropped it). */
void sim_dir_trace_slot(struct sim_dir *d, int event, uint64_t now_ns, uint32_t slot);

static inline uint8_t *sim_dir_slot_data(const struct sim_dir *d, uint32_t slot)
{
	return d->slot_data + (uint64_t)slot * d->slot_bytes;
}

/* --- sim_csum.c ------------------------------------------------------------------ */
/* Fills the checksums an engine asked the device for (IO_TX_* flags). */
void sim_csum_tx(uint8_t *frame, uint16_t len, uint16_t flags, uint16_t l2_len,
		 uint16_t l3_len);
/* IO_RX_*_CSUM_* flags a checksumming NIC would set for the frame. */
uint16_t sim_csum_rx(const uint8_t *frame, uint16_t len);

/* The net's clock (sim_net.c). */
uint64_t sim_net_clock(struct sim_net *net);

#endif /* MOS_IO_SIM_INTERNAL_H */
