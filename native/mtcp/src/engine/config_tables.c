/* config_tables.c - the lines of the `netdev`, `arp_table`, `route_table` and
 * `nic_forward_table` blocks. Each line is split into blank-separated tokens and
 * stored with the origin of every token; names of ports used by routes and forward
 * pairs are kept as written and resolved (and checked) after the whole file is read. */
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "engine/config_internal.h"

#define CFG_NETDEV_SYNTAX                                                                      \
	"'<name> <cpumask> [device=<string>] [ip=a.b.c.d/len] [mac=xx:xx:xx:xx:xx:xx]'"
#define CFG_ARP_SYNTAX "'a.b.c.d[/len] xx:xx:xx:xx:xx:xx'"
#define CFG_ROUTE_SYNTAX "'a.b.c.d[/len] <netdev> [gw=a.b.c.d]'"
#define CFG_FWD_SYNTAX "'<netdevA> <netdevB>'"

int cfg_netdev_find(const struct mos_config *cfg, const char *name, size_t len)
{
	for (int i = 0; i < cfg->netdev_count; i++) {
		if (strlen(cfg->netdev[i].name) == len &&
		    memcmp(cfg->netdev[i].name, name, len) == 0)
			return i;
	}
	return -1;
}

/* Port names: 1..MOS_CONF_MAX_IFNAME of [A-Za-z0-9_.:-]. */
static bool cfg_tab_name_ok(struct cfg_span s)
{
	if (s.n == 0 || s.n > MOS_CONF_MAX_IFNAME)
		return false;
	for (size_t i = 0; i < s.n; i++) {
		char c = s.p[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
			  c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* A port name used by a route or forward pair: stored for later resolution, or
 * reported when it cannot be a port name at all. */
static bool cfg_tab_ref(const char *block, struct cfg_span s, char *dst, struct cfg_origin at,
			struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];

	if (!cfg_tab_name_ok(s)) {
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: '%s' is not a netdev name", block,
			   cfg_quote(s, q, sizeof q));
		return false;
	}
	return cfg_span_copy(s, dst, MOS_CONF_MAX_IFNAME + 1);
}

/* One more slot in a heap table with doubling capacity (at most `max`). */
static void *cfg_tab_slot(void **arr, int *count, int *cap, size_t elem, struct cfg_sink *sink,
			  struct cfg_origin at)
{
	if (*count == *cap) {
		int ncap = *cap == 0 ? 16 : *cap * 2;
		void *n = realloc(*arr, (size_t)ncap * elem);
		if (n == NULL) {
			sink->no_memory = true;
			cfg_report(sink, MOS_DIAG_ERROR, at, "out of memory");
			return NULL;
		}
		*arr = n;
		*cap = ncap;
	}
	char *slot = (char *)*arr + (size_t)*count * elem;
	memset(slot, 0, elem);
	(*count)++;
	return slot;
}

static void cfg_tab_prefix_error(const char *block, const char *what, enum cfg_prefix st,
				 struct cfg_span tok, struct cfg_origin at,
				 struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];

	cfg_quote(tok, q, sizeof q);
	if (st == CFG_PREFIX_BAD_LEN)
		cfg_report(sink, MOS_DIAG_ERROR, at,
			   "%s: %s '%s' has a bad prefix length (0..32)", block, what, q);
	else if (st == CFG_PREFIX_NO_LEN)
		cfg_report(sink, MOS_DIAG_ERROR, at,
			   "%s: %s '%s' needs a prefix length (a.b.c.d/len)", block, what, q);
	else
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: %s '%s' is not an IPv4 address",
			   block, what, q);
}

/* --- netdev ----------------------------------------------------------------------- */

enum { CFG_NETDEV_OPT_DEVICE, CFG_NETDEV_OPT_IP, CFG_NETDEV_OPT_MAC, CFG_NETDEV_OPT_COUNT };

