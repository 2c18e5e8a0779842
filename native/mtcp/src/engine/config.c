/* config.c - the mos.conf reader: splits the text into lines, tracks the blocks,
 * hands each item to the key or table parsers, then derives and validates the
 * result. Also the public entry points mos_config_load/parse/free and the struct's
 * lifecycle helpers (defaults, derive, clone). Grammar: docs/config.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/assert.h"
#include "engine/config_internal.h"

/* Where the reader is: the kind of the innermost open block. */
enum cfg_ctx {
	CFG_CTX_TOP = 0,
	CFG_CTX_MOS,
	CFG_CTX_APP,
	CFG_CTX_NETDEV,
	CFG_CTX_ARP,
	CFG_CTX_ROUTE,
	CFG_CTX_FWD,
};

struct cfg_block_desc {
	const char *name;
	int ctx;    /* enum cfg_ctx the block opens */
	int parent; /* enum cfg_ctx it must appear in */
	int block;  /* enum cfg_block, or -1 (application: several allowed) */
	int max;    /* most lines (table blocks) */
};

static const struct cfg_block_desc cfg_blocks[] = {
	{"mos", CFG_CTX_MOS, CFG_CTX_TOP, CFG_BLOCK_MOS, 0},
	{"application", CFG_CTX_APP, CFG_CTX_TOP, -1, 0},
	{"netdev", CFG_CTX_NETDEV, CFG_CTX_MOS, CFG_BLOCK_NETDEV, MOS_CONF_MAX_NETDEV},
	{"arp_table", CFG_CTX_ARP, CFG_CTX_MOS, CFG_BLOCK_ARP, MOS_CONF_MAX_ARP},
	{"route_table", CFG_CTX_ROUTE, CFG_CTX_MOS, CFG_BLOCK_ROUTE, MOS_CONF_MAX_ROUTE},
	{"nic_forward_table", CFG_CTX_FWD, CFG_CTX_MOS, CFG_BLOCK_FWD, MOS_CONF_MAX_NETDEV},
};
#define CFG_NBLOCKS (sizeof cfg_blocks / sizeof cfg_blocks[0])
#define CFG_MAX_DEPTH 3 /* top, mos, a sub-block */

struct cfg_parser {
	struct mos_config *cfg;
	struct cfg_sink *sink;
	int line;
	int depth; /* open blocks; open[0] is the top level */
	struct {
		const struct cfg_block_desc *desc;
		struct cfg_origin at;
	} open[CFG_MAX_DEPTH];
	int skip_depth; /* > 0: inside a rejected block, skipped up to its '}' */
	struct cfg_origin skip_at;
	char skip_name[CFG_QUOTE_MAX];
	bool table_full; /* the open table block already reported its bound */
};

static int cfg_ctx(const struct cfg_parser *p)
{
	return p->depth == 0 ? CFG_CTX_TOP : p->open[p->depth].desc->ctx;
}

static const char *cfg_ctx_name(const struct cfg_parser *p)
{
	return p->depth == 0 ? "the top level" : p->open[p->depth].desc->name;
}

