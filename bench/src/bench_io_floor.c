/* bench_io_floor.c - the I/O floor: a DPDK forwarding loop over net_ring through the
 * stack's own backend (io_dpdk: descriptors in, descriptors out, zero copy).
 *
 * Two ring ports are wired back to back (what B transmits, A receives). 512 frames are
 * put in flight; one core then loops rx_burst(A) -> tx_burst(B) for the given time, so
 * the frames circulate forever. Reports frames forwarded per second on that core.
 *
 * Usage: bench_io_floor [SECONDS]   (default 3)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/config.h"
#include "io/dpdk.h"
#include "io/io_open.h"

#define BURST 32
#define IN_FLIGHT 512

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int prime(struct io_dev *io)
{
	struct io_buf bufs[BURST];
	for (int sent = 0; sent < IN_FLIGHT; sent += BURST) {
		for (int i = 0; i < BURST; i++) {
			if (io_alloc(io, 0, &bufs[i]) != 0)
				return -1;
			memset(bufs[i].data, 0, 64);
			bufs[i].data[12] = 0x08; /* IPv4 ethertype; content is irrelevant here */
			bufs[i].len = 64;
			bufs[i].port = 1;
		}
		if (io_tx_burst(io, 1, 0, bufs, BURST) != BURST)
			return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 3.0;
	const char *text = "mos {\n io = dpdk\n netdev {\n  a 0x1 device=net_ring_bencha\n"
			   "  b 0x1 device=net_ring_benchb\n }\n}\n";
	struct mos_config *cfg = NULL;
	if (mos_config_parse(text, strlen(text), "bench", NULL, NULL, &cfg) != 0)
		return 2;
	char err[256] = "";
	struct io_open_args a = {.cfg = cfg, .queues = 1, .err = err, .err_len = sizeof err};
	struct io_dev *io = NULL;
	if (io_dpdk_eal_start(&a) != 0 || io_dpdk_ring_pair("bencha", "benchb", err, sizeof err) != 0 ||
	    io_dpdk_open(&a, &io) != 0) {
		fprintf(stderr, "bench_io_floor: %s\n", err);
		return 2;
	}
	io_dpdk_register_thread();
	if (prime(io) != 0) {
		fprintf(stderr, "bench_io_floor: could not put frames in flight\n");
		return 2;
	}
	struct io_buf bufs[BURST];
	uint64_t frames = 0;
	double t0 = now_s(), t1 = t0;
	while (t1 - t0 < seconds) {
		for (int i = 0; i < 1024; i++) {
			uint16_t n = io_rx_burst(io, 0, 0, bufs, BURST);
			frames += io_tx_burst(io, 1, 0, bufs, n);
		}
		t1 = now_s();
	}
	printf("forwarded %llu frames in %.3f s: %.0f frames/s on one core\n",
	       (unsigned long long)frames, t1 - t0, (double)frames / (t1 - t0));
	io_close(io);
	mos_config_free(cfg);
	return frames > 0 ? 0 : 1;
}