static bool cfg_tab_netdev_opt_value(struct cfg_netdev *nd, int opt, struct cfg_span v,
				     struct cfg_origin at, struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];
	enum cfg_prefix st;

	switch (opt) {
	case CFG_NETDEV_OPT_DEVICE:
		return cfg_value_ok(v, "netdev: device=", sink, at.line) &&
		       cfg_span_copy(v, nd->device, sizeof nd->device);
	case CFG_NETDEV_OPT_IP:
		st = cfg_parse_prefix(v, false, &nd->ip_be, &nd->prefix_len);
		if (st != CFG_PREFIX_OK) {
			cfg_tab_prefix_error("netdev", "ip=", st, v, at, sink);
			return false;
		}
		nd->has_ip = true;
		return true;
	default:
		if (!cfg_parse_mac(v, nd->mac)) {
			cfg_report(sink, MOS_DIAG_ERROR, at,
				   "netdev: mac= '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
				   cfg_quote(v, q, sizeof q));
			return false;
		}
		nd->has_mac = true;
		return true;
	}
}

/* One `key=value` option of a netdev line. */
static void cfg_tab_netdev_opt(struct cfg_netdev *nd, int line, struct cfg_span tok,
			       struct cfg_sink *sink)
{
	static const char *const names[CFG_NETDEV_OPT_COUNT] = {"device", "ip", "mac"};
	const char *eq = memchr(tok.p, '=', tok.n);
	size_t kn = eq != NULL ? (size_t)(eq - tok.p) : tok.n;
	struct cfg_span key = cfg_span_sub(tok, 0, kn);
	struct cfg_origin *seen[CFG_NETDEV_OPT_COUNT] = {&nd->device_at, &nd->ip_at,
							 &nd->mac_at};
	char q[CFG_QUOTE_MAX], hint[96];
	int opt = -1;

	for (int i = 0; i < CFG_NETDEV_OPT_COUNT; i++) {
		if (cfg_span_eq(key, names[i]))
			opt = i;
	}
	if (opt < 0 || eq == NULL) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, tok),
			   "netdev: unknown option '%s' (expected device=, ip= or mac=)%s",
			   cfg_quote(tok, q, sizeof q),
			   cfg_suggest(key, names, CFG_NETDEV_OPT_COUNT, hint, sizeof hint));
		return;
	}
	if (seen[opt]->line != 0) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, tok),
			   "netdev: option '%s=' given twice", names[opt]);
		return;
	}
	*seen[opt] = cfg_at(line, tok);
	struct cfg_span v = cfg_span_sub(tok, kn + 1, tok.n - kn - 1);
	if (!cfg_tab_netdev_opt_value(nd, opt, v, cfg_at(line, v), sink))
		*seen[opt] = (struct cfg_origin){0, 0};
}

static void cfg_tab_netdev_mask(struct cfg_netdev *nd, int line, struct cfg_span tok,
				struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];

	nd->mask_at = cfg_at(line, tok);
	/* After an error the port keeps a harmless placeholder mask, so the validator
	 * does not add "mask is 0" to the report (the file is rejected anyway). */
	nd->cpu_mask = 1;
	switch (cfg_parse_u64(tok, &nd->cpu_mask)) {
	case CFG_NUM_OK:
		return;
	case CFG_NUM_RANGE:
		cfg_report(sink, MOS_DIAG_ERROR, nd->mask_at,
			   "netdev '%s': core mask '%s' does not fit in 64 bits", nd->name,
			   cfg_quote(tok, q, sizeof q));
		return;
	default:
		cfg_report(
			sink, MOS_DIAG_ERROR, nd->mask_at,
			"netdev '%s': core mask '%s' is not a number (hex with 0x, or decimal)",
			nd->name, cfg_quote(tok, q, sizeof q));
		return;
	}
}