static bool cfg_is_word(struct cfg_span s)
{
	if (s.n == 0)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static const struct cfg_block_desc *cfg_block_find(struct cfg_span name)
{
	for (size_t i = 0; i < CFG_NBLOCKS; i++) {
		if (cfg_span_eq(name, cfg_blocks[i].name))
			return &cfg_blocks[i];
	}
	return NULL;
}

/* ---------------------------------------------------------------------------------- */
/* Blocks                                                                             */
/* ---------------------------------------------------------------------------------- */

static void cfg_skip_block(struct cfg_parser *p, struct cfg_span name)
{
	p->skip_depth = 1;
	p->skip_at = cfg_at(p->line, name);
	cfg_quote(name, p->skip_name, sizeof p->skip_name);
}

static void cfg_unknown_block(struct cfg_parser *p, struct cfg_span name)
{
	const char *cands[CFG_NBLOCKS];
	char q[CFG_QUOTE_MAX], hint[96], list[160] = "";
	size_t n = 0;

	for (size_t i = 0; i < CFG_NBLOCKS; i++) {
		if (cfg_blocks[i].parent != cfg_ctx(p))
			continue;
		cands[n++] = cfg_blocks[i].name;
		size_t used = strlen(list);
		snprintf(list + used, sizeof list - used, "%s'%s'", n > 1 ? ", " : "",
			 cfg_blocks[i].name);
	}
	cfg_suggest(name, cands, n, hint, sizeof hint);
	if (n == 0)
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, name),
			   "unknown block '%s' (block '%s' has no sub-blocks)",
			   cfg_quote(name, q, sizeof q), cfg_ctx_name(p));
	else
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, name),
			   "unknown block '%s' in %s (expected %s)%s",
			   cfg_quote(name, q, sizeof q), cfg_ctx_name(p), list, hint);
}

/* Whether block `d` may open here; reports why not. */
static bool cfg_block_allowed(struct cfg_parser *p, const struct cfg_block_desc *d,
			      struct cfg_origin at)
{
	const struct mos_config *cfg = p->cfg;

	if (d->parent != cfg_ctx(p)) {
		if (d->parent == CFG_CTX_MOS && cfg_ctx(p) == CFG_CTX_TOP)
			cfg_report(p->sink, MOS_DIAG_ERROR, at,
				   "block '%s' must be inside the 'mos' block", d->name);
		else if (d->parent == CFG_CTX_TOP)
			cfg_report(p->sink, MOS_DIAG_ERROR, at,
				   "block '%s' must be at the top level, not inside '%s'",
				   d->name, cfg_ctx_name(p));
		else
			cfg_report(p->sink, MOS_DIAG_ERROR, at,
				   "block '%s' cannot be nested inside '%s'", d->name,
				   cfg_ctx_name(p));
		return false;
	}
	if (d->block >= 0 && cfg->block_at[d->block].line != 0) {
		cfg_report(p->sink, MOS_DIAG_ERROR, at,
			   "duplicate block '%s' (first at line %d)", d->name,
			   cfg->block_at[d->block].line);
		return false;
	}
	if (d->ctx == CFG_CTX_APP && cfg->app_count >= MOS_CONF_MAX_APP) {
		cfg_report(p->sink, MOS_DIAG_ERROR, at, "more than %d application blocks",
			   MOS_CONF_MAX_APP);
		return false;
	}
	return true;
}

static void cfg_open_block(struct cfg_parser *p, struct cfg_span name)
{
	const struct cfg_block_desc *d = cfg_block_find(name);
	struct cfg_origin at = cfg_at(p->line, name);
	char q[CFG_QUOTE_MAX];

	if (!cfg_is_word(name)) {
		cfg_report(p->sink, MOS_DIAG_ERROR, at,
			   name.n == 0 ? "'{' without a block name%s"
				       : "invalid block name '%s' (letters, digits and '_')",
			   cfg_quote(name, q, sizeof q));
		cfg_skip_block(p, name);
		return;
	}
	if (d == NULL) {
		cfg_unknown_block(p, name);
		cfg_skip_block(p, name);
		return;
	}
	if (!cfg_block_allowed(p, d, at)) {
		cfg_skip_block(p, name);
		return;
	}
	if (d->block >= 0)
		p->cfg->block_at[d->block] = at;
	if (d->ctx == CFG_CTX_APP) {
		struct cfg_app *app = &p->cfg->app[p->cfg->app_count++];
		memset(app, 0, sizeof *app);
		app->cpu_mask = UINT64_MAX;
		app->ip_forward = true;
		app->at = at;
	}
	MOS_ASSERT(p->depth + 1 < CFG_MAX_DEPTH); /* only top -> mos -> table nests */
	p->depth++;
	p->open[p->depth].desc = d;
	p->open[p->depth].at = at;
	p->table_full = false;
}

