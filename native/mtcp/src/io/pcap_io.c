/* pcap_io.c - the libpcap backend (io = pcap): replays capture files (receive only,
 * with the capture's clock) and captures and transmits on live Linux interfaces.
 * Device strings and the rules of an instance: io/pcap_io.h.
 *
 * Frames are copied from libpcap's buffer (which libpcap owns and reuses on the next
 * read) into buffers of a per-queue pool, so the engine holds them as long as it likes.
 * A file port reads one record ahead: that record decides whether the port is next in
 * the chronological merge of several files and, in paced mode, whether it is due.
 */
#include <errno.h>
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/assert.h"
#include "base/pool.h"
#include "engine/config.h"
#include "io/io_open.h"
#include "io/pcap_io.h"

#define PCAPIO_LIVE_BUFFER_BYTES (8 * 1024 * 1024) /* kernel ring of a live capture */
#define PCAPIO_ERR_MAX 1536 /* room for a 1023-character path and libpcap's text */
#define PCAPIO_ETH_HDR_BYTES 14u
#define PCAPIO_NS_PER_S 1000000000ull

/* One captured frame as libpcap hands it over (data valid until its next read). */
struct pcapio_frame {
	const u_char *data;
	uint32_t caplen;  /* bytes captured */
	uint32_t wirelen; /* bytes on the wire */
	uint64_t ts_ns;
};

struct pcapio_port {
	pcap_t *pc;
	bool live;
	bool nano; /* live: libpcap gives ns timestamps (else us) */
	uint16_t index;
	char name[MOS_CONF_MAX_IFNAME + 1]; /* the netdev name */
	struct io_pcap_device dev;          /* dev.target: the file path or interface */
	bool has_cfg_mac;
	uint8_t cfg_mac[6];
	/* File replay: the record read ahead. Invariant: eof or next holds a frame. */
	bool eof;
	struct pcapio_frame next;
	uint64_t records_read;
	struct io_port_stats stats;
	struct io_pcap_counters ctr;
	char err[PCAPIO_ERR_MAX]; /* latest error, "" if none */
};

struct pcapio_dev {
	struct io_dev head; /* first member: the engine's handle */
	bool files;         /* a replay instance (else live) */
	bool paced;         /* pace=recorded */
	bool started;       /* paced: the first rx_burst happened at start_mono_ns */
	uint64_t start_mono_ns;
	uint64_t origin_ts_ns; /* earliest first capture time of the file ports */
	uint64_t max_ts_ns;    /* latest capture time delivered */
	uint32_t bufs_per_queue;
	struct pool pools[IO_MAX_QUEUES];
	bool pool_ready[IO_MAX_QUEUES];
	struct pcapio_port ports[IO_MAX_PORTS];
};

static const struct io_ops pcapio_file_ops;
static const struct io_ops pcapio_live_ops;

static struct pcapio_dev *pcapio_of(struct io_dev *dev)
{
	MOS_ASSERT(dev->ops == &pcapio_file_ops || dev->ops == &pcapio_live_ops);
	return MOS_CONTAINER_OF(dev, struct pcapio_dev, head);
}

/* The port of a data-path call; out-of-range indices are programming errors. */
static struct pcapio_port *pcapio_port_of(struct io_dev *dev, uint16_t port, uint16_t queue)
{
	MOS_ASSERT_MSG(port < dev->port_count && queue < dev->queue_count,
		       "port %u of %u, queue %u of %u", port, dev->port_count, queue,
		       dev->queue_count);
	return &pcapio_of(dev)->ports[port];
}

