/* test_config.c - the mos.conf parser and validator: every key (values, defaults,
 * bounds), every error class with its exact FILE:LINE:COL diagnostic, robustness
 * against hostile text, and the public load/parse/set entry points. Rendering is in
 * test_config_render.c, the example files in test_config_files.c. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include "cfg_test.h"
#include "engine/config_internal.h"

static const char *ct_ip(uint32_t ip_be)
{
	static char buf[20];
	struct in_addr a = {ip_be};
	return inet_ntop(AF_INET, &a, buf, sizeof buf);
}

/* --- defaults and every key ------------------------------------------------------- */

TEST(minimal_config_gets_every_default)
{
	struct mos_config *c = ct_parse_ok("mos {\n\tnetdev {\n\t\tdpdk0 0x1\n\t}\n}\n");
	CHECK_EQ(c->io, CFG_IO_DPDK);
	CHECK(c->forward);
	CHECK_EQ(c->nb_mem_channels, 0);
	CHECK_EQ(c->max_concurrency, 100000);
	CHECK_EQ(c->max_num_buffers, 100000);
	CHECK(!c->no_ring_buffers);
	CHECK_EQ(c->rmem_size, 8192);
	CHECK_EQ(c->wmem_size, 8192);
	CHECK_EQ(c->tcp_tw_interval_ms, 0);
	CHECK_EQ(c->tcp_timeout_ms, 30000);
	CHECK_STREQ(c->mos_log, "");
	CHECK_STREQ(c->eal_args, "");
	CHECK_EQ(c->stat_print_count, 0);
	CHECK_EQ(c->netdev_count, 1);
	CHECK_STREQ(c->netdev[0].name, "dpdk0");
	CHECK_EQ_U64(c->netdev[0].cpu_mask, 1);
	CHECK(!c->netdev[0].has_ip);
	CHECK(!c->netdev[0].has_mac);
	CHECK_STREQ(c->netdev[0].device, "");
	CHECK_EQ(c->arp_count, 0);
	CHECK_EQ(c->route_count, 0);
	CHECK_EQ(c->fwd_count, 0);
	CHECK_EQ(c->app_count, 0);
	CHECK_EQ_U64(c->cpu_mask, 1);
	CHECK_EQ(c->num_cores, 1);
	CHECK_STREQ(c->file, "t.conf");
	CHECK_EQ(c->block_at[CFG_BLOCK_MOS].line, 1);
	CHECK_EQ(c->block_at[CFG_BLOCK_NETDEV].line, 2);
	CHECK_EQ(c->block_at[CFG_BLOCK_NETDEV].col, 2);
	CHECK_EQ(c->key_at[CFG_KEY_MAX_CONCURRENCY].line, 0);
	mos_config_free(c);
}

TEST(every_mos_key_is_stored)
{
	struct mos_config *c = ct_parse_ok(ct_mos("io = sim\n"
						  "forward = 0\n"
						  "nb_mem_channels = 4\n"
						  "max_concurrency = 5000\n"
						  "max_num_buffers = 6000\n"
						  "no_ring_buffers = 1\n"
						  "rmem_size = 16384\n"
						  "wmem_size = 4096\n"
						  "tcp_tw_interval = 2\n"
						  "tcp_timeout = 1500ms\n"
						  "mos_log = /var/log/mos\n"
						  "stat_print = dpdk0\n"
						  "eal_args = --no-pci --log-level=lib.eal:8"));
	CHECK_EQ(c->io, CFG_IO_SIM);
	CHECK(!c->forward);
	CHECK_EQ(c->nb_mem_channels, 4);
	CHECK_EQ(c->max_concurrency, 5000);
	CHECK_EQ(c->max_num_buffers, 6000);
	CHECK(c->no_ring_buffers);
	CHECK_EQ(c->rmem_size, 16384);
	CHECK_EQ(c->wmem_size, 4096);
	CHECK_EQ(c->tcp_tw_interval_ms, 2000);
	CHECK_EQ(c->tcp_timeout_ms, 1500);
	CHECK_STREQ(c->mos_log, "/var/log/mos");
	CHECK_STREQ(c->stat_print_names, "dpdk0");
	CHECK_EQ(c->stat_print_count, 1);
	CHECK_EQ(c->stat_print[0], 0);
	CHECK_STREQ(c->eal_args, "--no-pci --log-level=lib.eal:8");
	/* A key's origin is its value. */
	CHECK_EQ(c->key_at[CFG_KEY_MAX_CONCURRENCY].line, 5);
	CHECK_EQ(c->key_at[CFG_KEY_MAX_CONCURRENCY].col, 19);
	mos_config_free(c);
}

TEST(forward_and_no_ring_buffers_take_only_0_or_1)
{
	CHECK_ONLY_ERROR(ct_mos("forward = 2"),
			 "t.conf:2:11: forward: value '2' must be 0 or 1");
	CHECK_ONLY_ERROR(ct_mos("forward = yes"),
			 "t.conf:2:11: forward: value 'yes' must be 0 or 1");
	CHECK_ONLY_ERROR(ct_mos("no_ring_buffers = -1"),
			 "t.conf:2:19: no_ring_buffers: value '-1' must be 0 or 1");
	struct mos_config *c = ct_parse_ok(ct_mos("forward = 0x1"));
	CHECK(c->forward);
	mos_config_free(c);
}

TEST(nb_mem_channels_bounds)
{
	mos_config_free(ct_parse_ok(ct_mos("nb_mem_channels = 0")));
	struct mos_config *c = ct_parse_ok(ct_mos("nb_mem_channels = 64"));
	CHECK_EQ(c->nb_mem_channels, 64);
	mos_config_free(c);
	CHECK_ONLY_ERROR(ct_mos("nb_mem_channels = 65"),
			 "t.conf:2:19: nb_mem_channels: 65 is out of range (0..64)");
	CHECK_ONLY_ERROR(ct_mos("nb_mem_channels = -1"),
			 "t.conf:2:19: nb_mem_channels: -1 is out of range (0..64)");
}

TEST(max_concurrency_and_max_num_buffers_bounds)
{
	struct mos_config *c =
		ct_parse_ok(ct_mos("max_concurrency = 1\nmax_num_buffers = 16777216"));
	CHECK_EQ(c->max_concurrency, 1);
	CHECK_EQ(c->max_num_buffers, 16777216);
	mos_config_free(c);
	CHECK_ONLY_ERROR(ct_mos("max_concurrency = 0"),
			 "t.conf:2:19: max_concurrency: 0 is out of range (1..16777216)");
	CHECK_ONLY_ERROR(
		ct_mos("max_num_buffers = 16777217"),
		"t.conf:2:19: max_num_buffers: 16777217 is out of range (1..16777216)");
}

TEST(rmem_size_is_a_multiple_of_1024_in_range)
{
	struct mos_config *c = ct_parse_ok(ct_mos("rmem_size = 1024"));
	CHECK_EQ(c->rmem_size, 1024);
	mos_config_free(c);
	c = ct_parse_ok(ct_mos("rmem_size = 1073741824"));
	CHECK_EQ(c->rmem_size, 1073741824);
	mos_config_free(c);
	CHECK_ONLY_ERROR(ct_mos("rmem_size = 1000"),
			 "t.conf:2:13: rmem_size: 1000 is not a multiple of 1024");
	CHECK_ONLY_ERROR(ct_mos("rmem_size = 0"),
			 "t.conf:2:13: rmem_size: 0 is out of range (1024..1073741824)");
	CHECK_ONLY_ERROR(
		ct_mos("rmem_size = 1073742848"),
		"t.conf:2:13: rmem_size: 1073742848 is out of range (1024..1073741824)");
}

TEST(wmem_size_bounds)
{
	struct mos_config *c = ct_parse_ok(ct_mos("wmem_size = 64"));
	CHECK_EQ(c->wmem_size, 64);
	mos_config_free(c);
	CHECK_ONLY_ERROR(ct_mos("wmem_size = 63"),
			 "t.conf:2:13: wmem_size: 63 is out of range (64..1073741824)");
	CHECK_ONLY_ERROR(ct_mos("wmem_size = 1073741825"),
			 "t.conf:2:13: wmem_size: 1073741825 is out of range (64..1073741824)");
}

