/* mos_ext.h - mOS-NG extensions beyond the mOS 0.3 API.
 *
 * Everything here is new in mOS-NG: build and API status introspection, the
 * configuration parser shared by mtcp_init() and the `mos` host, and calls that
 * mOS 0.3 exported without declaring them. Same conventions as mtcp_api.h: -1 (or
 * NULL) and errno on failure; the library never exits the process.
 */
#ifndef MOS_EXT_H
#define MOS_EXT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "mos_api.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------- */
/* Build information                                                                  */
/* ---------------------------------------------------------------------------------- */

/** Version of mOS-NG. */
#define MOS_NG_VERSION_MAJOR 0
#define MOS_NG_VERSION_MINOR 1
#define MOS_NG_VERSION_PATCH 0
/** The mOS release whose API this library implements. */
#define MOS_API_COMPAT "mos_release_0.3"

/** I/O backends (bits of mos_io_backends()). */
enum mos_io_backend {
	MOS_IO_BACKEND_SIM = 0x1,  /**< in-memory link between engines of one process */
	MOS_IO_BACKEND_PCAP = 0x2, /**< libpcap: capture files and live interfaces */
	MOS_IO_BACKEND_DPDK = 0x4, /**< DPDK poll-mode drivers */
};

/** Library version, "MAJOR.MINOR.PATCH". Static string. */
const char *mos_version(void);

/** Version of the DPDK linked into the library ("DPDK 22.11.11"), or NULL when the
 * library was built without DPDK. Static string. */
const char *mos_dpdk_version(void);

/** Version string of the linked libpcap, or NULL when built without it. */
const char *mos_pcap_version(void);

/** I/O backends compiled into this library and usable (MOS_IO_BACKEND_* bits). */
unsigned mos_io_backends(void);

/* ---------------------------------------------------------------------------------- */
/* API status: what this build implements                                             */
/* ---------------------------------------------------------------------------------- */

/** State of one public function. */
enum mos_api_state {
	MOS_API_NOT_YET = 0, /**< fails with ENOSYS (or its contract's error value) */
	MOS_API_PARTIAL = 1, /**< works for the part `note` names; the rest fails cleanly */
	MOS_API_WORKS = 2,   /**< complete */
};

/** One row of the status table. */
struct mos_api_status {
	const char *name;   /**< function name */
	const char *header; /**< header declaring it */
	int state;          /**< enum mos_api_state */
	const char *note;   /**< what works or what is missing; "" when nothing to add */
};

/** The status of every function declared in the public headers, in header order.
 * @param count receives the number of rows (may be NULL).
 * @return a static table. */
const struct mos_api_status *mos_api_status_table(int *count);

/* ---------------------------------------------------------------------------------- */
/* Configuration (mos.conf)                                                           */
/* ---------------------------------------------------------------------------------- */

/** Bounds of a configuration; exceeding one is an error naming the line. */
#define MOS_CONF_MAX_NETDEV ETH_NUM /**< netdev lines */
#define MOS_CONF_MAX_APP MOS_APP    /**< application blocks */
#define MOS_CONF_MAX_ARP 4096       /**< arp_table lines */
#define MOS_CONF_MAX_ROUTE 4096     /**< route_table lines */
#define MOS_CONF_MAX_IFNAME 31      /**< characters of a port name */
#define MOS_CONF_MAX_VALUE 1023     /**< characters of a value */

/** Severity of a configuration diagnostic. */
enum mos_diag_severity {
	MOS_DIAG_ERROR = 0,   /**< the configuration is rejected */
	MOS_DIAG_WARNING = 1, /**< accepted; the item has no effect or is deprecated */
};

/** One configuration diagnostic. `line` and `col` are 1-based; 0 when the problem
 * concerns the whole file (for example a missing block). */
struct mos_diag {
	const char *file;
	int line;
	int col;
	int severity;        /**< enum mos_diag_severity */
	const char *message; /**< names the key or block concerned */
};

/** Receives diagnostics. Runs on the calling thread, before the parse call returns;
 * the struct and its strings are valid only during the call. */
typedef void (*mos_diag_fn)(void *user, const struct mos_diag *diag);

/** A parsed, validated configuration (opaque). */
struct mos_config;

/** Output formats of mos_config_render(). */
enum mos_config_format {
	MOS_CONFIG_FORMAT_CONF = 0, /**< mos.conf grammar, every key with its effective value */
	MOS_CONFIG_FORMAT_JSON = 1, /**< one JSON object */
};

/** Parses and validates the mos.conf file at `path`. Every problem is reported to
 * `diag` (to stderr as "FILE:LINE:COL: message" when `diag` is NULL) and parsing
 * continues, so one call reports all errors.
 * @return 0 and *out set, or -1 and *out NULL with errno: EINVAL (path or out NULL,
 *         or the file has errors), ENOENT/EACCES/EISDIR/EFBIG (cannot be read),
 *         ENOMEM. */
