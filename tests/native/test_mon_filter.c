/* test_mon_filter.c - BPF filters of monitor sockets (spec §7.2, §11): SYN filters
 * decide per new flow (no sticky match), orphan filters, raw socket filters, VLAN
 * frames, expressions libpcap accepts beyond mOS 0.3's word vetting, and errors. */
#include "mon_test.h"

#define C0 WIRE_IPV4(10, 2, 0, 1)
#define S0 WIRE_IPV4(10, 2, 0, 2)

static const char *fl_keys = " forward = 0\n tcp_tw_interval = 0\n";

/* Without libpcap every filter is refused with ENOSYS: the cases check that and stop. */
static bool fl_no_pcap(struct mt_bed *b, int sock)
{
	if (mos_pcap_version() != NULL)
		return false;
	union monitor_filter f = {.stream_syn_filter = "tcp"};
	CHECK_ERRNO(mtcp_bind_monitor_filter(b->m, sock, &f), ENOSYS);
	mt_bed_fini(b);
	return true;
}

static int fl_socket(struct mt_bed *b, int type)
{
	int s = mtcp_socket(b->m, AF_INET, type, 0);
	CHECK(s >= 0);
	return s;
}

static void fl_cb_a(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('A', m, sock, side, ev, 1);
}

static void fl_cb_b(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)a;
	mt_record('B', m, sock, side, ev, 2);
}

static void fl_syn(struct mt_bed *b, uint16_t cport, uint16_t sport)
{
	struct mt_conn c;
	mt_conn_init(&c, C0, cport, S0, sport);
	mt_syn(b, &c);
	mt_poll(b);
}

TEST(syn_filters_are_evaluated_for_every_new_flow)
{
	struct mt_bed b;
	mt_bed_init(&b, fl_keys, 1);
	int a = fl_socket(&b, MOS_SOCK_MONITOR_STREAM);
	if (fl_no_pcap(&b, a))
		return;
	int c = fl_socket(&b, MOS_SOCK_MONITOR_STREAM);
	union monitor_filter fa = {.stream_syn_filter = "tcp dst port 80"};
	union monitor_filter fc = {.stream_syn_filter = "(tcp dst port 81 || tcp dst port 82)"};
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, a, &fa), 0);
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, c, &fc), 0);
	CHECK_EQ(mtcp_register_callback(b.m, a, MOS_ON_CONN_START, MOS_HK_SND, fl_cb_a), 0);
	CHECK_EQ(mtcp_register_callback(b.m, c, MOS_ON_CONN_START, MOS_HK_SND, fl_cb_b), 0);
	fl_syn(&b, 1000, 80);
	fl_syn(&b, 1001, 81);
	fl_syn(&b, 1002, 80); /* mOS 0.3's sticky match would attach B here too */
	fl_syn(&b, 1003, 82);
	fl_syn(&b, 1004, 443); /* nobody: an orphan, no flow */
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "A.C.START B.C.START A.C.START B.C.START");
	CHECK_EQ(b.ctx->flows, 4);
	struct mos_monitor_stats st;
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	CHECK_EQ(st.orphans, 1);
	mt_bed_fini(&b);
}

TEST(orphan_filters_select_the_orphans_a_socket_sees)
{
	struct mt_bed b;
	mt_bed_init(&b, fl_keys, 1);
	int a = fl_socket(&b, MOS_SOCK_MONITOR_STREAM);
	if (fl_no_pcap(&b, a))
		return;
	int c = fl_socket(&b, MOS_SOCK_MONITOR_STREAM);
	union monitor_filter fa = {.stream_orphan_filter = "tcp src port 9000"};
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, a, &fa), 0);
	CHECK_EQ(mtcp_register_callback(b.m, a, MOS_ON_ORPHAN, MOS_NULL, fl_cb_a), 0);
	CHECK_EQ(mtcp_register_callback(b.m, c, MOS_ON_ORPHAN, MOS_NULL, fl_cb_b), 0);
	struct mt_conn x;
	mt_conn_init(&x, C0, 9000, S0, 80);
	mt_ack(&b, &x, 0);
	mt_poll(&b);
	mt_conn_init(&x, C0, 9001, S0, 80);
	mt_ack(&b, &x, 0);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "A.B.ORPHAN B.B.ORPHAN B.B.ORPHAN");
	CHECK_EQ(mt_log[0].sock, a);
	CHECK_EQ(mt_log[1].sock, c);
	mt_bed_fini(&b);
}

/* An ICMP echo request frame (not TCP) from C0 to S0. */
static size_t fl_icmp(uint8_t *f)
{
	struct wire_eth_repr eth = {.ethertype = WIRE_ETHERTYPE_IPV4};
	eth.src.b[0] = 0x02;
	eth.dst.b[0] = 0x02;
	eth.dst.b[5] = 1;
	size_t off = wire_eth_emit(&eth, f, 2048);
	struct wire_ipv4_repr ip = {
		.src = C0, .dst = S0, .proto = WIRE_IP_PROTO_ICMP, .ttl = 9, .total_len = 28};
	off += wire_ipv4_emit(&ip, 0, f + off, 2048 - off);
	memset(f + off, 0, 8);
	f[off] = 8;
	wire_put_be16(f + off + 2, wire_csum_buf(f + off, 8));
	return off + 8;
}

