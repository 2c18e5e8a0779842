/* bench_b5.c - the mOS-NG side of B5: a capture, preloaded in memory, fed to the flow
 * monitor (one passive monitor socket, as an application would set it up) whose
 * callbacks read (hash) every byte of both directions.
 *
 * Usage: bench_b5 CAPTURE.pcap [--digests FILE] [--passes P] [--cpu N] [--max-packets N]
 *                 [--rmem BYTES]
 *
 * Same arguments and RESULT line as nids_bench (b5_common.h). The engine runs on a
 * memory "device" defined here: b5_feed_packet() hands each frame, in place (zero copy),
 * to the engine's receive entry with the TCP checksum marked verified, as a NIC with
 * checksum offload does (libnids' run skips TCP checksums too); IPv4 header checksums
 * are verified. Every 32 packets end a receive burst, as the poll loop's bursts do:
 * that is when CONN_NEW_DATA is delivered. The application part uses the public API
 * only: CONN_START at MOS_HK_SND names the flow (mtcp_getpeername), CONN_NEW_DATA and
 * ERROR peek everything new (mtcp_peek) and hash it, CONN_END finishes the digests.
 *
 * Extra RESULT keys: rmem (reassembly bytes per direction), state_bytes (monitor state
 * per connection without its reassembly buffers: the flow record and one per-flow
 * socket), flows_evicted, buffer_nomem.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <sched.h>

#include "api/api_mon.h"
#include "b5_common.h"
#include "engine/config.h"
#include "engine/ctx.h"
#include "mon/mon.h"
#include "wire/frame.h"

#define B5_BURST 32

/* ---- a device whose frames live in the preloaded capture ------------------------------- */

static uint16_t b5_io_rx(struct io_dev *d, uint16_t p, uint16_t q, struct io_buf *b, uint16_t n)
{
	(void)d, (void)p, (void)q, (void)b, (void)n;
	return 0;
}

static uint16_t b5_io_tx(struct io_dev *d, uint16_t p, uint16_t q, struct io_buf *b, uint16_t n)
{
	(void)d, (void)p, (void)q, (void)b;
	return n;
}

static int b5_io_alloc(struct io_dev *d, uint16_t q, struct io_buf *b)
{
	(void)d, (void)q, (void)b;
	return -ENOBUFS;
}

static void b5_io_free(struct io_dev *d, uint16_t q, struct io_buf *b)
{
	(void)d, (void)q, (void)b; /* the frame belongs to the capture buffer */
}

static int b5_io_port_info(struct io_dev *d, uint16_t port, struct io_port_info *out)
{
	(void)d;
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "b%u", port);
	snprintf(out->driver, sizeof out->driver, "memory");
	out->mac[0] = 0x02;
	out->mac[5] = 0x99;
	out->link_up = true;
	out->mtu = 1500;
	out->rx_queues = out->tx_queues = 1;
	return 0;
}

static int b5_io_port_stats(struct io_dev *d, uint16_t port, struct io_port_stats *out)
{
	(void)d, (void)port;
	memset(out, 0, sizeof *out);
	return 0;
}

static void b5_io_close(struct io_dev *d)
{
	(void)d;
}

static const struct io_ops b5_io_ops = {
	.name = "memory",
	.rx_burst = b5_io_rx,
	.tx_burst = b5_io_tx,
	.alloc = b5_io_alloc,
	.free = b5_io_free,
	.port_info = b5_io_port_info,
	.port_stats = b5_io_port_stats,
	.close = b5_io_close,
};

/* ---- the application: one passive socket ----------------------------------------------- */

static struct b5_exp g_exp;
static uint8_t g_read[1 << 16];

static void b5_read(mctx_t m, int sock, int side)
{
	struct b5_flow *fl = mtcp_get_uctx(m, sock);
	for (;;) {
		ssize_t n = mtcp_peek(m, sock, side, (char *)g_read, sizeof g_read);
		if (n <= 0) {
			if (n == 0)
				return;
			continue; /* bytes lost to an outrun: the digest will say so */
		}
		/* The server side receives client -> server bytes (direction 0). */
		b5_flow_data(fl, side == MOS_SIDE_SVR ? 0 : 1, g_read, (size_t)n);
	}
}