static void cfg_close_block(struct cfg_parser *p, struct cfg_span s)
{
	struct cfg_span rest = cfg_span_trim(cfg_span_sub(s, 1, s.n - 1));
	char q[CFG_QUOTE_MAX];

	if (rest.n > 0)
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, rest),
			   "unexpected '%s' after '}' (a '}' stands on its own line)",
			   cfg_quote(rest, q, sizeof q));
	if (p->depth == 0) {
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, s),
			   "'}' without an open block");
		return;
	}
	p->depth--;
	p->table_full = false;
}

/* Inside a rejected block: only braces matter. */
static void cfg_skip_line(struct cfg_parser *p, struct cfg_span s)
{
	if (s.p[0] == '}')
		p->skip_depth--;
	else if (s.p[s.n - 1] == '{')
		p->skip_depth++;
}

/* ---------------------------------------------------------------------------------- */
/* Items                                                                              */
/* ---------------------------------------------------------------------------------- */

static void cfg_dup_key(struct cfg_parser *p, struct cfg_span key, struct cfg_origin first)
{
	char q[CFG_QUOTE_MAX];
	cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, key),
		   "duplicate key '%s' (first set at line %d)", cfg_quote(key, q, sizeof q),
		   first.line);
}

static void cfg_unknown_key(struct cfg_parser *p, struct cfg_span key, bool in_mos)
{
	const char *names[CFG_KEY_COUNT];
	char q[CFG_QUOTE_MAX], hint[128];

	for (size_t i = 0; i < CFG_KEY_COUNT; i++)
		names[i] = cfg_mos_keys[i].name;
	if (in_mos && cfg_app_key_find(key) >= 0)
		snprintf(hint, sizeof hint, " (it belongs in an 'application' block)");
	else if (!in_mos && cfg_mos_key_find(key) != NULL)
		snprintf(hint, sizeof hint, " (it belongs in the 'mos' block)");
	else if (in_mos)
		cfg_suggest(key, names, CFG_KEY_COUNT, hint, sizeof hint);
	else
		cfg_suggest(key, cfg_app_key_names, CFG_APP_KEY_NAME_COUNT, hint, sizeof hint);
	cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, key),
		   "unknown key '%s' in block '%s'%s", cfg_quote(key, q, sizeof q),
		   in_mos ? "mos" : "application", hint);
}

static void cfg_mos_item(struct cfg_parser *p, struct cfg_span key, struct cfg_span val)
{
	struct mos_config *cfg = p->cfg;
	const struct cfg_key_desc *d = cfg_mos_key_find(key);

	if (d == NULL) {
		cfg_unknown_key(p, key, true);
		return;
	}
	if (cfg->key_at[d->key].line != 0) {
		cfg_dup_key(p, key, cfg->key_at[d->key]);
		return;
	}
	cfg->key_at[d->key] = cfg_at(p->line, val);
	if (d->kind == CFG_KIND_NO_EFFECT || d->kind == CFG_KIND_UNSUPPORTED)
		cfg_mos_key_apply(cfg, d, val, cfg_at(p->line, key), p->sink);
	else if (cfg_value_ok(val, d->name, p->sink, p->line))
		cfg_mos_key_apply(cfg, d, val, cfg_at(p->line, val), p->sink);
}