TEST(tcp_tw_interval_seconds_or_ms)
{
	struct mos_config *c = ct_parse_ok(ct_mos("tcp_tw_interval = 3600"));
	CHECK_EQ(c->tcp_tw_interval_ms, 3600000);
	mos_config_free(c);
	c = ct_parse_ok(ct_mos("tcp_tw_interval = 1500ms"));
	CHECK_EQ(c->tcp_tw_interval_ms, 1500);
	mos_config_free(c);
	c = ct_parse_ok(ct_mos("tcp_tw_interval = 0"));
	CHECK_EQ(c->tcp_tw_interval_ms, 0);
	mos_config_free(c);
	CHECK_ONLY_ERROR(ct_mos("tcp_tw_interval = 3601"),
			 "t.conf:2:19: tcp_tw_interval: 3601 s is out of range (0..3600 s)");
	CHECK_ONLY_ERROR(
		ct_mos("tcp_tw_interval = 3600001ms"),
		"t.conf:2:19: tcp_tw_interval: 3600001 ms is out of range (0..3600 s)");
	CHECK_ONLY_ERROR(ct_mos("tcp_tw_interval = -1"),
			 "t.conf:2:19: tcp_tw_interval: -1 s is out of range (0..3600 s)");
}

TEST(tcp_timeout_zero_or_negative_disables)
{
	struct mos_config *c = ct_parse_ok(ct_mos("tcp_timeout = -1"));
	CHECK_EQ(c->tcp_timeout_ms, -1000);
	mos_config_free(c);
	c = ct_parse_ok(ct_mos("tcp_timeout = 0"));
	CHECK_EQ(c->tcp_timeout_ms, 0);
	mos_config_free(c);
	c = ct_parse_ok(ct_mos("tcp_timeout = 2147483"));
	CHECK_EQ(c->tcp_timeout_ms, 2147483000);
	mos_config_free(c);
	CHECK_ONLY_ERROR(
		ct_mos("tcp_timeout = 2147484"),
		"t.conf:2:15: tcp_timeout: 2147484 s is out of range (-2147483..2147483 "
		"s; 0 or less disables it)");
}

TEST(time_values_must_be_whole_numbers)
{
	const char *bad[] = {"5s", "ms", "1.5", "10 ms", "5MS", "0x"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char item[64], want[256];
		snprintf(item, sizeof item, "tcp_timeout = %s", bad[i]);
		snprintf(want, sizeof want,
			 "t.conf:2:15: tcp_timeout: value '%s' is not a number of seconds (or "
			 "of "
			 "milliseconds with the suffix 'ms')",
			 bad[i]);
		mt_note("value %s", bad[i]);
		CHECK_ONLY_ERROR(ct_mos(item), want);
	}
	/* seconds * 1000 must not overflow silently */
	CHECK_ONLY_ERROR(ct_mos("tcp_timeout = 9223372036854776"),
			 "t.conf:2:15: tcp_timeout: value '9223372036854776' is out of range "
			 "(-2147483..2147483 s)");
	CHECK_ONLY_ERROR(ct_mos("tcp_timeout = 9223372036854775"),
			 "t.conf:2:15: tcp_timeout: 9223372036854775 s is out of range "
			 "(-2147483..2147483 s; 0 or less disables it)");
}

TEST(io_backends_and_suggestion)
{
	struct mos_config *c = ct_parse_ok(ct_mos("io = pcap"));
	CHECK_EQ(c->io, CFG_IO_PCAP);
	mos_config_free(c);
	c = ct_parse_ok(ct_mos("io = dpdk"));
	CHECK_EQ(c->io, CFG_IO_DPDK);
	mos_config_free(c);
	CHECK_ONLY_ERROR(ct_mos("io = dpkd"),
			 "t.conf:2:6: io: unknown backend 'dpkd' (expected dpdk, pcap or sim) "
			 "(did you mean 'dpdk'?)");
	CHECK_ONLY_ERROR(
		ct_mos("io = netmap"),
		"t.conf:2:6: io: unknown backend 'netmap' (expected dpdk, pcap or sim)");
}

TEST(eal_args_quotes_are_checked)
{
	struct mos_config *c = ct_parse_ok(ct_mos("eal_args = --vdev 'net_tap0,iface=a b'"));
	CHECK_STREQ(c->eal_args, "--vdev 'net_tap0,iface=a b'");
	mos_config_free(c);
	CHECK_ONLY_ERROR(ct_mos("eal_args = --vdev 'x"),
			 "t.conf:2:12: eal_args: unterminated quote");
}

TEST(port_is_accepted_with_a_warning)
{
	struct ct_log log;
	struct mos_config *c = ct_parse_ok_log(ct_mos("port = dpdk0 dpdk1"), &log);
	CHECK_EQ(log.warnings, 1);
	CHECK_DIAG(&log, "t.conf:2:1: warning: port has no effect in mOS-NG (the ports are "
			 "the netdev lines); ignored");
	mos_config_free(c);
}

TEST(multiprocess_is_rejected_with_an_explanation)
{
	CHECK_ONLY_ERROR(ct_mos("multiprocess = 0 master"),
			 "t.conf:2:1: multiprocess is not supported by mOS-NG; run one process "
			 "with several cores");
}

TEST(stat_print_names_must_be_ports)
{
	struct mos_config *c = ct_parse_ok("mos {\n"
					   "stat_print = dpdk1  dpdk0\n"
					   "netdev {\n"
					   "dpdk0 0x1\n"
					   "dpdk1 0x2\n"
					   "}\n"
					   "}\n");
	CHECK_EQ(c->stat_print_count, 2);
	CHECK_EQ(c->stat_print[0], 1);
	CHECK_EQ(c->stat_print[1], 0);
	mos_config_free(c);
	/* The column is that of the offending word. */
	CHECK_ONLY_ERROR(
		ct_mos("stat_print = dpdk0 dpdk7"),
		"t.conf:2:20: stat_print: unknown netdev 'dpdk7' (did you mean 'dpdk0'?)");
	CHECK_ONLY_ERROR(ct_mos("stat_print = dpdk0 dpdk0"),
			 "t.conf:2:20: stat_print: 'dpdk0' is listed twice");
}

/* --- numbers ---------------------------------------------------------------------- */

TEST(leading_zeros_are_decimal_and_hex_needs_0x)
{
	struct mos_config *c = ct_parse_ok(ct_mos("max_concurrency = 010\n"
						  "nb_mem_channels = 0x10\n"
						  "max_num_buffers = 0X1F"));
	CHECK_EQ(c->max_concurrency, 10); /* not 8: there is no octal */
	CHECK_EQ(c->nb_mem_channels, 16);
	CHECK_EQ(c->max_num_buffers, 31);
	mos_config_free(c);
	c = ct_parse_ok("mos {\nnetdev {\ndpdk0 010\n}\n}\n");
	CHECK_EQ_U64(c->netdev[0].cpu_mask, 10);
	mos_config_free(c);
}

TEST(malformed_numbers_name_key_and_value)
{
	const char *bad[] = {"10x", "0x", "+5", "1 0", "-", "0xg", "1e3", "ten", "--1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char item[64], want[160];
		snprintf(item, sizeof item, "max_concurrency = %s", bad[i]);
		snprintf(want, sizeof want,
			 "t.conf:2:19: max_concurrency: value '%s' is not a number", bad[i]);
		mt_note("value %s", bad[i]);
		CHECK_ONLY_ERROR(ct_mos(item), want);
	}
}

TEST(number_overflow_is_out_of_range)
{
	CHECK_ONLY_ERROR(ct_mos("max_concurrency = 99999999999999999999"),
			 "t.conf:2:19: max_concurrency: value '99999999999999999999' is out of "
			 "range (1..16777216)");
	CHECK_ONLY_ERROR(
		ct_mos("max_concurrency = 4294967296"),
		"t.conf:2:19: max_concurrency: 4294967296 is out of range (1..16777216)");
	CHECK_ONLY_ERROR(ct_mos("max_concurrency = -9223372036854775809"),
			 "t.conf:2:19: max_concurrency: value '-9223372036854775809' is out of "
			 "range (1..16777216)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 0x10000000000000000\n}\n}\n",
			 "t.conf:3:7: netdev 'dpdk0': core mask '0x10000000000000000' does not "
			 "fit in 64 bits");
}

/* --- structure -------------------------------------------------------------------- */

TEST(unknown_key_suggests_the_closest_key)
{
	CHECK_ONLY_ERROR(
		ct_mos("\tmax_concurency = 10"),
		"t.conf:2:2: unknown key 'max_concurency' in block 'mos' (did you mean "
		"'max_concurrency'?)");
	CHECK_ONLY_ERROR(ct_mos("TCP_TIMEOUT = 10"),
			 "t.conf:2:1: unknown key 'TCP_TIMEOUT' in block 'mos' (did you mean "
			 "'tcp_timeout'?)");
	CHECK_ONLY_ERROR(ct_mos("frobnicate = 1"),
			 "t.conf:2:1: unknown key 'frobnicate' in block 'mos'");
	CHECK_ONLY_ERROR(
		ct_with("application {\nrun = x\ncpumask = 1\n}\n"),
		"t.conf:8:1: unknown key 'cpumask' in block 'application' (did you mean "
		"'cpu_mask'?)");
}