static void b5_on_start(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)side, (void)ev, (void)a;
	struct sockaddr_in sa[2];
	socklen_t l = sizeof sa;
	if (mtcp_getpeername(m, sock, (struct sockaddr *)sa, &l, MOS_SIDE_BOTH) != 0)
		return;
	mtcp_set_uctx(m, sock,
		      b5_flow_begin(&g_exp, ntohl(sa[0].sin_addr.s_addr), ntohs(sa[0].sin_port),
				    ntohl(sa[1].sin_addr.s_addr), ntohs(sa[1].sin_port)));
}

static void b5_on_data(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev, (void)a;
	b5_read(m, sock, side);
}

static void b5_on_end(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev, (void)a;
	b5_read(m, sock, side);   /* whatever arrived since the last batch */
	if (side == MOS_SIDE_SVR) /* CONN_END comes once per side: finish after both */
		b5_flow_end(&g_exp, mtcp_get_uctx(m, sock));
}

/* ---- the engine ----------------------------------------------------------------------- */

struct b5_mon {
	struct io_dev io;
	struct mos_config *cfg;
	struct eng_instance *inst;
	struct eng_ctx *ctx;
	struct api_ctx api;
	uint32_t in_burst;
};

static struct b5_mon g_b;

static int b5_setup(uint32_t rmem)
{
	char text[512];
	snprintf(text, sizeof text,
		 "mos {\n forward = 0\n max_concurrency = 16384\n rmem_size = %u\n"
		 " tcp_tw_interval = 0\n tcp_timeout = 60\n netdev {\n  b0 0x1\n }\n}\n",
		 rmem);
	if (mos_config_parse(text, strlen(text), "b5", NULL, NULL, &g_b.cfg) != 0)
		return -1;
	g_b.io = (struct io_dev){.ops = &b5_io_ops, .port_count = 1, .queue_count = 1};
	char err[256];
	if (eng_instance_create(g_b.cfg, &g_b.io, &g_b.inst, err, sizeof err) != 0) {
		fprintf(stderr, "bench_b5: %s\n", err);
		return -1;
	}
	g_b.inst->monitor = &mon_personality;
	g_b.ctx = eng_ctx_create(g_b.inst, 0, 0);
	if (g_b.ctx == NULL)
		return -1;
	/* The context as the public API knows it (what mos_create_context does). */
	g_b.api.pub.cpu = 0;
	g_b.api.eng = g_b.ctx;
	g_b.api.owner = pthread_self();
	atomic_store(&g_b.api.state, API_CTX_RUNNING);
	api_proc.ctx[0] = &g_b.api;
	api_proc.inst = g_b.inst;
	api_mon_bind(&g_b.api);
	mctx_t m = &g_b.api.pub;
	int s = mtcp_socket(m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	if (s < 0 || mtcp_register_callback(m, s, MOS_ON_CONN_START, MOS_HK_SND, b5_on_start) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, b5_on_data) ||
	    mtcp_register_callback(m, s, MOS_ON_ERROR, MOS_NULL, b5_on_data) ||
	    mtcp_register_callback(m, s, MOS_ON_CONN_END, MOS_HK_SND, b5_on_end))
		return -1;
	return 0;
}

/* One packet through the monitor, callbacks included; every B5_BURST packets the end of
 * a receive burst (NEW_DATA). Not inlined: callgrind counts it with
 * --toggle-collect=b5_feed_packet. */
__attribute__((noinline)) static void b5_feed_packet(const struct b5_pkt *p)
{
	struct eng_ctx *ctx = g_b.ctx;
	struct io_buf buf = {
		.data = (uint8_t *)(uintptr_t)p->data,
		.len = (uint16_t)p->len,
		.cap = (uint16_t)p->len,
		.flags = IO_RX_L4_CSUM_GOOD,
		.ts_ns = (uint64_t)p->ts_sec * 1000000000u + (uint64_t)p->ts_usec * 1000u,
	};
	ctx->now_ns = buf.ts_ns;
	ctx->now_ms = buf.ts_ns / 1000000u;
	eng_input(ctx, &buf);
	if (++g_b.in_burst == B5_BURST) {
		g_b.in_burst = 0;
		mon_personality.batch_end(ctx);
	}
}

