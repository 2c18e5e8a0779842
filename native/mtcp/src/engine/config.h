/* config.h - parsed mos.conf: the one configuration model of the library and host.
 *
 * The parser (config.c and friends) turns text into a struct mos_config; the
 * validator (cfg_validate) is the single place that decides whether a configuration
 * is acceptable. The parser reports only what cannot be stored (syntax, values that
 * do not fit their field); every range, cross-reference and consistency rule lives in
 * the validator, which reads nothing but the struct. mtcp_setconf() and
 * mos_config_set() change fields of a copy and run the same validator on it.
 *
 * Origins: every key, block and table line remembers where it came from
 * (struct cfg_origin, line 0 = "not from the file": a default or an override), so
 * the validator can point at the offending text. A key's origin is that of its
 * value. Code that changes a field outside the parser should reset the field's
 * origin to {0, 0}.
 *
 * Reference of the grammar and every key: docs/config.md.
 */
#ifndef MOS_ENGINE_CONFIG_H
#define MOS_ENGINE_CONFIG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mos_ext.h"

/* Where an item came from: 1-based line and column of its first character in the
 * file; {0, 0} when it does not come from the file. */
struct cfg_origin {
	int line;
	int col;
};

enum cfg_io {
	CFG_IO_DPDK = 0,
	CFG_IO_PCAP = 1,
	CFG_IO_SIM = 2,
};

enum cfg_app_type {
	CFG_APP_UNSET = 0,
	CFG_APP_END = 1,
	CFG_APP_MONITOR = 2,
};

/* Keys of the `mos` block, in the order the renderer writes them. `port` and
 * `multiprocess` are recognised (a warning and an error) but hold no value. */
enum cfg_key {
	CFG_KEY_IO = 0,
	CFG_KEY_FORWARD,
	CFG_KEY_NB_MEM_CHANNELS,
	CFG_KEY_MAX_CONCURRENCY,
	CFG_KEY_MAX_NUM_BUFFERS,
	CFG_KEY_NO_RING_BUFFERS,
	CFG_KEY_RMEM_SIZE,
	CFG_KEY_WMEM_SIZE,
	CFG_KEY_TCP_TW_INTERVAL,
	CFG_KEY_TCP_TIMEOUT,
	CFG_KEY_MOS_LOG,
	CFG_KEY_STAT_PRINT,
	CFG_KEY_EAL_ARGS,
	CFG_KEY_PORT,
	CFG_KEY_MULTIPROCESS,
	CFG_KEY_COUNT
};

/* Keys of an `application` block (`core_mask` is an alias of `cpu_mask`). */
enum cfg_app_key {
	CFG_APP_KEY_TYPE = 0,
	CFG_APP_KEY_RUN,
	CFG_APP_KEY_CPU_MASK,
	CFG_APP_KEY_IP_FORWARD,
	CFG_APP_KEY_COUNT
};

/* The `mos` block and its sub-blocks (origins of their `name {` lines). */
enum cfg_block {
	CFG_BLOCK_MOS = 0,
	CFG_BLOCK_NETDEV,
	CFG_BLOCK_ARP,
	CFG_BLOCK_ROUTE,
	CFG_BLOCK_FWD,
	CFG_BLOCK_COUNT
};

/* One `netdev` line: `<name> <cpumask> [device=...] [ip=a.b.c.d/len] [mac=...]`. */
struct cfg_netdev {
	char name[MOS_CONF_MAX_IFNAME + 1];
	uint64_t cpu_mask;
	char device[MOS_CONF_MAX_VALUE + 1]; /* backend device string; "" = use `name` */
	bool has_ip;
	uint32_t ip_be;     /* network order */
	uint8_t prefix_len; /* 1..32, valid when has_ip */
	bool has_mac;
	uint8_t mac[6];
	struct cfg_origin at;                       /* the name */
	struct cfg_origin mask_at;                  /* the cpumask */
	struct cfg_origin device_at, ip_at, mac_at; /* the options ({0,0} when absent) */
};

/* One `arp_table` line: `a.b.c.d[/len] xx:xx:xx:xx:xx:xx`. */
struct cfg_arp {
	uint32_t ip_be;
	uint8_t prefix_len; /* 0..32; a bare address is /32 */
	uint8_t mac[6];
	struct cfg_origin at;     /* the prefix */
	struct cfg_origin mac_at; /* the MAC */
};

