/* pcap_io.h - the libpcap backend (io = pcap): what the engine may ask it beyond the
 * io_ops interface, the grammar of its netdev `device=` strings, and the helpers its
 * files (io/pcap*.c, compiled only when libpcap is found) share. Including this header
 * never includes libpcap's.
 *
 * Device strings (netdev `device=`; an empty string means the port's name):
 *
 *     device  = [kind ":"] target *("," option)
 *     kind    = "file" | "iface"
 *     option  = "pace=" ("fast" | "recorded")      capture files only
 *             | "snaplen=" 64..65535                live interfaces only
 *
 *   file:PATH    replays the capture file PATH (classic pcap in either byte order with
 *                microsecond or nanosecond timestamps, or pcapng; link type Ethernet).
 *                A relative PATH is relative to the process's working directory.
 *   iface:NAME   captures live on the network interface NAME (and transmits on it).
 *   TARGET       without a kind: a file if TARGET names an existing regular file,
 *                else an interface.
 *   The first comma ends the target (a path or name cannot contain a comma); each
 *   option may appear once. `pace=fast` (the default) replays as fast as the engine
 *   polls; `pace=recorded` releases each frame when the time elapsed since the first
 *   rx_burst reaches its offset from the first frame. `snaplen=` is the live capture
 *   length (default 65535).
 *
 *   Examples: `device=trace.pcap`, `device=file:/data/x.pcap,pace=recorded`,
 *   `device=eth0`, `device=iface:eth0,snaplen=128`.
 *
 * Rules of an instance: every port runs on one queue (one core): `queues` must be 1
 * (a file is read sequentially and libpcap has no RSS; the engine's software RSS can
 * spread the flows of that core). All ports of an instance are files, or all are
 * interfaces, and all file ports share one pace: replay time is one clock for the
 * instance. Several file ports are merged chronologically: a port delivers its next
 * frame only when no other port has an earlier one waiting (ties go to the lower port),
 * so the frame order does not depend on burst sizes or polling order.
 *
 * File ports: receive only (no IO_CAP_TX; tx_burst frees and counts tx_errors), link
 * up, MAC from the netdev's mac= (else zero), io_buf.ts_ns = capture time, now_ns =
 * the latest capture time delivered (fast) or first capture time + elapsed time
 * (paced), exhausted() once every file has been read to its end.
 * Live ports: promiscuous, immediate mode, 8 MiB kernel buffer, both directions
 * (a port's own transmissions are not captured back); tx_burst injects; MAC (unless
 * mac= is given), link, MTU and speed come from the interface; now_ns is NULL (the
 * monotonic clock); io_buf.ts_ns = the kernel's capture time (CLOCK_REALTIME).
 */
#ifndef MOS_IO_PCAP_IO_H
#define MOS_IO_PCAP_IO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"

/* ---------------------------------------------------------------------------------- */
/* What the engine reads                                                              */
/* ---------------------------------------------------------------------------------- */

/* Counters the backend keeps per port beside struct io_port_stats. */
struct io_pcap_counters {
	/* Frames delivered shorter than they were on the wire: captured with a snaplen
	 * (caplen < len) or longer than a buffer (cut to IO_PCAP_BUF_BYTES). Each one is
	 * also in rx_packets; its io_buf.len is the bytes delivered. */
	uint64_t rx_truncated;
	/* Read errors: a capture file that ended in the middle of a record or could not
	 * be read further (the replay of that port stops there, as at its end); a live
	 * capture's failed pcap_dispatch. The text of the latest is io_pcap_last_error. */
	uint64_t rx_errors;
	/* Frames libpcap delivered for which no buffer was free (live only; a file waits
	 * for buffers instead). Included in io_port_stats.rx_missed. */
	uint64_t rx_no_buffer;
};

/* True when `dev` is an instance of this backend. */
bool io_pcap_is_pcap(const struct io_dev *dev);

/* Counters of `port`. 0, or -EINVAL when dev is not a pcap instance or port is out of
 * range. */
int io_pcap_port_counters(struct io_dev *dev, uint16_t port, struct io_pcap_counters *out);

/* The latest read or transmit error of `port` as one line naming the port and its
 * file or interface ("netdev 'pcap0': capture file 'x.pcap': truncated dump file; ...
 * (replay ended after 2 frames)"), or NULL when there was none (or dev is not a pcap
 * instance). Valid until the next call on that port or io_close. */
const char *io_pcap_last_error(struct io_dev *dev, uint16_t port);

/* ---------------------------------------------------------------------------------- */
/* Device strings                                                                     */
/* ---------------------------------------------------------------------------------- */

#define IO_PCAP_TARGET_MAX 1023 /* = MOS_CONF_MAX_VALUE */
#define IO_PCAP_SNAPLEN_MIN 64
#define IO_PCAP_SNAPLEN_MAX 65535
#define IO_PCAP_SNAPLEN_DEFAULT 65535

enum io_pcap_kind {
	IO_PCAP_AUTO = 0, /* no kind given: a file if one exists, else an interface */
	IO_PCAP_FILE,
	IO_PCAP_IFACE,
};

/* One parsed device string. */
struct io_pcap_device {
	enum io_pcap_kind kind;
	char target[IO_PCAP_TARGET_MAX + 1]; /* file path or interface name */
	bool paced;                          /* pace=recorded */
	bool pace_given;
	uint32_t snaplen; /* IO_PCAP_SNAPLEN_DEFAULT unless given */
	bool snaplen_given;
};

/* Parses `text` (see the grammar above) without looking at the file system: the kind
 * stays IO_PCAP_AUTO for a bare target. 0, or -EINVAL with a one-line reason in `err`
 * that quotes the offending part. */
int io_pcap_parse_device(const char *text, struct io_pcap_device *out, char *err,
			 size_t err_len);

/* Decides an IO_PCAP_AUTO kind (an existing regular file → IO_PCAP_FILE, else
 * IO_PCAP_IFACE) and checks that the options suit the kind. 0, or -EINVAL with a
 * reason in `err`. */
int io_pcap_resolve_device(struct io_pcap_device *dev, char *err, size_t err_len);

/* ---------------------------------------------------------------------------------- */
/* Buffers                                                                            */
/* ---------------------------------------------------------------------------------- */

/* Each buffer holds one frame of up to IO_PCAP_BUF_BYTES (io_buf.len is 16 bits), after
 * IO_PCAP_HEADROOM bytes the engine may use to prepend headers. Captures can hold
 * offloaded segments (GRO/TSO) far larger than 1514 bytes, hence the size. */
#define IO_PCAP_BUF_BYTES 65535u
#define IO_PCAP_HEADROOM 128u
#define IO_PCAP_BUFS_DEFAULT 256u

/* ---------------------------------------------------------------------------------- */
/* Interface facts (pcap_netif.c), read with ioctls in the caller's network namespace  */
/* ---------------------------------------------------------------------------------- */

struct pcapio_netif {
	uint8_t mac[6];
	bool has_mac;        /* the interface has a 6-byte hardware address */
	bool link_up;        /* administratively up and running (carrier) */
	uint16_t mtu;        /* 0 if unknown */
	uint32_t speed_mbps; /* 0 if unknown */
};

/* Facts about interface `name`. 0, or -errno (-ENODEV: no such interface). */
int pcapio_netif_query(const char *name, struct pcapio_netif *out);

#endif /* MOS_IO_PCAP_IO_H */