static void cfg_app_item(struct cfg_parser *p, struct cfg_span key, struct cfg_span val)
{
	MOS_ASSERT(p->cfg->app_count > 0); /* we are inside an application block */
	struct cfg_app *app = &p->cfg->app[p->cfg->app_count - 1];
	int idx = cfg_app_key_find(key);
	int k;
	char q[CFG_QUOTE_MAX];

	if (idx < 0) {
		cfg_unknown_key(p, key, false);
		return;
	}
	k = cfg_app_key_of(idx);
	if (app->key_at[k].line != 0) {
		bool other_name = k == CFG_APP_KEY_CPU_MASK &&
				  app->mask_alias != (idx == CFG_APP_NAME_CORE_MASK);
		if (!other_name) {
			cfg_dup_key(p, key, app->key_at[k]);
			return;
		}
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, key),
			   "'%s' conflicts with '%s' at line %d (core_mask is another name for "
			   "cpu_mask; give one of them)",
			   cfg_quote(key, q, sizeof q),
			   app->mask_alias ? "core_mask" : "cpu_mask", app->key_at[k].line);
		return;
	}
	app->key_at[k] = cfg_at(p->line, val);
	if (k == CFG_APP_KEY_CPU_MASK)
		app->mask_alias = idx == CFG_APP_NAME_CORE_MASK;
	if (cfg_value_ok(val, cfg_app_key_names[idx], p->sink, p->line))
		cfg_app_key_apply(app, idx, val, cfg_at(p->line, val), p->sink);
}

/* `key = value` inside `mos` or `application`. */
static void cfg_keyed_line(struct cfg_parser *p, struct cfg_span s)
{
	const char *eq = memchr(s.p, '=', s.n);
	char q[CFG_QUOTE_MAX];

	if (eq == NULL) {
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, s),
			   "expected 'key = value' in block '%s', found '%s'", cfg_ctx_name(p),
			   cfg_quote(s, q, sizeof q));
		return;
	}
	size_t kn = (size_t)(eq - s.p);
	struct cfg_span key = cfg_span_trim(cfg_span_sub(s, 0, kn));
	struct cfg_span val = cfg_span_trim(cfg_span_sub(s, kn + 1, s.n - kn - 1));
	if (!cfg_is_word(key)) {
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, key.n ? key : s),
			   key.n ? "invalid key '%s' (letters, digits and '_')"
				 : "missing key before '='%s",
			   cfg_quote(key, q, sizeof q));
		return;
	}
	if (val.n == 0)
		val.col = (int)(eq - s.p) + s.col + 1; /* point just after the '=' */
	if (cfg_ctx(p) == CFG_CTX_MOS)
		cfg_mos_item(p, key, val);
	else
		cfg_app_item(p, key, val);
}

/* A line of a table block, within the block's bound. */
static void cfg_table_line(struct cfg_parser *p, struct cfg_span s)
{
	const struct cfg_block_desc *d = p->open[p->depth].desc;
	struct mos_config *cfg = p->cfg;
	static const int counts_off[] = {
		[CFG_CTX_NETDEV] = offsetof(struct mos_config, netdev_count),
		[CFG_CTX_ARP] = offsetof(struct mos_config, arp_count),
		[CFG_CTX_ROUTE] = offsetof(struct mos_config, route_count),
		[CFG_CTX_FWD] = offsetof(struct mos_config, fwd_count),
	};
	const int *count = (const int *)(const void *)((const char *)cfg + counts_off[d->ctx]);

	if (*count >= d->max) {
		if (!p->table_full)
			cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, s),
				   "%s: more than %d lines; the rest of the block is ignored",
				   d->name, d->max);
		p->table_full = true;
		return;
	}
	if (d->ctx == CFG_CTX_NETDEV)
		cfg_netdev_line(cfg, p->sink, p->line, s);
	else if (d->ctx == CFG_CTX_ARP)
		cfg_arp_line(cfg, p->sink, p->line, s);
	else if (d->ctx == CFG_CTX_ROUTE)
		cfg_route_line(cfg, p->sink, p->line, s);
	else
		cfg_fwd_line(cfg, p->sink, p->line, s);
}

