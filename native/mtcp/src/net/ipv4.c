/* ipv4.c - IPv4 delivery: to this host (ICMP, TCP), forwarded by route (router mode),
 * or dropped with a reason; and routing of locally built packets. */
#include "base/assert.h"
#include "engine/ctx.h"
#include "wire/checksum.h"

static bool ipv4_is_broadcast_or_multicast(const struct eng_instance *inst, uint32_t dst)
{
	if (dst == 0xffffffffu || (dst & 0xf0000000u) == 0xe0000000u)
		return true;
	for (uint16_t i = 0; i < inst->port_count; i++) {
		const struct eng_port *p = &inst->ports[i];
		if (p->has_ip && p->netmask != 0xffffffffu &&
		    (dst | p->netmask) == 0xffffffffu &&
		    (dst & p->netmask) == (p->ip & p->netmask))
			return true; /* directed broadcast of a connected network */
	}
	return false;
}

static void ipv4_local(struct eng_ctx *ctx, struct io_buf *buf, const struct wire_pkt *pkt)
{
	switch (pkt->l4) {
	case WIRE_L4_ICMP:
		net_icmp_input(ctx, buf, pkt);
		return;
	case WIRE_L4_TCP:
		if (ctx->inst->end_host != NULL && ctx->inst->end_host->tcp_input != NULL) {
			enum drop_reason r = ctx->inst->end_host->tcp_input(ctx, buf, pkt);
			if (r != DROP_NONE)
				eng_drop(ctx, buf->port, r, buf);
			return;
		}
		eng_drop(ctx, buf->port, DROP_tcp_no_socket, buf);
		return;
	default:
		eng_drop(ctx, buf->port, DROP_ipv4_unsupported_proto, buf);
	}
}

/* Router mode: decrement the TTL (RFC 1812 §5.3.1, checksum per RFC 1624) and send
 * toward the next hop. The frame keeps its VLAN tags; only the MACs change. */
static void ipv4_forward(struct eng_ctx *ctx, struct io_buf *buf, const struct wire_pkt *pkt)
{
	uint16_t in_port = buf->port;
	if (pkt->ipv4.ttl <= 1) {
		eng_drop(ctx, in_port, DROP_ipv4_ttl_expired, buf);
		return;
	}
	const struct route_entry *r = route_lookup(&ctx->inst->routes, pkt->ipv4.dst);
	if (r == NULL) {
		eng_drop(ctx, in_port, DROP_ipv4_no_route, buf);
		return;
	}
	uint8_t *ip = buf->data + pkt->l3_off;
	uint16_t old_word = wire_get_be16(ip + 8); /* TTL, protocol */
	uint16_t new_word = (uint16_t)(old_word - 0x0100u);
	wire_put_be16(ip + 8, new_word);
	wire_put_be16(ip + 10, wire_csum_update16(wire_get_be16(ip + 10), old_word, new_word));
	buf->flags = 0;
	eng_count(ctx, in_port, eng_pctr_forwarded, 1);
	net_l2_output(ctx, buf, r->port, route_next_hop(r, pkt->ipv4.dst));
}

void net_ipv4_input(struct eng_ctx *ctx, struct io_buf *buf, struct wire_pkt *pkt)
{
	const struct eng_instance *inst = ctx->inst;
	if (eng_port_by_ip(inst, pkt->ipv4.dst) >= 0) {
		ipv4_local(ctx, buf, pkt);
		return;
	}
	if (inst->forward && !ipv4_is_broadcast_or_multicast(inst, pkt->ipv4.dst) &&
	    !wire_mac_is_multicast(&pkt->eth.dst)) {
		ipv4_forward(ctx, buf, pkt);
		return;
	}
	eng_drop(ctx, buf->port, DROP_ipv4_not_for_us, buf);
}

void net_ipv4_output(struct eng_ctx *ctx, struct io_buf *buf, uint32_t dst)
{
	const struct route_entry *r = route_lookup(&ctx->inst->routes, dst);
	if (r == NULL) {
		eng_drop(ctx, buf->port, DROP_ipv4_no_route, buf);
		return;
	}
	net_l2_output(ctx, buf, r->port, route_next_hop(r, dst));
}
