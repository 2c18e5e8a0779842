/* test_mon_pkt.c - the packet in callbacks and its fate (spec §7.8-§7.10, §12): copies
 * with mtcp_getlastpkt, in-place edits with mtcp_setlastpkt, MOS_DROP, mtcp_sendpkt,
 * inline bridging versus passive mode, IPv6 and bad checksums. */
#include "mon_test.h"

#define C0 WIRE_IPV4(10, 4, 0, 1)
#define S0 WIRE_IPV4(10, 4, 0, 2)

static const char *pk_bridge = " forward = 1\n tcp_tw_interval = 0\n";
static const char *pk_passive = " forward = 0\n tcp_tw_interval = 0\n";

static int pk_passive_sock(struct mt_bed *b)
{
	int s = mtcp_socket(b->m, AF_INET, MOS_SOCK_MONITOR_STREAM, 0);
	CHECK(s >= 0);
	return s;
}

/* Receives frames on `peer` until a TCP one parses (skips ARP announcements). */
static size_t pk_recv_tcp(struct mt_bed *b, int peer, uint8_t *out, struct wire_pkt *w)
{
	for (int i = 0; i < 16; i++) {
		size_t n = mt_recv(b, peer, out, 4096);
		if (n == 0)
			return 0;
		if (wire_parse_frame(out, (uint16_t)n, 0, w) == DROP_NONE &&
		    w->l4 == WIRE_L4_TCP)
			return n;
	}
	return 0;
}

static struct pkt_info pk_info;
static uint8_t pk_payload[64];
static int pk_calls;

static void pk_cb_copy(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	CHECK_EQ(mtcp_getlastpkt(m, sock, side, &pk_info), 0);
	if (pk_info.payloadlen > 0)
		memcpy(pk_payload, pk_info.payload,
		       pk_info.payloadlen < 64 ? pk_info.payloadlen : 64);
	/* Editing the copy changes nothing on the wire. */
	if (pk_info.payloadlen > 0)
		pk_info.payload[0] = 'Z';
	pk_calls++;
}

TEST(getlastpkt_copies_the_packet_being_processed)
{
	struct mt_bed b;
	struct mt_conn c;
	uint8_t f[4096];
	struct wire_pkt w;
	mt_bed_init(&b, pk_bridge, 2);
	int s = pk_passive_sock(&b);
	mt_conn_init(&c, C0, 30000, S0, 80);
	mt_handshake(&b, &c);
	while (pk_recv_tcp(&b, 1, f, &w) > 0) /* the handshake went through */
		;
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_RCV, pk_cb_copy), 0);
	struct mt_conn d = c; /* registration reaches new flows only: a second flow */
	d.port[0] = 30001;
	mt_handshake(&b, &d);
	pk_calls = 0;
	mt_data(&b, &d, 0, "0123456789", 10);
	mt_poll(&b);
	CHECK_EQ(pk_calls, 1);
	CHECK_EQ(pk_info.payloadlen, 10);
	CHECK_EQ(pk_info.seq, d.nxt[0] - 10);
	CHECK_EQ(pk_info.ack_seq, d.nxt[1]);
	CHECK_EQ(pk_info.offset, 0);
	CHECK_EQ(pk_info.eth_len, 14 + 20 + 20 + 10);
	CHECK_EQ(pk_info.ip_len, 50);
	CHECK_EQ(pk_info.in_ifidx, 0);
	CHECK(memcmp(pk_payload, "0123456789", 10) == 0);
	CHECK_EQ(ntohs(pk_info.tcph->dest), 80);
	CHECK_EQ(ntohl(pk_info.iph->daddr), S0);
	mt_data(&b, &d, 0, "abc", 3);
	mt_poll(&b);
	CHECK_EQ(pk_info.offset, 10);
	/* What was forwarded is the original. */
	size_t n = 0;
	while ((n = pk_recv_tcp(&b, 1, f, &w)) > 0 && w.tcp.payload_len != 10)
		;
	CHECK(n > 0);
	CHECK(memcmp(f + w.payload_off, "0123456789", 10) == 0);
	mt_bed_fini(&b);
}

