/* config_keys.c - the keys of the `mos` and `application` blocks: their table (name,
 * kind, range, field), one parse function per kind of value, and mos_config_set().
 * Ranges are enforced by the validator from the same table; the functions here only
 * turn text into a field value. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "engine/config_internal.h"
#include "mtcp_util.h"

/* clang-format off */
#define CFG_KEY(n, k, kind, lo, hi, field, note) \
	{#n, k, kind, lo, hi, offsetof(struct mos_config, field), note}
/* clang-format on */
#define CFG_MAX_BYTES 1073741824
#define CFG_MAX_TIMEOUT_MS 2147483000

const struct cfg_key_desc cfg_mos_keys[CFG_KEY_COUNT] = {
	CFG_KEY(io, CFG_KEY_IO, CFG_KIND_IO, 0, 2, io, NULL),
	CFG_KEY(forward, CFG_KEY_FORWARD, CFG_KIND_BOOL, 0, 1, forward, NULL),
	CFG_KEY(nb_mem_channels, CFG_KEY_NB_MEM_CHANNELS, CFG_KIND_INT, 0, 64, nb_mem_channels,
		NULL),
	CFG_KEY(max_concurrency, CFG_KEY_MAX_CONCURRENCY, CFG_KIND_INT, 1, 16777216,
		max_concurrency, NULL),
	CFG_KEY(max_num_buffers, CFG_KEY_MAX_NUM_BUFFERS, CFG_KIND_INT, 1, 16777216,
		max_num_buffers, NULL),
	CFG_KEY(no_ring_buffers, CFG_KEY_NO_RING_BUFFERS, CFG_KIND_BOOL, 0, 1, no_ring_buffers,
		NULL),
	CFG_KEY(rmem_size, CFG_KEY_RMEM_SIZE, CFG_KIND_INT, 1024, CFG_MAX_BYTES, rmem_size,
		NULL),
	CFG_KEY(wmem_size, CFG_KEY_WMEM_SIZE, CFG_KIND_INT, 64, CFG_MAX_BYTES, wmem_size, NULL),
	CFG_KEY(tcp_tw_interval, CFG_KEY_TCP_TW_INTERVAL, CFG_KIND_TIME, 0, 3600000,
		tcp_tw_interval_ms, NULL),
	CFG_KEY(tcp_timeout, CFG_KEY_TCP_TIMEOUT, CFG_KIND_TIME, -CFG_MAX_TIMEOUT_MS,
		CFG_MAX_TIMEOUT_MS, tcp_timeout_ms, NULL),
	CFG_KEY(mos_log, CFG_KEY_MOS_LOG, CFG_KIND_STRING, 0, 0, mos_log, NULL),
	CFG_KEY(stat_print, CFG_KEY_STAT_PRINT, CFG_KIND_NAMES, 0, 0, stat_print_names, NULL),
	CFG_KEY(eal_args, CFG_KEY_EAL_ARGS, CFG_KIND_ARGS, 0, 0, eal_args, NULL),
	CFG_KEY(port, CFG_KEY_PORT, CFG_KIND_NO_EFFECT, 0, 0, file,
		"port has no effect in mOS-NG (the ports are the netdev lines); ignored"),
	CFG_KEY(multiprocess, CFG_KEY_MULTIPROCESS, CFG_KIND_UNSUPPORTED, 0, 0, file,
		"multiprocess is not supported by mOS-NG; run one process with several cores"),
};

const char *const cfg_app_key_names[CFG_APP_KEY_NAME_COUNT] = {
	"type", "run", "cpu_mask", "core_mask", "ip_forward",
};

const struct cfg_key_desc *cfg_mos_key_find(struct cfg_span name)
{
	for (size_t i = 0; i < CFG_KEY_COUNT; i++) {
		if (cfg_span_eq(name, cfg_mos_keys[i].name))
			return &cfg_mos_keys[i];
	}
	return NULL;
}

int cfg_app_key_find(struct cfg_span name)
{
	for (int i = 0; i < CFG_APP_KEY_NAME_COUNT; i++) {
		if (cfg_span_eq(name, cfg_app_key_names[i]))
			return i;
	}
	return -1;
}

int cfg_app_key_of(int name_idx)
{
	static const int keys[CFG_APP_KEY_NAME_COUNT] = {
		CFG_APP_KEY_TYPE,     CFG_APP_KEY_RUN,        CFG_APP_KEY_CPU_MASK,
		CFG_APP_KEY_CPU_MASK, CFG_APP_KEY_IP_FORWARD,
	};
	return keys[name_idx];
}

/* "30 s" / "1500 ms" for time keys, the number otherwise. */
static void cfg_keys_fmt_value(const struct cfg_key_desc *d, int64_t v, char *buf, size_t len)
{
	if (d->kind == CFG_KIND_TIME && v % 1000 == 0)
		snprintf(buf, len, "%lld s", (long long)(v / 1000));
	else if (d->kind == CFG_KIND_TIME)
		snprintf(buf, len, "%lld ms", (long long)v);
	else
		snprintf(buf, len, "%lld", (long long)v);
}

void cfg_report_range(struct cfg_sink *sink, struct cfg_origin at, const struct cfg_key_desc *d,
		      int64_t value)
{
	char v[48];

	cfg_keys_fmt_value(d, value, v, sizeof v);
	if (d->kind == CFG_KIND_TIME)
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: %s is out of range (%lld..%lld s%s)",
			   d->name, v, (long long)(d->min / 1000), (long long)(d->max / 1000),
			   d->min < 0 ? "; 0 or less disables it" : "");
	else
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: %s is out of range (%lld..%lld)",
			   d->name, v, (long long)d->min, (long long)d->max);
}

