/* ctx.h - the per-core context: internals shared by engine/ and net/ (not the API). */
#ifndef MOS_ENGINE_CTX_H
#define MOS_ENGINE_CTX_H

#include "engine/engine.h"
#include "engine/socktab.h"
#include "wire/frame.h"

#define ENG_ARP_HOPS 32       /* next hops one core may wait on at a time */
#define ENG_ARP_PER_HOP 16    /* packets kept per next hop while it resolves */
#define ENG_ARP_RETRY_MS 1000 /* between requests for one next hop */
#define ENG_ARP_TRIES 3       /* requests before the waiting packets are dropped */
#define ENG_STATS_PERIOD_MS 1000
#define ENG_ARP_CACHE 16 /* next hops whose MAC a core remembers (direct-mapped) */

struct eng_txq {
	uint16_t n;
	struct io_buf bufs[IO_BURST_MAX];
};

/* A next hop's MAC as the shared ARP table gave it, kept by one core so that every
 * transmitted frame does not read the table: valid while the table's generation is
 * `gen` and until `until_ms`. */
struct eng_arp_cached {
	uint32_t ip; /* host order; 0 = empty */
	struct wire_mac mac;
	uint64_t gen;
	uint64_t until_ms;
};

/* Packets of one core waiting for a next hop's MAC. */
struct eng_arp_hop {
	bool used;
	uint16_t port;
	uint8_t count;
	uint8_t tries;
	uint32_t ip; /* host order */
	uint64_t next_try_ms;
	struct io_buf bufs[ENG_ARP_PER_HOP]; /* frames with room for the Ethernet header */
};

struct eng_ctx {
	struct eng_instance *inst;
	struct io_dev *io;
	uint16_t core;
	uint16_t rx_port_count;
	uint16_t rx_ports[IO_MAX_PORTS]; /* ports whose cpumask has this core */
	uint64_t now_ns;
	uint64_t now_ms;
	struct tw_wheel wheel;
	struct tw_timer arp_timer;
	struct tw_timer stats_timer;
	uint64_t stats_last_ns;
	_Atomic uint32_t flows; /* connections this core tracks (end host and monitor) */
	struct socktab socks;   /* ids of every socket of this context */
	void *end_host;         /* per-context state of the personalities (their ctx_init) */
	void *monitor;
	uint32_t arp_hops_used;
	struct eng_arp_hop arp_hops[ENG_ARP_HOPS];
	struct eng_arp_cached arp_cache[ENG_ARP_CACHE];
	struct eng_txq txq[IO_MAX_PORTS];
	struct eng_pctr pctr[IO_MAX_PORTS];
	_Atomic uint64_t drops[IO_MAX_PORTS][DROP_COUNT];
};

static inline void eng_count(struct eng_ctx *ctx, uint16_t port, enum eng_pctr_id id,
			     uint64_t n)
{
	ctr_add(&ctx->pctr[port].v[id], n);
}

/* Counts `reason` on `port` and frees `buf` (when not NULL). */
void eng_drop(struct eng_ctx *ctx, uint16_t port, enum drop_reason reason, struct io_buf *buf);

/* Queues `buf` for transmission on buf->port; transmits a full burst at once. */
void eng_tx(struct eng_ctx *ctx, struct io_buf *buf);

/* A fresh buffer on this core's queue, or false (counted as tx_no_buffer on `port`). */
bool eng_alloc(struct eng_ctx *ctx, uint16_t port, struct io_buf *buf);

/* Processes one received frame (the engine owns `buf` from here on). */
void eng_input(struct eng_ctx *ctx, struct io_buf *buf);

/* net/: ARP input, resolution, and IPv4 input/output. */
void net_arp_input(struct eng_ctx *ctx, struct io_buf *buf, const struct wire_pkt *pkt);
void net_arp_announce(struct eng_ctx *ctx, uint16_t port);
void net_arp_timer(struct eng_ctx *ctx);
void net_arp_flush_all(struct eng_ctx *ctx);
/* Sends `buf` (an IPv4 packet at offset WIRE_ETH_HLEN, Ethernet header to fill) to
 * next hop `nh` through `port`, resolving the MAC first when needed. */
void net_l2_output(struct eng_ctx *ctx, struct io_buf *buf, uint16_t port, uint32_t nh);
void net_ipv4_input(struct eng_ctx *ctx, struct io_buf *buf, struct wire_pkt *pkt);
/* Routes and sends a locally built IPv4 packet (Ethernet header space at the front). */
void net_ipv4_output(struct eng_ctx *ctx, struct io_buf *buf, uint32_t dst);
void net_icmp_input(struct eng_ctx *ctx, struct io_buf *buf, const struct wire_pkt *pkt);

#endif /* MOS_ENGINE_CTX_H */