/* Records the latest error of a port. */
static void pcapio_port_error(struct pcapio_port *pp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void pcapio_port_error(struct pcapio_port *pp, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(pp->err, sizeof pp->err, fmt, ap);
	va_end(ap);
}

static uint64_t pcapio_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * PCAPIO_NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t pcapio_ts_ns(const struct pcap_pkthdr *h, bool nano)
{
	if (h->ts.tv_sec < 0 || h->ts.tv_usec < 0)
		return 0;
	uint64_t frac = (uint64_t)h->ts.tv_usec * (nano ? 1u : 1000u);
	return (uint64_t)h->ts.tv_sec * PCAPIO_NS_PER_S + frac;
}

/* ---------------------------------------------------------------------------------- */
/* Buffers                                                                            */
/* ---------------------------------------------------------------------------------- */

static int pcapio_alloc(struct io_dev *dev, uint16_t queue, struct io_buf *buf)
{
	struct pcapio_dev *d = pcapio_of(dev);
	MOS_ASSERT_MSG(queue < dev->queue_count, "queue %u of %u", queue, dev->queue_count);
	uint8_t *obj = pool_get(&d->pools[queue]);
	if (obj == NULL)
		return -ENOBUFS;
	memset(buf, 0, sizeof *buf);
	buf->data = obj + IO_PCAP_HEADROOM;
	buf->cap = (uint16_t)IO_PCAP_BUF_BYTES;
	buf->handle = obj;
	return 0;
}

/* Any queue's buffer may be freed on any queue: it goes back to the pool it came from. */
static void pcapio_free(struct io_dev *dev, uint16_t queue, struct io_buf *buf)
{
	struct pcapio_dev *d = pcapio_of(dev);
	(void)queue;
	for (uint16_t q = 0; q < dev->queue_count; q++) {
		if (pool_owns(&d->pools[q], buf->handle)) {
			pool_put(&d->pools[q], buf->handle);
			buf->handle = NULL;
			buf->data = NULL;
			return;
		}
	}
	MOS_ASSERT_MSG(false, "buffer %p does not belong to this pcap instance", buf->handle);
}

/* Copies `f` into a fresh buffer of `queue`: false when none is free. */
static bool pcapio_deliver(struct pcapio_dev *d, struct pcapio_port *pp, uint16_t queue,
			   const struct pcapio_frame *f, struct io_buf *buf)
{
	if (pcapio_alloc(&d->head, queue, buf) != 0)
		return false;
	uint32_t len = f->caplen < IO_PCAP_BUF_BYTES ? f->caplen : IO_PCAP_BUF_BYTES;
	if (len < f->caplen || f->caplen < f->wirelen) {
		pp->ctr.rx_truncated++;
		buf->flags |= IO_RX_TRUNCATED;
	}
	if (len > 0)
		memcpy(buf->data, f->data, len);
	buf->len = (uint16_t)len;
	buf->port = pp->index;
	buf->ts_ns = f->ts_ns;
	pp->stats.rx_packets++;
	pp->stats.rx_bytes += len;
	if (f->ts_ns > d->max_ts_ns)
		d->max_ts_ns = f->ts_ns;
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* File replay                                                                        */
/* ---------------------------------------------------------------------------------- */

/* Reads the next record of a file port into pp->next. At the end of the file, or on a
 * read error (a record cut short, which is how a capture interrupted while being
 * written ends), the port reaches eof; an error is counted and kept in pp->err. */
static void pcapio_file_advance(struct pcapio_port *pp)
{
	struct pcap_pkthdr *h;
	const u_char *data;
	int rc = pcap_next_ex(pp->pc, &h, &data);
	if (rc == 1) {
		pp->next.data = data;
		pp->next.caplen = h->caplen;
		pp->next.wirelen = h->len;
		pp->next.ts_ns = pcapio_ts_ns(h, true);
		pp->records_read++;
		return;
	}
	pp->eof = true;
	memset(&pp->next, 0, sizeof pp->next);
	if (rc == PCAP_ERROR_BREAK) /* the end of the file */
		return;
	pp->ctr.rx_errors++;
	pcapio_port_error(
		pp,
		"netdev '%s': capture file '%s': %s (replay ended after %" PRIu64 " frames)",
		pp->name, pp->dev.target, rc == PCAP_ERROR ? pcap_geterr(pp->pc) : "read error",
		pp->records_read);
}

/* pp's waiting frame comes before that of every other file port (earlier capture time;
 * on a tie, the lower port). */
static bool pcapio_file_is_next(const struct pcapio_dev *d, const struct pcapio_port *pp)
{
	for (uint16_t i = 0; i < d->head.port_count; i++) {
		const struct pcapio_port *q = &d->ports[i];
		if (q == pp || q->eof)
			continue;
		if (q->next.ts_ns < pp->next.ts_ns ||
		    (q->next.ts_ns == pp->next.ts_ns && i < pp->index))
			return false;
	}
	return true;
}

/* Paced mode: the waiting frame's offset from the first frame has elapsed. */
static bool pcapio_file_due(const struct pcapio_dev *d, const struct pcapio_port *pp,
			    uint64_t mono_ns)
{
	if (!d->paced || pp->next.ts_ns <= d->origin_ts_ns)
		return true;
	return pp->next.ts_ns - d->origin_ts_ns <= mono_ns - d->start_mono_ns;
}

static uint16_t pcapio_file_rx_burst(struct io_dev *dev, uint16_t port, uint16_t queue,
				     struct io_buf *bufs, uint16_t max)
{
	struct pcapio_port *pp = pcapio_port_of(dev, port, queue);
	struct pcapio_dev *d = pcapio_of(dev);
	uint64_t mono_ns = 0;
	MOS_ASSERT(max <= IO_BURST_MAX);
	if (d->paced) {
		mono_ns = pcapio_mono_ns();
		if (!d->started) {
			d->started = true;
			d->start_mono_ns = mono_ns;
		}
	}
	uint16_t n = 0;
	while (n < max && !pp->eof && pcapio_file_due(d, pp, mono_ns) &&
	       pcapio_file_is_next(d, pp)) {
		if (!pcapio_deliver(d, pp, queue, &pp->next, &bufs[n]))
			break; /* no buffer: the frame waits for the next call */
		n++;
		pcapio_file_advance(pp);
	}
	return n;
}

/* Replay time: the latest capture time delivered (fast), or the first capture time
 * plus the time elapsed since the first rx_burst (paced). */
static uint64_t pcapio_file_now_ns(struct io_dev *dev, uint16_t queue)
{
	struct pcapio_dev *d = pcapio_of(dev);
	(void)queue;
	if (!d->paced)
		return d->max_ts_ns > d->origin_ts_ns ? d->max_ts_ns : d->origin_ts_ns;
	if (!d->started)
		return d->origin_ts_ns;
	return d->origin_ts_ns + (pcapio_mono_ns() - d->start_mono_ns);
}

static bool pcapio_file_exhausted(struct io_dev *dev)
{
	struct pcapio_dev *d = pcapio_of(dev);
	for (uint16_t i = 0; i < dev->port_count; i++) {
		if (!d->ports[i].eof)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------------- */
/* Live capture                                                                       */
/* ---------------------------------------------------------------------------------- */

struct pcapio_live_rx {
	struct pcapio_dev *d;
	struct pcapio_port *pp;
	uint16_t queue;
	uint16_t n, max;
	struct io_buf *bufs;
};

static void pcapio_live_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcapio_live_rx *rx = (struct pcapio_live_rx *)(void *)user;
	struct pcapio_frame f = {bytes, h->caplen, h->len, pcapio_ts_ns(h, rx->pp->nano)};
	if (rx->n < rx->max && pcapio_deliver(rx->d, rx->pp, rx->queue, &f, &rx->bufs[rx->n]))
		rx->n++;
	else
		rx->pp->ctr.rx_no_buffer++;
}

static uint16_t pcapio_live_rx_burst(struct io_dev *dev, uint16_t port, uint16_t queue,
				     struct io_buf *bufs, uint16_t max)
{
	struct pcapio_port *pp = pcapio_port_of(dev, port, queue);
	struct pcapio_dev *d = pcapio_of(dev);
	MOS_ASSERT(max <= IO_BURST_MAX);
	/* Ask libpcap for no more frames than there are free buffers: the rest stay in
	 * the kernel ring instead of being dropped here. */
	uint32_t avail = pool_available(&d->pools[queue]);
	uint16_t want = avail < max ? (uint16_t)avail : max;
	if (want == 0)
		return 0;
	struct pcapio_live_rx rx = {d, pp, queue, 0, want, bufs};
	int rc = pcap_dispatch(pp->pc, want, pcapio_live_frame, (u_char *)(void *)&rx);
	if (rc == PCAP_ERROR) {
		pp->ctr.rx_errors++;
		pcapio_port_error(pp, "netdev '%s': interface '%s': receive: %s", pp->name,
				  pp->dev.target, pcap_geterr(pp->pc));
	}
	return rx.n;
}

static bool pcapio_live_exhausted(struct io_dev *dev)
{
	(void)dev;
	return false;
}

/* Takes the buffers: live ports inject each frame, file ports cannot send (their caps
 * lack IO_CAP_TX) and count every frame as a transmit error. */
static uint16_t pcapio_tx_burst(struct io_dev *dev, uint16_t port, uint16_t queue,
				struct io_buf *bufs, uint16_t n)
{
	struct pcapio_port *pp = pcapio_port_of(dev, port, queue);
	uint16_t sent = 0;
	for (uint16_t i = 0; i < n; i++) {
		struct io_buf *b = &bufs[i];
		if (pp->live && pcap_inject(pp->pc, b->data, b->len) == (int)b->len) {
			sent++;
			pp->stats.tx_packets++;
			pp->stats.tx_bytes += b->len;
		} else {
			pp->stats.tx_errors++;
			pcapio_port_error(
				pp, "netdev '%s': %s '%s': transmit: %s", pp->name,
				pp->live ? "interface" : "capture file", pp->dev.target,
				pp->live ? pcap_geterr(pp->pc) : "a capture file cannot send");
		}
		pcapio_free(dev, queue, b);
	}
	return sent;
}

/* ---------------------------------------------------------------------------------- */
/* Port queries                                                                       */
/* ---------------------------------------------------------------------------------- */

/* The device name into a 64-byte field; a longer path keeps its end (the file name). */
static void pcapio_device_name(const char *target, char *out, size_t out_len)
{
	size_t len = strlen(target);
	if (len < out_len)
		snprintf(out, out_len, "%s", target);
	else
		snprintf(out, out_len, "...%s", target + len - (out_len - 4));
}

static void pcapio_live_info(const struct pcapio_port *pp, struct io_port_info *out)
{
	struct pcapio_netif nif;
	if (pcapio_netif_query(pp->dev.target, &nif) != 0)
		memset(&nif, 0, sizeof nif); /* gone since open: report the link down */
	if (!pp->has_cfg_mac && nif.has_mac)
		memcpy(out->mac, nif.mac, 6);
	out->link_up = nif.link_up;
	out->speed_mbps = nif.speed_mbps;
	out->mtu = nif.mtu != 0 ? nif.mtu : 1500;
	out->caps = IO_CAP_TX;
}

static int pcapio_port_info(struct io_dev *dev, uint16_t port, struct io_port_info *out)
{
	struct pcapio_dev *d = pcapio_of(dev);
	if (port >= dev->port_count)
		return -EINVAL;
	const struct pcapio_port *pp = &d->ports[port];
	memset(out, 0, sizeof *out);
	snprintf(out->name, sizeof out->name, "%s", pp->name);
	pcapio_device_name(pp->dev.target, out->device, sizeof out->device);
	snprintf(out->driver, sizeof out->driver, "%s", pp->live ? "pcap-live" : "pcap-file");
	if (pp->has_cfg_mac)
		memcpy(out->mac, pp->cfg_mac, 6);
	out->rx_queues = dev->queue_count;
	out->tx_queues = dev->queue_count;
	if (pp->live) {
		pcapio_live_info(pp, out);
	} else {
		/* A file has no link to lose; its "MTU" is the largest IP packet a
		 * buffer can deliver. */
		out->link_up = true;
		out->mtu = (uint16_t)(IO_PCAP_BUF_BYTES - PCAPIO_ETH_HDR_BYTES);
		out->caps = 0;
	}
	return 0;
}

static int pcapio_port_stats(struct io_dev *dev, uint16_t port, struct io_port_stats *out)
{
	struct pcapio_dev *d = pcapio_of(dev);
	if (port >= dev->port_count)
		return -EINVAL;
	const struct pcapio_port *pp = &d->ports[port];
	*out = pp->stats;
	out->rx_missed = pp->ctr.rx_no_buffer;
	struct pcap_stat ps;
	if (pp->live && pcap_stats(pp->pc, &ps) == 0)
		out->rx_missed += ps.ps_drop; /* the kernel ring was full */
	return 0;
}

static void pcapio_close(struct io_dev *dev)
{
	struct pcapio_dev *d = MOS_CONTAINER_OF(dev, struct pcapio_dev, head);
	for (uint16_t i = 0; i < IO_MAX_PORTS; i++) {
		if (d->ports[i].pc != NULL)
			pcap_close(d->ports[i].pc);
	}
	for (uint16_t q = 0; q < IO_MAX_QUEUES; q++) {
		if (d->pool_ready[q])
			pool_fini(&d->pools[q]);
	}
	free(d);
}

static const struct io_ops pcapio_file_ops = {
	.name = "pcap",
	.rx_burst = pcapio_file_rx_burst,
	.tx_burst = pcapio_tx_burst,
	.alloc = pcapio_alloc,
	.free = pcapio_free,
	.port_info = pcapio_port_info,
	.port_stats = pcapio_port_stats,
	.now_ns = pcapio_file_now_ns,
	.exhausted = pcapio_file_exhausted,
	.close = pcapio_close,
};

static const struct io_ops pcapio_live_ops = {
	.name = "pcap",
	.rx_burst = pcapio_live_rx_burst,
	.tx_burst = pcapio_tx_burst,
	.alloc = pcapio_alloc,
	.free = pcapio_free,
	.port_info = pcapio_port_info,
	.port_stats = pcapio_port_stats,
	.now_ns = NULL, /* the monotonic clock */
	.exhausted = pcapio_live_exhausted,
	.close = pcapio_close,
};

/* ---------------------------------------------------------------------------------- */
/* What the engine reads                                                              */
/* ---------------------------------------------------------------------------------- */

bool io_pcap_is_pcap(const struct io_dev *dev)
{
	return dev != NULL && (dev->ops == &pcapio_file_ops || dev->ops == &pcapio_live_ops);
}

int io_pcap_port_counters(struct io_dev *dev, uint16_t port, struct io_pcap_counters *out)
{
	if (!io_pcap_is_pcap(dev) || port >= dev->port_count)
		return -EINVAL;
	*out = pcapio_of(dev)->ports[port].ctr;
	return 0;
}

const char *io_pcap_last_error(struct io_dev *dev, uint16_t port)
{
	if (!io_pcap_is_pcap(dev) || port >= dev->port_count)
		return NULL;
	const char *err = pcapio_of(dev)->ports[port].err;
	return err[0] != '\0' ? err : NULL;
}

/* ---------------------------------------------------------------------------------- */
/* Opening                                                                            */
/* ---------------------------------------------------------------------------------- */

struct pcapio_open {
	const struct io_open_args *args;
	struct pcapio_dev *d;
	char *err;
	size_t err_len;
};

/* Opens the capture file of a file port and reads its first record. */
static int pcapio_open_file(struct pcapio_open *o, struct pcapio_port *pp)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	/* Nanosecond precision: libpcap scales microsecond files, swaps big-endian ones. */
	pp->pc = pcap_open_offline_with_tstamp_precision(pp->dev.target,
							 PCAP_TSTAMP_PRECISION_NANO, ebuf);
	if (pp->pc == NULL) {
		int rc = access(pp->dev.target, R_OK) != 0 ? -errno : -EINVAL;
		snprintf(o->err, o->err_len, "netdev '%s': cannot open capture file '%s': %s",
			 pp->name, pp->dev.target, ebuf);
		return rc;
	}
	/* Only Ethernet. DLT_LINUX_SLL ("any" captures) could be converted later by
	 * building an Ethernet header from its protocol and address fields. */
	int dlt = pcap_datalink(pp->pc);
	if (dlt != DLT_EN10MB) {
		const char *dname = pcap_datalink_val_to_name(dlt);
		snprintf(o->err, o->err_len,
			 "netdev '%s': capture file '%s' has link type %s (%d); only EN10MB "
			 "(Ethernet) is supported",
			 pp->name, pp->dev.target, dname != NULL ? dname : "unknown", dlt);
		return -ENOTSUP;
	}
	pcapio_file_advance(pp);
	return 0;
}

/* The message and errno of a failed pcap_activate. */
static int pcapio_activate_error(struct pcapio_open *o, struct pcapio_port *pp, pcap_t *pc,
				 int status, bool guessed)
{
	const char *name = pp->dev.target;
	const char *detail = pcap_geterr(pc);
	if (detail == NULL || detail[0] == '\0')
		detail = pcap_statustostr(status);
	switch (status) {
	case PCAP_ERROR_NO_SUCH_DEVICE:
		if (guessed)
			snprintf(o->err, o->err_len,
				 "netdev '%s': '%s' is neither an existing file nor a network "
				 "interface",
				 pp->name, name);
		else
			snprintf(o->err, o->err_len, "netdev '%s': no network interface '%s'",
				 pp->name, name);
		return -ENODEV;
	case PCAP_ERROR_PERM_DENIED:
	case PCAP_ERROR_PROMISC_PERM_DENIED:
		snprintf(o->err, o->err_len,
			 "netdev '%s': no permission to capture on interface '%s' (needs root, "
			 "or CAP_NET_RAW and CAP_NET_ADMIN): %s",
			 pp->name, name, detail);
		return -EPERM;
	case PCAP_ERROR_IFACE_NOT_UP:
		snprintf(o->err, o->err_len, "netdev '%s': interface '%s' is down", pp->name,
			 name);
		return -ENETDOWN;
	default:
		snprintf(o->err, o->err_len,
			 "netdev '%s': cannot capture on interface '%s': %s", pp->name, name,
			 detail);
		return -EIO;
	}
}

/* Settings of a live handle before activation; false if libpcap refused one. */
static bool pcapio_live_configure(struct pcapio_port *pp, pcap_t *pc)
{
	bool ok = pcap_set_snaplen(pc, (int)pp->dev.snaplen) == 0 &&
		  pcap_set_promisc(pc, 1) == 0 && pcap_set_immediate_mode(pc, 1) == 0 &&
		  pcap_set_buffer_size(pc, PCAPIO_LIVE_BUFFER_BYTES) == 0;
	/* Best effort: without it timestamps come in microseconds. */
	(void)pcap_set_tstamp_precision(pc, PCAP_TSTAMP_PRECISION_NANO);
	return ok;
}

/* After activation: Ethernet only, non-blocking reads. Both directions are captured
 * (a monitor on a host's interface must see the host's own frames too); a frame the
 * port injects is not looped back to it, since the kernel never delivers a packet
 * socket's own transmissions to that socket. */
static int pcapio_live_finish(struct pcapio_open *o, struct pcapio_port *pp)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	int dlt = pcap_datalink(pp->pc);
	if (dlt != DLT_EN10MB) {
		const char *dname = pcap_datalink_val_to_name(dlt);
		snprintf(o->err, o->err_len,
			 "netdev '%s': interface '%s' has link type %s (%d); only EN10MB "
			 "(Ethernet) is supported",
			 pp->name, pp->dev.target, dname != NULL ? dname : "unknown", dlt);
		return -ENOTSUP;
	}
	if (pcap_setnonblock(pp->pc, 1, ebuf) != 0) {
		snprintf(o->err, o->err_len,
			 "netdev '%s': interface '%s': non-blocking mode: %s", pp->name,
			 pp->dev.target, ebuf);
		return -EIO;
	}
	pp->nano = pcap_get_tstamp_precision(pp->pc) == PCAP_TSTAMP_PRECISION_NANO;
	return 0;
}

static int pcapio_open_live(struct pcapio_open *o, struct pcapio_port *pp, bool guessed)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	pcap_t *pc = pcap_create(pp->dev.target, ebuf);
	if (pc == NULL) {
		snprintf(o->err, o->err_len,
			 "netdev '%s': cannot capture on interface '%s': %s", pp->name,
			 pp->dev.target, ebuf);
		return -EIO;
	}
	if (!pcapio_live_configure(pp, pc)) {
		snprintf(o->err, o->err_len, "netdev '%s': interface '%s': %s", pp->name,
			 pp->dev.target, pcap_geterr(pc));
		pcap_close(pc);
		return -EIO;
	}
	int status = pcap_activate(pc);
	if (status < 0) { /* warnings (> 0), e.g. no promiscuous mode, are not fatal */
		int rc = pcapio_activate_error(o, pp, pc, status, guessed);
		pcap_close(pc);
		return rc;
	}
	pp->pc = pc;
	pp->live = true;
	return pcapio_live_finish(o, pp);
}