int mos_config_load(const char *path, mos_diag_fn diag, void *user, struct mos_config **out);

/** Same as mos_config_load() for `len` bytes of text; `name` is the file name used
 * in diagnostics. */
int mos_config_parse(const char *text, size_t len, const char *name, mos_diag_fn diag,
		     void *user, struct mos_config **out);

/** Frees a configuration (NULL is ignored). */
void mos_config_free(struct mos_config *cfg);

/** Overrides one key of the `mos` block ("max_concurrency", "tcp_timeout", ...) or
 * of an application block ("application.0.run") with the same validation as the
 * file. Diagnostics name the file "<override>".
 * @return 0, or -1 with errno EINVAL (unknown key or bad value; cfg unchanged). */
int mos_config_set(struct mos_config *cfg, const char *key, const char *value, mos_diag_fn diag,
		   void *user);

/** Writes the effective configuration (defaults filled in) in `format` into `buf`
 * (NUL-terminated, truncated to `len`).
 * @return the length the full text needs (excluding the NUL), or -1 with errno
 *         EINVAL. */
ssize_t mos_config_render(const struct mos_config *cfg, int format, char *buf, size_t len);

/* ---------------------------------------------------------------------------------- */
/* Start-up from a parsed configuration, run-to-completion contexts, stopping         */
/* ---------------------------------------------------------------------------------- */

/** Flags of mos_init_config(). */
enum mos_init_flags {
	/** Do not install the library's SIGINT handler (the host handles signals and
	 * calls mos_stop()). */
	MOS_INIT_NO_SIGNALS = 0x1,
};

/** mtcp_init() with an already parsed (and possibly overridden, see mos_config_set)
 * configuration, which is copied. Same errors as mtcp_init(); EIO when the ports
 * cannot be started (the reason is printed to stderr). */
int mos_init_config(const struct mos_config *cfg, unsigned flags);

/** Flags of mos_create_context(). */
enum mos_context_flags {
	/** No stack thread: the calling thread drives the context inside mos_poll(),
	 * mtcp_epoll_wait() and mtcp_app_join(). */
	MOS_CONTEXT_RUN_TO_COMPLETION = 0x1,
};

/** mtcp_create_context() with flags. With MOS_CONTEXT_RUN_TO_COMPLETION the context
 * belongs to the calling thread; only that thread may drive it. */
mctx_t mos_create_context(int cpu, unsigned flags);

/** Drives a run-to-completion context: receives, processes, runs timers and
 * transmits until `timeout_ms` has passed (0: one iteration; < 0: until the context
 * is stopped). With capture files (io = pcap) it also returns once every file has
 * been replayed to its end, so mos_poll(m, -1) replays a whole capture (a context
 * with a stack thread then leaves its loop and mtcp_app_join() returns).
 * @return frames received, or -1 with errno: EACCES (bad context), EINVAL (the
 *         context has a stack thread), EINTR (the context was stopped). */
int mos_poll(mctx_t mctx, int timeout_ms);

/** Asks every context to leave its loop, as SIGINT does without an application
 * handler. Async-signal-safe. Returns 0, or -1 with EALREADY when not initialised. */
int mos_stop(void);

/* ---------------------------------------------------------------------------------- */
/* Ports and statistics                                                               */
/* ---------------------------------------------------------------------------------- */

/** Port capabilities (bits of mos_port_info.caps). */
enum mos_port_caps {
	MOS_PORT_RX_IP_CSUM = 0x01,  /**< verifies IPv4 header checksums */
	MOS_PORT_RX_L4_CSUM = 0x02,  /**< verifies TCP checksums */
	MOS_PORT_TX_IP_CSUM = 0x04,  /**< fills IPv4 header checksums */
	MOS_PORT_TX_TCP_CSUM = 0x08, /**< fills TCP checksums */
	MOS_PORT_RSS = 0x10,         /**< spreads flows over queues (symmetric key) */
	MOS_PORT_RSS_HASH = 0x20,    /**< reports the hash with each frame */
	MOS_PORT_TX = 0x40,          /**< can transmit (capture files cannot) */
	MOS_PORT_VLAN_STRIP = 0x80,
};

/** A configured port as the running stack sees it. */
struct mos_port_info {
	char name[32];   /**< the netdev name */
	char device[64]; /**< backend device (DPDK port name, file, interface, link) */
	char driver[32]; /**< driver ("net_tap", "pcap-file", "sim", ...) */
	uint8_t mac[6];
	uint8_t link_up;
	uint8_t prefix_len; /**< of `ip`, 0 without an address */
	uint32_t ip;        /**< IPv4 address, network order; 0 without */
	uint32_t speed_mbps;
	uint16_t mtu;
	uint16_t rx_queues;
	uint16_t tx_queues;
	uint16_t reta_size;  /**< RSS redirection-table entries */
	uint32_t caps;       /**< enum mos_port_caps */
	uint8_t rss_key_len; /**< bytes of rss_key in use */
	uint8_t rss_key[52];
};

