/* config_validate.c - the validator: the one place that decides whether a parsed
 * (or overridden) configuration is acceptable. It reads only the struct, so the
 * parser, mos_config_set() and mtcp_setconf() all apply the same rules. */
#include <arpa/inet.h>
#include <string.h>

#include "engine/config_internal.h"

#define CFG_NO_ORIGIN ((struct cfg_origin){0, 0})

static struct cfg_origin cfg_chk_at(struct cfg_origin at, bool use_origins)
{
	return use_origins ? at : CFG_NO_ORIGIN;
}

/* --- scalar keys of the mos block ---------------------------------------------------- */

static void cfg_chk_scalar(const struct mos_config *cfg, const struct cfg_key_desc *d,
			   struct cfg_sink *sink, bool use_origins)
{
	const char *field = (const char *)cfg + d->off;
	struct cfg_origin at = cfg_chk_at(cfg->key_at[d->key], use_origins);
	int v;

	if (d->kind != CFG_KIND_INT && d->kind != CFG_KIND_TIME && d->kind != CFG_KIND_IO)
		return;
	memcpy(&v, field, sizeof v);
	if (d->kind == CFG_KIND_IO) {
		if (v < CFG_IO_DPDK || v > CFG_IO_SIM)
			cfg_report(sink, MOS_DIAG_ERROR, at, "io: invalid backend number %d",
				   v);
		return;
	}
	if (d->key == CFG_KEY_RMEM_SIZE && v % 1024 != 0) {
		/* The receive ring is made of 1 KiB segments. */
		cfg_report(sink, MOS_DIAG_ERROR, at, "%s: %d is not a multiple of 1024",
			   d->name, v);
		return;
	}
	if (v < d->min || v > d->max)
		cfg_report_range(sink, at, d, v);
}

static void cfg_chk_scalars(const struct mos_config *cfg, struct cfg_sink *sink,
			    bool use_origins)
{
	for (size_t i = 0; i < CFG_KEY_COUNT; i++)
		cfg_chk_scalar(cfg, &cfg_mos_keys[i], sink, use_origins);
}

/* num_cores against the cores the ports use. */
static void cfg_chk_cores(const struct mos_config *cfg, struct cfg_sink *sink)
{
	uint64_t uni = 0;
	int avail = __builtin_popcountll(cfg->cpu_mask);

	for (int i = 0; i < cfg->netdev_count; i++)
		uni |= cfg->netdev[i].cpu_mask;
	if (cfg->netdev_count > 0 && uni != cfg->cpu_mask) {
		cfg_report(sink, MOS_DIAG_ERROR, CFG_NO_ORIGIN,
			   "cpu_mask 0x%llx is not the union of the netdev masks (0x%llx)",
			   (unsigned long long)cfg->cpu_mask, (unsigned long long)uni);
		return;
	}
	if (cfg->cpu_mask == 0)
		return; /* no usable port: reported with the ports */
	if (cfg->num_cores < 1 || cfg->num_cores > avail)
		cfg_report(
			sink, MOS_DIAG_ERROR, CFG_NO_ORIGIN,
			"num_cores: %d is out of range (1..%d, the cores of cpu_mask 0x%llx)",
			cfg->num_cores, avail, (unsigned long long)cfg->cpu_mask);
}

/* --- ports -------------------------------------------------------------------------- */

static bool cfg_chk_unicast_ip(uint32_t ip_be)
{
	uint32_t ip = ntohl(ip_be);
	return ip != 0 && ip < 0xe0000000u; /* not 0.0.0.0, multicast, reserved, broadcast */
}

static void cfg_chk_no_ports(const struct mos_config *cfg, struct cfg_sink *sink)
{
	if (cfg->block_at[CFG_BLOCK_MOS].line == 0)
		cfg_report(
			sink, MOS_DIAG_ERROR, CFG_NO_ORIGIN,
			"no 'mos' block (expected 'mos { netdev { <name> <cpumask> ... } }')");
	else if (cfg->block_at[CFG_BLOCK_NETDEV].line == 0)
		cfg_report(sink, MOS_DIAG_ERROR, cfg->block_at[CFG_BLOCK_MOS],
			   "block 'mos' has no 'netdev' block (at least one port is required)");
	else
		cfg_report(sink, MOS_DIAG_ERROR, cfg->block_at[CFG_BLOCK_NETDEV],
			   "block 'netdev' lists no port (at least one is required)");
}

