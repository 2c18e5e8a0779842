/* bench_echo.c - the engine's per-packet cost for ICMP echo over the simulated link.
 *
 * One stack instance and one peer port on a sim link with a virtual clock. The peer
 * sends N echo requests in bursts of 32; the stack answers each one. Run it under
 * callgrind with --toggle-collect=eng_ctx_poll to count the instructions of the
 * stack's loop only (receive from the sim port, parse, answer, transmit), and divide
 * by N. Without callgrind it reports the wall-clock rate.
 *
 * Usage: bench_echo [N]   (default 100000)
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/config.h"
#include "engine/ctx.h"
#include "io/io_open.h"
#include "io/sim.h"
#include "wire/checksum.h"
#include "wire/frame.h"

#define BURST 32

static struct mos_config *parse(const char *text)
{
	struct mos_config *cfg = NULL;
	if (mos_config_parse(text, strlen(text), "bench", NULL, NULL, &cfg) != 0)
		exit(2);
	return cfg;
}

static struct io_dev *open_sim(struct sim_net *net, const struct mos_config *cfg)
{
	char err[256];
	struct io_dev *io = NULL;
	struct io_open_args a = {.cfg = cfg, .queues = 1, .sim = net, .err = err, .err_len = sizeof err};
	if (io_sim_open(&a, &io) != 0) {
		fprintf(stderr, "bench_echo: %s\n", err);
		exit(2);
	}
	return io;
}

/* A 98-byte echo request (56 data bytes, like ping's default). */
static size_t build_request(uint8_t *f, uint16_t seq)
{
	struct wire_eth_repr eth = {.ethertype = WIRE_ETHERTYPE_IPV4};
	wire_mac_parse("02:00:00:00:00:01", &eth.dst);
	wire_mac_parse("02:00:00:00:00:02", &eth.src);
	size_t off = wire_eth_emit(&eth, f, 128);
	struct wire_ipv4_repr ip = {.src = WIRE_IPV4(198, 51, 100, 2), .dst = WIRE_IPV4(198, 51, 100, 1),
				    .proto = WIRE_IP_PROTO_ICMP, .ttl = 64, .total_len = 84};
	off += wire_ipv4_emit(&ip, 0, f + off, 128 - off);
	uint8_t *icmp = f + off;
	memset(icmp, 0, 64);
	icmp[0] = 8;
	wire_put_be16(icmp + 4, 1);
	wire_put_be16(icmp + 6, seq);
	for (int i = 0; i < 56; i++)
		icmp[8 + i] = (uint8_t)i;
	wire_put_be16(icmp + 2, wire_csum_buf(icmp, 64));
	return off + 64;
}

static void peer_send(struct io_dev *peer, const uint8_t *frame, size_t len, int n)
{
	struct io_buf bufs[BURST];
	for (int i = 0; i < n; i++) {
		if (io_alloc(peer, 0, &bufs[i]) != 0)
			exit(3);
		memcpy(bufs[i].data, frame, len);
		bufs[i].len = (uint16_t)len;
		bufs[i].port = 0;
	}
	io_tx_burst(peer, 0, 0, bufs, (uint16_t)n);
}

static int peer_drain(struct io_dev *peer)
{
	struct io_buf bufs[BURST];
	int total = 0;
	uint16_t n;
	while ((n = io_rx_burst(peer, 0, 0, bufs, BURST)) > 0) {
		for (uint16_t i = 0; i < n; i++)
			io_free(peer, 0, &bufs[i]);
		total += n;
	}
	return total;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	struct sim_net_params sp = sim_net_default_params();
	struct sim_net *net = sim_net_create(&sp);
	struct mos_config *scfg = parse("mos {\n netdev {\n  d0 0x1 device=link0 ip=198.51.100.1/24 "
					"mac=02:00:00:00:00:01\n }\n}\n");
	struct mos_config *pcfg = parse("mos {\n netdev {\n  p0 0x1 device=link0 ip=198.51.100.2/24 "
					"mac=02:00:00:00:00:02\n }\n}\n");
	struct io_dev *sio = open_sim(net, scfg), *pio = open_sim(net, pcfg);
	struct eng_instance *inst;
	char err[256];
	if (eng_instance_create(scfg, sio, &inst, err, sizeof err) != 0)
		return 2;
	struct eng_ctx *ctx = eng_ctx_create(inst, 0, 0);
	uint8_t frame[128];
	size_t len = build_request(frame, 1);
	long replies = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long sent = 0; sent < n; sent += BURST) {
		int k = (int)(n - sent < BURST ? n - sent : BURST);
		peer_send(pio, frame, len, k);
		sim_net_advance(net, 1000);
		eng_ctx_poll(ctx, sim_net_now_ns(net));
		replies += peer_drain(pio);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	replies += peer_drain(pio);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	/* The announcement at start is one extra frame. */
	printf("echo requests %ld replies %ld seconds %.3f rate %.0f/s\n", n, replies - 1, secs,
	       (double)n / secs);
	eng_ctx_destroy(ctx);
	eng_instance_destroy(inst);
	io_close(sio);
	io_close(pio);
	mos_config_free(scfg);
	mos_config_free(pcfg);
	sim_net_destroy(net);
	return replies - 1 == n ? 0 : 1;
}
