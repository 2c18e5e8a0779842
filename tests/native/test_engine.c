/* test_engine.c - the engine and the network layers (ARP, IPv4, ICMP, forwarding,
 * bridging, drop counters) driven over the simulated link with a virtual clock. A
 * "peer" is a bare sim port the test reads and writes like a host on the wire. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>

#include "engine/config.h"
#include "engine/ctx.h"
#include "engine/flow_table.h"
#include "io/io_open.h"
#include "io/sim.h"
#include "mos_test.h"
#include "wire/arp.h"
#include "wire/checksum.h"
#include "wire/frame.h"
#include "mtcp_util.h"

#define MS 1000000ull

struct peer {
	struct mos_config *cfg;
	struct io_dev *io;
	struct wire_mac mac;
	uint32_t ip;
};

struct bench {
	struct sim_net *net;
	struct mos_config *cfg;
	struct io_dev *io;
	struct eng_instance *inst;
	struct eng_ctx *ctx;
	struct peer peer[2];
};

static struct mos_config *eng_t_parse(const char *text)
{
	struct mos_config *cfg = NULL;
	int rc = mos_config_parse(text, strlen(text), "test.conf", NULL, NULL, &cfg);
	CHECK_MSG(rc == 0, "config does not parse:\n%s", text);
	return cfg;
}

static struct io_dev *eng_t_open(struct sim_net *net, const struct mos_config *cfg)
{
	char err[256] = "";
	struct io_dev *io = NULL;
	struct io_open_args a = {
		.cfg = cfg, .queues = 1, .sim = net, .err = err, .err_len = sizeof err};
	CHECK_MSG(io_sim_open(&a, &io) == 0, "io_sim_open: %s", err);
	return io;
}

static void eng_t_peer(struct bench *b, int i, const char *link, const char *ip,
		       const char *mac)
{
	char text[512];
	snprintf(text, sizeof text,
		 "mos {\n netdev {\n  p0 0x1 device=%s ip=%s/24 mac=%s\n }\n}\n", link, ip,
		 mac);
	struct peer *p = &b->peer[i];
	p->cfg = eng_t_parse(text);
	p->io = eng_t_open(b->net, p->cfg);
	CHECK(wire_mac_parse(mac, &p->mac));
	p->ip = ntohl(inet_addr(ip));
}

/* An instance from `stack_conf` (netdevs on link0 [, link1]) with peers on each link. */
static void eng_t_setup(struct bench *b, const char *stack_conf, int peers)
{
	memset(b, 0, sizeof *b);
	struct sim_net_params sp = sim_net_default_params();
	sp.seed = 1;
	b->net = sim_net_create(&sp);
	CHECK(b->net != NULL);
	b->cfg = eng_t_parse(stack_conf);
	b->io = eng_t_open(b->net, b->cfg);
	char err[256] = "";
	CHECK_MSG(eng_instance_create(b->cfg, b->io, &b->inst, err, sizeof err) == 0, "%s",
		  err);
	if (peers >= 1)
		eng_t_peer(b, 0, "link0", "198.51.100.2", "02:00:00:00:00:02");
	if (peers >= 2)
		eng_t_peer(b, 1, "link1", "203.0.113.2", "02:00:00:00:00:12");
	b->ctx = eng_ctx_create(b->inst, 0, sim_net_now_ns(b->net));
	CHECK(b->ctx != NULL);
}

static void eng_t_teardown(struct bench *b)
{
	eng_ctx_destroy(b->ctx);
	eng_instance_destroy(b->inst);
	io_close(b->io);
	for (int i = 0; i < 2; i++) {
		io_close(b->peer[i].io);
		mos_config_free(b->peer[i].cfg);
	}
	mos_config_free(b->cfg);
	sim_net_destroy(b->net);
}

/* Advances virtual time by `ms` milliseconds, polling the stack every millisecond. */
static void eng_t_run(struct bench *b, unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		CHECK(sim_net_advance(b->net, MS) == 0);
		eng_ctx_poll(b->ctx, sim_net_now_ns(b->net));
	}
}

static void eng_t_send(struct bench *b, int peer, const uint8_t *frame, size_t len)
{
	struct io_dev *io = b->peer[peer].io;
	struct io_buf buf;
	CHECK(io_alloc(io, 0, &buf) == 0);
	CHECK(len <= buf.cap);
	memcpy(buf.data, frame, len);
	buf.len = (uint16_t)len;
	buf.port = 0;
	CHECK_EQ(io_tx_burst(io, 0, 0, &buf, 1), 1);
}

