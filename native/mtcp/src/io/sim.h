/* sim.h - the simulated network behind `io = sim`: links with faults, in one process.
 *
 * Model
 *   A struct sim_net holds named links. Every port that io_sim_open() opens on the net
 *   joins the link named by its netdev `device=` string (the port name when empty). A
 *   link joins two ports: the first to join is side A, the second side B; a third is
 *   refused. A port alone on its link transmits into the void (counted as no_peer).
 *   Each link has two directions, A->B (SIM_DIR_AB) and B->A (SIM_DIR_BA), each with
 *   its own faults, statistics, PRNG stream, bounded frame store and trace digest.
 *
 * Where faults apply (per direction, in this order, when a frame is transmitted):
 *   1. no receiver on the link          -> dropped, no_peer (no random draw)
 *   2. store full (queue_frames)        -> tail drop, queue_dropped
 *   3. serialization (bandwidth_bps)    -> departure = max(now, link busy) + len*8/bps
 *   4. loss (loss_ppm)                  -> lost (after serialization: it used the wire)
 *   5. duplication (dup_ppm)            -> a second copy (needs its own slot, else
 *                                          queue_dropped)
 *   6. per copy: corruption (corrupt_ppm; one random bit of one random byte, from
 *      byte 14 on with corrupt_past_l2), reordering (reorder_ppm; extra delay uniform
 *      in [reorder_min_ns, reorder_max_ns]), delay + jitter (uniform in [0, jitter_ns])
 *      -> delivery time = departure + delay + jitter (+ reorder extra). With keep_order
 *      a copy that is not reordered is never delivered before an earlier one.
 *   Probabilities are conditional on reaching their step (dup is drawn for frames
 *   not lost; corruption and reordering for each copy). Random draws are made only
 *   for faults whose probability is not 0.
 *   Delivery order: by (delivery time, enqueue sequence): a bounded binary heap.
 *   A frame is DELIVERED when the receiving port polls (rx_burst) at a time >= its
 *   delivery time: it leaves the link into the port's receive queues (chosen by
 *   software RSS). The port may still drop it (frame larger than its buffers, no free
 *   buffer): that is the port's rx_missed, not a link statistic.
 *   Identity per direction: offered - lost + duplicated
 *                             = delivered + queue_dropped + no_peer + in_flight.
 *
 * Taps (sim_net_add_tap): every copy scheduled on a tapped link (both directions,
 *   after all of that direction's faults, at its delivery time) is also sent into the
 *   tap link's B->A direction, whose only port (side A) is the monitor. The tap
 *   direction applies its own faults (none by default, so the monitor sees exactly
 *   what each receiver is handed by the link, at the same time). Frames the receiving
 *   port drops itself (rx_missed) were still on the wire and are seen by the tap.
 *
 * Clock
 *   VIRTUAL: time moves only by sim_net_advance / sim_net_set_time; everything runs
 *   on one thread and every run with the same seed and the same calls is identical.
 *   REALTIME: time is CLOCK_MONOTONIC since sim_net_create (+ start_ns); engines on
 *   several threads may share the net (not deterministic).
 *
 * Thread-safety (REALTIME): each link direction has its own spinlock, taken around
 *   a burst of transmits into it and around a receive poll from it (the frame copies
 *   happen under it; unrelated links never contend). A tapped direction takes the
 *   tap direction's lock inside its own (tap links cannot be tapped: no cycle). Each
 *   queue's buffer pool has a spinlock too (a buffer may be freed by any thread).
 *   Control calls (create/destroy, open/close, faults, stats, taps) take the net's
 *   mutex. In VIRTUAL mode no lock is taken. Trace callbacks run under the direction
 *   lock on the thread that caused the event: in REALTIME they must be thread-safe.
 *
 * Ports (io_sim_open): each queue has a pool of bufs_per_queue (default 4096) buffers
 *   of SIM_BUF_DATA_BYTES after SIM_BUF_HEADROOM. tx_burst copies each frame into the
 *   link and frees the buffer at once (a NIC's DMA); buffers must come from the same
 *   io_dev (any queue). A delivered copy waits in the receive queue RSS picks (the
 *   Toeplitz hash with the symmetric key, queue = (hash % 128) % queues; non-IPv4 on
 *   queue 0, without IO_RX_RSS_HASH) and keeps its slot of the link store until that
 *   queue polls it: a queue nobody polls eventually fills the link (queue drops).
 *   rx_burst copies it into a buffer, or counts rx_missed (larger than the buffer,
 *   empty pool). port_info: driver "sim", device = link name, MAC from `mac=` or
 *   02:xx:xx:xx:xx:0a/0b from the link name and side, mtu 1500, link always up,
 *   no checksum offloads unless params.offload_csum.
 *
 * Memory: all storage is allocated when the net, a link or an io_dev is created; no
 *   allocation per frame. A link direction holds link_queue_frames slots of
 *   max_frame_bytes (touched lazily by the OS: only slots in use cost memory).
 */