/* Parses and resolves the device string of netdev `i` into port i. */
static int pcapio_parse_port(struct pcapio_open *o, uint16_t i, bool *guessed)
{
	const struct cfg_netdev *nd = &o->args->cfg->netdev[i];
	struct pcapio_port *pp = &o->d->ports[i];
	char why[PCAPIO_ERR_MAX];
	pp->index = i;
	snprintf(pp->name, sizeof pp->name, "%s", nd->name);
	pp->has_cfg_mac = nd->has_mac;
	memcpy(pp->cfg_mac, nd->mac, 6);
	const char *text = nd->device[0] != '\0' ? nd->device : nd->name;
	int rc = io_pcap_parse_device(text, &pp->dev, why, sizeof why);
	*guessed = pp->dev.kind == IO_PCAP_AUTO;
	if (rc == 0)
		rc = io_pcap_resolve_device(&pp->dev, why, sizeof why);
	if (rc != 0)
		snprintf(o->err, o->err_len, "netdev '%s': %s", pp->name, why);
	pp->live = pp->dev.kind == IO_PCAP_IFACE;
	return rc;
}

/* Instance rules (see pcap_io.h): one queue, files or interfaces but not both, one pace. */
static int pcapio_check_rules(struct pcapio_open *o)
{
	const struct pcapio_dev *d = o->d;
	const struct pcapio_port *p0 = &d->ports[0];
	for (uint16_t i = 0; i < d->head.port_count; i++) {
		const struct pcapio_port *pp = &d->ports[i];
		if (pp->live != p0->live) {
			snprintf(o->err, o->err_len,
				 "a pcap instance replays files or captures live, not both: "
				 "netdev '%s' is %s '%s', netdev '%s' %s '%s'",
				 p0->name, p0->live ? "interface" : "file", p0->dev.target,
				 pp->name, pp->live ? "interface" : "file", pp->dev.target);
			return -EINVAL;
		}
		if (!pp->live && pp->dev.paced != p0->dev.paced) {
			snprintf(o->err, o->err_len,
				 "netdev '%s' and '%s': all replayed files share one pace "
				 "(pace=fast or pace=recorded on every port)",
				 p0->name, pp->name);
			return -EINVAL;
		}
	}
	if (o->args->queues != 1) {
		snprintf(o->err, o->err_len,
			 p0->live ? "pcap live capture runs on one core (libpcap has no RSS): "
				    "netdev '%s' cannot be read by %u queues"
				  : "pcap file replay runs on one core: netdev '%s' cannot be "
				    "read by %u queues",
			 p0->name, o->args->queues);
		return -EINVAL;
	}
	return 0;
}