/* The next frame the peer receives (copied into `out`), or 0 when none. */
static size_t eng_t_recv(struct bench *b, int peer, uint8_t *out, size_t cap)
{
	struct io_dev *io = b->peer[peer].io;
	struct io_buf buf;
	if (io_rx_burst(io, 0, 0, &buf, 1) == 0)
		return 0;
	size_t n = buf.len < cap ? buf.len : cap;
	memcpy(out, buf.data, n);
	io_free(io, 0, &buf);
	return n;
}

/* Receives frames until one parses with l3 kind `l3` (others are skipped). */
static size_t eng_t_expect(struct bench *b, int peer, int l3, uint8_t *out,
			   struct wire_pkt *pkt)
{
	for (int i = 0; i < 16; i++) {
		size_t n = eng_t_recv(b, peer, out, 2048);
		if (n == 0)
			break;
		if (wire_parse_frame(out, (uint16_t)n, 0, pkt) == DROP_NONE && pkt->l3 == l3)
			return n;
	}
	return 0;
}

static uint64_t eng_t_drops(struct bench *b, uint16_t port, enum drop_reason r)
{
	return eng_ctx_port_drops(b->ctx, port, r);
}

static const char *eng_t_one_port =
	"mos {\n forward = 0\n netdev {\n  d0 0x1 device=link0 ip=198.51.100.1/24 "
	"mac=02:00:00:00:00:01\n }\n}\n";

/* An ICMP echo request from the peer to `dst` with `payload_len` bytes. */
static size_t eng_t_echo(const struct peer *p, const struct wire_mac *dmac, uint32_t dst,
			 uint16_t id, uint16_t seq, size_t payload_len, int vlan, uint8_t *f)
{
	struct wire_eth_repr eth = {
		.dst = *dmac, .src = p->mac, .ethertype = WIRE_ETHERTYPE_IPV4};
	if (vlan >= 0) {
		eth.vlan_count = 1;
		eth.vlan_tpid[0] = WIRE_ETHERTYPE_VLAN;
		eth.vlan_tci[0] = (uint16_t)vlan;
	}
	size_t off = wire_eth_emit(&eth, f, 2048);
	struct wire_ipv4_repr ip = {.src = p->ip,
				    .dst = dst,
				    .proto = WIRE_IP_PROTO_ICMP,
				    .ttl = 64,
				    .id = 7,
				    .header_len = 20,
				    .total_len = (uint16_t)(20 + 8 + payload_len)};
	off += wire_ipv4_emit(&ip, 0, f + off, 2048 - off);
	uint8_t *icmp = f + off;
	icmp[0] = 8;
	icmp[1] = 0;
	wire_put_be16(icmp + 2, 0);
	wire_put_be16(icmp + 4, id);
	wire_put_be16(icmp + 6, seq);
	for (size_t i = 0; i < payload_len; i++)
		icmp[8 + i] = (uint8_t)(i * 7 + 1);
	wire_put_be16(icmp + 2, wire_csum_buf(icmp, 8 + payload_len));
	return off + 8 + payload_len;
}

TEST(gratuitous_arp_announces_the_port_address_at_start)
{
	struct bench b;
	uint8_t f[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_one_port, 1);
	CHECK(eng_t_expect(&b, 0, WIRE_L3_ARP, f, &pkt) > 0);
	CHECK(wire_mac_is_broadcast(&pkt.eth.dst));
	CHECK_EQ(pkt.arp.op, WIRE_ARP_OP_REQUEST);
	CHECK_EQ(pkt.arp.spa, WIRE_IPV4(198, 51, 100, 1));
	CHECK_EQ(pkt.arp.tpa, WIRE_IPV4(198, 51, 100, 1));
	eng_t_teardown(&b);
}