TEST(inline_bridging_forwards_unchanged_and_passive_mode_never_transmits)
{
	uint8_t f[4096], g[4096];
	for (int mode = 0; mode < 2; mode++) {
		struct mt_bed b;
		struct mt_conn c;
		mt_bed_init(&b, mode ? pk_bridge : pk_passive, 2);
		pk_passive_sock(&b);
		mt_conn_init(&c, C0, 30002, S0, 80);
		size_t n = mt_frame(f, &c, 0, c.isn[0], 0, WIRE_TCP_SYN, NULL, 0);
		mt_inject(&b, 0, f, n);
		/* An IPv6 frame: counted, bridged untouched when forwarding. */
		uint8_t v6[80] = {0};
		v6[0] = 0x02;
		v6[6] = 0x02;
		wire_put_be16(v6 + 12, 0x86dd);
		mt_inject(&b, 0, v6, sizeof v6);
		mt_poll(&b);
		struct mos_monitor_stats st;
		CHECK_EQ(mos_monitor_stats(0, &st), 0);
		CHECK_EQ(st.ipv6, 1);
		CHECK_EQ(st.flows_created, 1);
		if (mode) {
			CHECK_EQ(mt_recv(&b, 1, g, sizeof g), n);
			CHECK(memcmp(f, g, n) == 0);
			CHECK_EQ(mt_recv(&b, 1, g, sizeof g), sizeof v6);
		} else {
			CHECK_EQ(mt_recv(&b, 1, g, sizeof g), 0);
			CHECK_EQ(mt_recv(&b, 0, g, sizeof g), 0);
		}
		mt_bed_fini(&b);
	}
}

static void pk_cb_drop_syn(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	struct pkt_info pi;
	CHECK_EQ(mtcp_getlastpkt(m, sock, side, &pi), 0);
	if (pi.tcph->syn && !pi.tcph->ack)
		CHECK_EQ(mtcp_setlastpkt(m, sock, side, 0, NULL, 0, MOS_DROP), 0);
}

TEST(mos_drop_keeps_a_packet_from_being_forwarded_every_time)
{
	struct mt_bed b;
	struct mt_conn c;
	uint8_t f[4096];
	struct wire_pkt w;
	mt_bed_init(&b, pk_bridge, 2);
	int s = pk_passive_sock(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_SND, pk_cb_drop_syn), 0);
	mt_conn_init(&c, C0, 30003, S0, 80);
	mt_syn(&b, &c);
	mt_poll(&b);
	mt_syn(&b, &c); /* the retransmission enters the same flow and is dropped again */
	mt_poll(&b);
	CHECK_EQ(pk_recv_tcp(&b, 1, f, &w), 0);
	CHECK_EQ(b.ctx->flows, 1);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_mon_app_drop), 2);
	struct mos_monitor_stats st;
	CHECK_EQ(mos_monitor_stats(0, &st), 0);
	CHECK_EQ(st.app_drops, 2);
	mt_bed_fini(&b);
}

static int pk_edit_rc[8];