TEST(keys_of_the_other_block_say_where_they_belong)
{
	CHECK_ONLY_ERROR(ct_mos("run = ./app"),
			 "t.conf:2:1: unknown key 'run' in block 'mos' (it belongs in an "
			 "'application' block)");
	CHECK_ONLY_ERROR(ct_with("application {\nrun = x\nmax_concurrency = 1\n}\n"),
			 "t.conf:8:1: unknown key 'max_concurrency' in block 'application' (it "
			 "belongs in the 'mos' block)");
	CHECK_ONLY_ERROR(ct_with("max_concurrency = 5\n"),
			 "t.conf:6:1: key 'max_concurrency' outside of any block (it belongs "
			 "inside 'mos { ... }')");
}

TEST(unknown_block_is_reported_and_its_body_skipped)
{
	/* The body holds nonsense that would be errors in a known block. */
	CHECK_ONLY_ERROR(ct_mos("netdv {\nbogus line\nnested {\nx\n}\n}"),
			 "t.conf:2:1: unknown block 'netdv' in mos (expected 'netdev', "
			 "'arp_table', 'route_table', 'nic_forward_table') (did you mean "
			 "'netdev'?)");
	CHECK_ONLY_ERROR(
		ct_with("aplication {\nrun = x\n}\n"),
		"t.conf:6:1: unknown block 'aplication' in the top level (expected 'mos', "
		"'application') (did you mean 'application'?)");
	CHECK_ONLY_ERROR(ct_with("application {\nrun = x\nsub {\n}\n}\n"),
			 "t.conf:8:1: unknown block 'sub' (block 'application' has no "
			 "sub-blocks)");
}

TEST(duplicate_keys_and_blocks_name_the_first)
{
	CHECK_ONLY_ERROR(ct_mos("max_concurrency = 5\nmax_concurrency = 6"),
			 "t.conf:3:1: duplicate key 'max_concurrency' (first set at line 2)");
	CHECK_ONLY_ERROR(ct_with("mos {\n}\n"),
			 "t.conf:6:1: duplicate block 'mos' (first at line 1)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1\n}\n  netdev {\ndpdk1 2\n}\n}\n",
			 "t.conf:5:3: duplicate block 'netdev' (first at line 2)");
	CHECK_ONLY_ERROR(ct_with("application {\nrun = a\nrun = b\n}\n"),
			 "t.conf:8:1: duplicate key 'run' (first set at line 7)");
}

TEST(blocks_in_the_wrong_place)
{
	struct ct_log log;
	ct_parse_fail("netdev {\ndpdk0 1\n}\n", &log);
	CHECK_DIAG(&log, "t.conf:1:1: block 'netdev' must be inside the 'mos' block");
	CHECK_DIAG(&log, "t.conf: no 'mos' block (expected 'mos { netdev { <name> <cpumask> "
			 "... } }')");
	CHECK_EQ(log.count, 2);
	CHECK_ONLY_ERROR(ct_mos("application {\nrun = x\n}"),
			 "t.conf:2:1: block 'application' must be at the top level, not inside "
			 "'mos'");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1\narp_table {\n}\n}\n}\n",
			 "t.conf:4:1: block 'arp_table' cannot be nested inside 'netdev'");
	CHECK_ONLY_ERROR(ct_mos("my block {\n}"),
			 "t.conf:2:1: invalid block name 'my block' (letters, digits and '_')");
	CHECK_ONLY_ERROR(ct_mos("{\n}"), "t.conf:2:1: '{' without a block name");
}

TEST(stray_text_and_braces)
{
	CHECK_ONLY_ERROR(ct_with("hello\n"),
			 "t.conf:6:1: unexpected 'hello' at the top level (expected 'mos {' or "
			 "'application {')");
	CHECK_ONLY_ERROR(ct_with("}\n"), "t.conf:6:1: '}' without an open block");
	CHECK_ONLY_ERROR(
		"mos {\nnetdev {\ndpdk0 1\n} extra\n}\n",
		"t.conf:4:3: unexpected 'extra' after '}' (a '}' stands on its own line)");
	CHECK_ONLY_ERROR(ct_mos("max_concurrency 5"),
			 "t.conf:2:1: expected 'key = value' in block 'mos', found "
			 "'max_concurrency 5'");
	CHECK_ONLY_ERROR(ct_mos("bad-key = 5"),
			 "t.conf:2:1: invalid key 'bad-key' (letters, digits and '_')");
	CHECK_ONLY_ERROR(ct_mos("= 5"), "t.conf:2:1: missing key before '='");
}

TEST(brace_on_the_next_line_is_an_error)
{
	struct ct_log log;
	ct_parse_fail("mos\n{\nnetdev {\ndpdk0 1\n}\n}\n", &log);
	CHECK_DIAG(&log, "t.conf:1:1: unexpected 'mos' at the top level (expected 'mos {' or "
			 "'application {')");
	CHECK_DIAG(&log, "t.conf:2:1: '{' without a block name");
}

TEST(missing_close_brace_is_reported_at_the_block)
{
	struct ct_log log;
	ct_parse_fail("mos {\n  netdev {\n    dpdk0 1\n", &log);
	CHECK_DIAG(&log, "t.conf:1:1: block 'mos' is not closed (missing '}' before the end "
			 "of the file)");
	CHECK_DIAG(&log, "t.conf:2:3: block 'netdev' is not closed (missing '}' before the "
			 "end of the file)");
	CHECK_EQ(log.count, 2);
	ct_parse_fail(ct_with("foo {\n"), &log);
	CHECK_DIAG(&log, "t.conf:6:1: unknown block 'foo' in the top level (expected 'mos', "
			 "'application')");
	CHECK_DIAG(&log, "t.conf:6:1: block 'foo' is not closed (missing '}' before the end "
			 "of the file)");
	CHECK_EQ(log.count, 2);
}

TEST(empty_value_points_after_the_equals_sign)
{
	CHECK_ONLY_ERROR(ct_mos("mos_log ="), "t.conf:2:10: mos_log: empty value");
	CHECK_ONLY_ERROR(ct_mos("mos_log =   # nothing"), "t.conf:2:10: mos_log: empty value");
}

/* --- mandatory items -------------------------------------------------------------- */

TEST(empty_file_has_no_mos_block)
{
	CHECK_ONLY_ERROR("", "t.conf: no 'mos' block (expected 'mos { netdev { <name> "
			     "<cpumask> ... } }')");
	CHECK_ONLY_ERROR(
		"# only a comment\n\n",
		"t.conf: no 'mos' block (expected 'mos { netdev { <name> <cpumask> ... } "
		"}')");
}

TEST(mos_without_ports_is_reported_at_its_block)
{
	CHECK_ONLY_ERROR("mos {\nmax_concurrency = 5\n}\n",
			 "t.conf:1:1: block 'mos' has no 'netdev' block (at least one port is "
			 "required)");
	CHECK_ONLY_ERROR("mos {\n  netdev {\n  }\n}\n",
			 "t.conf:2:3: block 'netdev' lists no port (at least one is required)");
}

/* --- netdev ----------------------------------------------------------------------- */

TEST(netdev_options_in_any_order)
{
	struct mos_config *c = ct_parse_ok(
		"mos {\nnetdev {\n"
		"dpdk0 0x3 mac=02:00:00:00:00:0A ip=192.0.2.1/24 device=net_tap0,iface=mos0\n"
		"port-1.a:b 4 ip=198.51.100.7/32\n"
		"}\n}\n");
	const struct cfg_netdev *a = &c->netdev[0], *b = &c->netdev[1];
	CHECK_STREQ(a->device, "net_tap0,iface=mos0");
	CHECK(a->has_ip);
	CHECK_STREQ(ct_ip(a->ip_be), "192.0.2.1");
	CHECK_EQ(a->prefix_len, 24);
	CHECK(a->has_mac);
	CHECK_EQ(a->mac[0], 0x02);
	CHECK_EQ(a->mac[5], 0x0a);
	CHECK_EQ(a->at.line, 3);
	CHECK_EQ(a->mask_at.col, 7);
	CHECK_STREQ(b->name, "port-1.a:b");
	CHECK_EQ_U64(b->cpu_mask, 4);
	CHECK_EQ(b->prefix_len, 32);
	CHECK(!b->has_mac);
	CHECK_EQ_U64(c->cpu_mask, 7);
	CHECK_EQ(c->num_cores, 3);
	mos_config_free(c);
}

