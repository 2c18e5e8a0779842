/* b14_engines.h - what the B1 and B4 drivers share: two end-host engines (a client and a
 * server) in one process, each on its own thread pinned to its own core, joined by an
 * in-memory link, plus the clocks the drivers measure with.
 *
 * The link: two DPDK net_ring ports wired back to back (io_dpdk_ring_pair_sized), each
 * opened by its own engine through the stack's DPDK backend. This is the fastest honest
 * link we have: frames stay in their mbufs from the sender's pool to the receiver's
 * stack (zero copy, as with a NIC's DMA), an SPSC ring of descriptors stands for the
 * wire, and nothing is computed for the engines: the ports offer no checksum offload,
 * so both stacks compute and verify every IPv4 and TCP checksum in software. The sim
 * backend would copy every frame twice (into the link's store and out into a receive
 * buffer), hash it for software RSS and take a spinlock per burst; its REALTIME clock
 * is a clock_gettime per frame. The I/O floor benchmark runs over the same rings.
 *
 * Each engine's clock is CLOCK_MONOTONIC read once per loop iteration (eng_clock_ns;
 * about 60 cycles on this machine). Ports are sized for what the drivers keep in
 * flight (rings of ring_frames, pools of bufs_per_queue buffers).
 *
 * Header only (static functions), included by bench_b1.c and bench_b4.c.
 */
#ifndef MOS_BENCH_B14_ENGINES_H
#define MOS_BENCH_B14_ENGINES_H

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "api/es.h"
#include "engine/config.h"
#include "engine/ctx.h"
#include "io/dpdk.h"
#include "io/io_open.h"

/* A loop iteration callgrind counts by name (--toggle-collect): never inlined, and with
 * GCC never cloned either (a clone has another symbol name). Clang (the fuzz build)
 * does not know noclone and does not clone such functions. */
#if defined(__clang__)
#define B14_COUNTED __attribute__((noinline))
#else
#define B14_COUNTED __attribute__((noinline, noclone))
#endif

#define B14_CLI_IP 0x0a000001u /* 10.0.0.1 */
#define B14_SRV_IP 0x0a000002u /* 10.0.0.2 */

/* Sizes of both engines. */
struct b14_opts {
	uint32_t max_conns;   /* max_concurrency of each engine */
	uint32_t rmem, wmem;  /* bytes per stream */
	uint32_t ring_frames; /* slots of each direction's ring (power of two) */
	uint32_t bufs;        /* mbufs in each engine's pool (2^k - 1 is best) */
	uint32_t eal_mb;      /* EAL memory for both pools */
};

struct b14_host {
	const char *name;
	struct mos_config *cfg;
	struct io_dev *io;
	struct eng_instance *inst;
	struct es_personality pers;
	struct eng_ctx *ctx;
	struct es_ctx *es;
	int cpu;
};

static inline double b14_now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline uint64_t b14_tsc(void)
{
	return __rdtsc();
}

/* TSC ticks per second, against CLOCK_MONOTONIC over 50 ms. */
static inline double b14_tsc_hz(void)
{
	double t0 = b14_now(CLOCK_MONOTONIC);
	uint64_t c0 = b14_tsc();
	while (b14_now(CLOCK_MONOTONIC) - t0 < 0.05)
		;
	double t1 = b14_now(CLOCK_MONOTONIC);
	uint64_t c1 = b14_tsc();
	return (double)(c1 - c0) / (t1 - t0);
}

/* Pins the calling thread to `cpu` (-1: leaves it); then gives it an EAL lcore id (a
 * mempool cache). */
static inline void b14_pin(int cpu)
{
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
			fprintf(stderr, "b14: cannot pin a thread to CPU %d\n", cpu);
	}
	if (io_dpdk_register_thread() != 0)
		fprintf(stderr, "b14: no EAL lcore id for a thread (no mempool cache)\n");
}

static inline int b14_config(const struct b14_opts *o, const char *name, const char *dev,
			     int side, struct mos_config **out)
{
	char text[1024];
	/* side 0 = client 10.0.0.1, 1 = server 10.0.0.2. net_ring ports keep their own
	 * MACs (they refuse others): b14_link_neighbours() tells each engine the other's. */
	snprintf(text, sizeof text,
		 "mos {\n io = dpdk\n forward = 0\n max_concurrency = %u\n"
		 " max_num_buffers = %u\n rmem_size = %u\n wmem_size = %u\n"
		 " tcp_tw_interval = 0\n tcp_timeout = 0\n eal_args = --no-huge -m %u\n"
		 " netdev {\n  %s 0x1 device=%s ip=10.0.0.%d/24\n }\n}\n",
		 o->max_conns, o->max_conns, o->rmem, o->wmem, o->eal_mb, name, dev, side + 1);
	if (mos_config_parse(text, strlen(text), name, NULL, NULL, out) != 0) {
		fprintf(stderr, "b14: the configuration of %s does not parse\n", name);
		return -1;
	}
	return 0;
}