TEST(arp_request_for_our_address_gets_a_reply_and_teaches_the_table)
{
	struct bench b;
	uint8_t f[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_one_port, 1);
	eng_t_expect(&b, 0, WIRE_L3_ARP, f, &pkt); /* the announcement */
	struct wire_arp_self self = {.mac = b.peer[0].mac, .ip = b.peer[0].ip};
	size_t n = wire_arp_build_request(&self, WIRE_IPV4(198, 51, 100, 1), f, sizeof f);
	eng_t_send(&b, 0, f, n);
	eng_t_run(&b, 2);
	CHECK(eng_t_expect(&b, 0, WIRE_L3_ARP, f, &pkt) > 0);
	CHECK_EQ(pkt.arp.op, WIRE_ARP_OP_REPLY);
	CHECK_EQ(pkt.arp.spa, WIRE_IPV4(198, 51, 100, 1));
	CHECK_EQ(pkt.arp.tpa, b.peer[0].ip);
	CHECK(wire_mac_equal(&pkt.eth.dst, &b.peer[0].mac));
	struct wire_mac stack_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &stack_mac));
	CHECK(wire_mac_equal(&pkt.arp.sha, &stack_mac));
	struct wire_mac learned;
	CHECK_EQ(arp_table_lookup(&b.inst->arp, b.peer[0].ip, b.ctx->now_ms, &learned),
		 ARP_FOUND);
	CHECK(wire_mac_equal(&learned, &b.peer[0].mac));
	/* A request for another address is not answered, and counted. */
	n = wire_arp_build_request(&self, WIRE_IPV4(198, 51, 100, 77), f, sizeof f);
	eng_t_send(&b, 0, f, n);
	eng_t_run(&b, 2);
	CHECK_EQ(eng_t_recv(&b, 0, f, sizeof f), 0);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_arp_not_for_us), 1);
	eng_t_teardown(&b);
}

TEST(echo_request_gets_a_byte_exact_reply)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_one_port, 1);
	eng_t_expect(&b, 0, WIRE_L3_ARP, r, &pkt);
	struct wire_mac stack_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &stack_mac));
	for (uint16_t seq = 1; seq <= 100; seq++) {
		size_t n = eng_t_echo(&b.peer[0], &stack_mac, WIRE_IPV4(198, 51, 100, 1),
				      0x1234, seq, (size_t)(seq * 13 % 1400), -1, f);
		eng_t_send(&b, 0, f, n);
		eng_t_run(&b, 1);
		size_t m = eng_t_expect(&b, 0, WIRE_L3_IPV4, r, &pkt);
		CHECK_MSG(m > 0, "no reply to echo %u", seq);
		CHECK_EQ(pkt.l4, WIRE_L4_ICMP);
		CHECK_EQ(pkt.icmp.type, 0);
		CHECK_EQ(pkt.icmp.id, 0x1234);
		CHECK_EQ(pkt.icmp.seq, seq);
		CHECK_EQ(pkt.ipv4.src, WIRE_IPV4(198, 51, 100, 1));
		CHECK_EQ(pkt.ipv4.dst, b.peer[0].ip);
		CHECK(wire_mac_equal(&pkt.eth.dst, &b.peer[0].mac));
		CHECK(wire_mac_equal(&pkt.eth.src, &stack_mac));
		CHECK_EQ(pkt.icmp.data_len, seq * 13 % 1400);
		CHECK(memcmp(r + pkt.payload_off, f + (n - pkt.icmp.data_len),
			     pkt.icmp.data_len) == 0);
	}
	CHECK_EQ(ctr_load(&eng_ctx_port_counters(b.ctx, 0)->v[eng_pctr_icmp_echo_replies]),
		 100);
	eng_t_teardown(&b);
}

TEST(vlan_tagged_echo_is_answered_with_the_same_tag)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_one_port, 1);
	eng_t_expect(&b, 0, WIRE_L3_ARP, r, &pkt);
	struct wire_mac stack_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &stack_mac));
	size_t n =
		eng_t_echo(&b.peer[0], &stack_mac, WIRE_IPV4(198, 51, 100, 1), 9, 1, 56, 42, f);
	eng_t_send(&b, 0, f, n);
	eng_t_run(&b, 1);
	CHECK(eng_t_expect(&b, 0, WIRE_L3_IPV4, r, &pkt) > 0);
	CHECK_EQ(pkt.eth.vlan_count, 1);
	CHECK_EQ(wire_vlan_id(pkt.eth.vlan_tci[0]), 42);
	CHECK_EQ(pkt.icmp.type, 0);
	eng_t_teardown(&b);
}