#ifndef MOS_IO_SIM_H
#define MOS_IO_SIM_H

#include <stdbool.h>
#include <stdint.h>

struct sim_net;

enum sim_clock_mode {
	SIM_CLOCK_VIRTUAL = 0,
	SIM_CLOCK_REALTIME = 1,
};

enum sim_link_dir {
	SIM_DIR_AB = 0, /* from side A (first port to join) to side B */
	SIM_DIR_BA = 1,
	SIM_DIR_BOTH = 2, /* sim_link_set_faults: both; sim_link_stats: the sum */
};

#define SIM_PPM 1000000u     /* probabilities are parts per million */
#define SIM_LINK_NAME_MAX 63 /* characters of a link name */
#define SIM_DELAY_MAX_NS (UINT64_C(3600) * 1000000000u) /* any one delay term: 1 h */

/* Faults of one link direction. All zero = a perfect wire: no delay, no loss,
 * infinite bandwidth, store of link_queue_frames. */
struct sim_faults {
	uint32_t loss_ppm;
	uint32_t dup_ppm;
	uint32_t reorder_ppm;
	uint32_t corrupt_ppm;
	bool corrupt_past_l2;    /* corrupt only bytes 14.. (frames still reach the stack) */
	bool keep_order;         /* jitter never reorders (only reorder_ppm does) */
	uint64_t delay_ns;       /* base one-way delay */
	uint64_t jitter_ns;      /* + uniform [0, jitter_ns] per copy */
	uint64_t reorder_min_ns; /* extra delay of a reordered copy, uniform in */
	uint64_t reorder_max_ns; /* [min, max] */
	uint64_t bandwidth_bps;  /* serialization rate; 0 = infinite */
	uint32_t queue_frames;   /* frames held per direction; 0 = link_queue_frames */
};

/* What happened to a frame (trace events). */
enum sim_event {
	SIM_EV_SEND = 0,       /* offered by the sending port (original bytes) */
	SIM_EV_NO_PEER = 1,    /* no receiver: dropped (also: flushed when it left) */
	SIM_EV_QUEUE_DROP = 2, /* store full: tail drop */
	SIM_EV_LOSS = 3,
	SIM_EV_DUP = 4,      /* a second copy was made */
	SIM_EV_CORRUPT = 5,  /* this copy had one bit flipped (hash of the result) */
	SIM_EV_REORDER = 6,  /* this copy got the reorder extra delay */
	SIM_EV_SCHEDULE = 7, /* this copy will be delivered at due_ns */
	SIM_EV_DELIVER = 8,  /* this copy left the link into the receiving port */
	SIM_EV_RX_DROP = 9,  /* the receiving port dropped it (too large, no buffer) */
	SIM_EV_COUNT
};

struct sim_trace_event {
	uint64_t now_ns;     /* net time of the event (a tap copy: its source's due time) */
	uint64_t due_ns;     /* delivery time of the copy; 0 before it is scheduled */
	uint64_t frame_id;   /* n-th frame offered on this direction (0-based) */
	uint64_t seq;        /* n-th copy scheduled on this direction; 0 before */
	uint64_t frame_hash; /* XXH64 of the frame bytes as they are at this event */
	const char *link;
	uint16_t len;
	uint8_t dir;   /* enum sim_link_dir */
	uint8_t event; /* enum sim_event */
};

/* Receives every trace event (see the thread-safety note above). */
typedef void (*sim_trace_fn)(void *user, const struct sim_trace_event *ev);

/* Parameters of a net. A zeroed struct is valid: seed 0, VIRTUAL clock at 0, perfect
 * links, the defaults below. */
