/* test_io_pcap.c - the libpcap backend: replay of capture files written here (with
 * libpcap's writer, or byte by byte for the cases it cannot write) and of the shared
 * real captures, paced replay, damaged and foreign files, the device-string grammar,
 * open errors, and live capture/transmission on a veth pair inside a network
 * namespace the test creates (root only).
 *
 * Captures are written to /tmp and removed by the case that wrote them. Every libpcap
 * and io_pcap_* function the test calls directly is a weak reference, so this file
 * links in a build without libpcap; each case then fails on pt_require_pcap(). */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mos_test.h"

#include "engine/config.h"
#include "io/io.h"
#include "io/io_info.h"
#include "io/io_open.h"
#include "io/pcap_io.h"

#if __has_include(<pcap/pcap.h>)
#include <pcap/pcap.h>
#define PT_HAVE_PCAP_H 1
#pragma weak pcap_open_dead
#pragma weak pcap_open_dead_with_tstamp_precision
#pragma weak pcap_dump_open
#pragma weak pcap_dump
#pragma weak pcap_dump_close
#pragma weak pcap_close
#endif
#pragma weak io_pcap_parse_device
#pragma weak io_pcap_resolve_device
#pragma weak io_pcap_port_counters
#pragma weak io_pcap_last_error
#pragma weak io_pcap_is_pcap

#ifdef PT_HAVE_PCAP_H

#define PT_NS 1000000000ull
#define PT_MS 1000000ull
#define PT_MAX_FRAMES 64
#define PT_FRAME_MAX 9018

/* ---------------------------------------------------------------------------------- */
/* Helpers                                                                            */
/* ---------------------------------------------------------------------------------- */

static void pt_require_pcap(void)
{
	CHECK_MSG(io_pcap_version() != NULL && pcap_dump_open != NULL &&
			  io_pcap_last_error != NULL,
		  "this build has no libpcap (io = pcap unavailable): install libpcap-dev "
		  "and reconfigure");
}

static uint64_t pt_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * PT_NS + (uint64_t)ts.tv_nsec;
}

static void pt_sleep_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* A file name unique to this process under /tmp. */
static void pt_path(char *out, size_t len, const char *tag)
{
	snprintf(out, len, "/tmp/mos_test_io_pcap_%ld_%s.pcap", (long)getpid(), tag);
}

/* A configuration with one netdev per device string ("pcap0", "pcap1", ...). */
static struct mos_config *pt_cfg(const char *const *devices, int n)
{
	struct mos_config *cfg = calloc(1, sizeof *cfg);
	CHECK(cfg != NULL);
	cfg_set_defaults(cfg);
	cfg->io = CFG_IO_PCAP;
	cfg->netdev_count = n;
	for (int i = 0; i < n; i++) {
		snprintf(cfg->netdev[i].name, sizeof cfg->netdev[i].name, "pcap%d", i);
		snprintf(cfg->netdev[i].device, sizeof cfg->netdev[i].device, "%s", devices[i]);
		cfg->netdev[i].cpu_mask = 1;
	}
	cfg_derive(cfg);
	cfg->num_cores = 1;
	return cfg;
}

/* Opens the pcap backend on `cfg`; returns its status, the reason in `err`. */
static int pt_open_cfg(const struct mos_config *cfg, uint16_t queues, uint32_t bufs,
		       struct io_dev **dev, char *err, size_t err_len)
{
	struct io_open_args args = {cfg, queues, bufs, NULL, err, err_len};
	err[0] = '\0';
	return io_pcap_open(&args, dev);
}

/* Opens one port on device string `device` and expects success. */
static struct io_dev *pt_open1(const char *device, uint32_t bufs)
{
	char err[2048];
	struct io_dev *dev = NULL;
	struct mos_config *cfg = pt_cfg(&device, 1);
	int rc = pt_open_cfg(cfg, 1, bufs, &dev, err, sizeof err);
	free(cfg);
	CHECK_MSG(rc == 0, "io_pcap_open(%s) = %d: %s", device, rc, err);
	CHECK(dev != NULL);
	return dev;
}

/* Opens one port on `device` and expects failure; returns the status, reason in err. */
static int pt_open1_fail(const char *device, uint16_t queues, char *err, size_t err_len)
{
	struct io_dev *dev = (struct io_dev *)1;
	struct mos_config *cfg = pt_cfg(&device, 1);
	int rc = pt_open_cfg(cfg, queues, 8, &dev, err, err_len);
	free(cfg);
	CHECK_MSG(rc < 0, "io_pcap_open(%s) succeeded", device);
	CHECK(dev == NULL);
	CHECK(err[0] != '\0');
	return rc;
}

/* A recognisable Ethernet frame: local MACs, ethertype 0x88b5 (local experimental),
 * payload bytes derived from `seed`. */
static void pt_frame(uint8_t *f, uint32_t len, uint32_t seed)
{
	static const uint8_t head[14] = {2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5};
	memcpy(f, head, len < 14 ? len : 14);
	for (uint32_t k = 14; k < len; k++)
		f[k] = (uint8_t)(seed * 131u + k * 7u + (k >> 8));
}

struct pt_rec {
	uint64_t ts_ns;
	uint32_t len;
};

/* Writes `n` frames (pt_frame(seed = index)) with libpcap's writer. */
static void pt_write(const char *path, int dlt, bool nano, const struct pt_rec *recs, int n)
{
	static uint8_t f[PT_FRAME_MAX];
	pcap_t *dead = pcap_open_dead_with_tstamp_precision(
		dlt, 65535, nano ? PCAP_TSTAMP_PRECISION_NANO : PCAP_TSTAMP_PRECISION_MICRO);
	CHECK(dead != NULL);
	pcap_dumper_t *dump = pcap_dump_open(dead, path);
	CHECK_MSG(dump != NULL, "pcap_dump_open(%s) failed", path);
	for (int i = 0; i < n; i++) {
		struct pcap_pkthdr h;
		memset(&h, 0, sizeof h);
		h.ts.tv_sec = (time_t)(recs[i].ts_ns / PT_NS);
		h.ts.tv_usec = (suseconds_t)(recs[i].ts_ns % PT_NS / (nano ? 1u : 1000u));
		h.caplen = h.len = recs[i].len;
		pt_frame(f, recs[i].len, (uint32_t)i);
		pcap_dump((u_char *)dump, &h, f);
	}
	pcap_dump_close(dump);
	pcap_close(dead);
}

/* Raw classic-pcap writing, for what libpcap's writer will not produce. */
static void pt_put32(FILE *f, uint32_t v, bool be)
{
	uint8_t b[4];
	for (int i = 0; i < 4; i++)
		b[i] = (uint8_t)(v >> (be ? 24 - 8 * i : 8 * i));
	CHECK_EQ(fwrite(b, 1, 4, f), 4);
}

