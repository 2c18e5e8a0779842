/* nids_bench.c - the libnids peer of B5: a capture, preloaded in memory, reassembled by
 * libnids with a TCP callback that reads (hashes) every byte of both directions.
 *
 * Usage: nids_bench CAPTURE.pcap [--digests FILE] [--passes P] [--csum] [--streams N]
 *                   [--max-packets N] [--cpu N]
 *
 *   --digests FILE   expected digests (default: CAPTURE with .pcap -> .digests)
 *   --passes P       feed the capture P times in the timed loop (default 1); every pass
 *                    must reassemble every flow (b5_exp_pass_done)
 *   --csum           let libnids verify TCP checksums (default: off, see below)
 *   --streams N      nids_params.n_tcp_streams (default 4096: up to 3072 connections)
 *   --max-packets N  feed only the first N packets (callgrind runs; digests not checked)
 *   --cpu N          pin to CPU N first
 *
 * The whole file is read and indexed before the clock starts; libnids is then fed from
 * memory through its own public entry point for "packets you captured yourself":
 * nids_params.pcap_desc = pcap_open_dead(DLT_EN10MB, 65535), nids_init(), then
 * nids_pcap_handler(NULL, &hdr, frame) once per packet (API.txt, "New features in
 * 1.21"). Nothing is read from disk while the clock runs.
 *
 * libnids settings, chosen so it does the same job as the monitor and nothing else:
 *   scan_num_hosts = 0       port-scan detection off (it would hash every SYN)
 *   n_tcp_streams  = 4096    hash table size; libnids follows 3/4 of it at once, enough
 *                            for the captures' concurrency (256 by default)
 *   TCP checksums            not verified (nids_register_chksum_ctl with mask 0 and
 *                            NIDS_DONT_CHKSUM): the per-byte callback reads the payload
 *                            once; --csum turns verification back on. libnids always
 *                            verifies the IPv4 header checksum (20 bytes, cannot be off).
 *   syslog                   a counter instead of syslog(3) (warnings are counted and
 *                            printed, never logged)
 *   pcap_filter = NULL, promisc = 0, multiproc = 0, one_loop_less = 0,
 *   tcp_workarounds = 0, n_hosts = 256 (IP defragmentation table, unused here)
 *
 * Prints one RESULT line (see b5_common.h) with extra keys: floor_cpu_seconds (what
 * the callback's hashing alone costs, b5_callback_floor), csum, streams, state_bytes
 * (sizeof(struct tcp_stream): libnids' state per connection without its data buffers
 * and hash slot) and warnings (libnids' syslog calls).
 */
#include <pcap.h>
#include <nids.h>
#include <sched.h>

#include "b5_common.h"

static struct b5_exp g_exp;
static uint64_t g_warnings;

static void on_warning(int type, int err, struct ip *iph, void *data)
{
	(void)type;
	(void)err;
	(void)iph;
	(void)data;
	g_warnings++;
}

/* libnids names each half by its receiver: a->server collects what the client sent. */
static void on_tcp(struct tcp_stream *a, void **param)
{
	switch (a->nids_state) {
	case NIDS_JUST_EST:
		*param = b5_flow_begin(&g_exp, ntohl(a->addr.saddr), a->addr.source,
				       ntohl(a->addr.daddr), a->addr.dest);
		a->client.collect++;
		a->server.collect++;
		return;
	case NIDS_DATA:
		if (a->server.count_new)
			b5_flow_data(*param, 0, a->server.data, (size_t)a->server.count_new);
		if (a->client.count_new)
			b5_flow_data(*param, 1, a->client.data, (size_t)a->client.count_new);
		return;
	default: /* NIDS_CLOSE, NIDS_RESET, NIDS_TIMED_OUT, NIDS_EXITING */
		b5_flow_end(&g_exp, *param);
		return;
	}
}

/* One packet through libnids, callbacks included. Not inlined: callgrind counts it with
 * --toggle-collect=b5_feed_packet (the mOS-NG driver's per-packet entry has the same
 * name, so one script line measures both). */
__attribute__((noinline)) static void b5_feed_packet(const struct pcap_pkthdr *h,
						     const uint8_t *frame)
{
	nids_pcap_handler(NULL, (struct pcap_pkthdr *)(uintptr_t)h, (u_char *)(uintptr_t)frame);
}