static bool cfg_keys_bool(struct cfg_span v, const char *what, bool *out, struct cfg_origin at,
			  struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];
	int64_t n = -1;

	if (cfg_parse_i64(v, &n) != CFG_NUM_OK || (n != 0 && n != 1)) {
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: value '%s' must be 0 or 1", what,
			   cfg_quote(v, q, sizeof q));
		return false;
	}
	*out = n == 1;
	return true;
}

/* Stores a parsed number into an int field, or reports it as out of range. */
static bool cfg_keys_store_int(const struct cfg_key_desc *d, int64_t n, int *field,
			       struct cfg_origin at, struct cfg_sink *sink)
{
	if (n < INT32_MIN || n > INT32_MAX) {
		cfg_report_range(sink, at, d, n);
		return false;
	}
	*field = (int)n;
	return true;
}

static bool cfg_keys_int(const struct cfg_key_desc *d, struct cfg_span v, int *field,
			 struct cfg_origin at, struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];
	int64_t n = 0;

	switch (cfg_parse_i64(v, &n)) {
	case CFG_NUM_OK:
		return cfg_keys_store_int(d, n, field, at, sink);
	case CFG_NUM_RANGE:
		cfg_report(sink, MOS_DIAG_ERROR, at,
			   "%s: value '%s' is out of range (%lld..%lld)", d->name,
			   cfg_quote(v, q, sizeof q), (long long)d->min, (long long)d->max);
		return false;
	default:
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: value '%s' is not a number", d->name,
			   cfg_quote(v, q, sizeof q));
		return false;
	}
}

/* Seconds, or milliseconds with the suffix `ms`; stored in milliseconds. */
static bool cfg_keys_time(const struct cfg_key_desc *d, struct cfg_span v, int *field,
			  struct cfg_origin at, struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];
	bool ms = v.n > 2 && v.p[v.n - 2] == 'm' && v.p[v.n - 1] == 's';
	int64_t n = 0;
	enum cfg_num st = cfg_parse_i64(ms ? cfg_span_sub(v, 0, v.n - 2) : v, &n);

	if (st == CFG_NUM_OK && !ms) {
		if (n > INT64_MAX / 1000 || n < INT64_MIN / 1000)
			st = CFG_NUM_RANGE;
		else
			n *= 1000;
	}
	if (st == CFG_NUM_BAD) {
		cfg_report(sink, MOS_DIAG_ERROR, at,
			   "%s: value '%s' is not a number of seconds (or of milliseconds with "
			   "the suffix 'ms')",
			   d->name, cfg_quote(v, q, sizeof q));
		return false;
	}
	if (st == CFG_NUM_RANGE) {
		cfg_report(sink, MOS_DIAG_ERROR, at,
			   "%s: value '%s' is out of range (%lld..%lld s)", d->name,
			   cfg_quote(v, q, sizeof q), (long long)(d->min / 1000),
			   (long long)(d->max / 1000));
		return false;
	}
	return cfg_keys_store_int(d, n, field, at, sink);
}