struct sim_net_params {
	uint64_t seed;
	int clock;                  /* enum sim_clock_mode */
	uint64_t start_ns;          /* time at creation */
	struct sim_faults faults;   /* of every new link, both directions */
	uint32_t max_links;         /* 0 = 16; at most 1024 */
	uint32_t link_queue_frames; /* slots per direction; 0 = 1024; at most 1 << 20 */
	uint32_t max_frame_bytes;   /* slot size; 0 = 9216; 64..65535 */
	bool offload_csum; /* ports claim checksum offloads; the sim fills / verifies them */
	bool no_rss;       /* ports act as devices without RSS: every frame on queue 0 */
	bool trace;        /* keep per-direction trace digests (hashes every frame) */
	sim_trace_fn trace_fn; /* optional; implies trace */
	void *trace_user;
};

/* Statistics of one direction (or the sum of both). */
struct sim_link_stats {
	uint64_t offered, offered_bytes;     /* frames given to the link */
	uint64_t delivered, delivered_bytes; /* copies handed to the receiving port */
	uint64_t lost, duplicated, reordered, corrupted;
	uint64_t queue_dropped; /* tail drops of a full store */
	uint64_t no_peer;       /* no receiving port (sent into the void, or flushed) */
	uint64_t tapped;        /* copies also sent to the tap */
	uint64_t in_flight;     /* copies scheduled, not yet delivered */
	uint64_t digest;        /* running hash of every trace event (params.trace) */
};

#define SIM_DEFAULT_MAX_LINKS 16u
#define SIM_DEFAULT_QUEUE_FRAMES 1024u
#define SIM_DEFAULT_MAX_FRAME 9216u
#define SIM_BUF_DATA_BYTES 2048u /* data room of a port's receive/transmit buffer */
#define SIM_BUF_HEADROOM 128u    /* bytes before data for prepended headers */
#define SIM_DEFAULT_BUFS_PER_QUEUE 4096u

/* The defaults (all zero: seed 0, VIRTUAL clock, perfect links, default sizes). */
struct sim_net_params sim_net_default_params(void);
/* A new net, or NULL with errno EINVAL (a parameter out of range) or ENOMEM. */
struct sim_net *sim_net_create(const struct sim_net_params *p);
/* Frees the net; every io_dev opened on it must be closed first. NULL is ignored. */
void sim_net_destroy(struct sim_net *net);

/* The net's clock in ns. */
uint64_t sim_net_now_ns(struct sim_net *net);
/* VIRTUAL only: moves the clock forward by ns (-EINVAL in REALTIME or on overflow). */
int sim_net_advance(struct sim_net *net, uint64_t ns);
/* VIRTUAL only: sets the clock to t_ns >= now (-EINVAL when earlier or REALTIME). */
int sim_net_set_time(struct sim_net *net, uint64_t t_ns);
/* When something next happens: the earliest delivery time pending on any link, never
 * earlier than now (now = some frame is due or waits in a port's receive queue: poll);
 * UINT64_MAX when nothing is pending. A driver may always sim_net_set_time() to it. */
uint64_t sim_net_next_event_ns(struct sim_net *net);

/* Sets the faults of direction dir (or both) of `link`, creating the link if needed.
 * 0, -EINVAL (bad value, dir, name), -ENOSPC (max_links reached). */
int sim_link_set_faults(struct sim_net *net, const char *link, int dir,
			const struct sim_faults *f);
/* The faults of one direction (dir AB or BA). 0 or -EINVAL / -ENOENT. */
int sim_link_get_faults(struct sim_net *net, const char *link, int dir, struct sim_faults *out);
/* Statistics of one direction, or the sum of both (SIM_DIR_BOTH; the digest then
 * combines the two). 0 or -EINVAL / -ENOENT (no such link). */
int sim_link_stats(struct sim_net *net, const char *link, int dir, struct sim_link_stats *out);
/* Copies every frame scheduled on `link` (both directions) to the port of `tap_link`
 * (its side A; the tap link takes no second port). Creates links as needed.
 * 0, -EINVAL (same link, link already tapped, tap link already a tap, has a side-B
 * port, or is itself tapped), -ENOSPC. */
int sim_net_add_tap(struct sim_net *net, const char *link, const char *tap_link);
/* Transmits `len` bytes into direction dir (AB or BA) of `link` as if the port of
 * the sending side had sent them (faults apply); frames up to max_frame_bytes, so a
 * test can send frames no io buffer can hold. 0, -EINVAL, -ENOENT, -EMSGSIZE. */
int sim_link_inject(struct sim_net *net, const char *link, int dir, const uint8_t *frame,
		    uint32_t len);

/* The event's name ("send", "loss", ...), "?" when out of range. */
const char *sim_event_name(int event);

#endif /* MOS_IO_SIM_H */