static void pt_put16(FILE *f, uint16_t v, bool be)
{
	uint8_t b[2] = {(uint8_t)(be ? v >> 8 : v), (uint8_t)(be ? v : v >> 8)};
	CHECK_EQ(fwrite(b, 1, 2, f), 2);
}

static FILE *pt_raw_open(const char *path, bool be, bool nano, uint32_t snaplen, uint32_t dlt)
{
	FILE *f = fopen(path, "wb");
	CHECK_MSG(f != NULL, "cannot create %s", path);
	pt_put32(f, nano ? 0xa1b23c4du : 0xa1b2c3d4u, be);
	pt_put16(f, 2, be);
	pt_put16(f, 4, be);
	pt_put32(f, 0, be);
	pt_put32(f, 0, be);
	pt_put32(f, snaplen, be);
	pt_put32(f, dlt, be);
	return f;
}

static void pt_raw_record(FILE *f, bool be, bool nano, uint64_t ts_ns, uint32_t caplen,
			  uint32_t wirelen, const uint8_t *data)
{
	pt_put32(f, (uint32_t)(ts_ns / PT_NS), be);
	pt_put32(f, (uint32_t)(ts_ns % PT_NS / (nano ? 1u : 1000u)), be);
	pt_put32(f, caplen, be);
	pt_put32(f, wirelen, be);
	CHECK_EQ(fwrite(data, 1, caplen, f), caplen);
}

static void pt_free_all(struct io_dev *dev, struct io_buf *bufs, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		io_free(dev, 0, &bufs[i]);
}

/* Every buffer of queue 0 is back in the pool: exactly `count` can be allocated. */
static void pt_check_pool_full(struct io_dev *dev, uint32_t count)
{
	struct io_buf *held = calloc(count + 1, sizeof *held);
	CHECK(held != NULL);
	for (uint32_t i = 0; i < count; i++)
		CHECK_MSG(io_alloc(dev, 0, &held[i]) == 0, "buffer %u of %u missing", i, count);
	CHECK_EQ(io_alloc(dev, 0, &held[count]), -ENOBUFS);
	for (uint32_t i = 0; i < count; i++) {
		CHECK(held[i].len == 0 && held[i].cap == IO_PCAP_BUF_BYTES);
		io_free(dev, 0, &held[i]);
	}
	free(held);
}

static struct io_pcap_counters pt_counters(struct io_dev *dev, uint16_t port)
{
	struct io_pcap_counters c;
	CHECK_EQ(io_pcap_port_counters(dev, port, &c), 0);
	return c;
}

static struct io_port_stats pt_stats(struct io_dev *dev, uint16_t port)
{
	struct io_port_stats s;
	CHECK_EQ(dev->ops->port_stats(dev, port, &s), 0);
	return s;
}

/* ---------------------------------------------------------------------------------- */
/* Replay of captures written here                                                    */
/* ---------------------------------------------------------------------------------- */

/* 20 frames of assorted sizes (a 9000-byte jumbo among them), microsecond times. */
static int pt_assorted(struct pt_rec *recs)
{
	static const uint32_t lens[] = {60,   64,  1514, 9014, 342, 74,  1000, 60,  128, 1514,
					1514, 600, 60,   66,   99,  777, 1200, 400, 60,  1514};
	uint64_t t = 1700000000ull * PT_NS + 123456000ull;
	int n = (int)(sizeof lens / sizeof lens[0]);
	for (int i = 0; i < n; i++) {
		recs[i].ts_ns = t;
		recs[i].len = lens[i];
		t += (uint64_t)(i * 7919 + 1) * 1000ull; /* whole microseconds */
	}
	return n;
}

/* Checks that `b` is frame `i` of `recs` as pt_write wrote it. */
static void pt_check_frame(const struct io_buf *b, const struct pt_rec *recs, int i)
{
	static uint8_t want[PT_FRAME_MAX];
	pt_frame(want, recs[i].len, (uint32_t)i);
	CHECK_EQ(b->len, recs[i].len);
	CHECK_MSG(memcmp(b->data, want, recs[i].len) == 0, "frame %d differs", i);
	CHECK_EQ_U64(b->ts_ns, recs[i].ts_ns);
	CHECK_EQ(b->port, 0);
	CHECK_EQ(b->flags, 0);
	CHECK(b->cap == IO_PCAP_BUF_BYTES && b->handle != NULL);
}

TEST(replay_delivers_every_frame_byte_exact_with_its_capture_time)
{
	pt_require_pcap();
	struct pt_rec recs[PT_MAX_FRAMES];
	char path[256];
	int n = pt_assorted(recs);
	pt_path(path, sizeof path, "assorted");
	pt_write(path, DLT_EN10MB, false, recs, n);

	struct io_dev *dev = pt_open1(path, 32);
	CHECK(dev->ops->now_ns != NULL);
	CHECK_EQ_U64(dev->ops->now_ns(dev, 0), recs[0].ts_ns); /* before any frame */
	CHECK(!dev->ops->exhausted(dev));
	struct io_buf held[PT_MAX_FRAMES];
	int got = 0;
	while (got < n) {
		uint16_t k = io_rx_burst(dev, 0, 0, &held[got], 7); /* bursts of 7 */
		CHECK_MSG(k > 0 && k <= 7, "burst returned %u after %d frames", k, got);
		for (int i = got; i < got + k; i++)
			pt_check_frame(&held[i], recs, i);
		got += k;
		/* Fast replay: the clock is the capture time of the last frame delivered. */
		CHECK_EQ_U64(dev->ops->now_ns(dev, 0), recs[got - 1].ts_ns);
		CHECK_EQ(dev->ops->exhausted(dev), got == n);
	}
	CHECK(dev->ops->exhausted(dev));
	CHECK_EQ(io_rx_burst(dev, 0, 0, held + n, 8), 0);
	CHECK_EQ(io_rx_burst(dev, 0, 0, held + n, 8), 0);

	struct io_port_stats st = pt_stats(dev, 0);
	uint64_t bytes = 0;
	for (int i = 0; i < n; i++)
		bytes += recs[i].len;
	CHECK_EQ_U64(st.rx_packets, (uint64_t)n);
	CHECK_EQ_U64(st.rx_bytes, bytes);
	CHECK_EQ_U64(st.rx_missed + st.tx_packets + st.tx_errors, 0);
	CHECK_EQ_U64(pt_counters(dev, 0).rx_truncated, 0);
	CHECK(io_pcap_last_error(dev, 0) == NULL);

	pt_free_all(dev, held, (uint16_t)n);
	pt_check_pool_full(dev, 32);
	io_close(dev);
	unlink(path);
}

