/* test_io_dpdk.c - the DPDK backend on virtual devices: the EAL command line built
 * from the configuration, ports on net_null and net_ring (info, MAC, queues, RSS key,
 * buffers that all come back, frames byte-exact across two ports wired back to back,
 * transmit drops), thread registration, reopening in one process, every open error,
 * and a net_tap port exchanging ARP with the kernel (needs root).
 *
 * DPDK starts its EAL once per process: ctest runs each case in its own process. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cfg_test.h"
#include "io/dpdk.h"
#include "io/io.h"
#include "io/io_open.h"

/* The backend's own functions exist only in builds with DPDK. Declared weak, this file
 * still links in a build without DPDK, where every case fails saying why. (They are
 * defined beside io_dpdk_open(), so a build with DPDK always links them.) */
#pragma weak io_dpdk_build_argv
#pragma weak io_dpdk_eal_start
#pragma weak io_dpdk_pool_counts
#pragma weak io_dpdk_register_thread
#pragma weak io_dpdk_ring_pair

static void td_need_dpdk(void)
{
	CHECK_MSG(io_dpdk_build_argv != NULL && io_dpdk_eal_start != NULL &&
			  io_dpdk_pool_counts != NULL && io_dpdk_register_thread != NULL &&
			  io_dpdk_ring_pair != NULL,
		  "this build has no DPDK backend (configured with MOS_WITH_DPDK=OFF or "
		  "without libdpdk)");
}

/* --- helpers -------------------------------------------------------------------------- */

struct td {
	struct mos_config *cfg;
	struct io_open_args args;
	char err[512];
	struct io_dev *dev;
};

/* Parses a mos block with `items` and the netdev lines `netdevs`. */
static void td_config(struct td *t, const char *items, const char *netdevs, uint16_t queues)
{
	char text[4096];

	td_need_dpdk();
	snprintf(text, sizeof text, "mos {\n\tio = dpdk\n%s\n\tnetdev {\n%s\n\t}\n}\n", items,
		 netdevs);
	memset(t, 0, sizeof *t);
	t->cfg = ct_parse_ok(text);
	t->args.cfg = t->cfg;
	t->args.queues = queues;
	t->args.err = t->err;
	t->args.err_len = sizeof t->err;
}

static int td_try(struct td *t, const char *items, const char *netdevs, uint16_t queues)
{
	td_config(t, items, netdevs, queues);
	int rc = io_dpdk_open(&t->args, &t->dev);
	CHECK(rc == 0 ? t->dev != NULL : t->dev == NULL);
	return rc;
}

static void td_open(struct td *t, const char *items, const char *netdevs, uint16_t queues)
{
	int rc = td_try(t, items, netdevs, queues);
	CHECK_MSG(rc == 0, "io_dpdk_open: %d (%s)", rc, t->err);
}

static void td_close(struct td *t)
{
	io_close(t->dev);
	t->dev = NULL;
	mos_config_free(t->cfg);
	t->cfg = NULL;
}

static void td_check_pool_full(struct io_dev *dev, uint16_t queue)
{
	uint32_t avail = 0, size = 0;
	CHECK_EQ(io_dpdk_pool_counts(dev, queue, &avail, &size), 0);
	CHECK_MSG(avail == size, "queue %u pool: %u of %u buffers free", queue, avail, size);
}

static uint32_t td_pool_avail(struct io_dev *dev, uint16_t queue)
{
	uint32_t avail = 0, size = 0;
	CHECK_EQ(io_dpdk_pool_counts(dev, queue, &avail, &size), 0);
	return avail;
}

/* A frame of `len` bytes whose contents depend on `seq`. */
static void td_fill(uint8_t *p, uint16_t len, uint32_t seq)
{
	static const uint8_t dst[6] = {0x02, 0, 0, 0, 0, 0x0b};
	static const uint8_t src[6] = {0x02, 0, 0, 0, 0, 0x0a};
	memcpy(p, dst, 6);
	memcpy(p + 6, src, 6);
	p[12] = 0x88; /* local experimental EtherType 0x88b5 */
	p[13] = 0xb5;
	for (uint16_t i = 14; i < len; i++)
		p[i] = (uint8_t)(seq * 31u + i * 7u);
}

static uint16_t td_frame_len(uint32_t seq)
{
	return (uint16_t)(60 + (seq * 97u) % (1514 - 60 + 1));
}

static void td_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* Allocates, fills and sends frames seq..seq+n-1 on `port` queue `queue`; all must go. */
static void td_send(struct io_dev *dev, uint16_t port, uint16_t queue, uint32_t seq, uint16_t n)
{
	struct io_buf b[IO_BURST_MAX];
	CHECK(n <= IO_BURST_MAX);
	for (uint16_t i = 0; i < n; i++) {
		CHECK_EQ(io_alloc(dev, queue, &b[i]), 0);
		uint16_t len = td_frame_len(seq + i);
		CHECK(b[i].cap >= len);
		td_fill(b[i].data, len, seq + i);
		b[i].len = len;
	}
	CHECK_EQ(io_tx_burst(dev, port, queue, b, n), n);
}