/* One `route_table` line: `a.b.c.d[/len] <netdev> [gw=a.b.c.d]`. */
struct cfg_route {
	uint32_t ip_be;
	uint8_t prefix_len; /* 0..32; a bare address is /32 */
	char dev[MOS_CONF_MAX_IFNAME + 1];
	int netdev;     /* index into cfg.netdev, resolved by cfg_derive(); -1 = unknown */
	uint32_t gw_be; /* next hop, network order; 0 = on-link */
	struct cfg_origin at;     /* the prefix */
	struct cfg_origin dev_at; /* the netdev name */
	struct cfg_origin gw_at;  /* the gw= option ({0,0} when absent) */
};

/* One `nic_forward_table` line: `<netdevA> <netdevB>`. */
struct cfg_fwd_pair {
	char a_name[MOS_CONF_MAX_IFNAME + 1];
	char b_name[MOS_CONF_MAX_IFNAME + 1];
	int a; /* indices into cfg.netdev, resolved by cfg_derive(); -1 = unknown */
	int b;
	struct cfg_origin a_at;
	struct cfg_origin b_at;
};

/* One `application` block. */
struct cfg_app {
	int type; /* enum cfg_app_type; CFG_APP_UNSET when the block has no `type` */
	char run[MOS_CONF_MAX_VALUE + 1];
	int argc;
	uint16_t argv_off[MOS_APP_ARGC];       /* word i starts at argv_buf + argv_off[i] */
	char argv_buf[MOS_CONF_MAX_VALUE + 1]; /* `run` split into NUL-terminated words */
	uint64_t cpu_mask;                     /* UINT64_MAX = all (default) */
	bool ip_forward;                       /* default true */
	bool mask_alias;                       /* the mask was given as `core_mask` */
	struct cfg_origin at;                  /* the `application {` line */
	struct cfg_origin key_at[CFG_APP_KEY_COUNT];
};

/* Longest file name kept in the struct (diagnostics while parsing use the caller's
 * string, whatever its length). */
#define CFG_MAX_FILE_NAME 4096
/* Largest file accepted by mos_config_load()/mos_config_parse() (EFBIG beyond). */
#define CFG_MAX_FILE_BYTES (16u * 1024u * 1024u)
/* Most words of `eal_args`. */
#define CFG_MAX_EAL_ARGS 128

/* The whole file; every field holds its effective value (defaults filled in).
 * Times are in milliseconds (the file says seconds, or milliseconds with `ms`). */
struct mos_config {
	char file[CFG_MAX_FILE_NAME]; /* name given to the parser */

	/* mos block */
	int io; /* enum cfg_io */
	bool forward;
	int nb_mem_channels;
	int max_concurrency;
	int max_num_buffers;
	bool no_ring_buffers;
	int rmem_size;
	int wmem_size;
	int tcp_tw_interval_ms;
	int tcp_timeout_ms; /* <= 0: disabled */
	char mos_log[MOS_CONF_MAX_VALUE + 1];
	char eal_args[MOS_CONF_MAX_VALUE + 1];
	char stat_print_names[MOS_CONF_MAX_VALUE + 1]; /* as written: space-separated names */
	int stat_print_count;                          /* resolved by cfg_derive() */
	int stat_print[MOS_CONF_MAX_NETDEV];           /* netdev indices */
	struct cfg_origin key_at[CFG_KEY_COUNT];
	struct cfg_origin block_at[CFG_BLOCK_COUNT];

	int netdev_count;
	struct cfg_netdev netdev[MOS_CONF_MAX_NETDEV];
	int arp_count, arp_cap;
	struct cfg_arp *arp; /* heap, arp_cap slots, arp_count used (NULL when 0) */
	int route_count, route_cap;
	struct cfg_route *route; /* heap, route_cap slots, route_count used */
	int fwd_count;
	struct cfg_fwd_pair fwd[MOS_CONF_MAX_NETDEV];

	int app_count;
	struct cfg_app app[MOS_CONF_MAX_APP];

	/* Derived (cfg_derive()). cpu_mask is the union of the netdev masks. num_cores
	 * starts as popcount(cpu_mask); mtcp_setconf() may lower it (it then only limits
	 * which contexts can be created) but never raise it above popcount(cpu_mask). */
	uint64_t cpu_mask;
	int num_cores;
};