TEST(replay_port_info_describes_a_receive_only_file_port)
{
	pt_require_pcap();
	struct pt_rec recs[PT_MAX_FRAMES];
	char path[256];
	pt_path(path, sizeof path, "info");
	pt_write(path, DLT_EN10MB, false, recs, pt_assorted(recs));

	struct mos_config *cfg = pt_cfg((const char *[]){path}, 1);
	static const uint8_t mac[6] = {2, 0x11, 0x22, 0x33, 0x44, 0x55};
	cfg->netdev[0].has_mac = true;
	memcpy(cfg->netdev[0].mac, mac, 6);
	struct io_dev *dev = NULL;
	char err[2048];
	CHECK_MSG(pt_open_cfg(cfg, 1, 8, &dev, err, sizeof err) == 0, "%s", err);
	free(cfg);

	struct io_port_info info;
	CHECK_EQ(dev->ops->port_info(dev, 0, &info), 0);
	CHECK_STREQ(info.name, "pcap0");
	CHECK_STREQ(info.driver, "pcap-file");
	CHECK_STREQ(info.device, path);
	CHECK(memcmp(info.mac, mac, 6) == 0);
	CHECK(info.link_up);
	CHECK_EQ(info.caps & IO_CAP_TX, 0);
	CHECK_EQ(info.caps & (IO_CAP_RSS | IO_CAP_RSS_HASH), 0);
	CHECK_EQ(info.rx_queues, 1);
	CHECK_EQ(info.reta_size + info.rss_key_len, 0);
	CHECK(info.mtu >= 9000); /* captures hold frames beyond 1514 bytes */
	CHECK_EQ(dev->ops->port_info(dev, 1, &info), -EINVAL);
	CHECK(io_pcap_is_pcap(dev));
	CHECK_STREQ(dev->ops->name, "pcap");
	io_close(dev);
	unlink(path);
}

TEST(tx_on_a_file_port_frees_the_buffers_and_counts_errors)
{
	pt_require_pcap();
	struct pt_rec rec = {1700000000ull * PT_NS, 60};
	char path[256];
	pt_path(path, sizeof path, "tx");
	pt_write(path, DLT_EN10MB, false, &rec, 1);
	struct io_dev *dev = pt_open1(path, 4);
	struct io_buf b[3];
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(io_alloc(dev, 0, &b[i]), 0);
		pt_frame(b[i].data, 60, 1);
		b[i].len = 60;
	}
	CHECK_EQ(io_tx_burst(dev, 0, 0, b, 3), 0);
	struct io_port_stats st = pt_stats(dev, 0);
	CHECK_EQ_U64(st.tx_errors, 3);
	CHECK_EQ_U64(st.tx_packets, 0);
	CHECK_CONTAINS(io_pcap_last_error(dev, 0), "cannot send");
	pt_check_pool_full(dev, 4);
	io_close(dev);
	unlink(path);
}

TEST(replay_nanosecond_capture_keeps_nanoseconds)
{
	pt_require_pcap();
	struct pt_rec recs[4] = {{1600000000ull * PT_NS + 1, 60},
				 {1600000000ull * PT_NS + 123456789, 61},
				 {1600000001ull * PT_NS + 999999999, 62},
				 {1600000002ull * PT_NS + 7, 63}};
	char path[256];
	pt_path(path, sizeof path, "nano");
	pt_write(path, DLT_EN10MB, true, recs, 4);
	struct io_dev *dev = pt_open1(path, 8);
	struct io_buf b[8];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 8), 4);
	for (int i = 0; i < 4; i++)
		pt_check_frame(&b[i], recs, i);
	CHECK_EQ_U64(dev->ops->now_ns(dev, 0), recs[3].ts_ns);
	pt_free_all(dev, b, 4);
	io_close(dev);
	unlink(path);
}

TEST(replay_big_endian_files_written_byte_by_byte)
{
	pt_require_pcap();
	/* Both byte orders and both precisions, written without libpcap. */
	for (int v = 0; v < 4; v++) {
		bool be = v & 1, nano = v & 2;
		char path[256], tag[16];
		snprintf(tag, sizeof tag, "raw%d", v);
		pt_path(path, sizeof path, tag);
		FILE *f = pt_raw_open(path, be, nano, 65535, 1);
		uint8_t frame[100];
		uint64_t ts[3] = {1500000000ull * PT_NS + 5000,
				  1500000000ull * PT_NS + 999999000,
				  1500000007ull * PT_NS + 42000};
		if (nano)
			ts[0] += 17, ts[1] += 999, ts[2] += 1;
		for (int i = 0; i < 3; i++) {
			pt_frame(frame, 60u + (uint32_t)i * 20u, (uint32_t)(v * 10 + i));
			pt_raw_record(f, be, nano, ts[i], 60u + (uint32_t)i * 20u,
				      60u + (uint32_t)i * 20u, frame);
		}
		fclose(f);
		struct io_dev *dev = pt_open1(path, 8);
		struct io_buf b[8];
		mt_note("byte order %s, %s", be ? "big" : "little", nano ? "ns" : "us");
		CHECK_EQ(io_rx_burst(dev, 0, 0, b, 8), 3);
		for (int i = 0; i < 3; i++) {
			pt_frame(frame, 60u + (uint32_t)i * 20u, (uint32_t)(v * 10 + i));
			CHECK_EQ(b[i].len, 60 + i * 20);
			CHECK(memcmp(b[i].data, frame, b[i].len) == 0);
			CHECK_EQ_U64(b[i].ts_ns, ts[i]);
		}
		pt_free_all(dev, b, 3);
		io_close(dev);
		unlink(path);
	}
}

TEST(oversized_and_snaplen_cut_frames_are_delivered_short_and_counted)
{
	pt_require_pcap();
	char path[256];
	pt_path(path, sizeof path, "big");
	static uint8_t jumbo[70000];
	pt_frame(jumbo, sizeof jumbo, 9);
	FILE *f = pt_raw_open(path, false, false, 262144, 1);
	uint64_t t = 1400000000ull * PT_NS;
	pt_raw_record(f, false, false, t, 70000, 70000, jumbo);     /* larger than a buffer */
	pt_raw_record(f, false, false, t + 1000, 100, 1500, jumbo); /* snaplen-cut */
	pt_raw_record(f, false, false, t + 2000, 65535, 65535, jumbo); /* fits exactly */
	fclose(f);

	struct io_dev *dev = pt_open1(path, 8);
	struct io_buf b[8];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 8), 3);
	CHECK_EQ(b[0].len, 65535);
	CHECK_EQ(b[1].len, 100);
	CHECK_EQ(b[2].len, 65535);
	for (int i = 0; i < 3; i++)
		CHECK(memcmp(b[i].data, jumbo, b[i].len) == 0);
	CHECK_EQ_U64(pt_counters(dev, 0).rx_truncated, 2);
	CHECK_EQ_U64(pt_stats(dev, 0).rx_packets, 3);
	CHECK_EQ_U64(pt_stats(dev, 0).rx_bytes, 65535 + 100 + 65535);
	pt_free_all(dev, b, 3);
	io_close(dev);
	unlink(path);
}