/* --- the EAL command line --------------------------------------------------------- */

static int td_argv_find(const struct io_dpdk_argv *a, const char *word)
{
	for (int i = 0; i < a->argc; i++) {
		if (strcmp(a->argv[i], word) == 0)
			return i;
	}
	return -1;
}

static int td_argv_prefix(const struct io_dpdk_argv *a, const char *prefix)
{
	int n = 0;
	for (int i = 0; i < a->argc; i++)
		n += strncmp(a->argv[i], prefix, strlen(prefix)) == 0;
	return n;
}

static struct io_dpdk_argv td_argv;

static void td_build(struct td *t, const char *items, const char *netdevs, bool huge)
{
	struct io_dpdk_eal_env env = {.pid = 4242, .hugepages = huge};
	td_config(t, items, netdevs, 1);
	int rc = io_dpdk_build_argv(&t->args, &env, &td_argv);
	CHECK_MSG(rc == 0, "io_dpdk_build_argv: %d (%s)", rc, t->err);
	CHECK(td_argv.argv[td_argv.argc] == NULL);
}

TEST(argv_defaults_come_from_the_configuration)
{
	struct td t;
	td_build(&t, "\tnb_mem_channels = 4",
		 "\t\tp0 0x5 device=net_null0\n\t\tp1 0x2 device=net_tap0,iface=x0", false);
	CHECK_STREQ(td_argv.argv[0], "mos");
	CHECK(td_argv_find(&td_argv, "--file-prefix=mos-4242") > 0);
	int m = td_argv_find(&td_argv, "-m");
	CHECK(td_argv_find(&td_argv, "--no-huge") > 0 && m > 0);
	CHECK(atoi(td_argv.argv[m + 1]) >= 512);
	int n = td_argv_find(&td_argv, "-n");
	CHECK(n > 0);
	CHECK_STREQ(td_argv.argv[n + 1], "4");
	int l = td_argv_find(&td_argv, "-l");
	CHECK(l > 0);
	CHECK_STREQ(td_argv.argv[l + 1], "0,1,2");
	CHECK(td_argv_find(&td_argv, "--log-level=warning") > 0);
	CHECK(td_argv_find(&td_argv, "--no-telemetry") > 0);
	CHECK(td_argv_find(&td_argv, "--no-shconf") > 0);
	CHECK(td_argv_find(&td_argv, "--no-pci") > 0);
	CHECK_EQ(td_argv_prefix(&td_argv, "--vdev"), 0); /* plugged after start-up */
	CHECK_EQ(td_argv_find(&td_argv, "-a"), -1);
	mos_config_free(t.cfg);
}

TEST(argv_eal_args_override_the_defaults_and_come_last)
{
	struct td t;
	td_build(&t,
		 "\teal_args = --file-prefix=mine -m 256 --lcores=0@1 --telemetry "
		 "--log-level=pmd.net.tap:debug \"--vdev=net_ring9\"",
		 "\t\tp0 0x1 device=net_null0", false);
	CHECK_EQ(td_argv_prefix(&td_argv, "--file-prefix"), 1);
	CHECK_EQ(td_argv_find(&td_argv, "--no-huge"), -1);
	CHECK_EQ(td_argv_find(&td_argv, "-l"), -1);
	CHECK_EQ(td_argv_find(&td_argv, "--no-telemetry"), -1);
	int ours = td_argv_find(&td_argv, "--log-level=warning");
	int theirs = td_argv_find(&td_argv, "--log-level=pmd.net.tap:debug");
	CHECK(ours > 0 && theirs > ours);
	CHECK_STREQ(td_argv.argv[td_argv.argc - 1], "--vdev=net_ring9");
	CHECK_STREQ(td_argv.argv[td_argv.argc - 7], "--file-prefix=mine");
	mos_config_free(t.cfg);
}

TEST(argv_pci_ports_are_allow_listed)
{
	struct td t;
	td_build(&t, "", "\t\tp0 0x1 device=0000:03:00.1,rxq=2\n\t\tp1 0x1 device=net_null0",
		 true);
	int a = td_argv_find(&td_argv, "-a");
	CHECK(a > 0);
	CHECK_STREQ(td_argv.argv[a + 1], "0000:03:00.1,rxq=2");
	CHECK_EQ(td_argv_find(&td_argv, "--no-pci"), -1);
	CHECK_EQ(td_argv_find(&td_argv, "--no-huge"), -1); /* hugepages are there */
	CHECK_EQ(td_argv_find(&td_argv, "-m"), -1);
	mos_config_free(t.cfg);

	/* mOS 0.3 style "dpdk0" without device=: DPDK must scan PCI. */
	td_build(&t, "", "\t\tdpdk0 0x1", false);
	CHECK_EQ(td_argv_find(&td_argv, "--no-pci"), -1);
	CHECK_EQ(td_argv_find(&td_argv, "-a"), -1);
	mos_config_free(t.cfg);

	/* eal_args that choose PCI devices themselves keep us out. */
	td_build(&t, "\teal_args = -b 0000:00:1f.6", "\t\tp0 0x1 device=net_null0", false);
	CHECK_EQ(td_argv_find(&td_argv, "--no-pci"), -1);
	mos_config_free(t.cfg);
}