static bool cfg_keys_io(struct cfg_span v, int *field, struct cfg_origin at,
			struct cfg_sink *sink)
{
	static const char *const names[] = {"dpdk", "pcap", "sim"};
	char q[CFG_QUOTE_MAX], hint[96];

	for (int i = 0; i < 3; i++) {
		if (cfg_span_eq(v, names[i])) {
			*field = i; /* enum cfg_io follows the table order */
			return true;
		}
	}
	cfg_report(sink, MOS_DIAG_ERROR, at,
		   "io: unknown backend '%s' (expected dpdk, pcap or sim)%s",
		   cfg_quote(v, q, sizeof q), cfg_suggest(v, names, 3, hint, sizeof hint));
	return false;
}

/* Words as StrToArgs() splits them; at most `max` of them. */
static bool cfg_keys_args_ok(const char *what, struct cfg_span v, int max, struct cfg_origin at,
			     struct cfg_sink *sink)
{
	char buf[MOS_CONF_MAX_VALUE + 1];
	char *argv[CFG_MAX_EAL_ARGS];
	int argc = 0;

	if (!cfg_span_copy(v, buf, sizeof buf) || max > CFG_MAX_EAL_ARGS)
		return false;
	if (StrToArgs(buf, &argc, argv, max) == 0)
		return true;
	if (errno == E2BIG)
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: more than %d words", what, max);
	else
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: unterminated quote", what);
	return false;
}

static bool cfg_keys_string(const struct cfg_key_desc *d, struct cfg_span v, char *field,
			    struct cfg_origin at, struct cfg_sink *sink)
{
	if (d->kind == CFG_KIND_ARGS &&
	    !cfg_keys_args_ok(d->name, v, CFG_MAX_EAL_ARGS, at, sink))
		return false;
	if (!cfg_span_copy(v, field, MOS_CONF_MAX_VALUE + 1)) {
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: value is too long", d->name);
		return false;
	}
	return true;
}

bool cfg_mos_key_apply(struct mos_config *cfg, const struct cfg_key_desc *d, struct cfg_span v,
		       struct cfg_origin at, struct cfg_sink *sink)
{
	char *field = (char *)cfg + d->off;

	MOS_ASSERT(d->off + sizeof(int) <= sizeof *cfg);

	switch (d->kind) {
	case CFG_KIND_BOOL:
		return cfg_keys_bool(v, d->name, (bool *)(void *)field, at, sink);
	case CFG_KIND_INT:
		return cfg_keys_int(d, v, (int *)(void *)field, at, sink);
	case CFG_KIND_TIME:
		return cfg_keys_time(d, v, (int *)(void *)field, at, sink);
	case CFG_KIND_IO:
		return cfg_keys_io(v, (int *)(void *)field, at, sink);
	case CFG_KIND_STRING:
	case CFG_KIND_NAMES:
	case CFG_KIND_ARGS:
		return cfg_keys_string(d, v, field, at, sink);
	case CFG_KIND_NO_EFFECT:
		cfg_report(sink, MOS_DIAG_WARNING, at, "%s", d->note);
		return true;
	default:
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s", d->note);
		return false;
	}
}

static bool cfg_keys_app_type(struct cfg_app *app, struct cfg_span v, struct cfg_origin at,
			      struct cfg_sink *sink)
{
	static const char *const names[] = {"end", "monitor"};
	char q[CFG_QUOTE_MAX], hint[96];

