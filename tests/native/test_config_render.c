/* test_config_render.c - mos_config_render(): the CONF output parses back to an
 * equal configuration, the JSON output is exact and escaped, and the snprintf
 * contract holds. */
#include "cfg_test.h"

/* Every field that carries meaning (not origins, not the file name). */
static void ct_check_same(const struct mos_config *a, const struct mos_config *b)
{
	CHECK_EQ(a->io, b->io);
	CHECK_EQ(a->forward, b->forward);
	CHECK_EQ(a->nb_mem_channels, b->nb_mem_channels);
	CHECK_EQ(a->max_concurrency, b->max_concurrency);
	CHECK_EQ(a->max_num_buffers, b->max_num_buffers);
	CHECK_EQ(a->no_ring_buffers, b->no_ring_buffers);
	CHECK_EQ(a->rmem_size, b->rmem_size);
	CHECK_EQ(a->wmem_size, b->wmem_size);
	CHECK_EQ(a->tcp_tw_interval_ms, b->tcp_tw_interval_ms);
	CHECK_EQ(a->tcp_timeout_ms, b->tcp_timeout_ms);
	CHECK_STREQ(a->mos_log, b->mos_log);
	CHECK_STREQ(a->eal_args, b->eal_args);
	CHECK_STREQ(a->stat_print_names, b->stat_print_names);
	CHECK_EQ(a->stat_print_count, b->stat_print_count);
	for (int i = 0; i < a->stat_print_count; i++)
		CHECK_EQ(a->stat_print[i], b->stat_print[i]);
	CHECK_EQ(a->netdev_count, b->netdev_count);
	for (int i = 0; i < a->netdev_count; i++) {
		const struct cfg_netdev *x = &a->netdev[i], *y = &b->netdev[i];
		CHECK_STREQ(x->name, y->name);
		CHECK_EQ_U64(x->cpu_mask, y->cpu_mask);
		CHECK_STREQ(x->device, y->device);
		CHECK_EQ(x->has_ip, y->has_ip);
		CHECK_EQ(x->ip_be, y->ip_be);
		CHECK_EQ(x->prefix_len, y->prefix_len);
		CHECK_EQ(x->has_mac, y->has_mac);
		CHECK(memcmp(x->mac, y->mac, 6) == 0);
	}
	CHECK_EQ(a->arp_count, b->arp_count);
	for (int i = 0; i < a->arp_count; i++) {
		CHECK_EQ(a->arp[i].ip_be, b->arp[i].ip_be);
		CHECK_EQ(a->arp[i].prefix_len, b->arp[i].prefix_len);
		CHECK(memcmp(a->arp[i].mac, b->arp[i].mac, 6) == 0);
	}
	CHECK_EQ(a->route_count, b->route_count);
	for (int i = 0; i < a->route_count; i++) {
		CHECK_EQ(a->route[i].ip_be, b->route[i].ip_be);
		CHECK_EQ(a->route[i].prefix_len, b->route[i].prefix_len);
		CHECK_STREQ(a->route[i].dev, b->route[i].dev);
		CHECK_EQ(a->route[i].netdev, b->route[i].netdev);
		CHECK_EQ(a->route[i].gw_be, b->route[i].gw_be);
	}
	CHECK_EQ(a->fwd_count, b->fwd_count);
	for (int i = 0; i < a->fwd_count; i++) {
		CHECK_EQ(a->fwd[i].a, b->fwd[i].a);
		CHECK_EQ(a->fwd[i].b, b->fwd[i].b);
	}
	CHECK_EQ(a->app_count, b->app_count);
	for (int i = 0; i < a->app_count; i++) {
		const struct cfg_app *x = &a->app[i], *y = &b->app[i];
		CHECK_EQ(x->type, y->type);
		CHECK_STREQ(x->run, y->run);
		CHECK_EQ(x->argc, y->argc);
		for (int w = 0; w < x->argc; w++)
			CHECK_STREQ(x->argv_buf + x->argv_off[w], y->argv_buf + y->argv_off[w]);
		CHECK_EQ_U64(x->cpu_mask, y->cpu_mask);
		CHECK_EQ(x->ip_forward, y->ip_forward);
	}
	CHECK_EQ_U64(a->cpu_mask, b->cpu_mask);
	CHECK_EQ(a->num_cores, b->num_cores);
}