TEST(netdev_names_are_checked)
{
	struct ct_log log;
	/* The only line is wrong, so the block also has no port. */
	ct_parse_fail("mos {\nnetdev {\nbad/name 1\n}\n}\n", &log);
	CHECK_DIAG(&log, "t.conf:3:1: netdev: invalid port name 'bad/name' (1..31 characters: "
			 "letters, digits, '_', '.', ':', '-'); expected '<name> <cpumask> "
			 "[device=<string>] [ip=a.b.c.d/len] [mac=xx:xx:xx:xx:xx:xx]'");
	CHECK_DIAG(&log, "t.conf:2:1: block 'netdev' lists no port (at least one is required)");
	CHECK_EQ(log.count, 2);
	/* 31 characters are fine, 32 are not */
	mos_config_free(
		ct_parse_ok("mos {\nnetdev {\nabcdefghijabcdefghijabcdefghij1 1\n}\n}\n"));
	ct_parse_fail("mos {\nnetdev {\nabcdefghijabcdefghijabcdefghij12 1\n}\n}\n", &log);
	CHECK_CONTAINS(log.line[1], "t.conf:3:1: netdev: invalid port name");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1\ndpdk0 2\n}\n}\n",
			 "t.conf:4:1: duplicate netdev 'dpdk0' (first at line 3)");
	CHECK_ONLY_ERROR(
		"mos {\nnetdev {\ndpdk0\n}\n}\n",
		"t.conf:3:1: netdev 'dpdk0': missing the core mask; expected '<name> "
		"<cpumask> [device=<string>] [ip=a.b.c.d/len] [mac=xx:xx:xx:xx:xx:xx]'");
}

TEST(netdev_core_masks_are_checked)
{
	CHECK_ONLY_ERROR(
		"mos {\nnetdev {\ndpdk0 0\n}\n}\n",
		"t.conf:3:7: netdev 'dpdk0': core mask is 0 (it needs at least one core)");
	CHECK_ONLY_ERROR(
		"mos {\nnetdev {\ndpdk0 0x10001\n}\n}\n",
		"t.conf:3:7: netdev 'dpdk0': core mask 0x10001 uses cores beyond 15 (bits "
		"0..15 only)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 zz\n}\n}\n",
			 "t.conf:3:7: netdev 'dpdk0': core mask 'zz' is not a number (hex with "
			 "0x, or decimal)");
	struct mos_config *c = ct_parse_ok("mos {\nnetdev {\ndpdk0 0x8000\n}\n}\n");
	CHECK_EQ_U64(c->cpu_mask, 0x8000);
	CHECK_EQ(c->num_cores, 1);
	mos_config_free(c);
}

TEST(netdev_addresses_are_checked)
{
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 ip=192.0.2/24\n}\n}\n",
			 "t.conf:3:12: netdev: ip= '192.0.2/24' is not an IPv4 address");
	CHECK_ONLY_ERROR(
		"mos {\nnetdev {\ndpdk0 1 ip=192.0.2.1/33\n}\n}\n",
		"t.conf:3:12: netdev: ip= '192.0.2.1/33' has a bad prefix length (0..32)");
	CHECK_ONLY_ERROR(
		"mos {\nnetdev {\ndpdk0 1 ip=192.0.2.1\n}\n}\n",
		"t.conf:3:12: netdev: ip= '192.0.2.1' needs a prefix length (a.b.c.d/len)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 ip=192.0.2.1/0\n}\n}\n",
			 "t.conf:3:9: netdev 'dpdk0': ip= prefix length 0 is not valid for an "
			 "interface address (1..32)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 ip=224.0.0.1/4\n}\n}\n",
			 "t.conf:3:9: netdev 'dpdk0': ip= 224.0.0.1 is not a unicast address");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 ip=256.0.0.1/8\n}\n}\n",
			 "t.conf:3:12: netdev: ip= '256.0.0.1/8' is not an IPv4 address");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 mac=01:00:5e:00:00:01\n}\n}\n",
			 "t.conf:3:9: netdev 'dpdk0': mac= 01:00:5e:00:00:01 is a multicast "
			 "address");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 mac=00:00:00:00:00:00\n}\n}\n",
			 "t.conf:3:9: netdev 'dpdk0': mac= is all zeros");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 mac=02:00:00:00:00\n}\n}\n",
			 "t.conf:3:13: netdev: mac= '02:00:00:00:00' is not a MAC address "
			 "(xx:xx:xx:xx:xx:xx)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 mac=2:0:0:0:0:1\n}\n}\n",
			 "t.conf:3:13: netdev: mac= '2:0:0:0:0:1' is not a MAC address "
			 "(xx:xx:xx:xx:xx:xx)");
}

TEST(netdev_options_are_checked)
{
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 ipp=192.0.2.1/24\n}\n}\n",
			 "t.conf:3:9: netdev: unknown option 'ipp=192.0.2.1/24' (expected "
			 "device=, ip= or mac=) (did you mean 'ip'?)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 fast\n}\n}\n",
			 "t.conf:3:9: netdev: unknown option 'fast' (expected device=, ip= or "
			 "mac=)");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 device=a device=b\n}\n}\n",
			 "t.conf:3:18: netdev: option 'device=' given twice");
	CHECK_ONLY_ERROR("mos {\nnetdev {\ndpdk0 1 device=\n}\n}\n",
			 "t.conf:3:16: netdev: device=: empty value");
	CHECK_ONLY_ERROR("mos {\nnetdev {\na 1 device=x\nb 2 device=x\n}\n}\n",
			 "t.conf:4:5: netdev 'b': device 'x' is already used by netdev 'a'");
	CHECK_ONLY_ERROR("mos {\nnetdev {\na 1\nb 2 device=a\n}\n}\n",
			 "t.conf:4:5: netdev 'b': device 'a' is already used by netdev 'a'");
}

TEST(netdev_lines_are_bounded)
{
	char text[4096] = "mos {\nnetdev {\n";
	for (int i = 0; i <= MOS_CONF_MAX_NETDEV; i++) {
		size_t n = strlen(text);
		snprintf(text + n, sizeof text - n, "p%d 1 device=d%d\n", i, i);
	}
	strcat(text, "}\n}\n");
	CHECK_ONLY_ERROR(text, "t.conf:19:1: netdev: more than 16 lines; the rest of the block "
			       "is ignored");
}

/* --- arp_table -------------------------------------------------------------------- */

TEST(arp_entries_bare_address_is_host)
{
	struct mos_config *c =
		ct_parse_ok(ct_mos("arp_table {\n192.0.2.2 02:00:00:00:00:02\n198.51.100.0/24 "
				   "02:00:00:00:00:03\n}"));
	CHECK_EQ(c->arp_count, 2);
	CHECK_STREQ(ct_ip(c->arp[0].ip_be), "192.0.2.2");
	CHECK_EQ(c->arp[0].prefix_len, 32);
	CHECK_EQ(c->arp[1].prefix_len, 24);
	CHECK_EQ(c->arp[1].mac[5], 3);
	CHECK_EQ(c->arp[1].at.line, 4);
	mos_config_free(c);
}

TEST(arp_entries_are_checked)
{
	CHECK_ONLY_ERROR(
		ct_mos("arp_table {\n192.0.2.1/24 02:00:00:00:00:01\n}"),
		"t.conf:3:1: arp_table: 192.0.2.1/24 has host bits set beyond the prefix "
		"(did you mean 192.0.2.0/24?)");
	CHECK_ONLY_ERROR(
		ct_mos("arp_table {\n192.0.2.1 02:00:00:00:00:01\n"
		       "192.0.2.1/32 02:00:00:00:00:02\n}"),
		"t.conf:4:1: arp_table: duplicate entry for 192.0.2.1/32 (first at line "
		"3)");
	CHECK_ONLY_ERROR(
		ct_mos("arp_table {\n192.0.2.1 ff:ff:ff:ff:ff:ff\n}"),
		"t.conf:3:11: arp_table: ff:ff:ff:ff:ff:ff is not a unicast MAC address");
	CHECK_ONLY_ERROR(ct_mos("arp_table {\n192.0.2.1 02-00-00-00-00-01\n}"),
			 "t.conf:3:11: arp_table: '02-00-00-00-00-01' is not a MAC address "
			 "(xx:xx:xx:xx:xx:xx)");
	CHECK_ONLY_ERROR(
		ct_mos("arp_table {\n192.0.2.1\n}"),
		"t.conf:3:1: arp_table: missing the MAC address; expected 'a.b.c.d[/len] "
		"xx:xx:xx:xx:xx:xx'");
	CHECK_ONLY_ERROR(ct_mos("arp_table {\n192.0.2.1 02:00:00:00:00:01 extra\n}"),
			 "t.conf:3:29: arp_table: unexpected 'extra'; expected 'a.b.c.d[/len] "
			 "xx:xx:xx:xx:xx:xx'");
	CHECK_ONLY_ERROR(ct_mos("arp_table {\nhost 02:00:00:00:00:01\n}"),
			 "t.conf:3:1: arp_table: address 'host' is not an IPv4 address");
}