TEST(full_pool_holds_frames_back_without_losing_them)
{
	pt_require_pcap();
	struct pt_rec recs[PT_MAX_FRAMES];
	char path[256];
	int n = pt_assorted(recs);
	pt_path(path, sizeof path, "pool");
	pt_write(path, DLT_EN10MB, false, recs, n);
	struct io_dev *dev = pt_open1(path, 4);
	struct io_buf b[PT_MAX_FRAMES];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 64), 4); /* only 4 buffers */
	CHECK_EQ(io_rx_burst(dev, 0, 0, b + 4, 64), 0);
	for (int i = 0; i < 4; i++)
		pt_check_frame(&b[i], recs, i);
	int got = 4;
	uint16_t held = 4;
	while (got < n) { /* free what is held, receive the next frames in order */
		pt_free_all(dev, b, held);
		held = io_rx_burst(dev, 0, 0, b, 64);
		CHECK(held > 0 && held <= 4);
		for (int i = 0; i < held; i++)
			pt_check_frame(&b[i], recs, got + i);
		got += held;
	}
	CHECK(dev->ops->exhausted(dev));
	CHECK_EQ_U64(pt_stats(dev, 0).rx_missed, 0);
	pt_free_all(dev, b, held);
	pt_check_pool_full(dev, 4);
	io_close(dev);
	unlink(path);
}

TEST(two_file_ports_are_merged_in_capture_time_order)
{
	pt_require_pcap();
	char pa[256], pb[256];
	struct pt_rec ra[4], rb[4];
	for (int i = 0; i < 4; i++) {
		ra[i] = (struct pt_rec){(uint64_t)(10 + 2 * i) * PT_NS, 60}; /* 10 12 14 16 */
		rb[i] = (struct pt_rec){(uint64_t)(11 + 2 * i) * PT_NS, 70}; /* 11 13 15 17 */
	}
	rb[3].ts_ns = 16 * PT_NS; /* a tie with ra[3]: the lower port goes first */
	pt_path(pa, sizeof pa, "merge_a");
	pt_path(pb, sizeof pb, "merge_b");
	pt_write(pa, DLT_EN10MB, false, ra, 4);
	pt_write(pb, DLT_EN10MB, false, rb, 4);
	struct mos_config *cfg = pt_cfg((const char *[]){pa, pb}, 2);
	struct io_dev *dev = NULL;
	char err[2048];
	CHECK_MSG(pt_open_cfg(cfg, 1, 16, &dev, err, sizeof err) == 0, "%s", err);
	free(cfg);

	/* Port 0 alone gets its first frame, then waits for port 1's earlier one. */
	struct io_buf b[16];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 16), 1);
	CHECK_EQ(io_rx_burst(dev, 0, 0, b + 1, 16), 0);
	int got = 1;
	uint16_t expect_port[8] = {0, 1, 0, 1, 0, 1, 0, 1};
	for (int round = 0; round < 16 && got < 8; round++) {
		for (uint16_t p = 0; p < 2; p++)
			got += io_rx_burst(dev, p, 0, b + got, 16);
	}
	CHECK_EQ(got, 8);
	for (int i = 0; i < 8; i++) {
		CHECK_EQ(b[i].port, expect_port[i]);
		if (i > 0)
			CHECK(b[i].ts_ns >= b[i - 1].ts_ns);
	}
	CHECK_EQ_U64(b[7].ts_ns, 16 * PT_NS);
	CHECK_EQ(b[6].port, 0); /* the tie */
	CHECK(dev->ops->exhausted(dev));
	pt_free_all(dev, b, 8);
	io_close(dev);
	unlink(pa);
	unlink(pb);
}

TEST(port_name_is_the_device_when_device_is_empty)
{
	pt_require_pcap();
	char dir[64], name[32], path[128];
	struct pt_rec rec = {1700000000ull * PT_NS, 60};
	snprintf(dir, sizeof dir, "/tmp");
	snprintf(name, sizeof name, "mos_pt_%ld.pcap", (long)getpid());
	snprintf(path, sizeof path, "%s/%s", dir, name);
	pt_write(path, DLT_EN10MB, false, &rec, 1);
	CHECK_EQ(chdir(dir), 0); /* a relative path is relative to the working directory */
	struct mos_config *cfg = pt_cfg((const char *[]){""}, 1);
	snprintf(cfg->netdev[0].name, sizeof cfg->netdev[0].name, "%s", name);
	struct io_dev *dev = NULL;
	char err[2048];
	int rc = pt_open_cfg(cfg, 1, 4, &dev, err, sizeof err);
	free(cfg);
	CHECK_MSG(rc == 0, "%s", err);
	struct io_buf b[4];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 4), 1);
	pt_free_all(dev, b, 1);
	io_close(dev);
	unlink(path);
}

/* ---------------------------------------------------------------------------------- */
/* Paced replay                                                                       */
/* ---------------------------------------------------------------------------------- */

TEST(paced_replay_releases_frames_at_their_recorded_offsets)
{
	pt_require_pcap();
	const uint64_t t0 = 1700000000ull * PT_NS;
	const uint64_t off[3] = {0, 50 * PT_MS, 100 * PT_MS};
	struct pt_rec recs[3] = {{t0, 60}, {t0 + off[1], 60}, {t0 + off[2], 60}};
	char path[256], dev_str[300];
	pt_path(path, sizeof path, "paced");
	pt_write(path, DLT_EN10MB, false, recs, 3);
	snprintf(dev_str, sizeof dev_str, "file:%s,pace=recorded", path);
	struct io_dev *dev = pt_open1(dev_str, 8);
	struct io_buf b[8];

	CHECK_EQ_U64(dev->ops->now_ns(dev, 0), t0); /* not started yet */
	uint64_t start = pt_mono_ns();
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 8), 1); /* the first frame only */
	uint16_t k = io_rx_burst(dev, 0, 0, b + 1, 8);
	if (pt_mono_ns() - start < off[1])
		CHECK_EQ(k, 0); /* not due yet */
	int got = 1 + k;
	uint64_t prev_now = dev->ops->now_ns(dev, 0);
	while (got < 3 && pt_mono_ns() - start < 5 * PT_NS) {
		pt_sleep_ms(1);
		k = io_rx_burst(dev, 0, 0, b + got, 8);
		uint64_t elapsed = pt_mono_ns() - start;
		for (int i = got; i < got + k; i++) /* never early */
			CHECK_MSG(elapsed >= off[i], "frame %d at %llu ns, due at %llu", i,
				  (unsigned long long)elapsed, (unsigned long long)off[i]);
		got += k;
		uint64_t now = dev->ops->now_ns(dev, 0);
		CHECK(now >= prev_now);
		CHECK(now - t0 <= pt_mono_ns() - start); /* replay time follows the wall */
		prev_now = now;
	}
	CHECK_EQ(got, 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ_U64(b[i].ts_ns, recs[i].ts_ns);
	CHECK(dev->ops->now_ns(dev, 0) - t0 >= off[2]);
	CHECK(dev->ops->exhausted(dev));
	pt_free_all(dev, b, 3);
	io_close(dev);
	unlink(path);
}