static void cfg_chk_netdev_addr(const struct cfg_netdev *nd, struct cfg_sink *sink)
{
	char a[20];

	if (nd->has_ip && nd->prefix_len == 0)
		cfg_report(sink, MOS_DIAG_ERROR, nd->ip_at,
			   "netdev '%s': ip= prefix length 0 is not valid for an interface "
			   "address "
			   "(1..32)",
			   nd->name);
	else if (nd->has_ip && nd->prefix_len > 32)
		cfg_report(sink, MOS_DIAG_ERROR, nd->ip_at,
			   "netdev '%s': ip= prefix length %u (1..32)", nd->name,
			   nd->prefix_len);
	if (nd->has_ip && !cfg_chk_unicast_ip(nd->ip_be))
		cfg_report(sink, MOS_DIAG_ERROR, nd->ip_at,
			   "netdev '%s': ip= %s is not a unicast address", nd->name,
			   cfg_fmt_ipv4(nd->ip_be, a, sizeof a));
	if (nd->has_mac && cfg_mac_is_zero(nd->mac))
		cfg_report(sink, MOS_DIAG_ERROR, nd->mac_at, "netdev '%s': mac= is all zeros",
			   nd->name);
	else if (nd->has_mac && !cfg_mac_is_unicast(nd->mac))
		cfg_report(sink, MOS_DIAG_ERROR, nd->mac_at,
			   "netdev '%s': mac= %s is a multicast address", nd->name,
			   cfg_fmt_mac(nd->mac, a, sizeof a));
}

static const char *cfg_chk_device(const struct cfg_netdev *nd)
{
	return nd->device[0] != '\0' ? nd->device : nd->name;
}

/* Name and device of port i not used by an earlier port. */
static void cfg_chk_netdev_unique(const struct mos_config *cfg, int i, struct cfg_sink *sink)
{
	const struct cfg_netdev *nd = &cfg->netdev[i];

	for (int j = 0; j < i; j++) {
		const struct cfg_netdev *o = &cfg->netdev[j];
		if (strcmp(o->name, nd->name) == 0) {
			cfg_report(sink, MOS_DIAG_ERROR, nd->at,
				   "duplicate netdev '%s' (first at line %d)", nd->name,
				   o->at.line);
			return;
		}
		if (strcmp(cfg_chk_device(o), cfg_chk_device(nd)) == 0) {
			cfg_report(sink, MOS_DIAG_ERROR,
				   nd->device_at.line ? nd->device_at : nd->at,
				   "netdev '%s': device '%s' is already used by netdev '%s'",
				   nd->name, cfg_chk_device(nd), o->name);
			return;
		}
	}
}

static void cfg_chk_netdevs(const struct mos_config *cfg, struct cfg_sink *sink)
{
	const uint64_t allowed = (1ull << MAX_CPUS) - 1ull;

	if (cfg->netdev_count == 0)
		cfg_chk_no_ports(cfg, sink);
	for (int i = 0; i < cfg->netdev_count; i++) {
		const struct cfg_netdev *nd = &cfg->netdev[i];
		if (nd->cpu_mask == 0)
			cfg_report(sink, MOS_DIAG_ERROR, nd->mask_at,
				   "netdev '%s': core mask is 0 (it needs at least one core)",
				   nd->name);
		else if ((nd->cpu_mask & ~allowed) != 0)
			cfg_report(sink, MOS_DIAG_ERROR, nd->mask_at,
				   "netdev '%s': core mask 0x%llx uses cores beyond %d (bits "
				   "0..%d "
				   "only)",
				   nd->name, (unsigned long long)nd->cpu_mask, MAX_CPUS - 1,
				   MAX_CPUS - 1);
		cfg_chk_netdev_addr(nd, sink);
		cfg_chk_netdev_unique(cfg, i, sink);
	}
}

/* " (did you mean 'x'?)" among the port names. */
static const char *cfg_chk_port_hint(const struct mos_config *cfg, const char *name, char *buf,
				     size_t len)
{
	const char *names[MOS_CONF_MAX_NETDEV];
	struct cfg_span s = {name, strlen(name), 0};

	for (int i = 0; i < cfg->netdev_count; i++)
		names[i] = cfg->netdev[i].name;
	return cfg_suggest(s, names, (size_t)cfg->netdev_count, buf, len);
}

static bool cfg_chk_port_ref(const struct mos_config *cfg, const char *block, const char *name,
			     struct cfg_origin at, struct cfg_sink *sink)
{
	char hint[96];