TEST(arp_table_is_bounded)
{
	size_t cap = 64 + (size_t)(MOS_CONF_MAX_ARP + 2) * 40;
	char *text = malloc(cap);
	size_t n;
	CHECK(text != NULL);
	n = (size_t)snprintf(text, cap, "mos {\nnetdev {\ndpdk0 1\n}\narp_table {\n");
	for (int i = 0; i < MOS_CONF_MAX_ARP + 2; i++)
		n += (size_t)snprintf(text + n, cap - n, "10.%d.%d.1 02:00:00:00:00:01\n",
				      i / 256, i % 256);
	snprintf(text + n, cap - n, "}\n}\n");
	/* Line 6 holds entry 0, so entry MAX (the first one too many) is on line 6+MAX. */
	char want[200];
	snprintf(want, sizeof want,
		 "t.conf:%d:1: arp_table: more than %d lines; the rest of the block is ignored",
		 6 + MOS_CONF_MAX_ARP, MOS_CONF_MAX_ARP);
	CHECK_ONLY_ERROR(text, want);
	free(text);
}

/* --- route_table ------------------------------------------------------------------ */

TEST(routes_resolve_ports_declared_later)
{
	struct mos_config *c = ct_parse_ok("mos {\n"
					   "route_table {\n"
					   "0.0.0.0/0 dpdk1 gw=198.51.100.1\n"
					   "192.0.2.0/24 dpdk0\n"
					   "192.0.2.7 dpdk0\n"
					   "}\n"
					   "netdev {\n"
					   "dpdk0 1\n"
					   "dpdk1 2\n"
					   "}\n"
					   "}\n");
	CHECK_EQ(c->route_count, 3);
	CHECK_EQ(c->route[0].netdev, 1);
	CHECK_EQ(c->route[0].prefix_len, 0);
	CHECK_STREQ(ct_ip(c->route[0].gw_be), "198.51.100.1");
	CHECK_EQ(c->route[1].netdev, 0);
	CHECK_EQ(c->route[1].gw_be, 0);
	CHECK_EQ(c->route[1].prefix_len, 24);
	CHECK_EQ(c->route[2].prefix_len, 32);
	CHECK_EQ(c->route[0].dev_at.col, 11);
	mos_config_free(c);
}

TEST(routes_are_checked)
{
	CHECK_ONLY_ERROR(ct_mos("route_table {\n192.0.2.0/24 dpdk9\n}"),
			 "t.conf:3:14: route_table: unknown netdev 'dpdk9' (did you mean "
			 "'dpdk0'?)");
	CHECK_ONLY_ERROR(ct_mos("route_table {\n192.0.2.1/24 dpdk0\n}"),
			 "t.conf:3:1: route_table: 192.0.2.1/24 has host bits set beyond the "
			 "prefix (did you mean 192.0.2.0/24?)");
	CHECK_ONLY_ERROR(
		ct_mos("route_table {\n192.0.2.0/24 dpdk0\n192.0.2.0/24 dpdk0 "
		       "gw=192.0.2.1\n}"),
		"t.conf:4:1: route_table: duplicate route to 192.0.2.0/24 (first at line "
		"3)");
	CHECK_ONLY_ERROR(ct_mos("route_table {\n192.0.2.0/24 dpdk0 gw=192.0.2\n}"),
			 "t.conf:3:23: route_table: gateway '192.0.2' is not an IPv4 address");
	CHECK_ONLY_ERROR(ct_mos("route_table {\n192.0.2.0/24 dpdk0 gw=0.0.0.0\n}"),
			 "t.conf:3:20: route_table: gateway 0.0.0.0 is not a unicast address "
			 "(leave gw= out for an on-link route)");
	CHECK_ONLY_ERROR(ct_mos("route_table {\n192.0.2.0/24 dpdk0 via 192.0.2.1\n}"),
			 "t.conf:3:20: route_table: unexpected 'via'; expected 'a.b.c.d[/len] "
			 "<netdev> [gw=a.b.c.d]'");
	CHECK_ONLY_ERROR(ct_mos("route_table {\n192.0.2.0/24\n}"),
			 "t.conf:3:1: route_table: missing the netdev; expected 'a.b.c.d[/len] "
			 "<netdev> [gw=a.b.c.d]'");
	CHECK_ONLY_ERROR(ct_mos("route_table {\n192.0.2.0/40 dpdk0\n}"),
			 "t.conf:3:1: route_table: destination '192.0.2.0/40' has a bad prefix "
			 "length (0..32)");
}

/* --- nic_forward_table ------------------------------------------------------------ */

static const char *ct_two_ports(const char *pairs)
{
	static char buf[4096];
	snprintf(buf, sizeof buf,
		 "mos {\nnetdev {\na 1\nb 1\nc 2\n}\nnic_forward_table {\n%s\n}\n}\n", pairs);
	return buf;
}

TEST(forward_pairs_are_checked)
{
	struct mos_config *c = ct_parse_ok(ct_two_ports("a b"));
	CHECK_EQ(c->fwd_count, 1);
	CHECK_EQ(c->fwd[0].a, 0);
	CHECK_EQ(c->fwd[0].b, 1);
	mos_config_free(c);
	CHECK_ONLY_ERROR(
		ct_two_ports("a x"),
		"t.conf:8:3: nic_forward_table: unknown netdev 'x' (did you mean 'a'?)");
	CHECK_ONLY_ERROR(
		ct_two_ports("a a"),
		"t.conf:8:3: nic_forward_table: port 'a' cannot be paired with itself");
	CHECK_ONLY_ERROR(ct_two_ports("a b\nc b"),
			 "t.conf:9:3: nic_forward_table: port 'b' is already paired at line 8");
	CHECK_ONLY_ERROR(ct_two_ports("a"),
			 "t.conf:8:1: nic_forward_table: missing the second port; expected "
			 "'<netdevA> <netdevB>'");
	CHECK_ONLY_ERROR(ct_two_ports("a b c"),
			 "t.conf:8:5: nic_forward_table: unexpected 'c'; expected '<netdevA> "
			 "<netdevB>'");
}

/* --- application ------------------------------------------------------------------ */

TEST(application_defaults_and_run_words)
{
	struct mos_config *c =
		ct_parse_ok(ct_with("application {\n\trun = ./app -c 'a b' \"x\"y ''\n}\n"));
	const struct cfg_app *a = &c->app[0];
	CHECK_EQ(c->app_count, 1);
	CHECK_EQ(a->type, CFG_APP_UNSET);
	CHECK_EQ_U64(a->cpu_mask, UINT64_MAX);
	CHECK(a->ip_forward);
	CHECK_STREQ(a->run, "./app -c 'a b' \"x\"y ''");
	CHECK_EQ(a->argc, 5);
	CHECK_STREQ(a->argv_buf + a->argv_off[0], "./app");
	CHECK_STREQ(a->argv_buf + a->argv_off[1], "-c");
	CHECK_STREQ(a->argv_buf + a->argv_off[2], "a b");
	CHECK_STREQ(a->argv_buf + a->argv_off[3], "xy");
	CHECK_STREQ(a->argv_buf + a->argv_off[4], "");
	CHECK_EQ(a->at.line, 6);
	mos_config_free(c);
}

TEST(application_keys_are_stored)
{
	struct mos_config *c =
		ct_parse_ok(ct_with("application {\ntype = end\nrun = a\n"
				    "cpu_mask = 0x5\nip_forward = 0\n}\n"
				    "application {\ntype = monitor\nrun = b\n}\n"));
	CHECK_EQ(c->app_count, 2);
	CHECK_EQ(c->app[0].type, CFG_APP_END);
	CHECK_EQ_U64(c->app[0].cpu_mask, 5);
	CHECK(!c->app[0].ip_forward);
	CHECK_EQ(c->app[1].type, CFG_APP_MONITOR);
	CHECK(c->forward);
	CHECK(!cfg_effective_forward(c)); /* forward AND every ip_forward */
	mos_config_free(c);
	c = ct_parse_ok(ct_with("application {\nrun = a\n}\n"));
	CHECK(cfg_effective_forward(c));
	mos_config_free(c);
}

TEST(application_run_is_required_and_bounded)
{
	CHECK_ONLY_ERROR(ct_with("application {\ntype = end\n}\n"),
			 "t.conf:6:1: application: missing the required key 'run' (the command "
			 "line of the application)");
	CHECK_ONLY_ERROR(ct_with("application {\nrun = ''\n}\n"),
			 "t.conf:7:7: run: the command (first word) is empty");
	CHECK_ONLY_ERROR(ct_with("application {\nrun = a 'b\n}\n"),
			 "t.conf:7:7: run: unterminated quote");
	/* 20 words are fine, 21 are too many */
	mos_config_free(ct_parse_ok(ct_with("application {\nrun = 1 2 3 4 5 6 7 8 9 10 11 12 "
					    "13 14 15 16 17 18 19 20\n}\n")));
	CHECK_ONLY_ERROR(ct_with("application {\nrun = 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 "
				 "17 18 19 20 21\n}\n"),
			 "t.conf:7:7: run: more than 20 words");
}