static void usage(void)
{
	fprintf(stderr, "usage: nids_bench CAPTURE.pcap [--digests FILE] [--passes P] [--csum] "
			"[--streams N] [--max-packets N] [--cpu N]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	if (argc < 2 || argv[1][0] == '-')
		usage();
	const char *cap_path = argv[1];
	char dig_path[4096];
	snprintf(dig_path, sizeof dig_path, "%s", cap_path);
	char *dot = strrchr(dig_path, '.');
	if (dot && strcmp(dot, ".pcap") == 0)
		*dot = 0;
	strncat(dig_path, ".digests", sizeof dig_path - strlen(dig_path) - 1);
	int csum = 0, cpu = -1, passes = 1;
	int streams = 4096;
	size_t max_packets = (size_t)-1;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--csum") == 0)
			csum = 1;
		else if (i + 1 >= argc)
			usage();
		else if (strcmp(argv[i], "--digests") == 0)
			snprintf(dig_path, sizeof dig_path, "%s", argv[++i]);
		else if (strcmp(argv[i], "--streams") == 0)
			streams = atoi(argv[++i]);
		else if (strcmp(argv[i], "--max-packets") == 0)
			max_packets = (size_t)strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--cpu") == 0)
			cpu = atoi(argv[++i]);
		else if (strcmp(argv[i], "--passes") == 0)
			passes = atoi(argv[++i]);
		else
			usage();
	}
	if (passes < 1)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0)
			perror("nids_bench: sched_setaffinity");
	}

	struct b5_cap cap;
	if (b5_cap_load(cap_path, &cap) != 0 || b5_exp_load(dig_path, &g_exp) != 0)
		return 2;
	if (cap.linktype != DLT_EN10MB) {
		fprintf(stderr, "nids_bench: %s: link type %d, expected Ethernet\n", cap_path,
			cap.linktype);
		return 2;
	}
	size_t n = cap.n < max_packets ? cap.n : max_packets;
	struct pcap_pkthdr *hdrs = calloc(n ? n : 1, sizeof *hdrs);
	if (!hdrs)
		return 2;
	for (size_t i = 0; i < n; i++) {
		hdrs[i].ts.tv_sec = cap.pkts[i].ts_sec;
		hdrs[i].ts.tv_usec = cap.pkts[i].ts_usec;
		hdrs[i].caplen = hdrs[i].len = cap.pkts[i].len;
	}

	nids_params.pcap_desc = pcap_open_dead(DLT_EN10MB, 65535);
	nids_params.filename = NULL;
	nids_params.device = NULL;
	nids_params.pcap_filter = NULL;
	nids_params.scan_num_hosts = 0;
	nids_params.n_tcp_streams = streams;
	nids_params.n_hosts = 256;
	nids_params.promisc = 0;
	nids_params.multiproc = 0;
	nids_params.one_loop_less = 0;
	nids_params.tcp_workarounds = 0;
	nids_params.syslog = on_warning;
	static struct nids_chksum_ctl all = {
		.netaddr = 0, .mask = 0, .action = NIDS_DONT_CHKSUM};
	if (!csum)
		nids_register_chksum_ctl(&all, 1);
	if (!nids_params.pcap_desc || !nids_init()) {
		fprintf(stderr, "nids_bench: nids_init: %s\n", nids_errbuf);
		return 2;
	}
	nids_register_tcp(on_tcp);

	/* The timed loop: `passes` times over the capture (timestamps moved forward between
	 * passes, outside the clock). */
	double wall = 0, cpu_s = 0;
	uint32_t span = b5_cap_span(&cap);
	for (int p = 0; p < passes; p++) {
		if (p) {
			for (size_t i = 0; i < n; i++)
				hdrs[i].ts.tv_sec += span;
		}
		double w0 = b5_now(CLOCK_MONOTONIC), c0 = b5_now(CLOCK_THREAD_CPUTIME_ID);
		for (size_t i = 0; i < n; i++)
			b5_feed_packet(&hdrs[i], cap.pkts[i].data);
		double c1 = b5_now(CLOCK_THREAD_CPUTIME_ID), w1 = b5_now(CLOCK_MONOTONIC);
		wall += w1 - w0;
		cpu_s += c1 - c0;
		if (n == cap.n)
			b5_exp_pass_done(&g_exp);
	}
	nids_exit(); /* NIDS_EXITING for whatever is still open (nothing, when all is well) */

	int partial = n < cap.n;
	if (partial) { /* report the rate of what was fed, no verdict */
		cap.n = n;
		cap.frame_bytes = 0;
		for (size_t i = 0; i < n; i++)
			cap.frame_bytes += cap.pkts[i].len;
		g_exp.passes = (uint64_t)passes;
	}
	uint64_t sink;
	double floor_s = b5_callback_floor(&cap, &sink) * passes;
	char extra[320];
	snprintf(extra, sizeof extra,
		 "floor_cpu_seconds=%.4f csum=%s streams=%d state_bytes=%zu warnings=%" PRIu64,
		 floor_s, csum ? "on" : "off", streams, sizeof(struct tcp_stream), g_warnings);
	return b5_report("libnids", &cap, &g_exp, partial, wall, cpu_s, extra);
}