TEST(malformed_frames_are_counted_drops_and_the_stack_keeps_answering)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_one_port, 1);
	eng_t_expect(&b, 0, WIRE_L3_ARP, r, &pkt);
	struct wire_mac stack_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &stack_mac));
	size_t n =
		eng_t_echo(&b.peer[0], &stack_mac, WIRE_IPV4(198, 51, 100, 1), 1, 1, 32, -1, f);
	/* Truncated Ethernet header. */
	eng_t_send(&b, 0, f, 10);
	/* IPv4 ihl < 5. */
	uint8_t bad[2048];
	memcpy(bad, f, n);
	bad[14] = 0x44;
	eng_t_send(&b, 0, bad, n);
	/* tot_len beyond the frame. */
	memcpy(bad, f, n);
	wire_put_be16(bad + 16, 1400);
	eng_t_send(&b, 0, bad, n);
	/* Bad IPv4 header checksum. */
	memcpy(bad, f, n);
	bad[24] ^= 0xff;
	eng_t_send(&b, 0, bad, n);
	/* Bad ICMP checksum. */
	memcpy(bad, f, n);
	bad[36] ^= 0x01;
	eng_t_send(&b, 0, bad, n);
	/* Fragment. */
	memcpy(bad, f, n);
	bad[20] |= 0x20;
	wire_put_be16(bad + 24, 0);
	wire_put_be16(bad + 24, wire_csum_buf(bad + 14, 20));
	eng_t_send(&b, 0, bad, n);
	eng_t_run(&b, 2);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_eth_truncated), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_bad_ihl), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_truncated), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_bad_checksum), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_icmp_bad_checksum), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_fragment), 1);
	CHECK_EQ(ctr_load(&eng_ctx_port_counters(b.ctx, 0)->v[eng_pctr_drops]), 6);
	CHECK_EQ(eng_t_recv(&b, 0, r, sizeof r), 0);
	/* ...and a good request is still answered. */
	eng_t_send(&b, 0, f, n);
	eng_t_run(&b, 1);
	CHECK(eng_t_expect(&b, 0, WIRE_L3_IPV4, r, &pkt) > 0);
	CHECK_EQ(pkt.icmp.type, 0);
	eng_t_teardown(&b);
}

TEST(packets_for_others_and_unsupported_protocols_are_counted)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_one_port, 1);
	eng_t_expect(&b, 0, WIRE_L3_ARP, r, &pkt);
	struct wire_mac stack_mac, other_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &stack_mac));
	CHECK(wire_mac_parse("02:00:00:00:00:99", &other_mac));
	size_t n =
		eng_t_echo(&b.peer[0], &stack_mac, WIRE_IPV4(198, 51, 100, 9), 1, 1, 8, -1, f);
	eng_t_send(&b, 0, f, n); /* our MAC, another IP, not forwarding */
	n = eng_t_echo(&b.peer[0], &other_mac, WIRE_IPV4(198, 51, 100, 1), 1, 1, 8, -1, f);
	eng_t_send(&b, 0, f, n); /* another MAC */
	n = eng_t_echo(&b.peer[0], &stack_mac, WIRE_IPV4(198, 51, 100, 1), 1, 1, 8, -1, f);
	f[14 + 9] = 17; /* UDP */
	wire_put_be16(f + 24, 0);
	wire_put_be16(f + 24, wire_csum_buf(f + 14, 20));
	eng_t_send(&b, 0, f, n);
	eng_t_run(&b, 2);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_not_for_us), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_eth_not_for_us), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_unsupported_proto), 1);
	eng_t_teardown(&b);
}

static const char *eng_t_router =
	"mos {\n forward = 1\n netdev {\n"
	"  d0 0x1 device=link0 ip=198.51.100.1/24 mac=02:00:00:00:00:01\n"
	"  d1 0x1 device=link1 ip=203.0.113.1/24 mac=02:00:00:00:00:11\n }\n"
	" route_table {\n  192.0.2.0/24 d1 gw=203.0.113.2\n }\n}\n";