static void cfg_top_line(struct cfg_parser *p, struct cfg_span s)
{
	char q[CFG_QUOTE_MAX];
	const char *eq = memchr(s.p, '=', s.n);
	struct cfg_span key = cfg_span_trim(cfg_span_sub(s, 0, eq ? (size_t)(eq - s.p) : 0));

	if (eq != NULL && cfg_mos_key_find(key) != NULL)
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, s),
			   "key '%s' outside of any block (it belongs inside 'mos { ... }')",
			   cfg_quote(key, q, sizeof q));
	else
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, s),
			   "unexpected '%s' at the top level (expected 'mos {' or 'application "
			   "{')",
			   cfg_quote(s, q, sizeof q));
}

/* One line without its comment, trimmed and not empty. */
static void cfg_dispatch(struct cfg_parser *p, struct cfg_span s)
{
	if (p->skip_depth > 0) {
		cfg_skip_line(p, s);
		return;
	}
	if (s.p[0] == '}') {
		cfg_close_block(p, s);
		return;
	}
	if (s.p[s.n - 1] == '{' && memchr(s.p, '=', s.n) == NULL) {
		cfg_open_block(p, cfg_span_trim(cfg_span_sub(s, 0, s.n - 1)));
		return;
	}
	switch (cfg_ctx(p)) {
	case CFG_CTX_TOP:
		cfg_top_line(p, s);
		break;
	case CFG_CTX_MOS:
	case CFG_CTX_APP:
		cfg_keyed_line(p, s);
		break;
	default:
		cfg_table_line(p, s);
		break;
	}
}

static void cfg_line(struct cfg_parser *p, const char *start, size_t n)
{
	struct cfg_span s = {start, n, 1};
	const char *nul, *hash;

	if (s.n > 0 && s.p[s.n - 1] == '\r')
		s.n--; /* CR-LF line end */
	nul = memchr(s.p, '\0', s.n);
	if (nul != NULL) {
		struct cfg_span at = cfg_span_sub(s, (size_t)(nul - s.p), 1);
		cfg_report(p->sink, MOS_DIAG_ERROR, cfg_at(p->line, at),
			   "NUL byte in the line");
	}
	hash = memchr(s.p, '#', s.n);
	if (hash != NULL)
		s.n = (size_t)(hash - s.p);
	s = cfg_span_trim(s);
	if (s.n > 0)
		cfg_dispatch(p, s);
}

static void cfg_read_text(struct cfg_parser *p, const char *text, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
		i = 3; /* a UTF-8 byte-order mark, as some editors write */
	while (i < len) {
		const char *start = text + i;
		const char *nl = memchr(start, '\n', len - i);
		size_t n = nl != NULL ? (size_t)(nl - start) : len - i;
		p->line++;
		cfg_line(p, start, n);
		i += n + 1;
	}
}

/* Blocks still open at the end of the file. */
static void cfg_end_of_text(struct cfg_parser *p)
{
	if (p->skip_depth > 0)
		cfg_report(p->sink, MOS_DIAG_ERROR, p->skip_at,
			   "block '%s' is not closed (missing '}' before the end of the file)",
			   p->skip_name);
	for (int d = p->depth; d > 0; d--)
		cfg_report(p->sink, MOS_DIAG_ERROR, p->open[d].at,
			   "block '%s' is not closed (missing '}' before the end of the file)",
			   p->open[d].desc->name);
}

/* ---------------------------------------------------------------------------------- */
/* The struct                                                                         */
/* ---------------------------------------------------------------------------------- */

void cfg_set_defaults(struct mos_config *cfg)
{
	memset(cfg, 0, sizeof *cfg);
	cfg->io = CFG_IO_DPDK;
	cfg->forward = true;
	cfg->nb_mem_channels = 0;
	cfg->max_concurrency = CFG_DEFAULT_MAX_CONCURRENCY;
	cfg->max_num_buffers = CFG_DEFAULT_MAX_NUM_BUFFERS;
	cfg->no_ring_buffers = false;
	cfg->rmem_size = CFG_DEFAULT_RMEM_SIZE;
	cfg->wmem_size = CFG_DEFAULT_WMEM_SIZE;
	cfg->tcp_tw_interval_ms = CFG_DEFAULT_TCP_TW_INTERVAL_MS;
	cfg->tcp_timeout_ms = CFG_DEFAULT_TCP_TIMEOUT_MS;
}