	if (cfg_span_eq(v, "end")) {
		app->type = CFG_APP_END;
	} else if (cfg_span_eq(v, "monitor")) {
		app->type = CFG_APP_MONITOR;
	} else {
		cfg_report(sink, MOS_DIAG_ERROR, at,
			   "type: unknown application type '%s' (expected end or monitor)%s",
			   cfg_quote(v, q, sizeof q),
			   cfg_suggest(v, names, 2, hint, sizeof hint));
		return false;
	}
	return true;
}

/* `run`: kept as written and split into argv words (quotes honoured). */
static bool cfg_keys_app_run(struct cfg_app *app, struct cfg_span v, struct cfg_origin at,
			     struct cfg_sink *sink)
{
	char buf[MOS_CONF_MAX_VALUE + 1];
	char *argv[MOS_APP_ARGC];
	int argc = 0;

	if (!cfg_keys_args_ok("run", v, MOS_APP_ARGC, at, sink) ||
	    !cfg_span_copy(v, buf, sizeof buf))
		return false;
	if (StrToArgs(buf, &argc, argv, MOS_APP_ARGC) != 0 || argc == 0 || argv[0][0] == '\0') {
		cfg_report(sink, MOS_DIAG_ERROR, at, "run: the command (first word) is empty");
		return false;
	}
	memcpy(app->run, v.p, v.n);
	app->run[v.n] = '\0';
	memcpy(app->argv_buf, buf, sizeof buf);
	app->argc = argc;
	for (int i = 0; i < argc; i++) {
		MOS_ASSERT(argv[i] >= buf && argv[i] < buf + sizeof buf);
		app->argv_off[i] = (uint16_t)(argv[i] - buf);
	}
	return true;
}

static bool cfg_keys_app_mask(struct cfg_app *app, const char *what, struct cfg_span v,
			      struct cfg_origin at, struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];
	uint64_t mask = 0;

	switch (cfg_parse_u64(v, &mask)) {
	case CFG_NUM_OK:
		app->cpu_mask = mask;
		return true;
	case CFG_NUM_RANGE:
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: value '%s' does not fit in 64 bits",
			   what, cfg_quote(v, q, sizeof q));
		return false;
	default:
		cfg_report(sink, MOS_DIAG_ERROR, at,
			   "%s: value '%s' is not a core mask (hex with 0x, or decimal)", what,
			   cfg_quote(v, q, sizeof q));
		return false;
	}
}

bool cfg_app_key_apply(struct cfg_app *app, int name_idx, struct cfg_span v,
		       struct cfg_origin at, struct cfg_sink *sink)
{
	switch (cfg_app_key_of(name_idx)) {
	case CFG_APP_KEY_TYPE:
		return cfg_keys_app_type(app, v, at, sink);
	case CFG_APP_KEY_RUN:
		return cfg_keys_app_run(app, v, at, sink);
	case CFG_APP_KEY_CPU_MASK:
		if (!cfg_keys_app_mask(app, cfg_app_key_names[name_idx], v, at, sink))
			return false;
		app->mask_alias = name_idx == CFG_APP_NAME_CORE_MASK;
		return true;
	default:
		return cfg_keys_bool(v, "ip_forward", &app->ip_forward, at, sink);
	}
}

/* ---------------------------------------------------------------------------------- */
/* mos_config_set                                                                     */
/* ---------------------------------------------------------------------------------- */

/* "application.<n>.<key>": the block index and the key. */
static bool cfg_keys_set_app(struct mos_config *cfg, const char *key, struct cfg_span v,
			     struct cfg_sink *sink)
{
	struct cfg_origin none = {0, 0};
	const char *p = key + strlen("application.");
	char *end = NULL;
	long idx;
	int name_idx;