static char *ct_render_alloc(const struct mos_config *c, int format)
{
	ssize_t n = mos_config_render(c, format, NULL, 0);
	CHECK(n > 0);
	char *buf = malloc((size_t)n + 1);
	CHECK(buf != NULL);
	CHECK_EQ(mos_config_render(c, format, buf, (size_t)n + 1), n);
	CHECK_EQ(strlen(buf), n);
	return buf;
}

static void ct_round_trip(const char *text)
{
	struct mos_config *a = ct_parse_ok(text);
	char *conf = ct_render_alloc(a, MOS_CONFIG_FORMAT_CONF);
	mt_note("rendered:\n%s", conf);
	struct mos_config *b = ct_parse_ok(conf);
	ct_check_same(a, b);
	/* and the rendering is a fixed point */
	char *again = ct_render_alloc(b, MOS_CONFIG_FORMAT_CONF);
	CHECK_STREQ(again, conf);
	free(conf);
	free(again);
	mos_config_free(a);
	mos_config_free(b);
}

TEST(conf_round_trip_of_a_full_configuration)
{
	ct_round_trip("mos {\n"
		      "  io = pcap\n"
		      "  forward = 0\n"
		      "  nb_mem_channels = 4\n"
		      "  max_concurrency = 010\n"
		      "  max_num_buffers = 0x100\n"
		      "  no_ring_buffers = 1\n"
		      "  rmem_size = 2048\n"
		      "  wmem_size = 100\n"
		      "  tcp_tw_interval = 1500ms\n"
		      "  tcp_timeout = -1\n"
		      "  mos_log = /var/log/mos \"x\"\n"
		      "  stat_print = b  a\n"
		      "  eal_args = --no-pci -l '0 1'\n"
		      "  netdev {\n"
		      "    a 0x3 mac=02:AB:00:00:00:01 device=cap.pcap ip=192.0.2.1/24\n"
		      "    b 12\n"
		      "    c 1 ip=203.0.113.9/32\n"
		      "  }\n"
		      "  nic_forward_table {\n"
		      "    a b\n"
		      "  }\n"
		      "  route_table {\n"
		      "    0.0.0.0/0 a gw=192.0.2.254\n"
		      "    198.51.100.0/24 b\n"
		      "  }\n"
		      "  arp_table {\n"
		      "    192.0.2.254 02:00:00:00:00:fe\n"
		      "    198.51.100.0/24 02:00:00:00:00:01\n"
		      "  }\n"
		      "}\n"
		      "application {\n"
		      "  type = monitor\n"
		      "  run = ./mon -c 'a b' \"\"x\n"
		      "  core_mask = 0x5\n"
		      "  ip_forward = 0\n"
		      "}\n"
		      "application {\n"
		      "  run = x\n"
		      "}\n");
}

TEST(conf_round_trip_of_defaults_and_times)
{
	ct_round_trip("mos {\nnetdev {\nd 1\n}\n}\n");
	ct_round_trip("mos {\ntcp_timeout = 0\ntcp_tw_interval = 3600\nnetdev {\nd 1\n}\n}\n");
	ct_round_trip("mos {\ntcp_timeout = -2500ms\nnetdev {\nd 1\n}\n}\n");
	ct_round_trip("mos {\ntcp_timeout = 2147483\nnetdev {\nd 0xffff\n}\n}\n");
}