/** Traffic counters of a port. */
struct mos_port_counters {
	uint64_t rx_packets, rx_bytes;
	uint64_t tx_packets, tx_bytes;
	uint64_t tx_errors; /**< frames the device refused or that found no buffer */
	uint64_t drops;     /**< received frames dropped, all reasons together */
	uint64_t rx_missed; /**< frames the device dropped for lack of buffers */
	uint64_t forwarded; /**< frames bridged or routed to a port */
};

/** Number of configured ports (after mtcp_init), or -1 with EALREADY. */
int mos_port_count(void);

/** Describes port `port`. @return 0, or -1 with errno: EALREADY (not initialised),
 * EINVAL (port out of range or out NULL). */
int mos_port_info(int port, struct mos_port_info *out);

/** Counters of `port` on context `core`, or summed over all contexts when core < 0.
 * Readable from any thread while the stack runs. @return 0, or -1 with errno EALREADY
 * or EINVAL. */
int mos_port_counters(int port, int core, struct mos_port_counters *out);

/** Number of named drop reasons. */
int mos_drop_reason_count(void);

/** Stable name of drop reason `reason` (0 .. count-1; 0 is "none"), or NULL. */
const char *mos_drop_reason_name(int reason);

/** Writes the drop counts of `port` (on `core`, or all contexts when core < 0) into
 * counts[0 .. n-1], indexed by reason. @return the number of reasons, or -1 with
 * errno EALREADY or EINVAL. */
int mos_port_drops(int port, int core, uint64_t *counts, int n);

/* ---------------------------------------------------------------------------------- */
/* Flow monitoring                                                                    */
/* ---------------------------------------------------------------------------------- */

/** Extra SOL_MONSOCKET options of mOS-NG (values above the mOS 0.3 ones). */
enum mos_ext_socket_opts {
	/** set/get, passive socket, int: pick up connections already in progress (capture
	 * files and taps start mid-connection). 0 (default) = mOS 0.3: only a client SYN
	 * creates a flow, other packets of unknown connections are orphans.
	 * MOS_MIDSTREAM_PORTS: any packet but a RST of an unknown connection creates a
	 * flow, attached when the socket's SYN filter matches that first packet; client
	 * and server are chosen from the SYN or SYN/ACK when the packet carries one, else
	 * by port class (below 1024, then below 32768, then the rest: the lower class is
	 * the server), else the receiver of the first packet is the server.
	 * MOS_MIDSTREAM_FIRST: the same, but without a SYN the sender of the first packet
	 * is always the client (tshark's rule). A picked-up flow raises CONN_START at
	 * MOS_HK_SND for the first packet's sender and at MOS_HK_RCV for its receiver,
	 * and both sides enter ESTABLISHED (SYN_SENT / SYN_RCVD from a SYN/ACK); stream
	 * offset 0 of each direction is the first sequence number seen in it. */
	MOS_MIDSTREAM = 0x40,
	/** set/get, passive or raw socket, int 0/1: monitor TCP segments and IPv4 packets
	 * whose checksums are wrong (capture files of hosts with checksum offload), as
	 * tshark and tcpflow do. Applies to the whole context while any socket sets it. */
	MOS_NO_CHECKSUM = 0x41,
	/** get, per-flow socket: struct mos_flow_info (*optlen >= its size). Callback
	 * only; valid in MOS_ON_CONN_END too. */
	MOS_FLOW_INFO = 0x42,
};

/** Values of MOS_MIDSTREAM. */
enum {
	MOS_MIDSTREAM_OFF = 0,
	MOS_MIDSTREAM_PORTS = 1,
	MOS_MIDSTREAM_FIRST = 2,
};

/** Why a monitored flow ended (mos_flow_info.end_reason). */
enum mos_flow_end {
	MOS_FLOW_END_NONE = 0,     /**< still open */
	MOS_FLOW_END_FIN = 1,      /**< both endpoints closed (FIN handshakes, TIME_WAIT) */
	MOS_FLOW_END_RST = 2,      /**< an acceptable RST */
	MOS_FLOW_END_TIMEOUT = 3,  /**< idle for tcp_timeout */
	MOS_FLOW_END_EVICTED = 4,  /**< the flow table was full and this flow was the least
				    * recently active */
	MOS_FLOW_END_REUSED = 5,   /**< a new SYN with another ISN reused the 4-tuple */
	MOS_FLOW_END_SHUTDOWN = 6, /**< mos_monitor_flush() (end of a replay) */
	MOS_FLOW_END_NOMEM = 7,    /**< no socket id was left for the flow */
};

