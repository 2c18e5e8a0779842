/* config_render.c - mos_config_render(): the effective configuration as mos.conf
 * text (which parses back to an equal configuration) or as one JSON object with a
 * stable key order. snprintf contract: the needed length is returned even when the
 * buffer is too small. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/config_internal.h"

struct cfg_out {
	char *buf;
	size_t len;
	size_t pos; /* bytes the full text needs so far */
};

static void cfg_out_vprintf(struct cfg_out *o, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

static void cfg_out_vprintf(struct cfg_out *o, const char *fmt, va_list ap)
{
	bool room = o->buf != NULL && o->pos < o->len;
	int n = vsnprintf(room ? o->buf + o->pos : NULL, room ? o->len - o->pos : 0, fmt, ap);
	if (n > 0)
		o->pos += (size_t)n;
}

static void cfg_out(struct cfg_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void cfg_out(struct cfg_out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cfg_out_vprintf(o, fmt, ap);
	va_end(ap);
}

static const char *cfg_render_io(int io)
{
	static const char *const names[] = {"dpdk", "pcap", "sim"};
	return io >= CFG_IO_DPDK && io <= CFG_IO_SIM ? names[io] : "?";
}

static const char *cfg_render_type(int type)
{
	return type == CFG_APP_END ? "end" : type == CFG_APP_MONITOR ? "monitor" : NULL;
}

/* --- mos.conf --------------------------------------------------------------------- */

static void cfg_conf_mos_keys(struct cfg_out *o, const struct mos_config *c)
{
	char t[32];

	cfg_out(o, "\tio = %s\n", cfg_render_io(c->io));
	cfg_out(o, "\tforward = %d\n", c->forward ? 1 : 0);
	cfg_out(o, "\tnb_mem_channels = %d\n", c->nb_mem_channels);
	cfg_out(o, "\tmax_concurrency = %d\n", c->max_concurrency);
	cfg_out(o, "\tmax_num_buffers = %d\n", c->max_num_buffers);
	cfg_out(o, "\tno_ring_buffers = %d\n", c->no_ring_buffers ? 1 : 0);
	cfg_out(o, "\trmem_size = %d\n", c->rmem_size);
	cfg_out(o, "\twmem_size = %d\n", c->wmem_size);
	cfg_out(o, "\ttcp_tw_interval = %s\n",
		cfg_fmt_time(c->tcp_tw_interval_ms, t, sizeof t));
	cfg_out(o, "\ttcp_timeout = %s\n", cfg_fmt_time(c->tcp_timeout_ms, t, sizeof t));
	if (c->mos_log[0] != '\0')
		cfg_out(o, "\tmos_log = %s\n", c->mos_log);
	if (c->stat_print_names[0] != '\0')
		cfg_out(o, "\tstat_print = %s\n", c->stat_print_names);
	if (c->eal_args[0] != '\0')
		cfg_out(o, "\teal_args = %s\n", c->eal_args);
}

static void cfg_conf_netdevs(struct cfg_out *o, const struct mos_config *c)
{
	char a[20];

	cfg_out(o, "\n\tnetdev {\n");
	for (int i = 0; i < c->netdev_count; i++) {
		const struct cfg_netdev *nd = &c->netdev[i];
		cfg_out(o, "\t\t%s 0x%llx", nd->name, (unsigned long long)nd->cpu_mask);
		if (nd->device[0] != '\0')
			cfg_out(o, " device=%s", nd->device);
		if (nd->has_ip)
			cfg_out(o, " ip=%s/%u", cfg_fmt_ipv4(nd->ip_be, a, sizeof a),
				nd->prefix_len);
		if (nd->has_mac)
			cfg_out(o, " mac=%s", cfg_fmt_mac(nd->mac, a, sizeof a));
		cfg_out(o, "\n");
	}
	cfg_out(o, "\t}\n");
}

static void cfg_conf_tables(struct cfg_out *o, const struct mos_config *c)
{
	char a[20], m[20];

	if (c->arp_count > 0) {
		cfg_out(o, "\n\tarp_table {\n");
		for (int i = 0; i < c->arp_count; i++)
			cfg_out(o, "\t\t%s/%u %s\n", cfg_fmt_ipv4(c->arp[i].ip_be, a, sizeof a),
				c->arp[i].prefix_len, cfg_fmt_mac(c->arp[i].mac, m, sizeof m));
		cfg_out(o, "\t}\n");
	}
	if (c->route_count > 0) {
		cfg_out(o, "\n\troute_table {\n");
		for (int i = 0; i < c->route_count; i++) {
			const struct cfg_route *r = &c->route[i];
			cfg_out(o, "\t\t%s/%u %s", cfg_fmt_ipv4(r->ip_be, a, sizeof a),
				r->prefix_len, r->dev);
			if (r->gw_at.line != 0 || r->gw_be != 0)
				cfg_out(o, " gw=%s", cfg_fmt_ipv4(r->gw_be, a, sizeof a));
			cfg_out(o, "\n");
		}
		cfg_out(o, "\t}\n");
	}
	if (c->fwd_count > 0) {
		cfg_out(o, "\n\tnic_forward_table {\n");
		for (int i = 0; i < c->fwd_count; i++)
			cfg_out(o, "\t\t%s %s\n", c->fwd[i].a_name, c->fwd[i].b_name);
		cfg_out(o, "\t}\n");
	}
}

static void cfg_conf_apps(struct cfg_out *o, const struct mos_config *c)
{
	for (int i = 0; i < c->app_count; i++) {
		const struct cfg_app *app = &c->app[i];
		cfg_out(o, "\napplication {\n");
		if (cfg_render_type(app->type) != NULL)
			cfg_out(o, "\ttype = %s\n", cfg_render_type(app->type));
		cfg_out(o, "\trun = %s\n", app->run);
		cfg_out(o, "\tcpu_mask = 0x%llx\n", (unsigned long long)app->cpu_mask);
		cfg_out(o, "\tip_forward = %d\n", app->ip_forward ? 1 : 0);
		cfg_out(o, "}\n");
	}
}

static void cfg_render_conf(struct cfg_out *o, const struct mos_config *c)
{
	char name[CFG_QUOTE_MAX];
	struct cfg_span file = {c->file, strlen(c->file), 0};

	/* The file name is quoted so that no byte of it can end the comment line. */
	cfg_out(o, "# mOS-NG effective configuration of %s (defaults filled in)\n",
		cfg_quote(file, name, sizeof name));
	cfg_out(o, "mos {\n");
	cfg_conf_mos_keys(o, c);
	cfg_conf_netdevs(o, c);
	cfg_conf_tables(o, c);
	cfg_out(o, "}\n");
	cfg_conf_apps(o, c);
}

/* --- JSON ------------------------------------------------------------------------- */

/* A JSON string: quotes, backslash and control characters escaped (values are UTF-8
 * by the time they are stored). NULL renders as null. */
static void cfg_json_str(struct cfg_out *o, const char *s)
{
	if (s == NULL) {
		cfg_out(o, "null");
		return;
	}
	cfg_out(o, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			cfg_out(o, "\\%c", c);
		else if (c == '\n')
			cfg_out(o, "\\n");
		else if (c == '\t')
			cfg_out(o, "\\t");
		else if (c == '\r')
			cfg_out(o, "\\r");
		else if (c < 0x20)
			cfg_out(o, "\\u%04x", c);
		else
			cfg_out(o, "%c", c);
	}
	cfg_out(o, "\"");
}

static void cfg_json_key_str(struct cfg_out *o, const char *key, const char *s)
{
	cfg_out(o, "\"%s\":", key);
	cfg_json_str(o, s);
}

static void cfg_json_mos_keys(struct cfg_out *o, const struct mos_config *c)
{
	struct cfg_span names = {c->stat_print_names, strlen(c->stat_print_names), 0};
	struct cfg_span tok;
	char w[MOS_CONF_MAX_VALUE + 1];
	size_t pos = 0;

	cfg_out(o, "\"io\":\"%s\",\"forward\":%d,\"nb_mem_channels\":%d,", cfg_render_io(c->io),
		c->forward ? 1 : 0, c->nb_mem_channels);
	cfg_out(o, "\"max_concurrency\":%d,\"max_num_buffers\":%d,\"no_ring_buffers\":%d,",
		c->max_concurrency, c->max_num_buffers, c->no_ring_buffers ? 1 : 0);
	cfg_out(o, "\"rmem_size\":%d,\"wmem_size\":%d,", c->rmem_size, c->wmem_size);
	cfg_out(o, "\"tcp_tw_interval_ms\":%d,\"tcp_timeout_ms\":%d,", c->tcp_tw_interval_ms,
		c->tcp_timeout_ms);
	cfg_json_key_str(o, "mos_log", c->mos_log);
	cfg_out(o, ",\"stat_print\":[");
	for (int n = 0; cfg_span_token(names, &pos, &tok); n++) {
		cfg_span_copy(tok, w, sizeof w);
		cfg_out(o, "%s", n > 0 ? "," : "");
		cfg_json_str(o, w);
	}
	cfg_out(o, "],");
	cfg_json_key_str(o, "eal_args", c->eal_args);
}

static void cfg_json_netdevs(struct cfg_out *o, const struct mos_config *c)
{
	char a[24], m[20];

	cfg_out(o, "\"netdev\":[");
	for (int i = 0; i < c->netdev_count; i++) {
		const struct cfg_netdev *nd = &c->netdev[i];
		cfg_out(o, "%s{", i > 0 ? "," : "");
		cfg_json_key_str(o, "name", nd->name);
		cfg_out(o, ",\"cpu_mask\":\"0x%llx\",", (unsigned long long)nd->cpu_mask);
		cfg_json_key_str(o, "device", nd->device[0] != '\0' ? nd->device : NULL);
		if (nd->has_ip) {
			size_t l = strlen(cfg_fmt_ipv4(nd->ip_be, a, sizeof a));
			snprintf(a + l, sizeof a - l, "/%u", nd->prefix_len);
		}
		cfg_out(o, ",");
		cfg_json_key_str(o, "ip", nd->has_ip ? a : NULL);
		cfg_out(o, ",");
		cfg_json_key_str(o, "mac",
				 nd->has_mac ? cfg_fmt_mac(nd->mac, m, sizeof m) : NULL);
		cfg_out(o, "}");
	}
	cfg_out(o, "]");
}

static void cfg_json_tables(struct cfg_out *o, const struct mos_config *c)
{
	char a[20], m[20];

	cfg_out(o, ",\"arp_table\":[");
	for (int i = 0; i < c->arp_count; i++)
		cfg_out(o, "%s{\"prefix\":\"%s/%u\",\"mac\":\"%s\"}", i > 0 ? "," : "",
			cfg_fmt_ipv4(c->arp[i].ip_be, a, sizeof a), c->arp[i].prefix_len,
			cfg_fmt_mac(c->arp[i].mac, m, sizeof m));
	cfg_out(o, "],\"route_table\":[");
	for (int i = 0; i < c->route_count; i++) {
		const struct cfg_route *r = &c->route[i];
		cfg_out(o, "%s{\"prefix\":\"%s/%u\",", i > 0 ? "," : "",
			cfg_fmt_ipv4(r->ip_be, a, sizeof a), r->prefix_len);
		cfg_json_key_str(o, "netdev", r->dev);
		cfg_out(o, ",");
		bool gw = r->gw_at.line != 0 || r->gw_be != 0;
		cfg_json_key_str(o, "gw", gw ? cfg_fmt_ipv4(r->gw_be, a, sizeof a) : NULL);
		cfg_out(o, "}");
	}
	cfg_out(o, "],\"nic_forward_table\":[");
	for (int i = 0; i < c->fwd_count; i++) {
		cfg_out(o, "%s[", i > 0 ? "," : "");
		cfg_json_str(o, c->fwd[i].a_name);
		cfg_out(o, ",");
		cfg_json_str(o, c->fwd[i].b_name);
		cfg_out(o, "]");
	}
	cfg_out(o, "]");
}

static void cfg_json_apps(struct cfg_out *o, const struct mos_config *c)
{
	cfg_out(o, "\"application\":[");
	for (int i = 0; i < c->app_count; i++) {
		const struct cfg_app *app = &c->app[i];
		cfg_out(o, "%s{", i > 0 ? "," : "");
		cfg_json_key_str(o, "type", cfg_render_type(app->type));
		cfg_out(o, ",");
		cfg_json_key_str(o, "run", app->run);
		cfg_out(o, ",\"argv\":[");
		for (int a = 0; a < app->argc && a < MOS_APP_ARGC; a++) {
			cfg_out(o, "%s", a > 0 ? "," : "");
			cfg_json_str(o, app->argv_buf + app->argv_off[a]);
		}
		cfg_out(o, "],\"cpu_mask\":\"0x%llx\",\"ip_forward\":%d}",
			(unsigned long long)app->cpu_mask, app->ip_forward ? 1 : 0);
	}
	cfg_out(o, "]");
}

static void cfg_render_json(struct cfg_out *o, const struct mos_config *c)
{
	cfg_out(o, "{\"mos\":{");
	cfg_json_mos_keys(o, c);
	cfg_out(o, ",");
	cfg_json_netdevs(o, c);
	cfg_json_tables(o, c);
	cfg_out(o, "},");
	cfg_json_apps(o, c);
	cfg_out(o, ",\"derived\":{\"num_cores\":%d,\"cpu_mask\":\"0x%llx\",\"forward\":%d}}",
		c->num_cores, (unsigned long long)c->cpu_mask,
		cfg_effective_forward(c) ? 1 : 0);
}

ssize_t mos_config_render(const struct mos_config *cfg, int format, char *buf, size_t len)
{
	struct cfg_out o = {buf, len, 0};

	if (cfg == NULL || (buf == NULL && len > 0) ||
	    (format != MOS_CONFIG_FORMAT_CONF && format != MOS_CONFIG_FORMAT_JSON)) {
		errno = EINVAL;
		return -1;
	}
	if (buf != NULL && len > 0)
		buf[0] = '\0';
	if (format == MOS_CONFIG_FORMAT_CONF)
		cfg_render_conf(&o, cfg);
	else
		cfg_render_json(&o, cfg);
	return (ssize_t)o.pos;
}
