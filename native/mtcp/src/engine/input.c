/* input.c - the first decisions on a received frame: parse, L2 acceptance, bridging,
 * then hand ARP and IPv4 to net/. */
#include "base/assert.h"
#include "engine/ctx.h"

static uint32_t eng_wire_flags(const struct io_buf *buf)
{
	uint32_t f = 0;
	if (buf->flags & IO_RX_IP_CSUM_GOOD)
		f |= WIRE_RX_IP_CSUM_OK;
	if (buf->flags & IO_RX_L4_CSUM_GOOD)
		f |= WIRE_RX_L4_CSUM_OK;
	return f;
}

/* nic_forward_table bridging: the frame leaves unchanged on the paired port. */
static void eng_bridge(struct eng_ctx *ctx, struct io_buf *buf, uint16_t in_port)
{
	const struct eng_port *in = &ctx->inst->ports[in_port];
	buf->port = (uint16_t)in->fwd_peer;
	buf->flags = 0;
	eng_count(ctx, in_port, eng_pctr_forwarded, 1);
	eng_tx(ctx, buf);
}

static bool eng_can_bridge(const struct eng_ctx *ctx, uint16_t port)
{
	return ctx->inst->forward && ctx->inst->ports[port].fwd_peer >= 0;
}

/* Frames that failed parsing: a bridge passes what it cannot judge (non-IP types, IPv6)
 * through; everything else is a counted drop. */
static void eng_input_unparsed(struct eng_ctx *ctx, struct io_buf *buf, uint16_t port,
			       enum drop_reason reason)
{
	if (reason == DROP_eth_unsupported_type && eng_can_bridge(ctx, port)) {
		eng_bridge(ctx, buf, port);
		return;
	}
	eng_drop(ctx, port, reason, buf);
}

static bool eng_l2_for_us(const struct eng_port *p, const struct wire_eth_repr *eth)
{
	return wire_mac_equal(&eth->dst, &p->mac) || wire_mac_is_multicast(&eth->dst);
}

void eng_input(struct eng_ctx *ctx, struct io_buf *buf)
{
	struct wire_pkt pkt;
	uint16_t port = buf->port;
	MOS_ASSERT(port < ctx->inst->port_count);
	eng_count(ctx, port, eng_pctr_rx_packets, 1);
	eng_count(ctx, port, eng_pctr_rx_bytes, buf->len);
	enum drop_reason reason =
		wire_parse_frame(buf->data, buf->len, eng_wire_flags(buf), &pkt);
	if ((buf->flags & IO_RX_TRUNCATED) && reason != DROP_NONE) {
		/* Part of the frame is missing and what is left does not parse: nothing in it
		 * can be trusted to be whole. A frame whose captured part holds the whole IPv4
		 * datagram (the capture cut an Ethernet trailer only) parses and is kept. */
		eng_drop(ctx, port, DROP_eth_rx_too_big, buf);
		return;
	}
	/* The monitor sees every frame before L2 acceptance (it watches traffic for other
	 * hosts) and keeps what it takes. */
	const struct eng_personality *mon = ctx->inst->monitor;
	if (mon != NULL && mon->frame_input != NULL && mon->frame_input(ctx, buf, &pkt, reason))
		return;
	if (reason != DROP_NONE) {
		eng_input_unparsed(ctx, buf, port, reason);
		return;
	}
	const struct eng_port *p = &ctx->inst->ports[port];
	/* A bridged port passes on everything not addressed to the port itself,
	 * broadcasts included: a bump in the wire is transparent. */
	if (eng_can_bridge(ctx, port) && !wire_mac_equal(&pkt.eth.dst, &p->mac)) {
		eng_bridge(ctx, buf, port);
		return;
	}
	if (!eng_l2_for_us(p, &pkt.eth)) {
		eng_drop(ctx, port, DROP_eth_not_for_us, buf);
		return;
	}
	if (pkt.l3 == WIRE_L3_ARP)
		net_arp_input(ctx, buf, &pkt);
	else if (pkt.l3 == WIRE_L3_IPV4)
		net_ipv4_input(ctx, buf, &pkt);
	else
		eng_drop(ctx, port, DROP_eth_unsupported_type, buf);
}