TEST(conf_round_trip_after_set)
{
	struct mos_config *a =
		ct_parse_ok("mos {\nnetdev {\nd 3\n}\n}\napplication {\nrun = a\n}\n");
	CHECK_EQ(mos_config_set(a, "tcp_timeout", "1ms", NULL, NULL), 0);
	CHECK_EQ(mos_config_set(a, "application.0.run", "b 'c d'", NULL, NULL), 0);
	char *conf = ct_render_alloc(a, MOS_CONFIG_FORMAT_CONF);
	struct mos_config *b = ct_parse_ok(conf);
	ct_check_same(a, b);
	CHECK_EQ(b->tcp_timeout_ms, 1);
	free(conf);
	mos_config_free(a);
	mos_config_free(b);
}

TEST(conf_output_text)
{
	struct mos_config *c = ct_parse_ok("mos {\ntcp_timeout = 1500ms\nnetdev {\n"
					   "dpdk0 0x1 ip=192.0.2.1/24\n}\n}\n"
					   "application {\ntype = end\nrun = ./srv\n}\n");
	char *conf = ct_render_alloc(c, MOS_CONFIG_FORMAT_CONF);
	CHECK_STREQ(conf, "# mOS-NG effective configuration of t.conf (defaults filled in)\n"
			  "mos {\n"
			  "\tio = dpdk\n"
			  "\tforward = 1\n"
			  "\tnb_mem_channels = 0\n"
			  "\tmax_concurrency = 100000\n"
			  "\tmax_num_buffers = 100000\n"
			  "\tno_ring_buffers = 0\n"
			  "\trmem_size = 8192\n"
			  "\twmem_size = 8192\n"
			  "\ttcp_tw_interval = 0\n"
			  "\ttcp_timeout = 1500ms\n"
			  "\n"
			  "\tnetdev {\n"
			  "\t\tdpdk0 0x1 ip=192.0.2.1/24\n"
			  "\t}\n"
			  "}\n"
			  "\n"
			  "application {\n"
			  "\ttype = end\n"
			  "\trun = ./srv\n"
			  "\tcpu_mask = 0xffffffffffffffff\n"
			  "\tip_forward = 1\n"
			  "}\n");
	free(conf);
	mos_config_free(c);
}

TEST(json_output_text)
{
	struct mos_config *c =
		ct_parse_ok("mos {\n"
			    "  stat_print = dpdk0\n"
			    "  netdev {\n"
			    "    dpdk0 0x1 device=net_tap0,iface=mos0 ip=192.0.2.1/24 "
			    "mac=02:00:00:00:00:01\n"
			    "    dpdk1 0x2\n"
			    "  }\n"
			    "  arp_table {\n"
			    "    192.0.2.2 02:00:00:00:00:02\n"
			    "  }\n"
			    "  route_table {\n"
			    "    0.0.0.0/0 dpdk0 gw=192.0.2.254\n"
			    "    198.51.100.0/24 dpdk1\n"
			    "  }\n"
			    "  nic_forward_table {\n"
			    "    dpdk0 dpdk1\n"
			    "  }\n"
			    "}\n"
			    "application {\n"
			    "  type = monitor\n"
			    "  run = ./midstat -i 'a b'\n"
			    "  core_mask = 0x1\n"
			    "  ip_forward = 0\n"
			    "}\n");
	char *json = ct_render_alloc(c, MOS_CONFIG_FORMAT_JSON);
	CHECK_STREQ(
		json,
		"{\"mos\":{\"io\":\"dpdk\",\"forward\":1,\"nb_mem_channels\":0,"
		"\"max_concurrency\":100000,\"max_num_buffers\":100000,\"no_ring_buffers\":0,"
		"\"rmem_size\":8192,\"wmem_size\":8192,\"tcp_tw_interval_ms\":0,"
		"\"tcp_timeout_ms\":30000,\"mos_log\":\"\",\"stat_print\":[\"dpdk0\"],"
		"\"eal_args\":\"\","
		"\"netdev\":[{\"name\":\"dpdk0\",\"cpu_mask\":\"0x1\",\"device\":\"net_tap0,"
		"iface=mos0\",\"ip\":\"192.0.2.1/24\",\"mac\":\"02:00:00:00:00:01\"},"
		"{\"name\":\"dpdk1\",\"cpu_mask\":\"0x2\",\"device\":null,\"ip\":null,\"mac\":"
		"null}],"
		"\"arp_table\":[{\"prefix\":\"192.0.2.2/32\",\"mac\":\"02:00:00:00:00:02\"}],"
		"\"route_table\":[{\"prefix\":\"0.0.0.0/0\",\"netdev\":\"dpdk0\",\"gw\":"
		"\"192.0.2.254\"},{\"prefix\":\"198.51.100.0/"
		"24\",\"netdev\":\"dpdk1\",\"gw\":null}],"
		"\"nic_forward_table\":[[\"dpdk0\",\"dpdk1\"]]},"
		"\"application\":[{\"type\":\"monitor\",\"run\":\"./midstat -i 'a b'\","
		"\"argv\":[\"./midstat\",\"-i\",\"a "
		"b\"],\"cpu_mask\":\"0x1\",\"ip_forward\":0}],"
		"\"derived\":{\"num_cores\":2,\"cpu_mask\":\"0x3\",\"forward\":0}}");
	free(json);
	mos_config_free(c);
}

