/* config_internal.h - pieces shared by the files of the configuration parser
 * (engine/config*.c only; everyone else uses engine/config.h). */
#ifndef MOS_ENGINE_CONFIG_INTERNAL_H
#define MOS_ENGINE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/config.h"

/* A piece of the input: `n` bytes at `p` (not NUL-terminated; may contain NUL),
 * starting at 1-based column `col` of its line (0 when not from a file). */
struct cfg_span {
	const char *p;
	size_t n;
	int col;
};

/* Blank characters between tokens: space, tab, and NUL (reported once per line by
 * the reader, then treated as a blank so the structure stays in sync). */
bool cfg_is_blank(char c);
struct cfg_span cfg_span_trim(struct cfg_span s);
struct cfg_span cfg_span_sub(struct cfg_span s, size_t off, size_t n);
bool cfg_span_eq(struct cfg_span s, const char *word);
/* Next blank-separated token of `s` at or after *pos; false at the end. */
bool cfg_span_token(struct cfg_span s, size_t *pos, struct cfg_span *tok);
/* Copies `s` into `dst` (size dst_len, NUL-terminated); false if it does not fit. */
bool cfg_span_copy(struct cfg_span s, char *dst, size_t dst_len);
/* Origin of span `s` on line `line`. */
struct cfg_origin cfg_at(int line, struct cfg_span s);

/* Printable, length-limited rendering of `s` for messages (non-printable bytes as
 * \xNN, long text cut with "..."). Returns buf. */
#define CFG_QUOTE_MAX 96
const char *cfg_quote(struct cfg_span s, char *buf, size_t len);

/* " (did you mean 'x'?)" when one of the `n` candidates is a small edit distance
 * away from `word` (case-insensitive), else "". Returns buf. */
const char *cfg_suggest(struct cfg_span word, const char *const *cands, size_t n, char *buf,
			size_t len);

/* --- value parsers (config_value.c); none reports, the caller words the message -- */

enum cfg_num {
	CFG_NUM_OK = 0,
	CFG_NUM_BAD,   /* not a number */
	CFG_NUM_RANGE, /* does not fit the type */
};

/* Decimal (leading zeros stay decimal) or 0x hex, optional leading '-'. */
enum cfg_num cfg_parse_i64(struct cfg_span s, int64_t *out);
/* Decimal or 0x hex, no sign. */
enum cfg_num cfg_parse_u64(struct cfg_span s, uint64_t *out);
/* Dotted quad a.b.c.d, each part 1..3 decimal digits 0..255. */
bool cfg_parse_ipv4(struct cfg_span s, uint32_t *ip_be);

enum cfg_prefix {
	CFG_PREFIX_OK = 0,
	CFG_PREFIX_BAD_ADDR,
	CFG_PREFIX_BAD_LEN, /* not 0..32 */
	CFG_PREFIX_NO_LEN,  /* a bare address where a length is required */
};
/* a.b.c.d/len; a bare address is /32 when `bare_ok`. */
enum cfg_prefix cfg_parse_prefix(struct cfg_span s, bool bare_ok, uint32_t *ip_be,
				 uint8_t *len);
/* xx:xx:xx:xx:xx:xx, two hex digits per byte. */
bool cfg_parse_mac(struct cfg_span s, uint8_t mac[6]);
/* Checks shared by every value: not empty, at most MOS_CONF_MAX_VALUE bytes, no
 * control character but tab, no '#', valid UTF-8. Reports "<what>: ..." at `v` on
 * line `line` and returns false on failure. */
bool cfg_value_ok(struct cfg_span v, const char *what, struct cfg_sink *sink, int line);

/* --- helpers on addresses (config_value.c) ---------------------------------------- */
uint32_t cfg_prefix_mask(uint8_t len); /* host order */
bool cfg_mac_is_unicast(const uint8_t mac[6]);
bool cfg_mac_is_zero(const uint8_t mac[6]);
/* "a.b.c.d" into buf (>= 16 bytes). */
const char *cfg_fmt_ipv4(uint32_t ip_be, char *buf, size_t len);
/* "xx:xx:xx:xx:xx:xx" into buf (>= 18 bytes). */
const char *cfg_fmt_mac(const uint8_t mac[6], char *buf, size_t len);
/* "1500ms" or "30" (seconds when a whole number of seconds) into buf. */
const char *cfg_fmt_time(int ms, char *buf, size_t len);

/* --- keys (config_keys.c) ----------------------------------------------------------- */

enum cfg_kind {
	CFG_KIND_BOOL,        /* 0 or 1 */
	CFG_KIND_INT,         /* integer in [min, max] */
	CFG_KIND_TIME,        /* seconds, or milliseconds with `ms`; stored in ms */
	CFG_KIND_STRING,      /* any text */
	CFG_KIND_IO,          /* dpdk | pcap | sim */
	CFG_KIND_NAMES,       /* space-separated netdev names */
	CFG_KIND_ARGS,        /* command-line words (quotes honoured) */
	CFG_KIND_NO_EFFECT,   /* accepted with a warning */
	CFG_KIND_UNSUPPORTED, /* rejected with an explanation */
};

struct cfg_key_desc {
	const char *name;
	int key;  /* enum cfg_key */
	int kind; /* enum cfg_kind */
	int64_t min, max;
	size_t off;       /* offset of the field in struct mos_config */
	const char *note; /* message of NO_EFFECT / UNSUPPORTED keys */
};

extern const struct cfg_key_desc cfg_mos_keys[CFG_KEY_COUNT];
extern const char *const cfg_app_key_names[]; /* type, run, cpu_mask, core_mask, ip_forward */
#define CFG_APP_KEY_NAME_COUNT 5
#define CFG_APP_NAME_CORE_MASK 3 /* index of the alias in cfg_app_key_names */

/* The descriptor of a mos-block key, or NULL. */
const struct cfg_key_desc *cfg_mos_key_find(struct cfg_span name);

/* Parses `v` as the value of mos-block key `d` into `cfg`; reports and returns false
 * on a syntax error (the field is then unchanged). `at` is the value's origin. */
bool cfg_mos_key_apply(struct mos_config *cfg, const struct cfg_key_desc *d, struct cfg_span v,
		       struct cfg_origin at, struct cfg_sink *sink);

/* Index into cfg_app_key_names, or -1. */
int cfg_app_key_find(struct cfg_span name);
/* Same for an application key (`name_idx` indexes cfg_app_key_names). */
bool cfg_app_key_apply(struct cfg_app *app, int name_idx, struct cfg_span v,
		       struct cfg_origin at, struct cfg_sink *sink);
/* enum cfg_app_key of a cfg_app_key_names index (core_mask -> CPU_MASK). */
int cfg_app_key_of(int name_idx);

/* Messages shared by parser and validator. */
void cfg_report_range(struct cfg_sink *sink, struct cfg_origin at, const struct cfg_key_desc *d,
		      int64_t value);

/* --- table lines (config_tables.c) ----------------------------------------------- */
void cfg_netdev_line(struct mos_config *cfg, struct cfg_sink *sink, int line,
		     struct cfg_span s);
void cfg_arp_line(struct mos_config *cfg, struct cfg_sink *sink, int line, struct cfg_span s);
void cfg_route_line(struct mos_config *cfg, struct cfg_sink *sink, int line, struct cfg_span s);
void cfg_fwd_line(struct mos_config *cfg, struct cfg_sink *sink, int line, struct cfg_span s);

/* Index of the netdev called `name`, or -1. */
int cfg_netdev_find(const struct mos_config *cfg, const char *name, size_t len);

#endif /* MOS_ENGINE_CONFIG_INTERNAL_H */