/* Opens one engine on its ring port; side 0 = client, 1 = server. */
static inline int b14_host_open(struct b14_host *h, const struct b14_opts *o, int side)
{
	static const char *const names[2] = {"cli0", "srv0"};
	static const char *const devs[2] = {"net_ring_b14c", "net_ring_b14s"};
	char err[256] = "";
	h->name = names[side];
	if (b14_config(o, names[side], devs[side], side, &h->cfg) != 0)
		return -1;
	struct io_open_args a = {.cfg = h->cfg,
				 .queues = 1,
				 .bufs_per_queue = o->bufs,
				 .err = err,
				 .err_len = sizeof err};
	if (io_dpdk_eal_start(&a) != 0 ||
	    (side == 0 && io_dpdk_ring_pair_sized("b14c", "b14s", o->ring_frames, err,
						  sizeof err) != 0) ||
	    io_dpdk_open(&a, &h->io) != 0 ||
	    eng_instance_create(h->cfg, h->io, &h->inst, err, sizeof err) != 0) {
		fprintf(stderr, "b14: %s: %s\n", h->name, err);
		return -1;
	}
	uint8_t secret[32];
	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)(i * 37 + side * 101 + 1);
	es_personality_init(&h->pers, secret);
	h->inst->end_host = &h->pers.base;
	h->ctx = eng_ctx_create(h->inst, 0, eng_clock_ns(h->inst, 0));
	if (h->ctx == NULL) {
		fprintf(stderr, "b14: %s: no context\n", h->name);
		return -1;
	}
	h->es = es_of(h->ctx);
	return 0;
}

/* Prints to stderr every drop counter of the engine that is not zero, and its TCP
 * counters of trouble (retransmissions, resets): a benchmark must not hide losses. */
static inline void b14_host_diag(const struct b14_host *h)
{
	for (int r = 1; r < DROP_COUNT; r++) {
		uint64_t n = eng_ctx_port_drops(h->ctx, 0, (enum drop_reason)r);
		if (n != 0)
			fprintf(stderr, "b14: %s: dropped %llu (%s)\n", h->name,
				(unsigned long long)n, drop_reason_name((enum drop_reason)r));
	}
	struct io_port_stats ps;
	if (h->io->ops->port_stats(h->io, 0, &ps) == 0 && (ps.tx_errors || ps.rx_missed))
		fprintf(stderr, "b14: %s: port tx_errors %llu rx_missed %llu\n", h->name,
			(unsigned long long)ps.tx_errors, (unsigned long long)ps.rx_missed);
	const struct tcp_ctr *c = &h->es->tcp.ctr;
	fprintf(stderr,
		"b14: %s: segs in %llu out %llu, rtx %llu, rto %llu, resets sent %llu "
		"received %llu\n",
		h->name, (unsigned long long)c->v[tcp_ctr_segs_in],
		(unsigned long long)c->v[tcp_ctr_segs_out], (unsigned long long)c->v[tcp_ctr_rtx_segs],
		(unsigned long long)c->v[tcp_ctr_rtx_timeouts],
		(unsigned long long)c->v[tcp_ctr_resets_sent],
		(unsigned long long)c->v[tcp_ctr_resets_received]);
}

static inline void b14_host_close(struct b14_host *h)
{
	if (h->ctx != NULL)
		eng_ctx_destroy(h->ctx);
	if (h->inst != NULL)
		eng_instance_destroy(h->inst);
	io_close(h->io);
	mos_config_free(h->cfg);
	memset(h, 0, sizeof *h);
}

/* Each engine learns the other's address from its port (net_ring ports have all-zero
 * MACs, which ARP rightly refuses as a sender address, so no ARP exchange can do it;
 * a learned entry stays fresh for ARP_TABLE_TTL_MS, longer than any run). */
static inline int b14_link_neighbours(struct b14_host *cli, struct b14_host *srv)
{
	struct io_port_info ci, si;
	if (cli->io->ops->port_info(cli->io, 0, &ci) != 0 ||
	    srv->io->ops->port_info(srv->io, 0, &si) != 0)
		return -1;
	struct wire_mac cm, sm;
	memcpy(cm.b, ci.mac, 6);
	memcpy(sm.b, si.mac, 6);
	arp_table_learn(&cli->inst->arp, B14_SRV_IP, &sm, cli->ctx->now_ms, false);
	arp_table_learn(&srv->inst->arp, B14_CLI_IP, &cm, srv->ctx->now_ms, false);
	return 0;
}

/* CPU seconds of thread `t` so far. */
static inline double b14_thread_cpu_s(pthread_t t)
{
	clockid_t cid;
	if (pthread_getcpuclockid(t, &cid) != 0)
		return 0;
	return b14_now(cid);
}

#endif /* MOS_BENCH_B14_ENGINES_H */