TEST(json_strings_are_escaped)
{
	struct mos_config *c =
		ct_parse_ok("mos {\nmos_log = a\"b\\c\td\xc3\xa9\nnetdev {\nd 1\n}\n}\n"
			    "application {\nrun = x \"q\\\"\n}\n");
	char *json = ct_render_alloc(c, MOS_CONFIG_FORMAT_JSON);
	CHECK_CONTAINS(json, "\"mos_log\":\"a\\\"b\\\\c\\td\xc3\xa9\"");
	/* run = x "q\"  ->  argv ["x", "q\\"] (no escapes inside quotes) */
	CHECK_CONTAINS(json, "\"run\":\"x \\\"q\\\\\\\"\",\"argv\":[\"x\",\"q\\\\\"]");
	CHECK_CONTAINS(json, "\"type\":null");
	free(json);
	mos_config_free(c);
}

TEST(render_follows_the_snprintf_contract)
{
	struct mos_config *c = ct_parse_ok("mos {\nnetdev {\nd 1\n}\n}\n");
	char full[4096], small[16];
	ssize_t n = mos_config_render(c, MOS_CONFIG_FORMAT_JSON, full, sizeof full);
	CHECK(n > 16 && n < (ssize_t)sizeof full);
	CHECK_EQ(strlen(full), n);
	memset(small, 'x', sizeof small);
	CHECK_EQ(mos_config_render(c, MOS_CONFIG_FORMAT_JSON, small, sizeof small), n);
	CHECK_EQ(strlen(small), sizeof small - 1);
	CHECK(memcmp(small, full, sizeof small - 1) == 0);
	CHECK_EQ(mos_config_render(c, MOS_CONFIG_FORMAT_CONF, NULL, 0),
		 mos_config_render(c, MOS_CONFIG_FORMAT_CONF, full, sizeof full));
	small[0] = 'x';
	CHECK_EQ(mos_config_render(c, MOS_CONFIG_FORMAT_CONF, small, 1), (ssize_t)strlen(full));
	CHECK_EQ(small[0], '\0');
	CHECK_ERRNO(mos_config_render(c, 7, full, sizeof full), EINVAL);
	CHECK_ERRNO(mos_config_render(NULL, MOS_CONFIG_FORMAT_CONF, full, sizeof full), EINVAL);
	CHECK_ERRNO(mos_config_render(c, MOS_CONFIG_FORMAT_CONF, NULL, 10), EINVAL);
	mos_config_free(c);
}