TEST(raw_sockets_get_one_pkt_in_per_matching_ipv4_packet)
{
	struct mt_bed b;
	mt_bed_init(&b, fl_keys, 1);
	int all = fl_socket(&b, MOS_SOCK_MONITOR_RAW);
	if (fl_no_pcap(&b, all))
		return;
	int web = fl_socket(&b, MOS_SOCK_MONITOR_RAW);
	union monitor_filter f = {.raw_pkt_filter = "tcp port 80"};
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, web, &f), 0);
	CHECK_EQ(mtcp_register_callback(b.m, all, MOS_ON_PKT_IN, MOS_NULL, fl_cb_a), 0);
	CHECK_EQ(mtcp_register_callback(b.m, web, MOS_ON_PKT_IN, MOS_NULL, fl_cb_b), 0);
	CHECK_EQ(mtcp_register_callback(b.m, web, MOS_ON_ORPHAN, MOS_NULL, fl_cb_b), 0);
	fl_syn(&b, 2000, 80);
	fl_syn(&b, 2001, 22);
	uint8_t fr[128];
	mt_inject(&b, 0, fr, fl_icmp(fr));
	mt_poll(&b);
	/* No stream socket: every TCP packet is an orphan for the raw socket with its
	 * filter; the unfiltered raw socket registered no ORPHAN. */
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "A.B.IN B.B.IN B.B.ORPHAN A.B.IN A.B.IN");
	CHECK_EQ(mt_log[0].sock, all);
	mt_bed_fini(&b);
}

TEST(filters_see_vlan_tagged_frames_as_untagged)
{
	struct mt_bed b;
	mt_bed_init(&b, fl_keys, 1);
	int a = fl_socket(&b, MOS_SOCK_MONITOR_STREAM);
	if (fl_no_pcap(&b, a))
		return;
	union monitor_filter fa = {.stream_syn_filter =
					   "tcp dst port 80 and src host 10.2.0.1"};
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, a, &fa), 0);
	CHECK_EQ(mtcp_register_callback(b.m, a, MOS_ON_CONN_START, MOS_HK_SND, fl_cb_a), 0);
	struct mt_conn c;
	mt_conn_init(&c, C0, 3000, S0, 80);
	c.vlan = 100;
	mt_syn(&b, &c);
	mt_poll(&b);
	CHECK_STREQ(mt_log_text(0, mt_nlog, true), "A.C.START");
	mt_bed_fini(&b);
}

TEST(bind_filter_errors_and_replacement)
{
	struct mt_bed b;
	mt_bed_init(&b, fl_keys, 1);
	int a = fl_socket(&b, MOS_SOCK_MONITOR_STREAM);
	if (fl_no_pcap(&b, a))
		return;
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, a, NULL), 0);
	union monitor_filter bad = {.stream_syn_filter = "tcpx port 80"};
	CHECK_ERRNO(mtcp_bind_monitor_filter(b.m, a, &bad), EINVAL);
	union monitor_filter bad2 = {.stream_syn_filter = "tcp port 80",
				     .stream_orphan_filter = "port port"};
	CHECK_ERRNO(mtcp_bind_monitor_filter(b.m, a, &bad2), EINVAL);
	CHECK_ERRNO(mtcp_bind_monitor_filter(b.m, a + 50, &bad), EBADF);
	CHECK_ERRNO(mtcp_bind_monitor_filter(NULL, a, &bad), EACCES);
	/* A later filter replaces the earlier one. */
	union monitor_filter f1 = {.stream_syn_filter = "tcp dst port 1"};
	union monitor_filter f2 = {.stream_syn_filter = "tcp dst port 2"};
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, a, &f1), 0);
	CHECK_EQ(mtcp_bind_monitor_filter(b.m, a, &f2), 0);
	CHECK_EQ(mtcp_register_callback(b.m, a, MOS_ON_CONN_START, MOS_HK_SND, fl_cb_a), 0);
	fl_syn(&b, 4000, 1);
	fl_syn(&b, 4001, 2);
	CHECK_EQ(mt_nlog, 1);
	/* Per-flow sockets take no filter. */
	int flow_sock = mt_log[0].sock;
	CHECK_ERRNO(mtcp_bind_monitor_filter(b.m, flow_sock, &f1), ENOPROTOOPT);
	mt_bed_fini(&b);
}

TEST(closing_a_passive_socket_stops_new_flows_and_frees_its_id)
{
	struct mt_bed b;
	mt_bed_init(&b, fl_keys, 1);
	int a = fl_socket(&b, MOS_SOCK_MONITOR_STREAM);
	CHECK_EQ(mtcp_register_callback(b.m, a, MOS_ON_CONN_START, MOS_HK_SND, fl_cb_a), 0);
	fl_syn(&b, 5000, 80);
	CHECK_EQ(mtcp_close(b.m, a), 0);
	fl_syn(&b, 5001, 80);
	CHECK_EQ(mt_nlog, 1);
	mt_poll(&b); /* the loop frees it */
	CHECK_ERRNO(mtcp_close(b.m, a), EBADF);
	mt_bed_fini(&b);
}