TEST(application_core_mask_is_an_alias_of_cpu_mask)
{
	struct mos_config *c =
		ct_parse_ok(ct_with("application {\nrun = a\ncore_mask = 6\n}\n"));
	CHECK_EQ_U64(c->app[0].cpu_mask, 6);
	CHECK(c->app[0].mask_alias);
	mos_config_free(c);
	CHECK_ONLY_ERROR(
		ct_with("application {\nrun = a\ncpu_mask = 1\ncore_mask = 2\n}\n"),
		"t.conf:9:1: 'core_mask' conflicts with 'cpu_mask' at line 8 (core_mask "
		"is another name for cpu_mask; give one of them)");
	CHECK_ONLY_ERROR(ct_with("application {\nrun = a\ncore_mask = 1\ncore_mask = 2\n}\n"),
			 "t.conf:9:1: duplicate key 'core_mask' (first set at line 8)");
	CHECK_ONLY_ERROR(
		ct_with("application {\nrun = a\ncore_mask = 0\n}\n"),
		"t.conf:8:13: application: core_mask is 0 (it needs at least one core; "
		"the default is all cores)");
	CHECK_ONLY_ERROR(
		ct_with("application {\nrun = a\ncpu_mask = -1\n}\n"),
		"t.conf:8:12: cpu_mask: value '-1' is not a core mask (hex with 0x, or "
		"decimal)");
}

TEST(application_type_and_ip_forward_are_checked)
{
	CHECK_ONLY_ERROR(ct_with("application {\nrun = a\ntype = monitr\n}\n"),
			 "t.conf:8:8: type: unknown application type 'monitr' (expected end or "
			 "monitor) (did you mean 'monitor'?)");
	CHECK_ONLY_ERROR(ct_with("application {\nrun = a\nip_forward = 2\n}\n"),
			 "t.conf:8:14: ip_forward: value '2' must be 0 or 1");
}

TEST(application_blocks_are_bounded)
{
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof text, "mos {\nnetdev {\nd 1\n}\n}\n");
	for (int i = 0; i <= MOS_CONF_MAX_APP; i++)
		n += (size_t)snprintf(text + n, sizeof text - n,
				      "application {\nrun = a%d\n}\n", i);
	char want[128];
	snprintf(want, sizeof want, "t.conf:%d:1: more than %d application blocks",
		 6 + 3 * MOS_CONF_MAX_APP, MOS_CONF_MAX_APP);
	CHECK_ONLY_ERROR(text, want);
}

/* --- robustness ------------------------------------------------------------------- */

TEST(crlf_line_ends_are_accepted)
{
	struct mos_config *c = ct_parse_ok("mos {\r\n max_concurrency = 7\r\n netdev {\r\n"
					   "  dpdk0 1 ip=192.0.2.1/24\r\n }\r\n}\r\n");
	CHECK_EQ(c->max_concurrency, 7);
	CHECK_EQ(c->netdev[0].prefix_len, 24);
	mos_config_free(c);
	CHECK_ONLY_ERROR(
		"mos {\r\n max_concurrency = 7x\r\n netdev {\r\n dpdk0 1\r\n }\r\n}\r\n",
		"t.conf:2:20: max_concurrency: value '7x' is not a number");
	/* a carriage return inside a line is not a line end */
	CHECK_ONLY_ERROR(ct_mos("mos_log = a\rb"),
			 "t.conf:2:12: mos_log: value contains the character '\\x0d'");
}

TEST(comments_end_lines_anywhere)
{
	struct mos_config *c = ct_parse_ok("# header\n"
					   "mos { # the block\n"
					   "  max_concurrency = 9 # nine\n"
					   "  #max_num_buffers = oops\n"
					   "  netdev { # ports\n"
					   "    dpdk0 1 # first\n"
					   "  } # end\n"
					   "} # done\n"
					   "application {\n"
					   "  run = ./app --tag #not-an-arg\n"
					   "}\n");
	CHECK_EQ(c->max_concurrency, 9);
	CHECK_EQ(c->max_num_buffers, 100000);
	CHECK_STREQ(c->app[0].run, "./app --tag"); /* '#' always starts a comment */
	mos_config_free(c);
}

TEST(nul_bytes_are_reported_where_they_are)
{
	static const char text[] = "mos {\nmax_concurrency = 5\0\nnetdev {\ndpdk0 1\n}\n}\n";
	struct ct_log log;
	struct mos_config *cfg = NULL;
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_parse(text, sizeof text - 1, "t.conf", ct_collect, &log, &cfg), -1);
	CHECK(cfg == NULL);
	CHECK_DIAG(&log, "t.conf:2:20: NUL byte in the line");
	CHECK_EQ(log.count, 1);
	/* A NUL in the middle of a value must not hide the rest of the file. */
	static const char text2[] =
		"mos {\nmos_log = a\0b\nnetdev {\ndpdk0 1\nbad line\n}\n}\n";
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_parse(text2, sizeof text2 - 1, "t.conf", ct_collect, &log, &cfg),
		 -1);
	CHECK_DIAG(&log, "t.conf:2:12: NUL byte in the line");
	CHECK_DIAG(&log, "t.conf:5:5: netdev 'bad': core mask 'line' is not a number (hex with "
			 "0x, or decimal)");
	CHECK_EQ(log.count, 2);
}

TEST(non_utf8_and_control_characters_are_rejected)
{
	CHECK_ONLY_ERROR(ct_mos("mos_log = /tmp/\xff"),
			 "t.conf:2:16: mos_log: value is not valid UTF-8 (byte '\\xff')");
	CHECK_ONLY_ERROR(ct_mos("mos_log = /tmp/\xc0\xaf"),
			 "t.conf:2:16: mos_log: value is not valid UTF-8 (byte '\\xc0')");
	CHECK_ONLY_ERROR(ct_mos("mos_log = a\x01"),
			 "t.conf:2:12: mos_log: value contains the character '\\x01'");
	CHECK_ONLY_ERROR(ct_mos("\xff\xfe = 1"),
			 "t.conf:2:1: invalid key '\\xff\\xfe' (letters, digits and '_')");
	struct mos_config *c = ct_parse_ok(ct_mos("mos_log = /tmp/caf\xc3\xa9\tlogs"));
	CHECK_STREQ(c->mos_log, "/tmp/caf\xc3\xa9\tlogs");
	mos_config_free(c);
}

TEST(over_long_values_are_errors_not_truncated)
{
	char item[2200];
	memset(item, 0, sizeof item);
	strcpy(item, "mos_log = ");
	memset(item + 10, 'a', MOS_CONF_MAX_VALUE);
	struct mos_config *c = ct_parse_ok(ct_mos(item));
	CHECK_EQ(strlen(c->mos_log), MOS_CONF_MAX_VALUE);
	mos_config_free(c);
	item[10 + MOS_CONF_MAX_VALUE] = 'a';
	CHECK_ONLY_ERROR(ct_mos(item),
			 "t.conf:2:11: mos_log: value is 1024 characters long (at most 1023)");
	memset(item, 0, sizeof item);
	strcpy(item, "mos {\nnetdev {\ndpdk0 1 device=");
	memset(item + strlen(item), 'd', MOS_CONF_MAX_VALUE + 1);
	strcat(item, "\n}\n}\n");
	CHECK_ONLY_ERROR(item,
			 "t.conf:3:16: netdev: device=: value is 1024 characters long (at "
			 "most 1023)");
}

TEST(huge_lines_and_junk_do_not_crash)
{
	size_t n = 4u << 20;
	char *text = malloc(n + 64);
	CHECK(text != NULL);
	for (size_t i = 0; i < n; i++)
		text[i] = (char)("ab{}= \x80#\t"[i % 9]);
	memcpy(text + n, "\n", 2);
	struct ct_log log;
	struct mos_config *cfg = NULL;
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_parse(text, n + 1, "t.conf", ct_collect, &log, &cfg), -1);
	CHECK(log.errors > 0);
	/* a key of a million characters */
	memset(text, 'k', n);
	memcpy(text + n, " = 1\n", 6);
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_parse(text, n + 5, "t.conf", ct_collect, &log, &cfg), -1);
	CHECK_CONTAINS(log.line[0], "t.conf:1:1: unexpected 'kkkkkkkk");
	CHECK(strlen(log.line[0]) < 200); /* the text is cut in the message */
	free(text);
}

TEST(utf8_bom_is_skipped)
{
	mos_config_free(ct_parse_ok("\xef\xbb\xbfmos {\nnetdev {\nd 1\n}\n}\n"));
}

