/* engine.h - one stack instance (ports, routes, neighbours) and its per-core contexts.
 *
 * An instance is built from a validated configuration and an opened I/O backend; it
 * owns no thread. A context (one per core) owns RX/TX queue `core` of every port, its
 * timers, counters and pending work, and is driven by exactly one thread at a time by
 * calling eng_ctx_poll() with the current time. Nothing here reads a clock or keeps
 * process-global state: tests run several instances in one process on a simulated
 * network with a virtual clock.
 */
#ifndef MOS_ENGINE_ENGINE_H
#define MOS_ENGINE_ENGINE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/counters.h"
#include "base/drop.h"
#include "base/spsc_ring.h"
#include "base/timer_wheel.h"
#include "io/io.h"
#include "net/arp_table.h"
#include "net/route.h"
#include "wire/eth.h"
#include "wire/rss.h"

struct mos_config;
struct eng_ctx;

/* Per port and core traffic counters (one writer: the core). */
/* clang-format off */
#define ENG_PORT_COUNTERS(X, t)                                                                 \
	X(t, rx_packets, "frames received")                                                      \
	X(t, rx_bytes, "bytes received")                                                         \
	X(t, tx_packets, "frames transmitted")                                                   \
	X(t, tx_bytes, "bytes transmitted")                                                      \
	X(t, tx_errors, "frames the device did not accept or that found no buffer")              \
	X(t, drops, "received frames dropped (sum over the drop reasons)")                       \
	X(t, arp_requests_sent, "ARP requests transmitted")                                      \
	X(t, arp_replies_sent, "ARP replies transmitted")                                        \
	X(t, icmp_echo_replies, "ICMP echo replies transmitted")                                 \
	X(t, forwarded, "frames forwarded to another port or back")
/* clang-format on */
MOS_CTR_DECLARE(eng_pctr, ENG_PORT_COUNTERS);

struct eng_port {
	uint16_t index;
	char name[32];
	struct wire_mac mac;
	bool has_ip;
	uint32_t ip;      /* host order */
	uint32_t netmask; /* host order */
	uint64_t cpu_mask;
	uint32_t caps; /* enum io_caps */
	int fwd_peer;  /* nic_forward_table pair, -1 without */
	bool stat_print;
	bool sw_rss; /* several cores, no device RSS: core 0 hashes and hands frames on */
};

struct wire_pkt;

/* A personality (the end-host TCP stack, the flow monitor) plugs into the engine with
 * these hooks; every one may be NULL. They run on the context's thread. */
struct eng_personality {
	const char *name;
	/* Per-context state: called by eng_ctx_create / eng_ctx_destroy. ctx_init returns
	 * 0 or -errno (the context is then not created). */
	int (*ctx_init)(struct eng_ctx *ctx);
	void (*ctx_fini)(struct eng_ctx *ctx);
	/* Every received frame, right after parsing (reason: the parse result), before L2
	 * acceptance: the monitor's entry. Returns true when it took `buf` (forwarded,
	 * dropped or kept); false lets the engine go on. */
	bool (*frame_input)(struct eng_ctx *ctx, struct io_buf *buf, struct wire_pkt *pkt,
			    enum drop_reason reason);
	/* TCP segments addressed to this host. Returns DROP_NONE when it took `buf`, else
	 * the reason the engine counts (and frees the buffer). */
	enum drop_reason (*tcp_input)(struct eng_ctx *ctx, struct io_buf *buf,
				      const struct wire_pkt *pkt);
	/* After each receive burst (deferred notifications, ACK aggregation). */
	void (*batch_end)(struct eng_ctx *ctx);
	/* Once per loop iteration after timers, before transmit (application requests,
	 * output). */
	void (*poll)(struct eng_ctx *ctx);
};

struct eng_instance {
	const struct mos_config *cfg; /* borrowed; outlives the instance */
	struct io_dev *io;            /* borrowed */
	uint16_t port_count;
	uint16_t ctx_count; /* = io->queue_count */
	struct eng_port ports[IO_MAX_PORTS];
	struct eng_ctx *ctx[IO_MAX_QUEUES];
	struct route_table routes;
	struct arp_table arp;
	bool forward;     /* IP forwarding / nic_forward_table bridging on */
	bool print_stats; /* per-second statistics to stderr for stat_print ports */
	/* Personalities: set before the first context is created. */
	const struct eng_personality *end_host;
	const struct eng_personality *monitor;
	/* Software RSS: rings from core 0 to each other core (NULL when unused). */
	struct spsc_ring *handoff[IO_MAX_QUEUES];
	struct wire_rss_table *rss;
	_Atomic bool stop; /* every context leaves its loop */
	/* Counter values at the previous statistics line, for rates (context 0 only). */
	uint64_t stats_prev[IO_MAX_QUEUES][IO_MAX_PORTS][4];
};