TEST(argv_help_is_refused_because_dpdk_would_exit)
{
	struct td t;
	struct io_dpdk_eal_env env = {.pid = 1, .hugepages = false};
	td_config(&t, "\teal_args = --no-pci --help", "\t\tp0 0x1 device=net_null0", 1);
	CHECK_EQ(io_dpdk_build_argv(&t.args, &env, &td_argv), -EINVAL);
	CHECK_CONTAINS(t.err, "--help");
	mos_config_free(t.cfg);
}

/* --- net_null --------------------------------------------------------------------- */

TEST(null_port_info_reports_driver_and_configured_mac)
{
	struct td t;
	struct io_port_info info;
	static const uint8_t mac[6] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x07};

	td_open(&t, "", "\t\tp0 0x1 device=net_null0 mac=02:00:00:00:00:07", 1);
	CHECK_STREQ(t.dev->ops->name, "dpdk");
	CHECK_EQ(t.dev->port_count, 1);
	CHECK_EQ(t.dev->queue_count, 1);
	CHECK_EQ(t.dev->ops->port_info(t.dev, 0, &info), 0);
	CHECK_STREQ(info.name, "p0");
	CHECK_STREQ(info.device, "net_null0");
	CHECK_STREQ(info.driver, "net_null");
	CHECK(memcmp(info.mac, mac, 6) == 0);
	CHECK(info.link_up);
	CHECK_EQ(info.rx_queues, 1);
	CHECK_EQ(info.tx_queues, 1);
	CHECK(info.caps & IO_CAP_TX);
	CHECK(!(info.caps & IO_CAP_RSS)); /* one queue: nothing to spread */
	CHECK_EQ(info.rss_key_len, 0);
	CHECK(t.dev->ops->port_info(t.dev, 1, &info) < 0);
	CHECK(t.dev->ops->now_ns == NULL);
	td_check_pool_full(t.dev, 0);
	td_close(&t);
}

TEST(null_alloc_tx_free_cycles_give_every_buffer_back)
{
	struct td t;
	struct io_buf b[IO_BURST_MAX];
	struct io_port_stats st;

	td_open(&t, "", "\t\tp0 0x1 device=net_null0", 1);
	uint32_t avail = 0, size = 0;
	CHECK_EQ(io_dpdk_pool_counts(t.dev, 0, &avail, &size), 0);
	CHECK_EQ(size, IO_DPDK_DEFAULT_BUFS);
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < IO_BURST_MAX; i++) {
			CHECK_EQ(io_alloc(t.dev, 0, &b[i]), 0);
			CHECK_EQ(b[i].len, 0);
			CHECK(b[i].cap >= 1514 && b[i].data != NULL && b[i].handle != NULL);
			td_fill(b[i].data, 60, (uint32_t)i);
			b[i].len = 60;
		}
		/* Half sent (net_null frees them), half freed. */
		CHECK_EQ(io_tx_burst(t.dev, 0, 0, b, IO_BURST_MAX / 2), IO_BURST_MAX / 2);
		for (int i = IO_BURST_MAX / 2; i < IO_BURST_MAX; i++)
			io_free(t.dev, 0, &b[i]);
	}
	td_check_pool_full(t.dev, 0);
	CHECK_EQ(t.dev->ops->port_stats(t.dev, 0, &st), 0);
	CHECK_EQ_U64(st.tx_packets, 100u * IO_BURST_MAX / 2);
	CHECK_EQ_U64(st.tx_errors, 0);
	td_close(&t);
}

TEST(null_pool_exhaustion_is_enobufs_and_recovers)
{
	struct td t;
	td_config(&t, "", "\t\tp0 0x1 device=net_null0", 1);
	t.args.bufs_per_queue = 4095;
	int rc = io_dpdk_open(&t.args, &t.dev);
	CHECK_MSG(rc == 0, "%s", t.err);
	struct io_buf *all = calloc(4096, sizeof *all);
	CHECK(all != NULL);
	/* The RX ring holds up to its descriptor count; the rest can be taken. */
	uint32_t avail = td_pool_avail(t.dev, 0), got = 0;
	while (got < 4096 && io_alloc(t.dev, 0, &all[got]) == 0)
		got++;
	CHECK_EQ(got, avail);
	struct io_buf extra;
	CHECK_EQ(io_alloc(t.dev, 0, &extra), -ENOBUFS);
	for (uint32_t i = 0; i < got; i++)
		io_free(t.dev, 0, &all[i]);
	td_check_pool_full(t.dev, 0);
	free(all);
	td_close(&t);
}