TEST(router_resolves_the_next_hop_and_forwards_with_ttl_decremented)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_router, 2);
	eng_t_expect(&b, 0, WIRE_L3_ARP, r, &pkt);
	eng_t_expect(&b, 1, WIRE_L3_ARP, r, &pkt);
	struct wire_mac d0_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &d0_mac));
	/* To 192.0.2.5: via the gateway 203.0.113.2 on d1, which must be resolved. */
	size_t n = eng_t_echo(&b.peer[0], &d0_mac, WIRE_IPV4(192, 0, 2, 5), 5, 1, 100, -1, f);
	eng_t_send(&b, 0, f, n);
	eng_t_run(&b, 1);
	CHECK(eng_t_expect(&b, 1, WIRE_L3_ARP, r, &pkt) > 0);
	CHECK_EQ(pkt.arp.op, WIRE_ARP_OP_REQUEST);
	CHECK_EQ(pkt.arp.tpa, WIRE_IPV4(203, 0, 113, 2));
	/* The gateway answers; the waiting packet leaves at once. */
	struct wire_arp_self gw = {.mac = b.peer[1].mac, .ip = b.peer[1].ip};
	size_t m = wire_arp_build_reply(&gw, &pkt.arp, f + 1024, 1024);
	eng_t_send(&b, 1, f + 1024, m);
	eng_t_run(&b, 1);
	CHECK(eng_t_expect(&b, 1, WIRE_L3_IPV4, r, &pkt) > 0);
	CHECK(wire_mac_equal(&pkt.eth.dst, &b.peer[1].mac));
	CHECK_EQ(pkt.ipv4.dst, WIRE_IPV4(192, 0, 2, 5));
	CHECK_EQ(pkt.ipv4.ttl, 63);
	CHECK_EQ(pkt.icmp.type,
		 8); /* forwarded, not answered; checksums verified by the parse */
	CHECK_EQ(ctr_load(&eng_ctx_port_counters(b.ctx, 0)->v[eng_pctr_forwarded]), 1);
	/* TTL 1 is not forwarded. */
	n = eng_t_echo(&b.peer[0], &d0_mac, WIRE_IPV4(192, 0, 2, 5), 5, 2, 10, -1, f);
	f[14 + 8] = 1;
	wire_put_be16(f + 24, 0);
	wire_put_be16(f + 24, wire_csum_buf(f + 14, 20));
	eng_t_send(&b, 0, f, n);
	/* No route to 10.9.9.9 (no default route). */
	n = eng_t_echo(&b.peer[0], &d0_mac, WIRE_IPV4(10, 9, 9, 9), 5, 3, 10, -1, f);
	eng_t_send(&b, 0, f, n);
	eng_t_run(&b, 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_ttl_expired), 1);
	CHECK_EQ(eng_t_drops(&b, 0, DROP_ipv4_no_route), 1);
	eng_t_teardown(&b);
}

/* The core's cache of next-hop MACs (net/arp.c) never outlives what the shared table
 * says: a MAC the table learns anew is used by the next frame, and an entry that
 * expires in the table is resolved again, not served from the cache. */
TEST(forwarding_follows_a_changed_neighbour_mac_and_its_expiry)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_router, 2);
	eng_t_expect(&b, 0, WIRE_L3_ARP, r, &pkt);
	eng_t_expect(&b, 1, WIRE_L3_ARP, r, &pkt);
	struct wire_mac d0_mac, moved;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &d0_mac));
	CHECK(wire_mac_parse("02:00:00:00:00:77", &moved));
	uint32_t gw = WIRE_IPV4(203, 0, 113, 2);
	arp_table_learn(&b.inst->arp, gw, &b.peer[1].mac, b.ctx->now_ms, false);
	for (uint16_t i = 0; i < 3; i++) {
		if (i == 1) /* the gateway moves to another MAC (as ARP traffic would say) */
			arp_table_learn(&b.inst->arp, gw, &moved, b.ctx->now_ms, false);
		if (i == 2) /* the learned entry expires: the next frame waits for ARP */
			eng_t_run(&b, ARP_TABLE_TTL_MS + 1000);
		size_t n = eng_t_echo(&b.peer[0], &d0_mac, WIRE_IPV4(192, 0, 2, 5), 5, i, 10,
				      -1, f);
		eng_t_send(&b, 0, f, n);
		eng_t_run(&b, 1);
		size_t got = eng_t_recv(&b, 1, r, sizeof r);
		CHECK(got > 0);
		CHECK_EQ(wire_parse_frame(r, (uint16_t)got, 0, &pkt), DROP_NONE);
		if (i < 2) {
			CHECK_EQ(pkt.l3, WIRE_L3_IPV4);
			CHECK(wire_mac_equal(&pkt.eth.dst, i == 0 ? &b.peer[1].mac : &moved));
		} else {
			CHECK_EQ(pkt.l3, WIRE_L3_ARP);
			CHECK_EQ(pkt.arp.tpa, gw);
		}
	}
	eng_t_teardown(&b);
}

TEST(unanswered_arp_is_retried_then_the_waiting_packets_are_dropped)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	struct wire_pkt pkt;
	eng_t_setup(&b, eng_t_router, 2);
	eng_t_expect(&b, 0, WIRE_L3_ARP, r, &pkt);
	eng_t_expect(&b, 1, WIRE_L3_ARP, r, &pkt);
	struct wire_mac d0_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &d0_mac));
	for (uint16_t i = 0; i < 3; i++) {
		size_t n = eng_t_echo(&b.peer[0], &d0_mac, WIRE_IPV4(203, 0, 113, 50), 5, i, 10,
				      -1, f);
		eng_t_send(&b, 0, f, n);
	}
	int requests = 0;
	for (int t = 0; t < 5000; t++) {
		eng_t_run(&b, 1);
		while (eng_t_expect(&b, 1, WIRE_L3_ARP, r, &pkt) > 0) {
			CHECK_EQ(pkt.arp.tpa, WIRE_IPV4(203, 0, 113, 50));
			requests++;
		}
	}
	CHECK_EQ(requests, ENG_ARP_TRIES);
	CHECK_EQ(eng_t_drops(&b, 1, DROP_arp_unresolved), 3);
	CHECK_EQ(b.ctx->arp_hops_used, 0);
	eng_t_teardown(&b);
}