void cfg_netdev_line(struct mos_config *cfg, struct cfg_sink *sink, int line, struct cfg_span s)
{
	struct cfg_span tok;
	struct cfg_netdev *nd;
	char q[CFG_QUOTE_MAX];
	size_t pos = 0;

	cfg_span_token(s, &pos, &tok); /* the dispatcher passes non-blank lines only */
	if (!cfg_tab_name_ok(tok)) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, tok),
			   "netdev: invalid port name '%s' (1..%d characters: letters, digits, "
			   "'_', '.', ':', '-'); expected " CFG_NETDEV_SYNTAX,
			   cfg_quote(tok, q, sizeof q), MOS_CONF_MAX_IFNAME);
		return;
	}
	MOS_ASSERT(cfg->netdev_count < MOS_CONF_MAX_NETDEV); /* the caller checks the bound */
	/* Keep the port even if the rest of the line is wrong, so that routes and pairs
	 * naming it do not add errors of their own. */
	nd = &cfg->netdev[cfg->netdev_count++];
	memset(nd, 0, sizeof *nd);
	cfg_span_copy(tok, nd->name, sizeof nd->name);
	nd->at = cfg_at(line, tok);
	if (!cfg_span_token(s, &pos, &tok)) {
		nd->cpu_mask = 1; /* placeholder, see cfg_tab_netdev_mask() */
		cfg_report(sink, MOS_DIAG_ERROR, nd->at,
			   "netdev '%s': missing the core mask; expected " CFG_NETDEV_SYNTAX,
			   nd->name);
		return;
	}
	cfg_tab_netdev_mask(nd, line, tok, sink);
	while (cfg_span_token(s, &pos, &tok))
		cfg_tab_netdev_opt(nd, line, tok, sink);
}

/* --- arp_table ---------------------------------------------------------------------- */

void cfg_arp_line(struct mos_config *cfg, struct cfg_sink *sink, int line, struct cfg_span s)
{
	struct cfg_span ptok, mtok, extra;
	struct cfg_arp e;
	char q[CFG_QUOTE_MAX];
	size_t pos = 0;
	enum cfg_prefix st;

	memset(&e, 0, sizeof e);
	cfg_span_token(s, &pos, &ptok);
	e.at = cfg_at(line, ptok);
	st = cfg_parse_prefix(ptok, true, &e.ip_be, &e.prefix_len);
	if (st != CFG_PREFIX_OK) {
		cfg_tab_prefix_error("arp_table", "address", st, ptok, e.at, sink);
		return;
	}
	if (!cfg_span_token(s, &pos, &mtok)) {
		cfg_report(sink, MOS_DIAG_ERROR, e.at,
			   "arp_table: missing the MAC address; expected " CFG_ARP_SYNTAX);
		return;
	}
	e.mac_at = cfg_at(line, mtok);
	if (!cfg_parse_mac(mtok, e.mac)) {
		cfg_report(sink, MOS_DIAG_ERROR, e.mac_at,
			   "arp_table: '%s' is not a MAC address (xx:xx:xx:xx:xx:xx)",
			   cfg_quote(mtok, q, sizeof q));
		return;
	}
	if (cfg_span_token(s, &pos, &extra)) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, extra),
			   "arp_table: unexpected '%s'; expected " CFG_ARP_SYNTAX,
			   cfg_quote(extra, q, sizeof q));
		return;
	}
	struct cfg_arp *slot = cfg_tab_slot((void **)&cfg->arp, &cfg->arp_count, &cfg->arp_cap,
					    sizeof *slot, sink, e.at);
	if (slot != NULL)
		*slot = e;
}

/* --- route_table -------------------------------------------------------------------- */

/* The optional `gw=a.b.c.d` of a route line. */
static bool cfg_tab_route_gw(struct cfg_route *r, int line, struct cfg_span tok,
			     struct cfg_sink *sink)
{
	char q[CFG_QUOTE_MAX];