TEST(null_rx_returns_buffers_that_can_be_freed)
{
	struct td t;
	struct io_buf b[IO_BURST_MAX];
	struct io_port_stats st;

	td_open(&t, "", "\t\tp0 0x1 device=net_null0", 1);
	uint64_t total = 0;
	for (int round = 0; round < 50; round++) {
		uint16_t n = io_rx_burst(t.dev, 0, 0, b, IO_BURST_MAX);
		CHECK(n > 0 && n <= IO_BURST_MAX);
		for (uint16_t i = 0; i < n; i++) {
			CHECK_EQ(b[i].port, 0);
			CHECK(b[i].len > 0 && b[i].cap >= b[i].len);
			CHECK(b[i].data != NULL && b[i].handle != NULL);
			CHECK_EQ(b[i].ts_ns, 0);
			b[i].data[0] ^= 0xff; /* the buffer is ours to write */
			io_free(t.dev, 0, &b[i]);
		}
		total += n;
	}
	td_check_pool_full(t.dev, 0);
	CHECK_EQ(t.dev->ops->port_stats(t.dev, 0, &st), 0);
	CHECK_EQ_U64(st.rx_packets, total);
	CHECK_EQ_U64(st.rx_missed, 0);
	td_close(&t);
}

TEST(null_two_queues_use_rss_with_the_symmetric_key_and_own_pools)
{
	struct td t;
	struct io_port_info info;
	struct io_buf b;

	td_open(&t, "", "\t\tp0 0x3 device=net_null0", 2);
	CHECK_EQ(t.dev->ops->port_info(t.dev, 0, &info), 0);
	CHECK(info.caps & IO_CAP_RSS);
	CHECK_EQ(info.rx_queues, 2);
	CHECK_EQ(info.tx_queues, 2);
	CHECK_EQ(info.reta_size, 128);
	CHECK_EQ(info.rss_key_len, 40); /* net_null's key size; the key read back from it */
	for (int i = 0; i < info.rss_key_len; i++)
		CHECK_EQ(info.rss_key[i], 0x05);
	CHECK(info.caps & IO_CAP_TX);
	/* Each queue has a pool of its own: taking from one leaves the other alone. */
	uint32_t q0 = td_pool_avail(t.dev, 0), q1 = td_pool_avail(t.dev, 1);
	CHECK_EQ(io_alloc(t.dev, 1, &b), 0);
	CHECK_EQ(td_pool_avail(t.dev, 1), q1 - 1);
	CHECK_EQ(td_pool_avail(t.dev, 0), q0);
	io_free(t.dev, 1, &b);
	CHECK_EQ(td_pool_avail(t.dev, 1), q1);
	/* Both queues receive. */
	struct io_buf rx[8];
	for (uint16_t q = 0; q < 2; q++) {
		uint16_t n = io_rx_burst(t.dev, 0, q, rx, 8);
		CHECK(n > 0);
		for (uint16_t i = 0; i < n; i++)
			io_free(t.dev, q, &rx[i]);
	}
	uint32_t avail, size;
	CHECK_EQ(io_dpdk_pool_counts(t.dev, 2, &avail, &size), -EINVAL);
	td_close(&t);
}

/* --- net_ring --------------------------------------------------------------------- */

/* Receives exactly frames seq..seq+count-1 on `port` queue `queue`, byte-exact. */
static void td_expect(struct io_dev *dev, uint16_t port, uint16_t queue, uint32_t seq,
		      uint32_t count)
{
	struct io_buf b[IO_BURST_MAX];
	uint8_t want[1514];
	uint32_t got = 0;

	for (int idle = 0; got < count && idle < 1000;) {
		uint16_t n = io_rx_burst(dev, port, queue, b, IO_BURST_MAX);
		idle = n ? 0 : idle + 1;
		for (uint16_t i = 0; i < n; i++, got++) {
			uint16_t len = td_frame_len(seq + got);
			CHECK_EQ(b[i].len, len);
			CHECK_EQ(b[i].port, port);
			td_fill(want, len, seq + got);
			CHECK_MSG(memcmp(b[i].data, want, len) == 0, "frame %u differs",
				  seq + got);
			io_free(dev, queue, &b[i]);
		}
	}
	CHECK_EQ(got, count);
	CHECK_EQ(io_rx_burst(dev, port, queue, b, IO_BURST_MAX), 0);
}