/* Creates the instance: ports from the backend and the configuration (MAC from the
 * device unless the config gives one), connected and configured routes, static ARP
 * entries. Returns 0, or -errno with a reason in `err`. */
int eng_instance_create(const struct mos_config *cfg, struct io_dev *io,
			struct eng_instance **out, char *err, size_t err_len);

/* Destroys the instance (contexts must be destroyed first). */
void eng_instance_destroy(struct eng_instance *inst);

/* The port owning address `ip` (host order), or -1. */
int eng_port_by_ip(const struct eng_instance *inst, uint32_t ip);

/* Creates the context of `core` (0 <= core < ctx_count) at time now_ns. Returns NULL
 * on allocation failure. */
struct eng_ctx *eng_ctx_create(struct eng_instance *inst, uint16_t core, uint64_t now_ns);

/* Frees the context, returning every buffer it still holds to the backend. */
void eng_ctx_destroy(struct eng_ctx *ctx);

/* One loop iteration at time `now_ns`: receive a burst from every port this core polls,
 * process it, run due timers, transmit. Returns the frames received. Equal to
 * eng_ctx_poll_rx() followed by eng_ctx_poll_tx(). */
uint32_t eng_ctx_poll(struct eng_ctx *ctx, uint64_t now_ns);

/* Asks for every cache line of a received frame. A frame written by another core (a
 * ring port) or by a NIC lands in someone else's cache or in memory: the first pass
 * over it (the checksum) waited for each line in turn, 550 of the 800 cycles a
 * 1448-byte segment cost to receive. eng_ctx_poll_rx() asks for the frames of a burst
 * two ahead of the one it processes, so their lines arrive meanwhile (B4: 800 -> 450
 * cycles); a driver handing frames to eng_input() one by one can do the same. Always
 * inlined: GCC drops calls to a function that only prefetches. */
static inline __attribute__((always_inline)) void eng_prefetch_frame(const struct io_buf *b)
{
	for (uint32_t off = 0; off < b->len; off += 64)
		__builtin_prefetch(b->data + off);
}

/* The two halves of eng_ctx_poll(), for a run-to-completion loop that runs its
 * application between them (receive, application, transmit): what the application
 * sends in reaction to a burst then leaves with the ACKs the burst made due, in the
 * same segments (a request carries the handshake's ACK, a FIN the ACK of the data
 * before it), instead of a pure ACK first and the data one loop later.
 * eng_ctx_poll_rx(): receive and process a burst from every port, run due timers;
 * returns the frames received. eng_ctx_poll_tx(): the personalities' poll step
 * (application requests and doorbells, output) and transmit. */
uint32_t eng_ctx_poll_rx(struct eng_ctx *ctx, uint64_t now_ns);
void eng_ctx_poll_tx(struct eng_ctx *ctx);

/* Transmits what is queued (also done at the end of every poll). */
void eng_ctx_flush(struct eng_ctx *ctx);

/* The time the context should next be polled if no frame arrives (the next timer), in
 * ns; UINT64_MAX when nothing is pending. */
uint64_t eng_ctx_next_deadline_ns(const struct eng_ctx *ctx);

/* Counters of `port` on this context (relaxed reads from any thread). */
const struct eng_pctr *eng_ctx_port_counters(const struct eng_ctx *ctx, uint16_t port);

/* Drop counter of `reason` on `port` (relaxed read from any thread). */
uint64_t eng_ctx_port_drops(const struct eng_ctx *ctx, uint16_t port, enum drop_reason reason);

/* Time source for threads driving contexts: the backend's clock when it has one (pcap
 * replay, sim), else CLOCK_MONOTONIC. */
uint64_t eng_clock_ns(const struct eng_instance *inst, uint16_t core);

/* Writes the statistics lines of every stat_print port (mOS format) to stderr, using
 * the counters of all contexts; `elapsed_ns` since the previous call gives the rates.
 * Called once a second by context 0 when print_stats is on. */
void eng_print_stats(struct eng_instance *inst, uint64_t elapsed_ns);

#endif /* MOS_ENGINE_ENGINE_H */