static int pcapio_pools_init(struct pcapio_open *o)
{
	struct pcapio_dev *d = o->d;
	for (uint16_t q = 0; q < d->head.queue_count; q++) {
		struct pool_config pc = {"pcap buffers", IO_PCAP_HEADROOM + IO_PCAP_BUF_BYTES,
					 64, d->bufs_per_queue, false};
		if (pool_init(&d->pools[q], &pc, NULL) != POOL_OK) {
			snprintf(o->err, o->err_len,
				 "pcap: cannot allocate %u buffers of %u bytes for queue %u",
				 d->bufs_per_queue, IO_PCAP_HEADROOM + IO_PCAP_BUF_BYTES, q);
			return -ENOMEM;
		}
		d->pool_ready[q] = true;
	}
	return 0;
}

/* Parses every port, checks the rules, then opens files or interfaces. */
static int pcapio_open_ports(struct pcapio_open *o)
{
	struct pcapio_dev *d = o->d;
	bool guessed[IO_MAX_PORTS];
	int rc = 0;
	for (uint16_t i = 0; i < d->head.port_count && rc == 0; i++)
		rc = pcapio_parse_port(o, i, &guessed[i]);
	if (rc == 0)
		rc = pcapio_check_rules(o);
	for (uint16_t i = 0; i < d->head.port_count && rc == 0; i++) {
		struct pcapio_port *pp = &d->ports[i];
		rc = pp->live ? pcapio_open_live(o, pp, guessed[i]) : pcapio_open_file(o, pp);
	}
	if (rc != 0)
		return rc;
	d->files = !d->ports[0].live;
	d->paced = d->files && d->ports[0].dev.paced;
	bool first = true;
	for (uint16_t i = 0; i < d->head.port_count && d->files; i++) {
		const struct pcapio_port *pp = &d->ports[i];
		if (!pp->eof && (first || pp->next.ts_ns < d->origin_ts_ns)) {
			d->origin_ts_ns = pp->next.ts_ns;
			first = false;
		}
	}
	return 0;
}