/* Rewrites "secret" to "******" and inserts "++" at payload offset 2 of the next one. */
static void pk_cb_edit(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	struct pkt_info pi;
	CHECK_EQ(mtcp_getlastpkt(m, sock, side, &pi), 0);
	if (pi.payloadlen == 6 && memcmp(pi.payload, "secret", 6) == 0) {
		pk_edit_rc[0] = mtcp_setlastpkt(m, sock, side, 0, (byte *)"******", 6,
						MOS_TCP_PAYLOAD | MOS_OVERWRITE |
							MOS_UPDATE_TCP_CHKSUM);
		errno = 0;
		pk_edit_rc[1] = mtcp_setlastpkt(m, sock, side, 4, (byte *)"xyz", 3,
						MOS_TCP_PAYLOAD | MOS_OVERWRITE) == -1 &&
				errno == EINVAL; /* past the payload */
		pk_edit_rc[2] = mtcp_setlastpkt(m, sock, side, 0, (byte *)"x", 1,
						MOS_OVERWRITE | MOS_CHOMP) == -1 &&
				errno == EAGAIN;
		pk_edit_rc[3] = mtcp_setlastpkt(m, sock, side, 0, (byte *)"x", 1,
						MOS_OVERWRITE) == -1 &&
				errno == EINVAL; /* no region */
		pk_edit_rc[4] = mtcp_setlastpkt(m, sock, side, 0, (byte *)"x", 1,
						MOS_ETH_HDR | MOS_INSERT) == -1 &&
				errno == EACCES;
		pk_edit_rc[5] = mtcp_setlastpkt(m, sock, side, -1, (byte *)"x", 1,
						MOS_TCP_PAYLOAD | MOS_OVERWRITE) == -1 &&
				errno == EINVAL;
	} else if (pi.payloadlen == 4 && memcmp(pi.payload, "abcd", 4) == 0) {
		/* INSERT: first the IPv4 total length, then the bytes (at offset 2 itself). */
		uint16_t tot = htons((uint16_t)(pi.ip_len + 2));
		CHECK_EQ(mtcp_setlastpkt(m, sock, side, 2, (byte *)&tot, 2,
					 MOS_IP_HDR | MOS_OVERWRITE),
			 0);
		pk_edit_rc[6] =
			mtcp_setlastpkt(m, sock, side, 2, (byte *)"++", 2,
					MOS_TCP_PAYLOAD | MOS_INSERT | MOS_UPDATE_IP_CHKSUM |
						MOS_UPDATE_TCP_CHKSUM);
		static byte big[4000];
		errno = 0;
		pk_edit_rc[7] = mtcp_setlastpkt(m, sock, side, 0, big, sizeof big,
						MOS_TCP_PAYLOAD | MOS_INSERT) == -1 &&
				errno == ENOSPC;
	}
}

static char pk_stream[256];
static size_t pk_nstream;

static void pk_cb_stream(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	ssize_t n;
	while ((n = mtcp_peek(m, sock, side, pk_stream + pk_nstream,
			      sizeof pk_stream - pk_nstream)) > 0)
		pk_nstream += (size_t)n;
}

TEST(setlastpkt_edits_what_is_forwarded_and_what_the_receiver_reassembles)
{
	struct mt_bed b;
	struct mt_conn c;
	uint8_t f[4096];
	struct wire_pkt w;
	mt_bed_init(&b, pk_bridge, 2);
	int s = pk_passive_sock(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_SND, pk_cb_edit), 0);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, pk_cb_stream),
		 0);
	mt_conn_init(&c, C0, 30004, S0, 80);
	mt_handshake(&b, &c);
	while (pk_recv_tcp(&b, 1, f, &w) > 0)
		;
	mt_data(&b, &c, 0, "secret", 6);
	mt_poll(&b);
	CHECK_EQ(pk_edit_rc[0], 0);
	for (int i = 1; i <= 5; i++)
		CHECK_MSG(pk_edit_rc[i] == 1, "check %d", i);
	size_t n = pk_recv_tcp(&b, 1, f, &w); /* parsed with checksum verification */
	CHECK(n > 0);
	CHECK(memcmp(f + w.payload_off, "******", 6) == 0);
	CHECK_EQ(pk_nstream, 6);
	CHECK(memcmp(pk_stream, "******", 6) == 0);
	mt_data(&b, &c, 0, "abcd", 4);
	mt_poll(&b);
	CHECK_EQ(pk_edit_rc[6], 0);
	CHECK_EQ(pk_edit_rc[7], 1);
	n = pk_recv_tcp(&b, 1, f, &w);
	CHECK(n > 0);
	CHECK_EQ(w.tcp.payload_len, 6);
	CHECK(memcmp(f + w.payload_off, "ab++cd", 6) == 0);
	mt_bed_fini(&b);
}

static int pk_nodata_rc;

static void pk_cb_no_packet(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	errno = 0;
	pk_nodata_rc =
		mtcp_setlastpkt(m, sock, side, 0, NULL, 0, MOS_DROP) == -1 && errno == ENODATA;
}