static void b5_flush(void)
{
	if (g_b.in_burst != 0)
		mon_personality.batch_end(g_b.ctx);
	g_b.in_burst = 0;
	tw_advance(&g_b.ctx->wheel, g_b.ctx->now_ms, UINT32_MAX);
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_b5 CAPTURE.pcap [--digests FILE] [--passes P] [--cpu N] "
			"[--max-packets N] [--rmem BYTES]\n");
	exit(2);
}

struct b5_args {
	const char *cap_path;
	char dig_path[4096];
	int cpu, passes;
	size_t max_packets;
	uint32_t rmem;
};

static void b5_args(int argc, char **argv, struct b5_args *a)
{
	if (argc < 2 || argv[1][0] == '-')
		usage();
	a->cap_path = argv[1];
	snprintf(a->dig_path, sizeof a->dig_path, "%s", a->cap_path);
	char *dot = strrchr(a->dig_path, '.');
	if (dot && strcmp(dot, ".pcap") == 0)
		*dot = 0;
	strncat(a->dig_path, ".digests", sizeof a->dig_path - strlen(a->dig_path) - 1);
	a->cpu = -1;
	a->passes = 1;
	a->max_packets = (size_t)-1;
	a->rmem = 65536;
	for (int i = 2; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--digests") == 0)
			snprintf(a->dig_path, sizeof a->dig_path, "%s", argv[++i]);
		else if (strcmp(argv[i], "--max-packets") == 0)
			a->max_packets = (size_t)strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cpu") == 0)
			a->cpu = atoi(argv[++i]);
		else if (strcmp(argv[i], "--passes") == 0)
			a->passes = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rmem") == 0)
			a->rmem = (uint32_t)strtoul(argv[++i], NULL, 10);
		else
			usage();
	}
	if (a->passes < 1)
		usage();
}

int main(int argc, char **argv)
{
	struct b5_args a;
	b5_args(argc, argv, &a);
	if (a.cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(a.cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0)
			perror("bench_b5: sched_setaffinity");
	}
	struct b5_cap cap;
	if (b5_cap_load(a.cap_path, &cap) != 0 || b5_exp_load(a.dig_path, &g_exp) != 0)
		return 2;
	if (b5_setup(a.rmem) != 0) {
		fprintf(stderr, "bench_b5: cannot set the monitor up\n");
		return 2;
	}
	size_t n = cap.n < a.max_packets ? cap.n : a.max_packets;
	double wall = 0, cpu_s = 0;
	uint32_t span = b5_cap_span(&cap);
	for (int p = 0; p < a.passes; p++) {
		if (p)
			b5_cap_shift_time(&cap, span);
		double w0 = b5_now(CLOCK_MONOTONIC), c0 = b5_now(CLOCK_THREAD_CPUTIME_ID);
		for (size_t i = 0; i < n; i++)
			b5_feed_packet(&cap.pkts[i]);
		b5_flush();
		double c1 = b5_now(CLOCK_THREAD_CPUTIME_ID), w1 = b5_now(CLOCK_MONOTONIC);
		wall += w1 - w0;
		cpu_s += c1 - c0;
		if (n == cap.n)
			b5_exp_pass_done(&g_exp);
	}
	struct mos_monitor_stats st;
	mos_monitor_stats(0, &st);
	int partial = n < cap.n;
	if (partial) {
		cap.n = n;
		cap.frame_bytes = 0;
		for (size_t i = 0; i < n; i++)
			cap.frame_bytes += cap.pkts[i].len;
		g_exp.passes = (uint64_t)a.passes;
	}
	uint64_t sink;
	double floor_s = b5_callback_floor(&cap, &sink) * a.passes;
	char extra[320];
	snprintf(extra, sizeof extra,
		 "floor_cpu_seconds=%.4f rmem=%u state_bytes=%zu flows_evicted=%" PRIu64
		 " buffer_nomem=%" PRIu64,
		 floor_s, a.rmem, sizeof(struct mon_flow) + sizeof(struct mon_fsock),
		 st.flows_evicted, st.buffer_nomem);
	return b5_report("mos", &cap, &g_exp, partial, wall, cpu_s, extra);
}

#undef B5_BURST