static void cfg_derive_stat_print(struct mos_config *cfg)
{
	struct cfg_span names = {cfg->stat_print_names, strlen(cfg->stat_print_names), 0};
	struct cfg_span tok;
	size_t pos = 0;

	cfg->stat_print_count = 0;
	while (cfg_span_token(names, &pos, &tok) &&
	       cfg->stat_print_count < MOS_CONF_MAX_NETDEV) {
		int idx = cfg_netdev_find(cfg, tok.p, tok.n);
		bool seen = false;
		for (int i = 0; i < cfg->stat_print_count; i++)
			seen = seen || cfg->stat_print[i] == idx;
		if (idx >= 0 && !seen)
			cfg->stat_print[cfg->stat_print_count++] = idx;
	}
}

void cfg_derive(struct mos_config *cfg)
{
	cfg->cpu_mask = 0;
	for (int i = 0; i < cfg->netdev_count; i++)
		cfg->cpu_mask |= cfg->netdev[i].cpu_mask;
	for (int i = 0; i < cfg->route_count; i++) {
		struct cfg_route *r = &cfg->route[i];
		r->netdev = cfg_netdev_find(cfg, r->dev, strlen(r->dev));
	}
	for (int i = 0; i < cfg->fwd_count; i++) {
		struct cfg_fwd_pair *f = &cfg->fwd[i];
		f->a = cfg_netdev_find(cfg, f->a_name, strlen(f->a_name));
		f->b = cfg_netdev_find(cfg, f->b_name, strlen(f->b_name));
	}
	cfg_derive_stat_print(cfg);
}

bool cfg_effective_forward(const struct mos_config *cfg)
{
	bool fwd = cfg->forward;
	for (int i = 0; i < cfg->app_count; i++)
		fwd = fwd && cfg->app[i].ip_forward;
	return fwd;
}

static void *cfg_dup_table(const void *src, int count, int cap, size_t elem)
{
	void *dst;
	if (src == NULL || cap <= 0)
		return NULL;
	dst = malloc((size_t)cap * elem);
	if (dst != NULL)
		memcpy(dst, src, (size_t)count * elem);
	return dst;
}

struct mos_config *cfg_clone(const struct mos_config *cfg)
{
	struct mos_config *c = malloc(sizeof *c);

	if (c == NULL)
		goto nomem;
	memcpy(c, cfg, sizeof *c);
	c->arp = cfg_dup_table(cfg->arp, cfg->arp_count, cfg->arp_cap, sizeof *cfg->arp);
	c->route =
		cfg_dup_table(cfg->route, cfg->route_count, cfg->route_cap, sizeof *cfg->route);
	if ((cfg->arp != NULL && c->arp == NULL) || (cfg->route != NULL && c->route == NULL)) {
		mos_config_free(c);
		goto nomem;
	}
	return c;
nomem:
	errno = ENOMEM;
	return NULL;
}

void mos_config_free(struct mos_config *cfg)
{
	if (cfg == NULL)
		return;
	free(cfg->arp);
	free(cfg->route);
	free(cfg);
}

/* ---------------------------------------------------------------------------------- */
/* Entry points                                                                       */
/* ---------------------------------------------------------------------------------- */

/* Reads, derives and validates; returns 0 or an errno value. */
static int cfg_parse_into(struct mos_config *cfg, const char *text, size_t len,
			  struct cfg_sink *sink)
{
	struct cfg_parser p;