TEST(ring_pair_carries_frames_byte_exact_both_ways)
{
	struct td t;
	struct io_port_stats sa, sb;
	char err[256];
	const char *ports = "\t\ta 0x1 device=net_ring_ta\n\t\tb 0x1 device=net_ring_tb";

	td_config(&t, "", ports, 1);
	CHECK_MSG(io_dpdk_eal_start(&t.args) == 0, "%s", t.err);
	CHECK_MSG(io_dpdk_ring_pair("ta", "tb", err, sizeof err) == 0, "%s", err);
	mos_config_free(t.cfg);
	td_open(&t, "", ports, 1);

	uint32_t seq = 0, bytes = 0;
	for (int burst = 0; burst < 20; burst++) { /* 20 bursts of 1..32 frames */
		uint16_t n = (uint16_t)(1 + (burst * 13) % 32);
		for (uint16_t i = 0; i < n; i++)
			bytes += td_frame_len(seq + i);
		td_send(t.dev, 0, 0, seq, n);
		td_expect(t.dev, 1, 0, seq, n);
		seq += n;
	}
	td_send(t.dev, 1, 0, 5000, 17); /* and back */
	td_expect(t.dev, 0, 0, 5000, 17);
	CHECK_EQ(io_rx_burst(t.dev, 1, 0, (struct io_buf[1]){0}, 1), 0);

	CHECK_EQ(t.dev->ops->port_stats(t.dev, 0, &sa), 0);
	CHECK_EQ(t.dev->ops->port_stats(t.dev, 1, &sb), 0);
	CHECK_EQ_U64(sa.tx_packets, seq);
	CHECK_EQ_U64(sb.rx_packets, seq);
	CHECK_EQ_U64(sb.tx_packets, 17);
	CHECK_EQ_U64(sa.rx_packets, 17);
	CHECK(sa.tx_bytes == 0 || sa.tx_bytes == bytes); /* net_ring does not count bytes */
	CHECK_EQ_U64(sa.tx_errors, 0);
	CHECK_EQ_U64(sb.rx_missed, 0);
	td_check_pool_full(t.dev, 0);
	td_close(&t);
}

TEST(ring_pair_can_be_made_again_after_close)
{
	struct td t;
	char err[256];
	const char *ports = "\t\ta 0x1 device=net_ring_ra\n\t\tb 0x1 device=net_ring_rb";

	td_config(&t, "", ports, 1);
	CHECK_MSG(io_dpdk_eal_start(&t.args) == 0, "%s", t.err);
	CHECK_MSG(io_dpdk_ring_pair("ra", "rb", err, sizeof err) == 0, "%s", err);
	CHECK_EQ(io_dpdk_ring_pair("ra", "rb", err, sizeof err), -EEXIST);
	mos_config_free(t.cfg);
	td_open(&t, "", ports, 1);
	td_send(t.dev, 0, 0, 0, 10); /* never received: left in the ring */
	td_close(&t);
	CHECK_MSG(io_dpdk_ring_pair("ra", "rb", err, sizeof err) == 0, "%s", err);
	td_open(&t, "", ports, 1);
	td_send(t.dev, 0, 0, 100, 5);
	td_expect(t.dev, 1, 0, 100, 5); /* only the new frames */
	td_check_pool_full(t.dev, 0);
	td_close(&t);
}

TEST(ring_full_drops_are_freed_and_counted)
{
	struct td t;
	struct io_port_stats st;
	struct io_buf b[IO_BURST_MAX];

	/* A plain net_ring port sends into its own receive ring (1023 frames). */
	td_open(&t, "", "\t\tp0 0x1 device=net_ring0", 1);
	uint32_t sent = 0, offered = 0;
	for (int burst = 0; burst < 20; burst++) {
		for (int i = 0; i < IO_BURST_MAX; i++) {
			CHECK_EQ(io_alloc(t.dev, 0, &b[i]), 0);
			td_fill(b[i].data, 64, (uint32_t)i);
			b[i].len = 64;
		}
		sent += io_tx_burst(t.dev, 0, 0, b, IO_BURST_MAX);
		offered += IO_BURST_MAX;
	}
	CHECK_EQ(sent, 1023);
	CHECK_EQ(t.dev->ops->port_stats(t.dev, 0, &st), 0);
	CHECK_EQ_U64(st.tx_errors, offered - sent + 0 * st.tx_errors);
	uint32_t got = 0;
	for (uint16_t n; (n = io_rx_burst(t.dev, 0, 0, b, IO_BURST_MAX)) > 0; got += n)
		for (uint16_t i = 0; i < n; i++)
			io_free(t.dev, 0, &b[i]);
	CHECK_EQ(got, sent);
	td_check_pool_full(t.dev, 0);
	td_close(&t);
}

TEST(ring_without_rss_receives_everything_on_queue_zero)
{
	struct td t;
	struct io_port_info info;
	struct io_buf b[4];

	td_open(&t, "", "\t\tp0 0x3 device=net_ring0", 2);
	CHECK_EQ(t.dev->ops->port_info(t.dev, 0, &info), 0);
	CHECK_STREQ(info.driver, "net_ring");
	CHECK(!(info.caps & IO_CAP_RSS)); /* the engine spreads flows in software */
	CHECK_EQ(info.reta_size, 0);
	CHECK_EQ(info.rss_key_len, 0);
	CHECK_EQ(info.rx_queues, 2);
	CHECK_EQ(info.tx_queues, 2);
	/* TX queue q loops back to RX queue q; both are drained on queue 0. */
	td_send(t.dev, 0, 1, 0, 3);
	CHECK_EQ(io_rx_burst(t.dev, 0, 1, b, 4), 0);
	td_expect(t.dev, 0, 0, 0, 3);
	td_send(t.dev, 0, 0, 3, 2);
	td_send(t.dev, 0, 1, 5, 2);
	uint16_t got = 0;
	for (int i = 0; i < 4 && got < 4; i++) {
		uint16_t n = io_rx_burst(t.dev, 0, 0, b, 4);
		for (uint16_t k = 0; k < n; k++)
			io_free(t.dev, 0, &b[k]);
		got = (uint16_t)(got + n);
	}
	CHECK_EQ(got, 4);
	td_check_pool_full(t.dev, 0);
	td_check_pool_full(t.dev, 1);
	td_close(&t);
}

