/* fuzz_wire.c - fuzz target of the wire layer. Any bytes, parsed as a frame with and
 * without the checksum-offload flags (without them random bytes rarely get past the
 * checksums), must give a reason in range and, when accepted, offsets inside the
 * frame. Whatever is accepted must survive emit -> parse unchanged: Ethernet, ARP, the
 * IPv4 header, the TCP header with its options (re-emitted, checksummed, re-parsed
 * with verification on), and an ICMP echo request's reply.
 *
 * Seed corpus (corpus/wire/): 14 frames written byte by byte for this target (not
 * captured), checksums valid, each named after what it exercises: ARP request/reply,
 * ICMP echo request, port-unreachable and need-frag errors, a TCP SYN with the usual
 * options, a VLAN SYN-ACK, QinQ data with timestamps, SACK with 3 blocks, FIN+ACK and
 * RST padded to 60 bytes, unknown TCP options, UDP behind IPv4 options, a fragment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "wire/checksum.h"
#include "wire/frame.h"

#define FW_REQUIRE(cond)                                                                       \
	do {                                                                                   \
		if (!(cond)) {                                                                 \
			fprintf(stderr, "fuzz_wire: %s:%d: %s\n", __FILE__, __LINE__, #cond);  \
			abort();                                                               \
		}                                                                              \
	} while (0)

static uint8_t fw_buf[65536 + 64];

static void fw_check_offsets(const struct wire_pkt *p, size_t len)
{
	FW_REQUIRE(p->frame_len == len);
	FW_REQUIRE(p->eth.l3_off == 14 + 4 * p->eth.vlan_count && p->eth.l3_off <= len);
	if (p->l3 == WIRE_L3_IPV4) {
		FW_REQUIRE(p->l3_off + (size_t)p->ipv4.total_len <= len);
		FW_REQUIRE(p->l4_off == p->l3_off + p->ipv4.header_len);
		FW_REQUIRE(p->payload_off + (size_t)p->payload_len <=
			   p->l3_off + p->ipv4.total_len);
	}
	if (p->l4 == WIRE_L4_TCP)
		FW_REQUIRE(p->tcp.header_len + (size_t)p->tcp.payload_len ==
			   p->ipv4.payload_len);
}

static void fw_eth_round_trip(const struct wire_eth_repr *e)
{
	struct wire_eth_repr back;
	size_t n = wire_eth_emit(e, fw_buf, sizeof fw_buf);

	FW_REQUIRE(n == e->l3_off);
	FW_REQUIRE(wire_eth_parse(fw_buf, (uint16_t)n, &back) == DROP_NONE);
	FW_REQUIRE(memcmp(&back.dst, &e->dst, 6) == 0 && memcmp(&back.src, &e->src, 6) == 0);
	FW_REQUIRE(back.ethertype == e->ethertype && back.vlan_count == e->vlan_count);
	for (int i = 0; i < e->vlan_count; i++)
		FW_REQUIRE(back.vlan_tpid[i] == e->vlan_tpid[i] &&
			   back.vlan_tci[i] == e->vlan_tci[i]);
}

static void fw_arp_round_trip(const struct wire_arp_repr *a)
{
	struct wire_arp_repr back;

	FW_REQUIRE(wire_arp_emit_frame(a, &wire_mac_broadcast, fw_buf, sizeof fw_buf) == 60);
	FW_REQUIRE(wire_arp_parse(fw_buf + 14, 46, &back) == DROP_NONE);
	FW_REQUIRE(back.op == a->op && back.spa == a->spa && back.tpa == a->tpa);
	FW_REQUIRE(memcmp(&back.sha, &a->sha, 6) == 0 && memcmp(&back.tha, &a->tha, 6) == 0);
}

/* Re-emits the IPv4 header without options in front of the same payload. */
static void fw_ipv4_round_trip(const uint8_t *frame, const struct wire_pkt *p)
{
	struct wire_ipv4_repr ip = p->ipv4, back;
	uint16_t len = (uint16_t)(WIRE_IPV4_HLEN + ip.payload_len);

	ip.total_len = len;
	FW_REQUIRE(wire_ipv4_emit(&ip, 0, fw_buf, sizeof fw_buf) == WIRE_IPV4_HLEN);
	memcpy(fw_buf + WIRE_IPV4_HLEN, frame + p->l4_off, ip.payload_len);
	FW_REQUIRE(wire_ipv4_parse(fw_buf, len, 0, &back) == DROP_NONE);
	FW_REQUIRE(back.src == ip.src && back.dst == ip.dst && back.proto == ip.proto);
	FW_REQUIRE(back.ttl == ip.ttl && back.tos == ip.tos && back.id == ip.id);
	FW_REQUIRE(back.df == ip.df && !back.mf && back.frag_off == 0);
	FW_REQUIRE(back.payload_len == ip.payload_len && back.header_len == WIRE_IPV4_HLEN);
}