static int pcapio_check_args(const struct io_open_args *args)
{
	if (args->cfg == NULL || args->cfg->netdev_count < 1) {
		snprintf(args->err, args->err_len,
			 "pcap: the configuration has no netdev port");
		return -EINVAL;
	}
	if (args->cfg->netdev_count > IO_MAX_PORTS) {
		snprintf(args->err, args->err_len, "pcap: %d ports, at most %d",
			 args->cfg->netdev_count, IO_MAX_PORTS);
		return -EINVAL;
	}
	if (args->queues < 1 || args->queues > IO_MAX_QUEUES) {
		snprintf(args->err, args->err_len, "pcap: %u queues, expected 1..%d",
			 args->queues, IO_MAX_QUEUES);
		return -EINVAL;
	}
	return 0;
}

int io_pcap_open(const struct io_open_args *args, struct io_dev **out)
{
	*out = NULL;
	int rc = pcapio_check_args(args);
	if (rc != 0)
		return rc;
	struct pcapio_dev *d = calloc(1, sizeof *d);
	if (d == NULL) {
		snprintf(args->err, args->err_len, "pcap: out of memory");
		return -ENOMEM;
	}
	d->head.ops = &pcapio_live_ops; /* replaced below for files; close works either way */
	d->head.port_count = (uint16_t)args->cfg->netdev_count;
	d->head.queue_count = args->queues;
	d->bufs_per_queue =
		args->bufs_per_queue != 0 ? args->bufs_per_queue : IO_PCAP_BUFS_DEFAULT;
	struct pcapio_open o = {args, d, args->err, args->err_len};
	rc = pcapio_open_ports(&o);
	if (rc == 0)
		rc = pcapio_pools_init(&o);
	if (rc != 0) {
		pcapio_close(&d->head);
		return rc;
	}
	d->head.ops = d->files ? &pcapio_file_ops : &pcapio_live_ops;
	*out = &d->head;
	return 0;
}