	if (cfg_netdev_find(cfg, name, strlen(name)) >= 0)
		return true;
	cfg_report(sink, MOS_DIAG_ERROR, at, "%s: unknown netdev '%s'%s", block, name,
		   cfg_chk_port_hint(cfg, name, hint, sizeof hint));
	return false;
}

/* --- arp_table and route_table ---------------------------------------------------- */

static bool cfg_chk_prefix(const char *block, uint32_t ip_be, uint8_t len, struct cfg_origin at,
			   struct cfg_sink *sink)
{
	char a[20], n[20];
	uint32_t mask = cfg_prefix_mask(len);

	if ((ntohl(ip_be) & ~mask) == 0)
		return true;
	cfg_report(sink, MOS_DIAG_ERROR, at,
		   "%s: %s/%u has host bits set beyond the prefix (did you mean %s/%u?)", block,
		   cfg_fmt_ipv4(ip_be, a, sizeof a), len,
		   cfg_fmt_ipv4(htonl(ntohl(ip_be) & mask), n, sizeof n), len);
	return false;
}

static void cfg_chk_arp(const struct mos_config *cfg, struct cfg_sink *sink)
{
	char a[20];

	for (int i = 0; i < cfg->arp_count; i++) {
		const struct cfg_arp *e = &cfg->arp[i];
		if (!cfg_chk_prefix("arp_table", e->ip_be, e->prefix_len, e->at, sink))
			continue;
		if (cfg_mac_is_zero(e->mac) || !cfg_mac_is_unicast(e->mac))
			cfg_report(sink, MOS_DIAG_ERROR, e->mac_at,
				   "arp_table: %s is not a unicast MAC address",
				   cfg_fmt_mac(e->mac, a, sizeof a));
		for (int j = 0; j < i; j++) {
			const struct cfg_arp *o = &cfg->arp[j];
			if (o->ip_be == e->ip_be && o->prefix_len == e->prefix_len) {
				cfg_report(sink, MOS_DIAG_ERROR, e->at,
					   "arp_table: duplicate entry for %s/%u (first at "
					   "line %d)",
					   cfg_fmt_ipv4(e->ip_be, a, sizeof a), e->prefix_len,
					   o->at.line);
				break;
			}
		}
	}
}

static void cfg_chk_route(const struct mos_config *cfg, int i, struct cfg_sink *sink)
{
	const struct cfg_route *r = &cfg->route[i];
	char a[20];

	cfg_chk_port_ref(cfg, "route_table", r->dev, r->dev_at, sink);
	if (r->gw_at.line != 0 && !cfg_chk_unicast_ip(r->gw_be))
		cfg_report(sink, MOS_DIAG_ERROR, r->gw_at,
			   "route_table: gateway %s is not a unicast address (leave gw= out "
			   "for an "
			   "on-link route)",
			   cfg_fmt_ipv4(r->gw_be, a, sizeof a));
	if (!cfg_chk_prefix("route_table", r->ip_be, r->prefix_len, r->at, sink))
		return;
	for (int j = 0; j < i; j++) {
		const struct cfg_route *o = &cfg->route[j];
		if (o->ip_be == r->ip_be && o->prefix_len == r->prefix_len) {
			cfg_report(sink, MOS_DIAG_ERROR, r->at,
				   "route_table: duplicate route to %s/%u (first at line %d)",
				   cfg_fmt_ipv4(r->ip_be, a, sizeof a), r->prefix_len,
				   o->at.line);
			return;
		}
	}
}

/* --- nic_forward_table, stat_print ---------------------------------------------------- */

static void cfg_chk_fwd(const struct mos_config *cfg, struct cfg_sink *sink)
{
	for (int i = 0; i < cfg->fwd_count; i++) {
		const struct cfg_fwd_pair *f = &cfg->fwd[i];
		bool ok = cfg_chk_port_ref(cfg, "nic_forward_table", f->a_name, f->a_at, sink);
		ok = cfg_chk_port_ref(cfg, "nic_forward_table", f->b_name, f->b_at, sink) && ok;
		if (ok && strcmp(f->a_name, f->b_name) == 0) {
			cfg_report(sink, MOS_DIAG_ERROR, f->b_at,
				   "nic_forward_table: port '%s' cannot be paired with itself",
				   f->a_name);
			continue;
		}
		for (int j = 0; ok && j < i; j++) {
			const struct cfg_fwd_pair *o = &cfg->fwd[j];
			const char *dup = NULL;
			if (!strcmp(f->a_name, o->a_name) || !strcmp(f->a_name, o->b_name))
				dup = f->a_name;
			else if (!strcmp(f->b_name, o->a_name) || !strcmp(f->b_name, o->b_name))
				dup = f->b_name;
			if (dup != NULL) {
				cfg_report(sink, MOS_DIAG_ERROR,
					   dup == f->a_name ? f->a_at : f->b_at,
					   "nic_forward_table: port '%s' is already paired at "
					   "line %d",
					   dup, o->a_at.line);
				break;
			}
		}
	}
}