static void fw_opts_equal(const struct wire_tcp_opts *a, const struct wire_tcp_opts *b)
{
	FW_REQUIRE(a->present == b->present && a->misplaced == b->misplaced);
	if (a->present & WIRE_TCPOPT_MSS)
		FW_REQUIRE(a->mss == b->mss);
	if (a->present & WIRE_TCPOPT_WS)
		FW_REQUIRE(a->wscale == b->wscale);
	if (a->present & WIRE_TCPOPT_TS)
		FW_REQUIRE(a->ts_val == b->ts_val && a->ts_ecr == b->ts_ecr);
	if (a->present & WIRE_TCPOPT_SACK) {
		FW_REQUIRE(a->sack_count == b->sack_count);
		for (int i = 0; i < a->sack_count; i++)
			FW_REQUIRE(a->sack[i].left == b->sack[i].left &&
				   a->sack[i].right == b->sack[i].right);
	}
}

/* Re-emits header + options, appends the payload, checksums, parses with checks on. */
static void fw_tcp_round_trip(const uint8_t *frame, const struct wire_pkt *p)
{
	const struct wire_tcp_repr *t = &p->tcp;
	struct wire_tcp_repr back;
	struct wire_ipv4_repr ip = p->ipv4;
	size_t hl = wire_tcp_emit(t, fw_buf, sizeof fw_buf);

	/* Parsed options came from <= 40 bytes, so they always fit again. */
	FW_REQUIRE(hl >= WIRE_TCP_HLEN && hl <= WIRE_TCP_HLEN_MAX && hl % 4 == 0);
	memcpy(fw_buf + hl, frame + p->payload_off, t->payload_len);
	ip.payload_len = (uint16_t)(hl + t->payload_len);
	wire_tcp_fill_checksum(fw_buf, ip.payload_len, &ip, 0);
	FW_REQUIRE(wire_tcp_parse(fw_buf, &ip, 0, &back) == DROP_NONE);
	FW_REQUIRE(back.sport == t->sport && back.dport == t->dport);
	FW_REQUIRE(back.seq == t->seq && back.ack == t->ack && back.flags == t->flags);
	FW_REQUIRE(back.window == t->window && back.urgent == t->urgent);
	FW_REQUIRE(back.header_len == hl && back.payload_len == t->payload_len);
	FW_REQUIRE(back.opts.ignored == 0 && back.opts.unknown_count == 0);
	fw_opts_equal(&t->opts, &back.opts);
}

static void fw_echo_round_trip(const uint8_t *frame, const struct wire_pkt *p)
{
	struct wire_pkt rep;
	size_t n = wire_icmp_build_echo_reply(frame, p, fw_buf, sizeof fw_buf);
	enum drop_reason why;

	FW_REQUIRE(n >= 60);
	why = wire_parse_frame(fw_buf, (uint16_t)n, 0, &rep);
	/* The reply's sources are the request's destinations, which may be unusable. */
	if (why == DROP_eth_bad_src || why == DROP_ipv4_bad_src)
		return;
	FW_REQUIRE(why == DROP_NONE);
	FW_REQUIRE(rep.l4 == WIRE_L4_ICMP && rep.icmp.type == WIRE_ICMP_ECHO_REPLY);
	FW_REQUIRE(rep.icmp.id == p->icmp.id && rep.icmp.seq == p->icmp.seq);
	FW_REQUIRE(rep.payload_len == p->payload_len);
	FW_REQUIRE(memcmp(fw_buf + rep.payload_off, frame + p->payload_off, p->payload_len) ==
		   0);
}

static void fw_one(const uint8_t *data, uint16_t len, uint32_t flags)
{
	struct wire_pkt p, g;
	memset(&p, 0x5a, sizeof p);
	memset(&g, 0x5a, sizeof g);
	enum drop_reason why = wire_parse_frame(data, len, flags, &p);

	/* The fast path and the general chain agree on every frame. */
	FW_REQUIRE(wire_parse_frame_general(data, len, flags, &g) == why);
	FW_REQUIRE(why != DROP_NONE || memcmp(&p, &g, sizeof p) == 0);
	FW_REQUIRE(why >= DROP_NONE && why < DROP_COUNT);
	FW_REQUIRE(drop_reason_name(why)[0] != '\0');
	if (why != DROP_NONE)
		return;
	fw_check_offsets(&p, len);
	fw_eth_round_trip(&p.eth);
	if (p.l3 == WIRE_L3_ARP) {
		fw_arp_round_trip(&p.arp);
		return;
	}
	fw_ipv4_round_trip(data, &p);
	if (p.l4 == WIRE_L4_TCP)
		fw_tcp_round_trip(data, &p);
	if (p.l4 == WIRE_L4_ICMP && p.icmp.type == WIRE_ICMP_ECHO_REQUEST)
		fw_echo_round_trip(data, &p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t len = size > UINT16_MAX ? UINT16_MAX : (uint16_t)size;

	fw_one(data, len, 0);
	fw_one(data, len, WIRE_RX_IP_CSUM_OK | WIRE_RX_L4_CSUM_OK);
	return 0;
}

#undef FW_REQUIRE