	memset(&p, 0, sizeof p);
	p.cfg = cfg;
	p.sink = sink;
	cfg_read_text(&p, text, len);
	cfg_end_of_text(&p);
	cfg_derive(cfg);
	cfg->num_cores = __builtin_popcountll(cfg->cpu_mask);
	cfg_validate(cfg, sink);
	if (sink->no_memory)
		return ENOMEM;
	return sink->errors > 0 ? EINVAL : 0;
}

int mos_config_parse(const char *text, size_t len, const char *name, mos_diag_fn diag,
		     void *user, struct mos_config **out)
{
	struct cfg_sink sink;
	struct mos_config *cfg;
	int err;

	if (out == NULL || (text == NULL && len > 0)) {
		errno = EINVAL;
		return -1;
	}
	*out = NULL;
	name = name != NULL ? name : "<config>";
	cfg_sink_init(&sink, name, diag, user);
	if (len > CFG_MAX_FILE_BYTES) {
		cfg_report(&sink, MOS_DIAG_ERROR, (struct cfg_origin){0, 0},
			   "the file is larger than %u bytes", CFG_MAX_FILE_BYTES);
		cfg_sink_flush(&sink);
		errno = EFBIG;
		return -1;
	}
	cfg = malloc(sizeof *cfg);
	if (cfg == NULL) {
		errno = ENOMEM;
		return -1;
	}
	cfg_set_defaults(cfg);
	snprintf(cfg->file, sizeof cfg->file, "%s", name);
	err = cfg_parse_into(cfg, text != NULL ? text : "", len, &sink);
	cfg_sink_flush(&sink);
	if (err != 0) {
		mos_config_free(cfg);
		errno = err;
		return -1;
	}
	*out = cfg;
	return 0;
}

/* Whole file into a heap buffer of at most CFG_MAX_FILE_BYTES; 0 or an errno. */
static int cfg_read_file(int fd, char **text, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return ENOMEM;
	for (;;) {
		if (n == cap) {
			/* One byte past the limit is enough to know the file is too big. */
			size_t ncap = cap * 2 > CFG_MAX_FILE_BYTES + 1u
					      ? CFG_MAX_FILE_BYTES + 1u
					      : cap * 2;
			char *nb = n > CFG_MAX_FILE_BYTES ? NULL : realloc(buf, ncap);
			if (nb == NULL) {
				free(buf);
				return n > CFG_MAX_FILE_BYTES ? EFBIG : ENOMEM;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int err = errno;
			free(buf);
			return err;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	if (n > CFG_MAX_FILE_BYTES) {
		free(buf);
		return EFBIG;
	}
	*text = buf;
	*len = n;
	return 0;
}

static int cfg_load_text(const char *path, char **text, size_t *len)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int err;

	if (fd < 0)
		return errno;
	if (fstat(fd, &st) != 0) {
		err = errno;
	} else if (S_ISDIR(st.st_mode)) {
		err = EISDIR;
	} else if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > CFG_MAX_FILE_BYTES) {
		err = EFBIG;
	} else {
		err = cfg_read_file(fd, text, len);
	}
	close(fd);
	return err;
}

int mos_config_load(const char *path, mos_diag_fn diag, void *user, struct mos_config **out)
{
	char *text = NULL;
	size_t len = 0;
	int err, rc;

	if (path == NULL || out == NULL) {
		errno = EINVAL;
		return -1;
	}
	*out = NULL;
	err = cfg_load_text(path, &text, &len);
	if (err != 0) {
		struct cfg_sink sink;
		cfg_sink_init(&sink, path, diag, user);
		cfg_report(&sink, MOS_DIAG_ERROR, (struct cfg_origin){0, 0},
			   "cannot read the configuration: %s", strerror(err));
		cfg_sink_flush(&sink);
		errno = err;
		return -1;
	}
	rc = mos_config_parse(text, len, path, diag, user, out);
	err = errno;
	free(text);
	errno = err;
	return rc;
}

#undef CFG_NBLOCKS
#undef CFG_MAX_DEPTH