static const char *eng_t_bridge = "mos {\n forward = 1\n netdev {\n"
				  "  d0 0x1 device=link0 mac=02:00:00:00:00:01\n"
				  "  d1 0x1 device=link1 mac=02:00:00:00:00:11\n }\n"
				  " nic_forward_table {\n  d0 d1\n }\n}\n";

TEST(bridged_ports_pass_frames_through_unchanged_both_ways)
{
	struct bench b;
	uint8_t f[2048], r[2048];
	eng_t_setup(&b, eng_t_bridge, 2);
	/* Peer 0 pings peer 1 through the bump in the wire, and an IPv6-typed frame too. */
	size_t n = eng_t_echo(&b.peer[0], &b.peer[1].mac, b.peer[1].ip, 3, 1, 200, -1, f);
	eng_t_send(&b, 0, f, n);
	uint8_t v6[80] = {0};
	memcpy(v6, b.peer[0].mac.b, 6);
	memcpy(v6 + 6, b.peer[1].mac.b, 6);
	wire_put_be16(v6 + 12, WIRE_ETHERTYPE_IPV6);
	eng_t_send(&b, 1, v6, sizeof v6);
	eng_t_run(&b, 2);
	CHECK_EQ(eng_t_recv(&b, 1, r, sizeof r), n);
	CHECK(memcmp(r, f, n) == 0);
	CHECK_EQ(eng_t_recv(&b, 0, r, sizeof r), sizeof v6);
	CHECK(memcmp(r, v6, sizeof v6) == 0);
	CHECK_EQ(ctr_load(&eng_ctx_port_counters(b.ctx, 0)->v[eng_pctr_forwarded]), 1);
	CHECK_EQ(ctr_load(&eng_ctx_port_counters(b.ctx, 1)->v[eng_pctr_forwarded]), 1);
	eng_t_teardown(&b);
}

TEST(route_lookup_prefers_the_longest_prefix_and_later_duplicates)
{
	struct route_table t;
	struct route_entry e[] = {
		{.prefix = 0, .prefix_len = 0, .port = 9, .gw = 1},
		{.prefix = WIRE_IPV4(10, 0, 0, 0), .prefix_len = 8, .port = 1},
		{.prefix = WIRE_IPV4(10, 1, 0, 0), .prefix_len = 16, .port = 2},
		{.prefix = WIRE_IPV4(10, 1, 2, 0), .prefix_len = 24, .port = 3},
		{.prefix = WIRE_IPV4(10, 1, 2, 3), .prefix_len = 32, .port = 4},
		{.prefix = WIRE_IPV4(10, 1, 0, 0), .prefix_len = 16, .port = 5}, /* overrides */
	};
	CHECK_EQ(route_build(&t, e, 6), 0);
	CHECK_EQ(route_lookup(&t, WIRE_IPV4(10, 1, 2, 3))->port, 4);
	CHECK_EQ(route_lookup(&t, WIRE_IPV4(10, 1, 2, 4))->port, 3);
	CHECK_EQ(route_lookup(&t, WIRE_IPV4(10, 1, 3, 4))->port, 5);
	CHECK_EQ(route_lookup(&t, WIRE_IPV4(10, 2, 3, 4))->port, 1);
	CHECK_EQ(route_lookup(&t, WIRE_IPV4(11, 2, 3, 4))->port, 9);
	CHECK_EQ(t.count, 5);
	route_free(&t);
	CHECK_EQ(route_build(&t, e + 1, 1), 0);
	CHECK(route_lookup(&t, WIRE_IPV4(11, 0, 0, 1)) == NULL);
	route_free(&t);
}