TEST(all_errors_are_reported_in_one_pass_in_file_order)
{
	struct ct_log log;
	ct_parse_fail("mos {\n"                  /* 1 */
		      "  max_concurency = 5\n"   /* 2: unknown key */
		      "  rmem_size = 1000\n"     /* 3: not a multiple */
		      "  stat_print = nope\n"    /* 4: unknown netdev (validator) */
		      "  netdev {\n"             /* 5 */
		      "    dpdk0 0\n"            /* 6: zero mask (validator) */
		      "    dpdk1 1 mac=zz\n"     /* 7: bad mac (parser) */
		      "  }\n"                    /* 8 */
		      "  route_table {\n"        /* 9 */
		      "    192.0.2.0/24 dpdk3\n" /* 10: unknown netdev */
		      "  }\n"                    /* 11 */
		      "}\n"                      /* 12 */
		      "application {\n"          /* 13: no run */
		      "  type = end\n"           /* 14 */
		      "}\n",
		      &log);
	CHECK_EQ(log.count, 7);
	CHECK_STREQ(log.line[0], "t.conf:2:3: unknown key 'max_concurency' in block 'mos' "
				 "(did you mean 'max_concurrency'?)");
	CHECK_STREQ(log.line[1], "t.conf:3:15: rmem_size: 1000 is not a multiple of 1024");
	CHECK_STREQ(log.line[2], "t.conf:4:16: stat_print: unknown netdev 'nope'");
	CHECK_STREQ(log.line[3],
		    "t.conf:6:11: netdev 'dpdk0': core mask is 0 (it needs at least one core)");
	CHECK_STREQ(log.line[4], "t.conf:7:17: netdev: mac= 'zz' is not a MAC address "
				 "(xx:xx:xx:xx:xx:xx)");
	CHECK_STREQ(log.line[5], "t.conf:10:18: route_table: unknown netdev 'dpdk3' (did you "
				 "mean 'dpdk0'?)");
	CHECK_STREQ(log.line[6], "t.conf:13:1: application: missing the required key 'run' "
				 "(the command line of the application)");
}

TEST(diagnostics_are_capped)
{
	size_t cap = 3000 * 8 + 64;
	char *text = malloc(cap);
	size_t n = 0;
	CHECK(text != NULL);
	for (int i = 0; i < 3000; i++)
		n += (size_t)snprintf(text + n, cap - n, "junk\n");
	struct ct_log log;
	struct mos_config *cfg = NULL;
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_parse(text, n, "t.conf", ct_collect, &log, &cfg), -1);
	/* 1000 kept, then one line saying how many more there were */
	CHECK_EQ(log.count, CFG_SINK_MAX + 1);
	CHECK_EQ(log.errors, CFG_SINK_MAX + 1);
	/* 3000 junk lines + the missing mos block = 3001 errors, 1000 shown, in order */
	CHECK_STREQ(log.line[0], "t.conf:1:1: unexpected 'junk' at the top level (expected "
				 "'mos {' or 'application {')");
	CHECK_STREQ(log.last, "t.conf: 2001 more diagnostics not shown");
	free(text);
}

static void ct_capture_stderr(const char *text, char *out, size_t len)
{
	char path[] = "/tmp/mos-cfg-stderr-XXXXXX";
	int fd = mkstemp(path);
	int saved = dup(2);
	struct mos_config *cfg = NULL;
	CHECK(fd >= 0 && saved >= 0);
	fflush(stderr);
	dup2(fd, 2);
	mos_config_parse(text, strlen(text), "s.conf", NULL, NULL, &cfg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	ssize_t n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	close(fd);
	unlink(path);
	mos_config_free(cfg);
}

TEST(without_a_callback_diagnostics_go_to_stderr)
{
	char out[4096];
	ct_capture_stderr("mos {\nport = 1\nmax_concurrency = 0\nnetdev {\nd 1\n}\n}\n", out,
			  sizeof out);
	CHECK_STREQ(out, "s.conf:2:1: warning: port has no effect in mOS-NG (the ports are the "
			 "netdev lines); ignored\n"
			 "s.conf:3:19: max_concurrency: 0 is out of range (1..16777216)\n");
	ct_capture_stderr("", out, sizeof out);
	CHECK_STREQ(out,
		    "s.conf: no 'mos' block (expected 'mos { netdev { <name> <cpumask> ... "
		    "} }')\n");
}

/* --- entry points ------------------------------------------------------------------- */

TEST(load_reports_unreadable_files)
{
	struct mos_config *cfg = (struct mos_config *)1;
	struct ct_log log;
	memset(&log, 0, sizeof log);
	CHECK_ERRNO(mos_config_load("/nonexistent/mos.conf", ct_collect, &log, &cfg), ENOENT);
	CHECK(cfg == NULL);
	CHECK_DIAG(&log,
		   "/nonexistent/mos.conf: cannot read the configuration: No such file or "
		   "directory");
	CHECK_ERRNO(mos_config_load("/tmp", ct_collect, &log, &cfg), EISDIR);
	CHECK_ERRNO(mos_config_load(NULL, ct_collect, &log, &cfg), EINVAL);
	CHECK_ERRNO(mos_config_load("/tmp", ct_collect, &log, NULL), EINVAL);
	CHECK_ERRNO(mos_config_parse("", 0, "x", ct_collect, &log, NULL), EINVAL);
	CHECK_ERRNO(mos_config_parse(NULL, 5, "x", ct_collect, &log, &cfg), EINVAL);
}

TEST(load_reads_a_file)
{
	char path[] = "/tmp/mos-cfg-XXXXXX";
	int fd = mkstemp(path);
	const char *text = "mos {\nmax_concurrency = 77\nnetdev {\nd 1\n}\n}\n";
	struct mos_config *cfg = NULL;
	struct ct_log log;
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_load(path, ct_collect, &log, &cfg), 0);
	CHECK_EQ(cfg->max_concurrency, 77);
	CHECK_STREQ(cfg->file, path);
	mos_config_free(cfg);
	/* errors name the path as given */
	fd = open(path, O_WRONLY | O_TRUNC);
	CHECK_EQ(write(fd, "mos {\n}\n", 8), 8);
	close(fd);
	CHECK_ERRNO(mos_config_load(path, ct_collect, &log, &cfg), EINVAL);
	char want[128];
	snprintf(want, sizeof want,
		 "%s:1:1: block 'mos' has no 'netdev' block (at least one port is required)",
		 path);
	CHECK_DIAG(&log, want);
	unlink(path);
}

TEST(files_over_16_mib_are_refused)
{
	size_t n = CFG_MAX_FILE_BYTES + 1u;
	char *text = malloc(n);
	struct mos_config *cfg = NULL;
	struct ct_log log;
	CHECK(text != NULL);
	memset(text, '#', n);
	memset(&log, 0, sizeof log);
	CHECK_ERRNO(mos_config_parse(text, n, "big.conf", ct_collect, &log, &cfg), EFBIG);
	CHECK_DIAG(&log, "big.conf: the file is larger than 16777216 bytes");
	/* the same through a file */
	char path[] = "/tmp/mos-cfg-big-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	CHECK_EQ(write(fd, text, n), (ssize_t)n);
	close(fd);
	CHECK_ERRNO(mos_config_load(path, ct_collect, &log, &cfg), EFBIG);
	unlink(path);
	/* exactly 16 MiB of comments is read (and then misses its mos block) */
	CHECK_ERRNO(mos_config_parse(text, n - 1, "big.conf", ct_collect, &log, &cfg), EINVAL);
	free(text);
}

/* --- mos_config_set ----------------------------------------------------------------- */

static const char ct_base[] = "mos {\n"
			      "  stat_print = dpdk0\n"
			      "  netdev {\n"
			      "    dpdk0 0x3\n"
			      "  }\n"
			      "}\n"
			      "application {\n"
			      "  run = ./app\n"
			      "}\n";

TEST(config_set_overrides_one_key)
{
	struct mos_config *c = ct_parse_ok(ct_base);
	struct ct_log log;
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_set(c, "max_concurrency", " 1234 ", ct_collect, &log), 0);
	CHECK_EQ(c->max_concurrency, 1234);
	CHECK_EQ(c->key_at[CFG_KEY_MAX_CONCURRENCY].line, 0);
	CHECK_EQ(mos_config_set(c, "mos.tcp_timeout", "250ms", ct_collect, &log), 0);
	CHECK_EQ(c->tcp_timeout_ms, 250);
	CHECK_EQ(mos_config_set(c, "application.0.run", "./other -x 'y z'", ct_collect, &log),
		 0);
	CHECK_EQ(c->app[0].argc, 3);
	CHECK_STREQ(c->app[0].argv_buf + c->app[0].argv_off[2], "y z");
	CHECK_EQ(mos_config_set(c, "application.0.core_mask", "0x2", ct_collect, &log), 0);
	CHECK_EQ_U64(c->app[0].cpu_mask, 2);
	CHECK_EQ(mos_config_set(c, "io", "pcap", ct_collect, &log), 0);
	CHECK_EQ(c->io, CFG_IO_PCAP);
	CHECK_EQ(log.count, 0);
	mos_config_free(c);
}