/* --- threads and reopening -------------------------------------------------------- */

static void *td_thread(void *arg)
{
	struct io_dev *dev = arg;
	struct io_buf b;
	long ok = dev->ops->thread_init(dev, 1) == 0 && io_dpdk_register_thread() == 0 &&
		  io_alloc(dev, 1, &b) == 0;
	if (ok)
		io_free(dev, 1, &b);
	return (void *)ok;
}

TEST(stack_threads_register_and_give_their_lcore_back)
{
	struct td t;

	td_need_dpdk();
	CHECK_EQ(io_dpdk_register_thread(), -EINVAL); /* before the EAL */
	td_open(&t, "", "\t\tp0 0x3 device=net_null0", 2);
	CHECK(t.dev->ops->thread_init != NULL);
	CHECK_EQ(io_dpdk_register_thread(), 0); /* the main lcore already has its id */
	/* More threads than RTE_MAX_LCORE (128): ids come back as threads end. */
	for (int i = 0; i < 300; i++) {
		pthread_t th;
		void *ok = NULL;
		CHECK_EQ(pthread_create(&th, NULL, td_thread, t.dev), 0);
		CHECK_EQ(pthread_join(th, &ok), 0);
		CHECK_MSG(ok != NULL, "thread %d could not register or allocate", i);
	}
	td_check_pool_full(t.dev, 1);
	td_close(&t);
}

TEST(reopen_in_one_process_reuses_the_eal)
{
	struct td t;
	struct io_port_info info;

	td_open(&t, "", "\t\tp0 0x1 device=net_null0", 1);
	td_close(&t);
	td_open(&t, "", "\t\tp0 0x1 device=net_null0 mac=02:00:00:00:00:09", 1);
	CHECK_EQ(t.dev->ops->port_info(t.dev, 0, &info), 0);
	CHECK_EQ(info.mac[5], 0x09);
	/* A second device at the same time, on other ports. */
	struct td u;
	td_open(&u, "", "\t\tq0 0x1 device=net_null1\n\t\tq1 0x1 device=net_ring5", 1);
	CHECK_EQ(u.dev->ops->port_info(u.dev, 1, &info), 0);
	CHECK_STREQ(info.device, "net_ring5");
	td_close(&u);
	td_close(&t);
}

/* --- errors ----------------------------------------------------------------------- */

TEST(error_unknown_driver_names_the_netdev)
{
	struct td t;
	CHECK_EQ(td_try(&t, "",
			"\t\tp0 0x1 device=net_null0\n\t\tuplink 0x1 device=net_nosuch0", 1),
		 -ENODEV);
	CHECK_CONTAINS(t.err, "netdev uplink");
	CHECK_CONTAINS(t.err, "net_nosuch0");
	mos_config_free(t.cfg);
	/* The first port was given back: it opens again. */
	td_open(&t, "", "\t\tp0 0x1 device=net_null0", 1);
	td_close(&t);
}

TEST(error_unknown_port_name_names_the_netdev)
{
	struct td t;
	CHECK_EQ(td_try(&t, "", "\t\tp7 0x1 device=nosuchport", 1), -ENODEV);
	CHECK_CONTAINS(t.err, "netdev p7");
	CHECK_CONTAINS(t.err, "no DPDK port named 'nosuchport'");
	mos_config_free(t.cfg);
}

/* A pcap file with its header only. */
static void td_write_pcap(const char *path)
{
	static const uint8_t hdr[24] = {0xd4, 0xc3, 0xb2, 0xa1, 2,    0,    4, 0, 0, 0, 0, 0,
					0,    0,    0,    0,    0xff, 0xff, 0, 0, 1, 0, 0, 0};
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	CHECK_EQ(fwrite(hdr, 1, sizeof hdr, f), sizeof hdr);
	CHECK_EQ(fclose(f), 0);
}

TEST(error_more_queues_than_the_device_has)
{
	struct td t;
	char in[64], out[64], netdevs[256];

	snprintf(in, sizeof in, "/tmp/mos-dpdk-in-%d.pcap", (int)getpid());
	snprintf(out, sizeof out, "/tmp/mos-dpdk-out-%d.pcap", (int)getpid());
	td_write_pcap(in);
	snprintf(netdevs, sizeof netdevs, "\t\tcap 0x3 device=net_pcap0,rx_pcap=%s,tx_pcap=%s",
		 in, out);
	int rc = td_try(&t, "", netdevs, 2);
	unlink(in);
	unlink(out);
	CHECK_EQ(rc, -EINVAL);
	CHECK_CONTAINS(t.err, "netdev cap");
	CHECK_CONTAINS(t.err, "max_tx_queues");
	mos_config_free(t.cfg);
}