/* ---------------------------------------------------------------------------------- */
/* Damaged and foreign files                                                          */
/* ---------------------------------------------------------------------------------- */

TEST(truncated_last_record_ends_the_replay_with_the_error_recorded)
{
	pt_require_pcap();
	struct pt_rec recs[3] = {{1700000000ull * PT_NS, 60},
				 {1700000001ull * PT_NS, 60},
				 {1700000002ull * PT_NS, 60}};
	char path[256];
	pt_path(path, sizeof path, "cut");
	pt_write(path, DLT_EN10MB, false, recs, 3);
	struct stat st;
	CHECK_EQ(stat(path, &st), 0);
	CHECK_EQ(st.st_size, 24 + 3 * (16 + 60));
	CHECK_EQ(truncate(path, st.st_size - (16 + 60) / 2), 0); /* half the last record */

	struct io_dev *dev = pt_open1(path, 8);
	struct io_buf b[8];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 8), 2);
	pt_check_frame(&b[0], recs, 0);
	pt_check_frame(&b[1], recs, 1);
	CHECK(dev->ops->exhausted(dev));
	CHECK_EQ(io_rx_burst(dev, 0, 0, b + 2, 8), 0);
	CHECK_EQ_U64(pt_counters(dev, 0).rx_errors, 1);
	const char *e = io_pcap_last_error(dev, 0);
	CHECK_CONTAINS(e, path);
	CHECK_CONTAINS(e, "pcap0");
	CHECK_CONTAINS(e, "after 2 frames");
	pt_free_all(dev, b, 2);
	io_close(dev);
	unlink(path);
}

TEST(header_only_capture_is_exhausted_at_once)
{
	pt_require_pcap();
	char path[256];
	pt_path(path, sizeof path, "empty");
	pt_write(path, DLT_EN10MB, false, NULL, 0);
	struct io_dev *dev = pt_open1(path, 8);
	CHECK(dev->ops->exhausted(dev));
	struct io_buf b[8];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 8), 0);
	CHECK_EQ_U64(pt_stats(dev, 0).rx_packets, 0);
	CHECK(io_pcap_last_error(dev, 0) == NULL);
	io_close(dev);
	unlink(path);
}