TEST(new_data_callbacks_have_no_current_packet)
{
	struct mt_bed b;
	struct mt_conn c;
	mt_bed_init(&b, pk_passive, 1);
	int s = pk_passive_sock(&b);
	CHECK_EQ(
		mtcp_register_callback(b.m, s, MOS_ON_CONN_NEW_DATA, MOS_NULL, pk_cb_no_packet),
		0);
	mt_conn_init(&c, C0, 30005, S0, 80);
	mt_handshake(&b, &c);
	mt_data(&b, &c, 0, "x", 1);
	mt_poll(&b);
	CHECK_EQ(pk_nodata_rc, 1);
	mt_bed_fini(&b);
}

static int pk_sent;

static void pk_cb_send(mctx_t m, int sock, int side, event_t ev, filter_arg_t *a)
{
	(void)ev;
	(void)a;
	struct pkt_info pi;
	CHECK_EQ(mtcp_getlastpkt(m, sock, side, &pi), 0);
	if (pi.payloadlen != 4)
		return;
	memcpy(pi.payload, "PONG", 4);
	pi.tcph->psh = 1;
	CHECK_EQ(mtcp_sendpkt(m, sock, &pi), 0);
	CHECK_ERRNO(mtcp_sendpkt(m, sock, NULL), EACCES);
	struct pkt_info none = pi;
	none.tcph = NULL;
	CHECK_ERRNO(mtcp_sendpkt(m, sock, &none), ENODATA);
	pk_sent++;
}

TEST(sendpkt_routes_an_edited_copy)
{
	struct mt_bed b;
	struct mt_conn c;
	uint8_t f[4096];
	struct wire_pkt w;
	mt_bed_init(&b,
		    " forward = 0\n arp_table {\n  10.4.0.2 02:00:00:00:00:41\n }\n"
		    " route_table {\n  10.4.0.0/24 m0\n }\n",
		    1);
	int s = pk_passive_sock(&b);
	CHECK_EQ(mtcp_register_callback(b.m, s, MOS_ON_PKT_IN, MOS_HK_SND, pk_cb_send), 0);
	mt_conn_init(&c, C0, 30006, S0, 80);
	mt_handshake(&b, &c);
	mt_data(&b, &c, 0, "PING", 4);
	mt_poll(&b);
	CHECK_EQ(pk_sent, 1);
	size_t n = pk_recv_tcp(&b, 0, f, &w);
	CHECK(n > 0);
	CHECK_EQ(w.ipv4.dst, S0);
	CHECK_EQ(w.tcp.dport, 80);
	CHECK_EQ(w.tcp.seq, c.nxt[0] - 4);
	CHECK(w.tcp.flags & WIRE_TCP_PSH);
	CHECK(memcmp(f + w.payload_off, "PONG", 4) == 0);
	mt_bed_fini(&b);
}

TEST(bad_checksums_are_monitored_only_when_asked)
{
	uint8_t f[4096];
	for (int on = 0; on < 2; on++) {
		struct mt_bed b;
		struct mt_conn c;
		mt_bed_init(&b, pk_passive, 1);
		int s = pk_passive_sock(&b);
		CHECK_EQ(
			mtcp_setsockopt(b.m, s, SOL_MONSOCKET, MOS_NO_CHECKSUM, &on, sizeof on),
			0);
		mt_conn_init(&c, C0, 30007, S0, 80);
		size_t n = mt_frame(f, &c, 0, c.isn[0], 0, WIRE_TCP_SYN, NULL, 0);
		f[n - 20 + 16] ^= 0x5a; /* break the TCP checksum */
		mt_inject(&b, 0, f, n);
		mt_poll(&b);
		struct mos_monitor_stats st;
		CHECK_EQ(mos_monitor_stats(0, &st), 0);
		CHECK_EQ(st.bad_checksum, 1);
		CHECK_EQ(st.flows_created, (uint64_t)on);
		mt_bed_fini(&b);
	}
}