TEST(error_bad_eal_args_fail_without_exiting)
{
	struct td t;
	CHECK_EQ(td_try(&t, "\teal_args = --no-such-eal-option", "\t\tp0 0x1 device=net_null0",
			1),
		 -EIO);
	CHECK_CONTAINS(t.err, "EAL failed to start");
	CHECK_CONTAINS(t.err, "--no-such-eal-option");
	mos_config_free(t.cfg);
	/* DPDK 22.11 cannot parse a command line twice: later opens say so. */
	CHECK_EQ(td_try(&t, "", "\t\tp0 0x1 device=net_null0", 1), -EIO);
	CHECK_CONTAINS(t.err, "failed to start earlier in this process");
	mos_config_free(t.cfg);
}

TEST(error_stray_word_in_eal_args)
{
	struct td t;
	CHECK_EQ(td_try(&t, "\teal_args = stray", "\t\tp0 0x1 device=net_null0", 1), -EINVAL);
	CHECK_CONTAINS(t.err, "'stray' is not a DPDK EAL option");
	mos_config_free(t.cfg);
}

TEST(error_port_used_by_another_open_device)
{
	struct td t, u;
	td_open(&t, "", "\t\tp0 0x1 device=net_null0", 1);
	CHECK_EQ(td_try(&u, "", "\t\tother 0x1 device=net_null0", 1), -EBUSY);
	CHECK_CONTAINS(u.err, "netdev other");
	mos_config_free(u.cfg);
	td_close(&t);
}

TEST(error_too_few_buffers_and_bad_queue_counts)
{
	struct td t;
	td_config(&t, "", "\t\tp0 0x1 device=net_null0", 1);
	t.args.bufs_per_queue = 100;
	CHECK_EQ(io_dpdk_open(&t.args, &t.dev), -EINVAL);
	CHECK_CONTAINS(t.err, "too few");
	t.args.bufs_per_queue = 0;
	t.args.queues = 0;
	CHECK_EQ(io_dpdk_open(&t.args, &t.dev), -EINVAL);
	t.args.queues = IO_MAX_QUEUES + 1;
	CHECK_EQ(io_dpdk_open(&t.args, &t.dev), -EINVAL);
	CHECK_CONTAINS(t.err, "queues");
	CHECK(t.dev == NULL);
	mos_config_free(t.cfg);
}

TEST(error_device_refusing_the_mac)
{
	struct td t;
	CHECK(td_try(&t, "", "\t\tr0 0x1 device=net_ring0 mac=02:00:00:00:00:01", 1) < 0);
	CHECK_CONTAINS(t.err, "netdev r0");
	CHECK_CONTAINS(t.err, "refuses MAC 02:00:00:00:00:01");
	mos_config_free(t.cfg);
}

/* --- net_tap and the kernel (root) -------------------------------------------------- */

static void td_need_root(void)
{
	CHECK_MSG(geteuid() == 0, "this case needs root (it creates a TAP interface); CI runs "
				  "as root");
}

static bool td_iface_exists(const char *iface)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof path, "/sys/class/net/%s", iface);
	return stat(path, &st) == 0;
}

/* Runs a shell command; its exit status. */
static int td_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int td_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* The network namespace of the TAP case: deleted at exit, even after a failure. */
static char td_ns[32];

static void td_ns_delete(void)
{
	if (td_ns[0] != '\0')
		(void)td_sh("ip netns delete %s 2>/dev/null", td_ns);
	td_ns[0] = '\0';
}

/* A counter of `iface` inside the namespace. */
static uint64_t td_ns_counter(const char *iface, const char *name)
{
	char cmd[256];
	unsigned long long v = 0;
	snprintf(cmd, sizeof cmd, "ip netns exec %s cat /sys/class/net/%s/statistics/%s", td_ns,
		 iface, name);
	FILE *f = popen(cmd, "r");
	CHECK(f != NULL);
	int got = fscanf(f, "%llu", &v);
	pclose(f);
	CHECK_MSG(got == 1, "no counter from: %s", cmd);
	return v;
}

/* An ARP request (RFC 826) from `mac`/`sip` for `tip`, padded to 60 bytes. */
static void td_arp_request(uint8_t *p, const uint8_t *mac, const char *sip, const char *tip)
{
	static const uint8_t head[8] = {0, 1, 0x08, 0, 6, 4, 0, 1};
	memset(p, 0, 60);
	memset(p, 0xff, 6);
	memcpy(p + 6, mac, 6);
	p[12] = 0x08;
	p[13] = 0x06;
	memcpy(p + 14, head, 8);
	memcpy(p + 22, mac, 6);
	CHECK_EQ(inet_pton(AF_INET, sip, p + 28), 1);
	CHECK_EQ(inet_pton(AF_INET, tip, p + 38), 1);
}