	if (*p < '0' || *p > '9') {
		cfg_report(sink, MOS_DIAG_ERROR, none, "%s: expected application.<n>.<key>",
			   key);
		return false;
	}
	errno = 0;
	idx = strtol(p, &end, 10);
	if (errno != 0 || *end != '.' || idx < 0 || idx >= cfg->app_count) {
		cfg_report(sink, MOS_DIAG_ERROR, none,
			   "%s: no application block with that number (the file has %d)", key,
			   cfg->app_count);
		return false;
	}
	struct cfg_span name = {end + 1, strlen(end + 1), 0};
	name_idx = cfg_app_key_find(name);
	if (name_idx < 0) {
		char q[CFG_QUOTE_MAX], hint[96];
		cfg_report(sink, MOS_DIAG_ERROR, none,
			   "unknown key '%s' in block 'application'%s",
			   cfg_quote(name, q, sizeof q),
			   cfg_suggest(name, cfg_app_key_names, CFG_APP_KEY_NAME_COUNT, hint,
				       sizeof hint));
		return false;
	}
	struct cfg_app *app = &cfg->app[idx];
	if (!cfg_app_key_apply(app, name_idx, v, none, sink))
		return false;
	app->key_at[cfg_app_key_of(name_idx)] = none;
	return true;
}

static bool cfg_keys_set_mos(struct mos_config *cfg, const char *key, struct cfg_span v,
			     struct cfg_sink *sink)
{
	struct cfg_origin none = {0, 0};
	struct cfg_span name = {key, strlen(key), 0};
	const struct cfg_key_desc *d = cfg_mos_key_find(name);
	const char *names[CFG_KEY_COUNT];
	char q[CFG_QUOTE_MAX], hint[96];

	if (d != NULL) {
		if (!cfg_mos_key_apply(cfg, d, v, none, sink))
			return false;
		cfg->key_at[d->key] = none;
		return true;
	}
	for (size_t i = 0; i < CFG_KEY_COUNT; i++)
		names[i] = cfg_mos_keys[i].name;
	cfg_report(sink, MOS_DIAG_ERROR, none, "unknown key '%s' in block 'mos'%s",
		   cfg_quote(name, q, sizeof q),
		   cfg_suggest(name, names, CFG_KEY_COUNT, hint, sizeof hint));
	return false;
}

/* Applies key=value to `trial`, then validates the whole configuration. */
static bool cfg_keys_set_trial(struct mos_config *trial, const char *key, const char *value,
			       struct cfg_sink *sink)
{
	struct cfg_span v = cfg_span_trim((struct cfg_span){value, strlen(value), 0});
	bool ok;

	if (!cfg_value_ok(v, key, sink, 0))
		return false;
	if (strncmp(key, "mos.", 4) == 0)
		key += 4;
	if (strncmp(key, "application.", strlen("application.")) == 0)
		ok = cfg_keys_set_app(trial, key, v, sink);
	else
		ok = cfg_keys_set_mos(trial, key, v, sink);
	if (!ok)
		return false;
	cfg_derive(trial);
	return cfg_validate(trial, sink) == 0;
}

int mos_config_set(struct mos_config *cfg, const char *key, const char *value, mos_diag_fn diag,
		   void *user)
{
	struct cfg_sink sink;
	struct mos_config *trial;
	bool ok;

	if (cfg == NULL || key == NULL || value == NULL) {
		errno = EINVAL;
		return -1;
	}
	trial = cfg_clone(cfg);
	if (trial == NULL) {
		errno = ENOMEM;
		return -1;
	}
	cfg_sink_init(&sink, "<override>", diag, user);
	ok = cfg_keys_set_trial(trial, key, value, &sink);
	cfg_sink_flush(&sink);
	if (!ok) {
		mos_config_free(trial);
		errno = EINVAL;
		return -1;
	}
	/* Commit: the trial owns equal copies of the tables; keep the trial's. */
	free(cfg->arp);
	free(cfg->route);
	memcpy(cfg, trial, sizeof *cfg);
	free(trial);
	return 0;
}

#undef CFG_KEY
#undef CFG_MAX_BYTES
#undef CFG_MAX_TIMEOUT_MS