static void ct_render(const struct mos_config *c, char *buf, size_t len)
{
	CHECK(mos_config_render(c, MOS_CONFIG_FORMAT_JSON, buf, len) < (ssize_t)len);
}

TEST(config_set_failure_leaves_the_config_unchanged)
{
	struct mos_config *c = ct_parse_ok(ct_base);
	static char before[16384], after[16384];
	struct ct_log log;
	ct_render(c, before, sizeof before);
	struct {
		const char *key, *value, *diag;
	} cases[] = {
		{"rmem_size", "1000", "<override>: rmem_size: 1000 is not a multiple of 1024"},
		{"max_concurrency", "0",
		 "<override>: max_concurrency: 0 is out of range (1..16777216)"},
		{"max_concurrency", "x",
		 "<override>: max_concurrency: value 'x' is not a number"},
		{"max_concurency", "5",
		 "<override>: unknown key 'max_concurency' in block 'mos' (did you mean "
		 "'max_concurrency'?)"},
		{"stat_print", "dpdk9",
		 "<override>: stat_print: unknown netdev 'dpdk9' (did you mean 'dpdk0'?)"},
		{"multiprocess", "1",
		 "<override>: multiprocess is not supported by mOS-NG; run one process with "
		 "several cores"},
		{"application.1.run", "x",
		 "<override>: application.1.run: no application block with that number (the "
		 "file "
		 "has 1)"},
		{"application.0.runn", "x",
		 "<override>: unknown key 'runn' in block 'application' (did you mean 'run'?)"},
		{"application.0.run", "'x", "<override>: run: unterminated quote"},
		{"application.x.run", "x",
		 "<override>: application.x.run: expected "
		 "application.<n>.<key>"},
		{"mos_log", "a#b", "<override>: mos_log: value contains the character '#'"},
		{"mos_log", "  ", "<override>: mos_log: empty value"},
		{"application.0.cpu_mask", "0",
		 "<override>: application: cpu_mask is 0 (it needs at least one core; the "
		 "default "
		 "is all cores)"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		mt_note("case %s = %s", cases[i].key, cases[i].value);
		memset(&log, 0, sizeof log);
		CHECK_ERRNO(mos_config_set(c, cases[i].key, cases[i].value, ct_collect, &log),
			    EINVAL);
		CHECK_DIAG(&log, cases[i].diag);
		ct_render(c, after, sizeof after);
		CHECK_STREQ(after, before);
	}
	CHECK_ERRNO(mos_config_set(NULL, "io", "sim", NULL, NULL), EINVAL);
	CHECK_ERRNO(mos_config_set(c, NULL, "sim", NULL, NULL), EINVAL);
	CHECK_ERRNO(mos_config_set(c, "io", NULL, NULL, NULL), EINVAL);
	mos_config_free(c);
}

TEST(config_set_of_port_warns_and_succeeds)
{
	struct mos_config *c = ct_parse_ok(ct_base);
	struct ct_log log;
	memset(&log, 0, sizeof log);
	CHECK_EQ(mos_config_set(c, "port", "dpdk0", ct_collect, &log), 0);
	CHECK_EQ(log.warnings, 1);
	mos_config_free(c);
}

/* --- the internal API mtcp_setconf() uses ------------------------------------------ */

TEST(validate_tunables_reports_at_line_zero_of_the_given_file)
{
	struct mos_config *c = ct_parse_ok(ct_base);
	struct mos_config trial = *c; /* shallow: tunables only */
	struct ct_log log;
	memset(&log, 0, sizeof log);
	CHECK_EQ(cfg_validate_tunables(&trial, "<setconf>", ct_collect, &log), 0);
	trial.num_cores = 1; /* lowering is allowed */
	CHECK_EQ(cfg_validate_tunables(&trial, "<setconf>", ct_collect, &log), 0);
	trial.num_cores = 3; /* above popcount(0x3) */
	trial.rmem_size = 1000;
	trial.tcp_timeout_ms = -5;
	trial.tcp_tw_interval_ms = 3600001;
	CHECK_EQ(cfg_validate_tunables(&trial, "<setconf>", ct_collect, &log), 3);
	CHECK_DIAG(&log, "<setconf>: rmem_size: 1000 is not a multiple of 1024");
	CHECK_DIAG(&log, "<setconf>: tcp_tw_interval: 3600001 ms is out of range (0..3600 s)");
	CHECK_DIAG(&log, "<setconf>: num_cores: 3 is out of range (1..2, the cores of cpu_mask "
			 "0x3)");
	trial.num_cores = 0;
	trial.rmem_size = 8192;
	trial.tcp_tw_interval_ms = 0;
	memset(&log, 0, sizeof log);
	CHECK_EQ(cfg_validate_tunables(&trial, "<setconf>", ct_collect, &log), 1);
	CHECK_DIAG(&log, "<setconf>: num_cores: 0 is out of range (1..2, the cores of cpu_mask "
			 "0x3)");
	mos_config_free(c);
}

TEST(validate_tunables_on_defaults_without_ports)
{
	/* What mtcp_setconf() before mtcp_init() checks: defaults and all 16 cores. */
	static struct mos_config scratch;
	cfg_set_defaults(&scratch);
	scratch.cpu_mask = 0xffff;
	scratch.num_cores = 16;
	CHECK_EQ(cfg_validate_tunables(&scratch, "<setconf>", ct_collect, &(struct ct_log){0}),
		 0);
	scratch.max_concurrency = -1;
	CHECK_EQ(cfg_validate_tunables(&scratch, "<setconf>", ct_collect, &(struct ct_log){0}),
		 1);
}

TEST(validator_catches_programmatic_inconsistencies)
{
	struct mos_config *c = ct_parse_ok(ct_base);
	struct cfg_sink sink;
	struct ct_log log;
	memset(&log, 0, sizeof log);
	cfg_sink_init(&sink, "<test>", ct_collect, &log);
	CHECK_EQ(cfg_validate(c, &sink), 0);
	c->cpu_mask = 0x7; /* not the union of the netdev masks */
	c->io = 7;
	CHECK_EQ(cfg_validate(c, &sink), 2);
	CHECK_EQ(cfg_sink_flush(&sink), 2);
	CHECK_DIAG(&log, "<test>: io: invalid backend number 7");
	CHECK_DIAG(&log, "<test>: cpu_mask 0x7 is not the union of the netdev masks (0x3)");
	mos_config_free(c);
}

TEST(clone_is_deep)
{
	struct mos_config *c = ct_parse_ok(
		ct_mos("arp_table {\n192.0.2.1 02:00:00:00:00:01\n}\nroute_table {\n"
		       "192.0.2.0/24 dpdk0\n}"));
	struct mos_config *d = cfg_clone(c);
	CHECK(d != NULL);
	CHECK(d->arp != c->arp);
	CHECK(d->route != c->route);
	CHECK_EQ(d->arp_count, 1);
	CHECK_EQ(d->arp[0].ip_be, c->arp[0].ip_be);
	CHECK_STREQ(d->route[0].dev, "dpdk0");
	mos_config_free(c);
	CHECK_EQ(d->route[0].prefix_len, 24); /* still valid after the original is gone */
	mos_config_free(d);
}

TEST(diag_format_of_each_kind)
{
	char buf[128];
	struct mos_diag d = {"f.conf", 3, 7, MOS_DIAG_ERROR, "boom"};
	CHECK_EQ(cfg_diag_format(&d, buf, sizeof buf), (int)strlen("f.conf:3:7: boom"));
	CHECK_STREQ(buf, "f.conf:3:7: boom");
	d.severity = MOS_DIAG_WARNING;
	cfg_diag_format(&d, buf, sizeof buf);
	CHECK_STREQ(buf, "f.conf:3:7: warning: boom");
	d.line = 0;
	cfg_diag_format(&d, buf, sizeof buf);
	CHECK_STREQ(buf, "f.conf: warning: boom");
	CHECK_EQ(cfg_diag_format(&d, buf, 4), (int)strlen("f.conf: warning: boom"));
	CHECK_STREQ(buf, "f.c");
}

TEST(key_table_follows_the_key_enum)
{
	/* The renderer and the validator index the table by enum cfg_key. */
	for (int i = 0; i < CFG_KEY_COUNT; i++)
		CHECK_EQ(cfg_mos_keys[i].key, i);
	CHECK_STREQ(cfg_mos_keys[CFG_KEY_TCP_TIMEOUT].name, "tcp_timeout");
}