	r->gw_at = cfg_at(line, tok);
	if (tok.n < 3 || memcmp(tok.p, "gw=", 3) != 0) {
		cfg_report(sink, MOS_DIAG_ERROR, r->gw_at,
			   "route_table: unexpected '%s'; expected " CFG_ROUTE_SYNTAX,
			   cfg_quote(tok, q, sizeof q));
		return false;
	}
	struct cfg_span v = cfg_span_sub(tok, 3, tok.n - 3);
	if (!cfg_parse_ipv4(v, &r->gw_be)) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, v),
			   "route_table: gateway '%s' is not an IPv4 address",
			   cfg_quote(v, q, sizeof q));
		return false;
	}
	return true;
}

static bool cfg_tab_route_parse(struct cfg_route *r, int line, struct cfg_span s,
				struct cfg_sink *sink)
{
	struct cfg_span tok;
	char q[CFG_QUOTE_MAX];
	size_t pos = 0;
	enum cfg_prefix st;

	cfg_span_token(s, &pos, &tok);
	r->at = cfg_at(line, tok);
	st = cfg_parse_prefix(tok, true, &r->ip_be, &r->prefix_len);
	if (st != CFG_PREFIX_OK) {
		cfg_tab_prefix_error("route_table", "destination", st, tok, r->at, sink);
		return false;
	}
	if (!cfg_span_token(s, &pos, &tok)) {
		cfg_report(sink, MOS_DIAG_ERROR, r->at,
			   "route_table: missing the netdev; expected " CFG_ROUTE_SYNTAX);
		return false;
	}
	r->dev_at = cfg_at(line, tok);
	r->netdev = -1;
	if (!cfg_tab_ref("route_table", tok, r->dev, r->dev_at, sink))
		return false;
	if (cfg_span_token(s, &pos, &tok) && !cfg_tab_route_gw(r, line, tok, sink))
		return false;
	if (cfg_span_token(s, &pos, &tok)) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, tok),
			   "route_table: unexpected '%s'; expected " CFG_ROUTE_SYNTAX,
			   cfg_quote(tok, q, sizeof q));
		return false;
	}
	return true;
}

void cfg_route_line(struct mos_config *cfg, struct cfg_sink *sink, int line, struct cfg_span s)
{
	struct cfg_route r;

	memset(&r, 0, sizeof r);
	if (!cfg_tab_route_parse(&r, line, s, sink))
		return;
	struct cfg_route *slot = cfg_tab_slot((void **)&cfg->route, &cfg->route_count,
					      &cfg->route_cap, sizeof *slot, sink, r.at);
	if (slot != NULL)
		*slot = r;
}

/* --- nic_forward_table -------------------------------------------------------------- */

void cfg_fwd_line(struct mos_config *cfg, struct cfg_sink *sink, int line, struct cfg_span s)
{
	struct cfg_fwd_pair f;
	struct cfg_span a, b, extra;
	char q[CFG_QUOTE_MAX];
	size_t pos = 0;

	memset(&f, 0, sizeof f);
	f.a = f.b = -1;
	cfg_span_token(s, &pos, &a);
	f.a_at = cfg_at(line, a);
	if (!cfg_span_token(s, &pos, &b)) {
		cfg_report(
			sink, MOS_DIAG_ERROR, f.a_at,
			"nic_forward_table: missing the second port; expected " CFG_FWD_SYNTAX);
		return;
	}
	f.b_at = cfg_at(line, b);
	if (cfg_span_token(s, &pos, &extra)) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, extra),
			   "nic_forward_table: unexpected '%s'; expected " CFG_FWD_SYNTAX,
			   cfg_quote(extra, q, sizeof q));
		return;
	}
	bool ok_a = cfg_tab_ref("nic_forward_table", a, f.a_name, f.a_at, sink);
	bool ok_b = cfg_tab_ref("nic_forward_table", b, f.b_name, f.b_at, sink);
	MOS_ASSERT(cfg->fwd_count < MOS_CONF_MAX_NETDEV); /* the caller checks the bound */
	if (ok_a && ok_b)
		cfg->fwd[cfg->fwd_count++] = f;
}

#undef CFG_NETDEV_SYNTAX
#undef CFG_ARP_SYNTAX
#undef CFG_ROUTE_SYNTAX
#undef CFG_FWD_SYNTAX