/* A reference LPM by linear scan, against random tables. */
TEST(route_lookup_matches_a_linear_reference_on_random_tables)
{
	uint64_t seed =
		getenv("MOS_TEST_SEED") ? strtoull(getenv("MOS_TEST_SEED"), NULL, 0) : 42;
	mt_note("seed=%llu", (unsigned long long)seed);
	uint64_t s = seed;
	for (int round = 0; round < 50; round++) {
		struct route_entry e[200];
		uint32_t n = 1 + (uint32_t)(s % 200);
		for (uint32_t i = 0; i < n; i++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			e[i].prefix_len = (uint8_t)((s >> 33) % 33);
			e[i].prefix =
				(uint32_t)(s >> 7) & route_mask(e[i].prefix_len) & 0x0f0f0f0fu;
			e[i].port = (uint16_t)i;
			e[i].gw = 0;
		}
		struct route_table t;
		CHECK_EQ(route_build(&t, e, n), 0);
		for (int q = 0; q < 2000; q++) {
			s = s * 6364136223846793005ull + 1442695040888963407ull;
			uint32_t dst = (uint32_t)(s >> 17) & 0x0f0f0f0fu;
			int best = -1;
			for (uint32_t i = 0; i < n; i++) {
				if ((dst & route_mask(e[i].prefix_len)) == e[i].prefix &&
				    (best < 0 || e[i].prefix_len >= e[best].prefix_len))
					best = (int)i;
			}
			const struct route_entry *r = route_lookup(&t, dst);
			CHECK_EQ(r ? r->port : -1, best >= 0 ? e[best].port : -1);
		}
		route_free(&t);
	}
}

TEST(arp_table_static_ranges_win_and_learned_entries_expire)
{
	struct arp_table t;
	struct arp_static st = {.prefix = WIRE_IPV4(192, 0, 2, 0), .prefix_len = 24};
	CHECK(wire_mac_parse("02:aa:00:00:00:01", &st.mac));
	CHECK_EQ(arp_table_init(&t, 16, &st, 1), 0);
	struct wire_mac m, got;
	CHECK(wire_mac_parse("02:bb:00:00:00:01", &m));
	CHECK_EQ(arp_table_lookup(&t, WIRE_IPV4(192, 0, 2, 77), 0, &got), ARP_FOUND);
	CHECK(wire_mac_equal(&got, &st.mac));
	arp_table_learn(&t, WIRE_IPV4(192, 0, 2, 77), &m, 0, false); /* static wins */
	CHECK_EQ(arp_table_lookup(&t, WIRE_IPV4(192, 0, 2, 77), 0, &got), ARP_FOUND);
	CHECK(wire_mac_equal(&got, &st.mac));
	arp_table_learn(&t, WIRE_IPV4(198, 51, 100, 5), &m, 1000,
			true); /* update only: absent */
	CHECK_EQ(arp_table_lookup(&t, WIRE_IPV4(198, 51, 100, 5), 1000, &got), ARP_MISS);
	arp_table_learn(&t, WIRE_IPV4(198, 51, 100, 5), &m, 1000, false);
	CHECK_EQ(arp_table_lookup(&t, WIRE_IPV4(198, 51, 100, 5), 1000, &got), ARP_FOUND);
	CHECK(wire_mac_equal(&got, &m));
	CHECK_EQ(arp_table_lookup(&t, WIRE_IPV4(198, 51, 100, 5), 1000 + ARP_TABLE_TTL_MS + 1,
				  &got),
		 ARP_MISS);
	/* Bounded: many more addresses than slots never grow the table. */
	for (uint32_t i = 0; i < 10000; i++)
		arp_table_learn(&t, WIRE_IPV4(10, 0, 0, 0) + i, &m, 2000 + i, false);
	CHECK(arp_table_size(&t) <= 64);
	CHECK(t.replaced > 0);
	arp_table_fini(&t);
}

/* A TCP SYN from the peer to the stack with the given ports. */
static size_t eng_t_syn(const struct peer *p, const struct wire_mac *dmac, uint32_t dst,
			uint16_t sport, uint16_t dport, uint8_t *f)
{
	struct wire_eth_repr eth = {
		.dst = *dmac, .src = p->mac, .ethertype = WIRE_ETHERTYPE_IPV4};
	size_t off = wire_eth_emit(&eth, f, 2048);
	struct wire_ipv4_repr ip = {.src = p->ip,
				    .dst = dst,
				    .proto = WIRE_IP_PROTO_TCP,
				    .ttl = 64,
				    .header_len = 20,
				    .total_len = 40};
	off += wire_ipv4_emit(&ip, 0, f + off, 2048 - off);
	uint8_t *t = f + off;
	memset(t, 0, 20);
	wire_put_be16(t, sport);
	wire_put_be16(t + 2, dport);
	wire_put_be32(t + 4, 1000);
	t[12] = 5 << 4;
	t[13] = 0x02; /* SYN */
	wire_put_be16(t + 14, 65535);
	wire_tcp_fill_checksum(t, 20, &ip, 0);
	return off + 20;
}