/* Default values (docs/config.md lists them with their ranges). */
#define CFG_DEFAULT_MAX_CONCURRENCY 100000
#define CFG_DEFAULT_MAX_NUM_BUFFERS 100000
#define CFG_DEFAULT_RMEM_SIZE 8192
#define CFG_DEFAULT_WMEM_SIZE 8192
#define CFG_DEFAULT_TCP_TW_INTERVAL_MS 0
#define CFG_DEFAULT_TCP_TIMEOUT_MS 30000

/* Fills `cfg` with the defaults of every key: zeroes everything else (no ports, no
 * blocks, no origins, num_cores 0, cpu_mask 0). Never fails. Use it on a struct that
 * owns no tables (it does not free arp/route). */
void cfg_set_defaults(struct mos_config *cfg);

/* Recomputes the derived fields: cpu_mask (union of the netdev masks) and the
 * netdev indices of routes, forward pairs and stat_print. Leaves num_cores alone
 * (the parser sets it to popcount(cpu_mask) after its cfg_derive()). */
void cfg_derive(struct mos_config *cfg);

/* forward AND every application's ip_forward: whether packets are forwarded. */
bool cfg_effective_forward(const struct mos_config *cfg);

/* Deep copy (arp and route tables included), or NULL with errno ENOMEM. Free with
 * mos_config_free(). */
struct mos_config *cfg_clone(const struct mos_config *cfg);

/* ---------------------------------------------------------------------------------- */
/* Diagnostics                                                                        */
/* ---------------------------------------------------------------------------------- */

/* A diagnostic sink. Reports are collected, then cfg_sink_flush() delivers them
 * sorted by line and column (line-0 reports last) to `fn`, or prints them to stderr
 * with cfg_diag_format() when `fn` is NULL. At most CFG_SINK_MAX reports are kept;
 * the flush adds one line-0 error saying how many more were left out. */
#define CFG_SINK_MAX 1000
#define CFG_MSG_MAX 512

struct cfg_diag_rec; /* one kept report (private) */

struct cfg_sink {
	const char *file; /* name put in every diagnostic (the caller's string) */
	mos_diag_fn fn;   /* NULL: stderr */
	void *user;
	int errors; /* counts, including reports left out */
	int warnings;
	int dropped;    /* reports beyond CFG_SINK_MAX */
	bool no_memory; /* an allocation failed somewhere (the caller reports ENOMEM) */
	struct cfg_diag_rec *recs;
	size_t count, cap;
};

void cfg_sink_init(struct cfg_sink *sink, const char *file, mos_diag_fn fn, void *user);

/* Records one diagnostic (severity: enum mos_diag_severity) at `at`. */
void cfg_report(struct cfg_sink *sink, int severity, struct cfg_origin at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cfg_vreport(struct cfg_sink *sink, int severity, struct cfg_origin at, const char *fmt,
		 va_list ap) __attribute__((format(printf, 4, 0)));

/* Delivers and forgets the collected diagnostics; returns the number of errors
 * the sink has seen since cfg_sink_init(). The sink stays usable. */
int cfg_sink_flush(struct cfg_sink *sink);

/* Formats one diagnostic as "FILE:LINE:COL: message", "FILE:LINE:COL: warning:
 * message", or "FILE: message" when line is 0 (no trailing newline). snprintf
 * contract: returns the length the full text needs. */
int cfg_diag_format(const struct mos_diag *diag, char *buf, size_t len);

/* ---------------------------------------------------------------------------------- */
/* Validation                                                                         */
/* ---------------------------------------------------------------------------------- */

/* The validator: every range, cross-reference and consistency rule of a whole
 * configuration (mandatory mos block and port, netdev masks/addresses/uniqueness,
 * ARP and route prefixes, route and forward-pair ports, stat_print names,
 * applications, num_cores against cpu_mask). Reports each problem at the origin of
 * the field concerned. Returns the number of errors found (0 = valid). */
int cfg_validate(const struct mos_config *cfg, struct cfg_sink *sink);

/* The tunables only (every scalar key of the `mos` block, and num_cores in
 * 1..popcount(cpu_mask)), reported at line 0 of `file` (origins are ignored since
 * the values come from an override, e.g. file "<setconf>"); diagnostics are
 * delivered to `diag` (stderr when NULL) before returning. Returns the number of
 * errors (0 = valid). This is what mtcp_setconf() runs on a trial copy. */
int cfg_validate_tunables(const struct mos_config *cfg, const char *file, mos_diag_fn diag,
			  void *user);

#endif /* MOS_ENGINE_CONFIG_H */