/** Bits of mos_flow_info.flags. */
enum mos_flow_flags {
	MOS_FLOW_MIDSTREAM = 0x1, /**< picked up without seeing the client SYN */
};

/** One direction's view: `*_bytes` count TCP payload sent by this endpoint. */
struct mos_flow_side_info {
	uint64_t packets;        /**< packets sent by this endpoint */
	uint64_t bytes;          /**< payload bytes sent, retransmissions included */
	uint64_t rexmit_bytes;   /**< payload bytes below the highest sequence sent before */
	uint64_t conflict_bytes; /**< re-sent bytes whose content differed from the first copy
				  * (counted when the receiving side buffers) */
	uint64_t missing_bytes;  /**< bytes of this direction never seen: holes the receiver
				  * acknowledged or the reassembly window moved past */
	uint64_t stream_bytes;   /**< readable stream length (offset of the readable end) */
	uint32_t isn;            /**< initial sequence number (first one seen mid-stream) */
	int32_t state;           /**< enum tcpstate of this endpoint's emulation */
	uint8_t syn, fin, rst;   /**< SYN, FIN, RST sent (0/1) */
	uint8_t reserved[5];
};

/** MOS_FLOW_INFO: everything a flow table or a flow exporter reports. */
struct mos_flow_info {
	uint64_t flow_id;   /**< per context, increasing from 1 */
	uint64_t first_ns;  /**< time of the first packet (capture time in replays) */
	uint64_t last_ns;   /**< time of the latest packet */
	int32_t end_reason; /**< enum mos_flow_end */
	uint32_t flags;     /**< enum mos_flow_flags */
	struct mos_flow_side_info side[2]; /**< [MOS_SIDE_CLI], [MOS_SIDE_SVR] */
};

/** Monitor counters of one context (mos_monitor_stats()). */
struct mos_monitor_stats {
	uint64_t frames;      /**< frames the monitor looked at */
	uint64_t tcp_packets; /**< TCP segments processed for flows or orphans */
	uint64_t flows_created;
	uint64_t flows_midstream; /**< of which picked up mid-stream */
	uint64_t flows_ended;     /**< flows destroyed (CONN_END delivered) */
	uint64_t flows_evicted;   /**< destroyed to make room in a full table */
	uint64_t flows_active;    /**< currently tracked */
	uint64_t orphans;         /**< TCP packets of no flow */
	uint64_t table_full;      /**< flows not created: no room even after eviction */
	uint64_t ipv6;            /**< IPv6 frames (not monitored; forwarded when bridging) */
	uint64_t non_tcp;         /**< IPv4 packets other than TCP */
	uint64_t bad_checksum;    /**< TCP or IPv4 checksum failures (see MOS_NO_CHECKSUM) */
	uint64_t out_of_window;   /**< segments with bytes beyond the receiver's window */
	uint64_t buffer_nomem;    /**< payload bytes not stored for lack of buffer memory */
	uint64_t app_drops;       /**< packets dropped by a callback (MOS_DROP) */
};

/** Monitor counters of context `core` (relaxed reads, any thread).
 * @return 0, or -1 with errno: EALREADY (not initialised), EINVAL (core out of range,
 *         no such context, out NULL). */
int mos_monitor_stats(int core, struct mos_monitor_stats *out);

/** Ends every flow the context monitors now: each gets MOS_ON_CONN_END (and
 * TCP_STATE_CHANGE to CLOSED) with end reason MOS_FLOW_END_SHUTDOWN, on the
 * context's thread. Call it after a replay (mos_poll() returns once a capture file is
 * exhausted) to report the connections still open. A run-to-completion context runs
 * it at once (from its thread only); a context with a stack thread runs it at its
 * next loop iteration. Without this call mtcp_destroy_context() frees open flows
 * without callbacks.
 * @return 0, or -1 with errno: EACCES (bad context), EPERM (run-to-completion
 *         context, other thread). */
int mos_monitor_flush(mctx_t mctx);

/* ---------------------------------------------------------------------------------- */
/* Calls mOS 0.3 exported without declaring them                                      */
/* ---------------------------------------------------------------------------------- */

/** Same as mtcp_register_callback(mctx, sock, event, hook_point, NULL): removes the
 * callback of (sock, hook, event). @return 0, or -1 with errno as
 * mtcp_register_callback(), EINVAL when nothing was registered. */
int mtcp_unregister_callback(mctx_t mctx, int sock, event_t event, int hook_point);

#ifdef __cplusplus
}
#endif

#endif /* MOS_EXT_H */