static void cfg_chk_stat_print(const struct mos_config *cfg, struct cfg_sink *sink)
{
	struct cfg_origin at = cfg->key_at[CFG_KEY_STAT_PRINT];
	struct cfg_span names = {cfg->stat_print_names, strlen(cfg->stat_print_names), at.col};
	struct cfg_span tok, prev;
	char q[CFG_QUOTE_MAX], hint[96];
	size_t pos = 0;

	while (cfg_span_token(names, &pos, &tok)) {
		bool dup = false;
		size_t ppos = 0;
		while (!dup && cfg_span_token(names, &ppos, &prev) && prev.p < tok.p)
			dup = prev.n == tok.n && memcmp(prev.p, tok.p, tok.n) == 0;
		cfg_quote(tok, q, sizeof q);
		if (dup) {
			cfg_report(sink, MOS_DIAG_ERROR, cfg_at(at.line, tok),
				   "stat_print: '%s' is listed twice", q);
		} else if (cfg_netdev_find(cfg, tok.p, tok.n) < 0) {
			const char *cands[MOS_CONF_MAX_NETDEV];
			for (int i = 0; i < cfg->netdev_count; i++)
				cands[i] = cfg->netdev[i].name;
			cfg_report(sink, MOS_DIAG_ERROR, cfg_at(at.line, tok),
				   "stat_print: unknown netdev '%s'%s", q,
				   cfg_suggest(tok, cands, (size_t)cfg->netdev_count, hint,
					       sizeof hint));
		}
	}
}

/* --- applications --------------------------------------------------------------------- */

static void cfg_chk_apps(const struct mos_config *cfg, struct cfg_sink *sink)
{
	for (int i = 0; i < cfg->app_count; i++) {
		const struct cfg_app *app = &cfg->app[i];
		/* A `run` that is present but failed to parse was reported already. */
		bool run_given = app->key_at[CFG_APP_KEY_RUN].line != 0;
		if (!run_given && (app->argc < 1 || app->argc > MOS_APP_ARGC))
			cfg_report(
				sink, MOS_DIAG_ERROR, app->at,
				"application: missing the required key 'run' (the command line "
				"of the application)");
		if (app->type < CFG_APP_UNSET || app->type > CFG_APP_MONITOR)
			cfg_report(sink, MOS_DIAG_ERROR, app->key_at[CFG_APP_KEY_TYPE],
				   "application: invalid type number %d", app->type);
		if (app->cpu_mask == 0)
			cfg_report(
				sink, MOS_DIAG_ERROR, app->key_at[CFG_APP_KEY_CPU_MASK],
				"application: %s is 0 (it needs at least one core; the default "
				"is all cores)",
				app->mask_alias ? "core_mask" : "cpu_mask");
	}
}

int cfg_validate(const struct mos_config *cfg, struct cfg_sink *sink)
{
	int before = sink->errors;

	cfg_chk_scalars(cfg, sink, true);
	cfg_chk_netdevs(cfg, sink);
	cfg_chk_arp(cfg, sink);
	for (int i = 0; i < cfg->route_count; i++)
		cfg_chk_route(cfg, i, sink);
	cfg_chk_fwd(cfg, sink);
	cfg_chk_stat_print(cfg, sink);
	cfg_chk_apps(cfg, sink);
	cfg_chk_cores(cfg, sink);
	return sink->errors - before;
}

int cfg_validate_tunables(const struct mos_config *cfg, const char *file, mos_diag_fn diag,
			  void *user)
{
	struct cfg_sink sink;

	cfg_sink_init(&sink, file, diag, user);
	cfg_chk_scalars(cfg, &sink, false);
	cfg_chk_cores(cfg, &sink);
	return cfg_sink_flush(&sink);
}

#undef CFG_NO_ORIGIN
