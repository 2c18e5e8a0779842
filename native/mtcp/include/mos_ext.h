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
 * is stopped).
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
/* Calls mOS 0.3 exported without declaring them                                      */
/* ---------------------------------------------------------------------------------- */

/** Same as mtcp_register_callback(mctx, sock, event, hook_point, NULL). */
int mtcp_unregister_callback(mctx_t mctx, int sock, event_t event, int hook_point);

#ifdef __cplusplus
}
#endif

#endif /* MOS_EXT_H */