/* Polls for an ARP frame with operation `op` whose target address is `tip`. */
static bool td_wait_arp(struct io_dev *dev, uint16_t op, const char *tip, uint8_t *copy)
{
	struct io_buf b[IO_BURST_MAX];
	uint8_t want[4];
	bool found = false;

	CHECK_EQ(inet_pton(AF_INET, tip, want), 1);
	for (int i = 0; i < 300 && !found; i++) {
		uint16_t n = io_rx_burst(dev, 0, 0, b, IO_BURST_MAX);
		for (uint16_t k = 0; k < n; k++) {
			const uint8_t *p = b[k].data;
			if (!found && b[k].len >= 42 && p[12] == 0x08 && p[13] == 0x06 &&
			    p[20] == 0 && p[21] == op && memcmp(p + 38, want, 4) == 0) {
				found = true;
				memcpy(copy, p, 42);
			}
			io_free(dev, 0, &b[k]);
		}
		if (n == 0)
			td_sleep_ms(10);
	}
	return found;
}

/* The TAP interface is moved into a namespace of its own (DPDK keeps using it), so
 * its addresses never meet the machine's own networks. */
TEST(tap_exchanges_arp_with_the_kernel)
{
	struct td t;
	struct io_port_info info;
	struct io_buf b;
	char iface[16], netdevs[160];
	static const uint8_t mac[6] = {0x02, 0, 0, 0, 0, 0x2a};
	uint8_t frame[42];

	td_need_root();
	snprintf(iface, sizeof iface, "mostap%d", (int)getpid() % 1000000);
	snprintf(td_ns, sizeof td_ns, "mosdpdk%d", (int)getpid());
	snprintf(netdevs, sizeof netdevs,
		 "\t\ttap0 0x1 device=net_tap0,iface=%s mac=02:00:00:00:00:2a", iface);
	/* The kernel removes the interface when the process ends, even after a failure. */
	td_open(&t, "", netdevs, 1);
	CHECK(td_iface_exists(iface));
	CHECK_EQ(t.dev->ops->port_info(t.dev, 0, &info), 0);
	CHECK_STREQ(info.driver, "net_tap");
	CHECK(memcmp(info.mac, mac, 6) == 0);
	atexit(td_ns_delete);
	CHECK_EQ(td_sh("ip netns add %s", td_ns), 0);
	CHECK_EQ(td_sh("ip link set dev %s netns %s", iface, td_ns), 0);
	CHECK_EQ(td_sh("ip -n %s link set dev %s up", td_ns, iface), 0);
	CHECK_EQ(td_sh("ip -n %s addr add 198.51.100.1/24 dev %s", td_ns, iface), 0);

	/* The TAP's RX ring holds buffers of its own; traffic must not keep any more. */
	uint32_t avail = td_pool_avail(t.dev, 0);

	/* We ask the kernel for 198.51.100.1; it receives the frame and answers us. */
	uint64_t rx_before = td_ns_counter(iface, "rx_packets");
	CHECK_EQ(io_alloc(t.dev, 0, &b), 0);
	td_arp_request(b.data, mac, "198.51.100.2", "198.51.100.1");
	b.len = 60;
	CHECK_EQ(io_tx_burst(t.dev, 0, 0, &b, 1), 1);
	CHECK_MSG(td_wait_arp(t.dev, 2, "198.51.100.2", frame), "no ARP reply from the kernel");
	CHECK(memcmp(frame, mac, 6) == 0);      /* to us */
	CHECK(memcmp(frame + 32, mac, 6) == 0); /* target hardware address */
	CHECK(td_ns_counter(iface, "rx_packets") > rx_before);

	/* The kernel resolves a neighbour on the TAP: its ARP requests reach rx_burst. */
	(void)td_sh("ip netns exec %s ping -c 1 -W 1 198.51.100.9 >/dev/null 2>&1", td_ns);
	CHECK_MSG(td_wait_arp(t.dev, 1, "198.51.100.9", frame),
		  "no ARP request from the kernel");

	struct io_port_stats st;
	CHECK_EQ(t.dev->ops->port_stats(t.dev, 0, &st), 0);
	CHECK(st.tx_packets >= 1 && st.rx_packets >= 2);
	CHECK_EQ(td_pool_avail(t.dev, 0), avail);
	td_close(&t);
	CHECK_MSG(td_sh("ip -n %s link show dev %s >/dev/null 2>&1", td_ns, iface) != 0,
		  "%s still exists after close", iface);
	td_ns_delete();
}

TEST(tap_with_two_queues_spreads_in_software)
{
	struct td t;
	struct io_port_info info;
	char netdevs[160];

	td_need_root();
	snprintf(netdevs, sizeof netdevs, "\t\ttap0 0x3 device=net_tap0,iface=mosmq%d",
		 (int)getpid() % 1000000);
	td_open(&t, "", netdevs, 2);
	CHECK_EQ(t.dev->ops->port_info(t.dev, 0, &info), 0);
	/* The kernel picks TAP queues with its own hash: no RSS the engine could predict. */
	CHECK(!(info.caps & IO_CAP_RSS));
	CHECK_EQ(info.rx_queues, 2); /* net_tap wants as many RX as TX queues */
	CHECK_EQ(info.tx_queues, 2);
	td_close(&t);
}