TEST(software_rss_hands_each_flow_to_the_core_its_hash_names)
{
	struct bench b;
	uint8_t f[2048];
	memset(&b, 0, sizeof b);
	struct sim_net_params sp = sim_net_default_params();
	sp.no_rss = true; /* a device that cannot spread flows itself */
	b.net = sim_net_create(&sp);
	b.cfg = eng_t_parse("mos {\n netdev {\n  d0 0x3 device=link0 ip=198.51.100.1/24 "
			    "mac=02:00:00:00:00:01\n }\n}\n");
	char err[256] = "";
	struct io_open_args a = {
		.cfg = b.cfg, .queues = 2, .sim = b.net, .err = err, .err_len = sizeof err};
	CHECK_MSG(io_sim_open(&a, &b.io) == 0, "%s", err);
	CHECK_EQ(eng_instance_create(b.cfg, b.io, &b.inst, err, sizeof err), 0);
	CHECK(b.inst->ports[0].sw_rss);
	eng_t_peer(&b, 0, "link0", "198.51.100.2", "02:00:00:00:00:02");
	b.ctx = eng_ctx_create(b.inst, 0, 0);
	struct eng_ctx *c1 = eng_ctx_create(b.inst, 1, 0);
	CHECK(c1 != NULL);
	struct wire_mac stack_mac;
	CHECK(wire_mac_parse("02:00:00:00:00:01", &stack_mac));
	int expect_core1 = 0;
	for (uint16_t i = 0; i < 200; i++) {
		uint16_t sport = (uint16_t)(20000 + i * 7);
		size_t n = eng_t_syn(&b.peer[0], &stack_mac, WIRE_IPV4(198, 51, 100, 1), sport,
				     80, f);
		eng_t_send(&b, 0, f, n);
		expect_core1 +=
			GetRSSCPUCore(htonl(b.peer[0].ip), htonl(WIRE_IPV4(198, 51, 100, 1)),
				      htons(sport), htons(80), 2) == 1;
	}
	for (int t = 0; t < 20; t++) { /* 200 frames in bursts of 32 */
		CHECK(sim_net_advance(b.net, MS) == 0);
		eng_ctx_poll(b.ctx, sim_net_now_ns(b.net));
		eng_ctx_poll(c1, sim_net_now_ns(b.net));
	}
	CHECK(expect_core1 > 50 && expect_core1 < 150);
	CHECK_EQ(eng_ctx_port_drops(c1, 0, DROP_tcp_no_socket), expect_core1);
	CHECK_EQ(eng_ctx_port_drops(b.ctx, 0, DROP_tcp_no_socket), 200 - expect_core1);
	eng_ctx_destroy(c1);
	eng_t_teardown(&b);
}

/* The flow table against a trivially correct model under random operations. */
TEST(flow_table_matches_a_model_under_random_inserts_and_removes)
{
	uint64_t seed =
		getenv("MOS_TEST_SEED") ? strtoull(getenv("MOS_TEST_SEED"), NULL, 0) : 7;
	mt_note("seed=%llu", (unsigned long long)seed);
	struct siphash_key key = {seed, ~seed};
	struct flow_table t;
	enum { N = 300 };
	CHECK_EQ(flow_table_init(&t, N, &key), 0);
	static struct flow_key keys[1000];
	static int present[1000];
	uint64_t s = seed;
	for (int i = 0; i < 1000; i++)
		keys[i] = (struct flow_key){WIRE_IPV4(198, 51, 100, 1), (uint32_t)(i % 7),
					    (uint16_t)(1000 + i), 80};
	int count = 0;
	for (int step = 0; step < 200000; step++) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		int i = (int)((s >> 33) % 1000);
		if ((s >> 20) & 1) {
			int rc = flow_table_insert(&t, &keys[i], &present[i]);
			if (present[i])
				CHECK_EQ(rc, -EEXIST);
			else if (count == N)
				CHECK_EQ(rc, -ENOSPC);
			else {
				CHECK_EQ(rc, 0);
				present[i] = 1;
				count++;
			}
		} else {
			void *got = flow_table_remove(&t, &keys[i]);
			CHECK(got == (present[i] ? &present[i] : NULL));
			count -= present[i];
			present[i] = 0;
		}
		if (step % 1000 == 0) {
			for (int k = 0; k < 1000; k++)
				CHECK(flow_table_lookup(&t, &keys[k]) ==
				      (present[k] ? &present[k] : NULL));
			CHECK_EQ(flow_table_count(&t), count);
		}
	}
	flow_table_fini(&t);
}