TEST(not_a_capture_file_fails_to_open_naming_the_file)
{
	pt_require_pcap();
	char path[256], dev_str[300], err[2048];
	pt_path(path, sizeof path, "text");
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("this is a text file, not a packet capture\n", f);
	fclose(f);
	snprintf(dev_str, sizeof dev_str, "file:%s", path);
	CHECK_EQ(pt_open1_fail(dev_str, 1, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, path);
	CHECK_CONTAINS(err, "pcap0");
	unlink(path);

	CHECK_EQ(pt_open1_fail(dev_str, 1, err, sizeof err), -ENOENT); /* now gone */
	CHECK_CONTAINS(err, path);
}

TEST(non_ethernet_capture_is_rejected_naming_the_link_type)
{
	pt_require_pcap();
	struct pt_rec rec = {1700000000ull * PT_NS, 40};
	char path[256], err[2048];
	pt_path(path, sizeof path, "rawip");
	pt_write(path, DLT_RAW, false, &rec, 1);
	CHECK_EQ(pt_open1_fail(path, 1, err, sizeof err), -ENOTSUP);
	CHECK_CONTAINS(err, path);
	CHECK_CONTAINS(err, "RAW");
	CHECK_CONTAINS(err, "EN10MB");
	unlink(path);
}

/* ---------------------------------------------------------------------------------- */
/* Real captures (../shared/data)                                                     */
/* ---------------------------------------------------------------------------------- */

static const char *pt_data_dir(void)
{
	const char *dir = mt_shared_data_dir();
	CHECK_MSG(dir != NULL,
		  "shared data directory missing (expected %s/../shared/data, or set "
		  "MOS_SHARED_DATA): the real-capture tests need it",
		  mt_repo_dir());
	return dir;
}

static uint8_t *pt_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CHECK_MSG(f != NULL, "cannot open %s", path);
	CHECK(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	CHECK(n >= 0 && fseek(f, 0, SEEK_SET) == 0);
	uint8_t *buf = malloc((size_t)n + 1);
	CHECK(buf != NULL);
	CHECK_EQ(fread(buf, 1, (size_t)n, f), n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static uint32_t pt_get32(const uint8_t *p, bool be)
{
	return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
		  : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* An independent reading of a classic pcap file (this test's own parser). */
struct pt_raw {
	uint8_t *bytes;
	size_t len, off;
	bool be, nano;
};

struct pt_raw_rec {
	uint64_t ts_ns;
	uint32_t caplen, wirelen;
	const uint8_t *data;
};

static void pt_raw_load(struct pt_raw *r, const char *path)
{
	r->bytes = pt_read_file(path, &r->len);
	CHECK_MSG(r->len >= 24, "%s: shorter than a pcap header", path);
	uint32_t le = pt_get32(r->bytes, false);
	r->be = le == 0xd4c3b2a1u || le == 0x4d3cb2a1u;
	uint32_t magic = pt_get32(r->bytes, r->be);
	CHECK_MSG(magic == 0xa1b2c3d4u || magic == 0xa1b23c4du, "%s: not a classic pcap", path);
	r->nano = magic == 0xa1b23c4du;
	r->off = 24;
}

/* The next record, or false at the end of the file. */
static bool pt_raw_next(struct pt_raw *r, struct pt_raw_rec *rec)
{
	if (r->off == r->len)
		return false;
	CHECK(r->off + 16 <= r->len);
	const uint8_t *h = r->bytes + r->off;
	uint64_t frac = pt_get32(h + 4, r->be);
	rec->ts_ns = pt_get32(h, r->be) * PT_NS + frac * (r->nano ? 1u : 1000u);
	rec->caplen = pt_get32(h + 8, r->be);
	rec->wirelen = pt_get32(h + 12, r->be);
	rec->data = h + 16;
	CHECK(r->off + 16 + rec->caplen <= r->len);
	r->off += 16 + rec->caplen;
	return true;
}

/* Replays `path` and checks every frame against the file's own bytes: length (a
 * frame longer than a buffer is cut to it), data, capture time; then that the whole
 * file was read and that what was cut short was counted. Returns the frame count. */
static uint64_t pt_replay_against_bytes(const char *path)
{
	struct pt_raw r;
	struct pt_raw_rec rec;
	uint64_t frames = 0, cut = 0;
	pt_raw_load(&r, path);
	struct io_dev *dev = pt_open1(path, 64);
	struct io_buf b[64];
	uint16_t k;
	while ((k = io_rx_burst(dev, 0, 0, b, 64)) > 0) {
		for (uint16_t i = 0; i < k; i++, frames++) {
			CHECK_MSG(pt_raw_next(&r, &rec), "frame %" PRIu64 " not in the file",
				  frames);
			uint32_t want = rec.caplen < 65535 ? rec.caplen : 65535;
			cut += want < rec.wirelen;
			CHECK_EQ(b[i].len, want);
			CHECK_MSG(memcmp(b[i].data, rec.data, want) == 0, "frame %" PRIu64,
				  frames);
			CHECK_EQ_U64(b[i].ts_ns, rec.ts_ns);
		}
		pt_free_all(dev, b, k);
	}
	CHECK_MSG(!pt_raw_next(&r, &rec), "replay stopped after %" PRIu64 " frames", frames);
	CHECK(dev->ops->exhausted(dev));
	CHECK_MSG(io_pcap_last_error(dev, 0) == NULL, "%s", io_pcap_last_error(dev, 0));
	CHECK_EQ_U64(pt_counters(dev, 0).rx_truncated, cut);
	io_close(dev);
	free(r.bytes);
	return frames;
}

TEST(replay_big_endian_nanosecond_capture_matches_its_bytes)
{
	pt_require_pcap();
	char path[4200], tsv[4200];
	snprintf(path, sizeof path, "%s/pcaps/pcapplusplus/nanosecs_big_endian.pcap",
		 pt_data_dir());
	snprintf(tsv, sizeof tsv,
		 "%s/expected/pcapplusplus/nanosecs_big_endian/connections.tsv", pt_data_dir());
	struct pt_raw r;
	pt_raw_load(&r, path);
	CHECK(r.be && r.nano);
	free(r.bytes);
	CHECK_EQ(pt_replay_against_bytes(path), 10);

	struct io_dev *dev = pt_open1(path, 8);
	struct io_buf b[1];
	CHECK_EQ(io_rx_burst(dev, 0, 0, b, 1), 1);
	CHECK_EQ_U64(b[0].ts_ns, 1766361926ull * PT_NS + 167647291ull); /* from the header */

	/* tshark's first timestamp (microseconds) of the capture's only connection. */
	size_t tlen;
	char *text = (char *)pt_read_file(tsv, &tlen);
	char *row = strchr(text, '\n');
	CHECK(row != NULL);
	unsigned long long sec = 0, usec = 0;
	char *field = row + 1;
	for (int col = 0; col < 5 && field != NULL; col++) /* idx client server by encap */
		field = strchr(field, '\t') ? strchr(field, '\t') + 1 : NULL;
	CHECK(field != NULL && sscanf(field, "%llu.%6llu", &sec, &usec) == 2);
	CHECK_EQ_U64(b[0].ts_ns / 1000u, sec * 1000000ull + usec);
	free(text);
	pt_free_all(dev, b, 1);
	io_close(dev);
}

TEST(replay_every_shared_capture_delivers_its_packet_count)
{
	pt_require_pcap();
	char path[4200];
	snprintf(path, sizeof path, "%s/pcaps/MANIFEST.tsv", pt_data_dir());
	size_t len;
	char *text = (char *)pt_read_file(path, &len);
	int files = 0;
	char *save = NULL;
	strtok_r(text, "\n", &save); /* header: file ... packets(7) ... */
	for (char *line = strtok_r(NULL, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *cols[12] = {0};
		int nc = 0;
		for (char *c = line; nc < 12 && c != NULL; nc++) {
			cols[nc] = c;
			c = strchr(c, '\t');
			if (c != NULL)
				*c++ = '\0';
		}
		CHECK_MSG(nc >= 8, "short MANIFEST row: %s", line);
		char pcap[4400];
		snprintf(pcap, sizeof pcap, "%s/pcaps/%s", pt_data_dir(), cols[0]);
		mt_note("capture %s", cols[0]);
		CHECK_EQ_U64(pt_replay_against_bytes(pcap), strtoull(cols[7], NULL, 10));
		files++;
	}
	CHECK_MSG(files >= 78, "MANIFEST lists %d captures", files);
	free(text);
}

/* ---------------------------------------------------------------------------------- */
/* Device strings and open errors                                                     */
/* ---------------------------------------------------------------------------------- */

static struct io_pcap_device pt_parse_ok(const char *text)
{
	struct io_pcap_device d;
	char err[512] = "";
	CHECK_MSG(io_pcap_parse_device(text, &d, err, sizeof err) == 0, "'%s': %s", text, err);
	return d;
}

static void pt_parse_bad(const char *text, const char *needle)
{
	struct io_pcap_device d;
	char err[512] = "";
	CHECK_MSG(io_pcap_parse_device(text, &d, err, sizeof err) == -EINVAL,
		  "'%s' was accepted", text);
	CHECK_CONTAINS(err, needle);
}

TEST(device_strings_follow_the_grammar)
{
	pt_require_pcap();
	struct io_pcap_device d = pt_parse_ok("file:/data/x.pcap,pace=recorded");
	CHECK(d.kind == IO_PCAP_FILE && d.paced && d.pace_given);
	CHECK_STREQ(d.target, "/data/x.pcap");
	d = pt_parse_ok("iface:eth0,snaplen=128");
	CHECK(d.kind == IO_PCAP_IFACE && !d.paced && d.snaplen == 128);
	CHECK_STREQ(d.target, "eth0");
	d = pt_parse_ok("trace.pcap");
	CHECK(d.kind == IO_PCAP_AUTO && !d.paced && d.snaplen == IO_PCAP_SNAPLEN_DEFAULT);
	d = pt_parse_ok("x,pace=fast");
	CHECK(!d.paced && d.pace_given);
	d = pt_parse_ok("iface:lo,snaplen=65535");
	CHECK_EQ(d.snaplen, 65535);

	pt_parse_bad("file:", "no file or interface name");
	pt_parse_bad(",pace=fast", "no file or interface name");
	pt_parse_bad("x,pace=slow", "pace=slow");
	pt_parse_bad("x,pace=fast,pace=recorded", "given twice");
	pt_parse_bad("x,snaplen=10", "snaplen=64..65535");
	pt_parse_bad("x,snaplen=65536", "snaplen=64..65535");
	pt_parse_bad("x,snaplen=12ab", "snaplen=64..65535");
	pt_parse_bad("x,speed=fast", "unknown pcap device option 'speed=fast'");
	pt_parse_bad("x,", "unknown pcap device option ''");
	pt_parse_bad("x,pace", "unknown pcap device option 'pace'");
}

TEST(bare_device_is_a_file_when_one_exists_else_an_interface)
{
	pt_require_pcap();
	char path[256], text[300], err[512];
	pt_path(path, sizeof path, "resolve");
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	fclose(f);
	struct io_pcap_device d = pt_parse_ok(path);
	CHECK_EQ(io_pcap_resolve_device(&d, err, sizeof err), 0);
	CHECK(d.kind == IO_PCAP_FILE);
	d = pt_parse_ok("/tmp"); /* a directory is not a capture file */
	CHECK_EQ(io_pcap_resolve_device(&d, err, sizeof err), 0);
	CHECK(d.kind == IO_PCAP_IFACE);
	d = pt_parse_ok("eth0");
	CHECK_EQ(io_pcap_resolve_device(&d, err, sizeof err), 0);
	CHECK(d.kind == IO_PCAP_IFACE);

	snprintf(text, sizeof text, "%s,snaplen=100", path);
	d = pt_parse_ok(text);
	CHECK_EQ(io_pcap_resolve_device(&d, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, "snaplen= applies to live interfaces");
	d = pt_parse_ok("iface:eth0,pace=recorded");
	CHECK_EQ(io_pcap_resolve_device(&d, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, "not to live interfaces");
	d = pt_parse_ok("no_such_file.pcap,pace=recorded");
	CHECK_EQ(io_pcap_resolve_device(&d, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, "no regular file of that name exists");
	unlink(path);
}

TEST(open_rejects_several_queues_mixed_ports_and_mixed_paces)
{
	pt_require_pcap();
	struct pt_rec rec = {1700000000ull * PT_NS, 60};
	char path[256], paced[300], err[2048];
	pt_path(path, sizeof path, "rules");
	pt_write(path, DLT_EN10MB, false, &rec, 1);

	CHECK_EQ(pt_open1_fail(path, 2, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, "pcap file replay runs on one core");
	CHECK_EQ(pt_open1_fail("iface:lo", 2, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, "pcap live capture runs on one core");
	CHECK_EQ(pt_open1_fail("file:x,pace=bad", 1, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, "netdev 'pcap0': pcap device option 'pace=bad'");

	struct io_dev *dev = (struct io_dev *)1;
	struct mos_config *cfg = pt_cfg((const char *[]){path, "iface:lo"}, 2);
	CHECK_EQ(pt_open_cfg(cfg, 1, 8, &dev, err, sizeof err), -EINVAL);
	CHECK(dev == NULL);
	CHECK_CONTAINS(err, "replays files or captures live, not both");
	free(cfg);

	snprintf(paced, sizeof paced, "file:%s,pace=recorded", path);
	cfg = pt_cfg((const char *[]){path, paced}, 2);
	CHECK_EQ(pt_open_cfg(cfg, 1, 8, &dev, err, sizeof err), -EINVAL);
	CHECK_CONTAINS(err, "share one pace");
	free(cfg);

	/* A bad second port releases the first one's handle (ASan: no leak). */
	cfg = pt_cfg((const char *[]){path, "file:/nonexistent/x.pcap"}, 2);
	CHECK_EQ(pt_open_cfg(cfg, 1, 8, &dev, err, sizeof err), -ENOENT);
	CHECK_CONTAINS(err, "netdev 'pcap1': cannot open capture file '/nonexistent/x.pcap'");
	free(cfg);
	unlink(path);
}

TEST(unknown_interface_fails_with_a_clear_message)
{
	pt_require_pcap();
	char err[2048];
	int rc = pt_open1_fail("iface:mosnope0", 1, err, sizeof err);
	if (geteuid() == 0) {
		CHECK_EQ(rc, -ENODEV);
		CHECK_CONTAINS(err, "netdev 'pcap0': no network interface 'mosnope0'");
		rc = pt_open1_fail("mos_nope_file.pcap", 1, err, sizeof err);
		CHECK_EQ(rc, -ENODEV);
		CHECK_CONTAINS(err, "'mos_nope_file.pcap' is neither an existing file nor a "
				    "network interface");
	} else { /* without privileges libpcap stops at the permission check */
		CHECK_EQ(rc, -EPERM);
		CHECK_CONTAINS(err, "no permission to capture on interface 'mosnope0'");
	}
}

/* ---------------------------------------------------------------------------------- */
/* Live capture on a veth pair                                                        */
/* ---------------------------------------------------------------------------------- */

struct pt_veth {
	char ns[32], a[32], b[32];
};

static const uint8_t pt_mac_a[6] = {2, 0, 0, 0, 0xaa, 1};
static const uint8_t pt_mac_b[6] = {2, 0, 0, 0, 0xaa, 2};

static int pt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int pt_sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	int rc = system(cmd);
	return rc == -1 || !WIFEXITED(rc) ? -1 : WEXITSTATUS(rc);
}

/* A namespace with a veth pair a <-> b (MTU 1400, known MACs), both up. */
static int pt_veth_create(const struct pt_veth *v)
{
	if (pt_sh("ip netns add %s", v->ns) != 0)
		return -1;
	return pt_sh("ip -n %s link add %s address 02:00:00:00:aa:01 mtu 1400 type veth peer "
		     "name %s address 02:00:00:00:aa:02 mtu 1400 && ip -n %s link set %s up && "
		     "ip -n %s link set %s up",
		     v->ns, v->a, v->b, v->ns, v->a, v->ns, v->b);
}

/* Frame from `src` to `dst` carrying a marker, padded to 60 bytes. */
static uint16_t pt_live_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src,
			      const char *marker)
{
	memset(f, 0, 60);
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = 0x88;
	f[13] = 0xb5;
	snprintf((char *)f + 14, 46, "%s", marker);
	return 60;
}

/* Polls `rx_port` (and `other`, which must not see the frame) for up to 2 s for a frame
 * equal to `want`; returns its capture time. */
static uint64_t pt_live_expect(struct io_dev *dev, uint16_t rx_port, uint16_t other,
			       const uint8_t *want, uint16_t len)
{
	struct io_buf b[IO_BURST_MAX];
	uint64_t deadline = pt_mono_ns() + 2 * PT_NS, ts = 0;
	while (ts == 0 && pt_mono_ns() < deadline) {
		uint16_t k = io_rx_burst(dev, other, 0, b, IO_BURST_MAX);
		for (uint16_t i = 0; i < k; i++)
			CHECK_MSG(b[i].len != len || memcmp(b[i].data, want, len) != 0,
				  "port %u captured its own transmission", other);
		pt_free_all(dev, b, k);
		k = io_rx_burst(dev, rx_port, 0, b, IO_BURST_MAX);
		for (uint16_t i = 0; i < k; i++) {
			CHECK_EQ(b[i].port, rx_port);
			if (b[i].len == len && memcmp(b[i].data, want, len) == 0)
				ts = b[i].ts_ns;
		}
		pt_free_all(dev, b, k);
		if (ts == 0)
			pt_sleep_ms(1);
	}
	CHECK_MSG(ts != 0, "frame not captured on port %u within 2 s", rx_port);
	return ts;
}

static void pt_live_check_info(struct io_dev *dev, uint16_t port, const char *ifname,
			       const uint8_t *mac)
{
	struct io_port_info info;
	uint64_t deadline = pt_mono_ns() + 2 * PT_NS;
	for (;;) { /* the carrier comes up shortly after both ends are up */
		CHECK_EQ(dev->ops->port_info(dev, port, &info), 0);
		if (info.link_up || pt_mono_ns() > deadline)
			break;
		pt_sleep_ms(10);
	}
	CHECK_STREQ(info.driver, "pcap-live");
	CHECK_STREQ(info.device, ifname);
	CHECK(memcmp(info.mac, mac, 6) == 0); /* read from the interface */
	CHECK(info.link_up);
	CHECK_EQ(info.mtu, 1400);
	CHECK(info.caps & IO_CAP_TX);
	CHECK_EQ(info.caps & IO_CAP_RSS, 0);
	CHECK_EQ(info.rx_queues, 1);
}

/* Sends `marker` from port `tx` to port `rx` and checks its arrival. */
static void pt_live_send(struct io_dev *dev, uint16_t tx, uint16_t rx, const char *marker)
{
	uint8_t want[60];
	const uint8_t *src = tx == 0 ? pt_mac_a : pt_mac_b,
		      *dst = tx == 0 ? pt_mac_b : pt_mac_a;
	uint16_t len = pt_live_frame(want, dst, src, marker);
	struct io_buf b;
	CHECK_EQ(io_alloc(dev, 0, &b), 0);
	memcpy(b.data, want, len);
	b.len = len;
	b.port = tx;
	CHECK_EQ(io_tx_burst(dev, tx, 0, &b, 1), 1);
	uint64_t ts = pt_live_expect(dev, rx, tx, want, len);
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t wall = (uint64_t)now.tv_sec * PT_NS + (uint64_t)now.tv_nsec;
	CHECK(ts <= wall && wall - ts < 60 * PT_NS); /* a kernel capture time */
}

/* The scenario, run inside the namespace. */
static void pt_live_scenario(const struct pt_veth *v)
{
	char da[48], db[48], err[2048];
	snprintf(da, sizeof da, "iface:%s", v->a);
	snprintf(db, sizeof db, "iface:%s", v->b);
	struct mos_config *cfg = pt_cfg((const char *[]){da, db}, 2);
	struct io_dev *dev = NULL;
	int rc = pt_open_cfg(cfg, 1, 64, &dev, err, sizeof err);
	free(cfg);
	CHECK_MSG(rc == 0, "%s", err);
	CHECK(dev->ops->now_ns == NULL); /* live: the monotonic clock */
	CHECK(!dev->ops->exhausted(dev));
	pt_live_check_info(dev, 0, v->a, pt_mac_a);
	pt_live_check_info(dev, 1, v->b, pt_mac_b);

	pt_live_send(dev, 0, 1, "mos-pcap a->b");
	pt_live_send(dev, 1, 0, "mos-pcap b->a");
	CHECK_EQ_U64(pt_stats(dev, 0).tx_packets, 1);
	CHECK_EQ_U64(pt_stats(dev, 1).tx_packets, 1);
	CHECK(pt_stats(dev, 0).rx_packets >= 1 && pt_stats(dev, 1).rx_packets >= 1);
	CHECK_EQ_U64(pt_stats(dev, 0).tx_bytes, 60);

	/* Larger than the MTU: the kernel refuses it, counted as a transmit error. */
	struct io_buf big;
	CHECK_EQ(io_alloc(dev, 0, &big), 0);
	pt_frame(big.data, 3000, 5);
	big.len = 3000;
	CHECK_EQ(io_tx_burst(dev, 0, 0, &big, 1), 0);
	CHECK_EQ_U64(pt_stats(dev, 0).tx_errors, 1);
	CHECK_CONTAINS(io_pcap_last_error(dev, 0), "transmit");
	io_close(dev);
}

TEST(live_veth_pair_transmits_and_captures_frames_both_ways)
{
	pt_require_pcap();
	CHECK_MSG(geteuid() == 0, "live capture test needs root (creates a network namespace "
				  "and a veth pair); run it as root");
	struct pt_veth v;
	long pid = (long)getpid();
	snprintf(v.ns, sizeof v.ns, "mospt%ld", pid);
	snprintf(v.a, sizeof v.a, "mosv%lda", pid);
	snprintf(v.b, sizeof v.b, "mosv%ldb", pid);
	pt_sh("ip netns del %s 2>/dev/null", v.ns); /* a leftover of a reused pid */
	int rc = pt_veth_create(&v);
	pid_t child = rc == 0 ? fork() : -1;
	if (child == 0) { /* the scenario runs in the namespace; a failure exits non-zero */
		char nspath[64];
		snprintf(nspath, sizeof nspath, "/run/netns/%s", v.ns);
		int fd = open(nspath, O_RDONLY | O_CLOEXEC);
		CHECK_MSG(fd >= 0 && setns(fd, CLONE_NEWNET) == 0, "cannot enter %s", nspath);
		close(fd);
		pt_live_scenario(&v);
		exit(0); /* (not _exit: ASan's leak check runs at exit) */
	}
	int status = -1;
	if (child > 0)
		waitpid(child, &status, 0);
	pt_sh("ip netns del %s", v.ns); /* also removes the veth pair */
	CHECK_MSG(rc == 0, "cannot create namespace %s with veth %s/%s (ip failed)", v.ns, v.a,
		  v.b);
	CHECK_MSG(child > 0, "fork failed");
	CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		  "live scenario failed in namespace %s (status 0x%x; see its output above)",
		  v.ns, status);
}

#endif /* PT_HAVE_PCAP_H */
