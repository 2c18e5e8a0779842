/* sim_csum.c - checksum offload emulation of the sim ports (net param offload_csum):
 * fills the IPv4 / TCP checksums an engine leaves to the device, and flags received
 * frames GOOD or BAD as a checksumming NIC would. */
#include "io/sim_internal.h"
#include "wire/checksum.h"
#include "wire/wire.h"

#define SIM_CSUM_ETHERTYPE_IPV4 0x0800u
#define SIM_CSUM_ETH_HLEN 14u
#define SIM_CSUM_IP_MIN 20u
#define SIM_CSUM_TCP_MIN 20u
#define SIM_CSUM_PROTO_TCP 6u

void sim_csum_tx(uint8_t *frame, uint16_t len, uint16_t flags, uint16_t l2_len, uint16_t l3_len)
{
	uint32_t ip_off = l2_len, l4_off = (uint32_t)l2_len + l3_len, tot;
	struct wire_csum acc;

	if (l3_len < SIM_CSUM_IP_MIN || l4_off > len)
		return; /* the engine described no usable header: leave the frame alone */
	if (flags & IO_TX_IP_CSUM) {
		wire_put_be16(frame + ip_off + 10, 0);
		wire_put_be16(frame + ip_off + 10, wire_csum_buf(frame + ip_off, l3_len));
	}
	if (!(flags & IO_TX_TCP_CSUM))
		return;
	tot = wire_get_be16(frame + ip_off + 2);
	if (tot < l3_len + SIM_CSUM_TCP_MIN || ip_off + tot > len)
		return;
	/* The field holds the pseudo-header sum the engine put there (the DPDK
	 * convention): summing the segment with it in place covers the pseudo-header. */
	wire_csum_init(&acc);
	wire_csum_add(&acc, frame + l4_off, tot - l3_len);
	wire_put_be16(frame + l4_off + 16, wire_csum_finish(&acc));
}

/* IO_RX_L4_CSUM_GOOD / _BAD of the unfragmented TCP segment at ip, or 0. */
static uint16_t sim_csum_rx_tcp(const uint8_t *ip, uint32_t avail, uint32_t ihl)
{
	uint32_t tot = wire_get_be16(ip + 2);
	struct wire_csum_pseudo ph;
	struct wire_csum acc;

	if (ip[9] != SIM_CSUM_PROTO_TCP || (wire_get_be16(ip + 6) & 0x3fffu) != 0)
		return 0;
	if (tot < ihl + SIM_CSUM_TCP_MIN || tot > avail)
		return 0;
	ph.src = wire_get_be32(ip + 12);
	ph.dst = wire_get_be32(ip + 16);
	ph.proto = SIM_CSUM_PROTO_TCP;
	ph.l4_len = (uint16_t)(tot - ihl);
	wire_csum_init(&acc);
	wire_csum_add_pseudo_ipv4(&acc, &ph);
	wire_csum_add(&acc, ip + ihl, tot - ihl);
	return wire_csum_fold(&acc) == 0xffffu ? IO_RX_L4_CSUM_GOOD : IO_RX_L4_CSUM_BAD;
}

uint16_t sim_csum_rx(const uint8_t *frame, uint16_t len)
{
	const uint8_t *ip = frame + SIM_CSUM_ETH_HLEN;
	uint32_t avail, ihl;
	uint16_t flags;

	if (len < SIM_CSUM_ETH_HLEN + SIM_CSUM_IP_MIN ||
	    wire_get_be16(frame + 12) != SIM_CSUM_ETHERTYPE_IPV4)
		return 0;
	avail = len - SIM_CSUM_ETH_HLEN;
	ihl = (ip[0] & 0x0fu) * 4u;
	if ((ip[0] >> 4) != 4 || ihl < SIM_CSUM_IP_MIN || ihl > avail)
		return 0;
	flags = wire_csum_buf(ip, ihl) == 0 ? IO_RX_IP_CSUM_GOOD : IO_RX_IP_CSUM_BAD;
	return (uint16_t)(flags | sim_csum_rx_tcp(ip, avail, ihl));
}

#undef SIM_CSUM_ETHERTYPE_IPV4
#undef SIM_CSUM_ETH_HLEN
#undef SIM_CSUM_IP_MIN
#undef SIM_CSUM_TCP_MIN
#undef SIM_CSUM_PROTO_TCP
