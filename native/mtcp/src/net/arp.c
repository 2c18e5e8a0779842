/* arp.c - ARP on the ports (RFC 826): answering requests for our addresses, learning
 * neighbours, resolving next hops for outgoing packets with a bounded per-core queue,
 * and announcing our addresses at start (gratuitous ARP, RFC 5227 §2.3). */
#include <string.h>

#include "base/assert.h"
#include "engine/ctx.h"
#include "wire/arp.h"

static void arp_send(struct eng_ctx *ctx, uint16_t port, uint32_t target, bool gratuitous)
{
	const struct eng_port *p = &ctx->inst->ports[port];
	struct wire_arp_self self = {.mac = p->mac, .ip = p->has_ip ? p->ip : 0};
	struct io_buf buf;
	if (!(p->caps & IO_CAP_TX) || !eng_alloc(ctx, port, &buf))
		return;
	size_t len = gratuitous ? wire_arp_build_gratuitous(&self, buf.data, buf.cap)
				: wire_arp_build_request(&self, target, buf.data, buf.cap);
	MOS_ASSERT(len > 0); /* every backend buffer holds a minimum frame */
	buf.len = (uint16_t)len;
	eng_count(ctx, port, eng_pctr_arp_requests_sent, 1);
	eng_tx(ctx, &buf);
}

void net_arp_announce(struct eng_ctx *ctx, uint16_t port)
{
	arp_send(ctx, port, 0, true);
}

/* Rewrites the received request in place into our reply, keeping its VLAN tags. */
static void arp_reply(struct eng_ctx *ctx, struct io_buf *buf, const struct wire_pkt *pkt)
{
	const struct eng_port *p = &ctx->inst->ports[buf->port];
	struct wire_eth_repr eth = pkt->eth;
	struct wire_arp_repr arp = {.op = WIRE_ARP_OP_REPLY,
				    .sha = p->mac,
				    .spa = p->ip,
				    .tha = pkt->arp.sha,
				    .tpa = pkt->arp.spa};
	eth.dst = pkt->arp.sha;
	eth.src = p->mac;
	size_t off = wire_eth_emit(&eth, buf->data, buf->cap);
	size_t n = off ? wire_arp_emit(&arp, buf->data + off, buf->cap - off) : 0;
	if (n == 0) {
		eng_drop(ctx, buf->port, DROP_tx_no_buffer, buf);
		return;
	}
	size_t len = off + n;
	size_t min = WIRE_ETH_MIN_FRAME + (off - WIRE_ETH_HLEN);
	if (len < min && min <= buf->cap) {
		memset(buf->data + len, 0, min - len);
		len = min;
	}
	buf->len = (uint16_t)len;
	buf->flags = 0;
	eng_count(ctx, buf->port, eng_pctr_arp_replies_sent, 1);
	eng_tx(ctx, buf);
}

/* Writes the addresses of the Ethernet header (the rest is already in place). */
static void arp_fill_l2(struct io_buf *buf, const struct wire_mac *dst,
			const struct wire_mac *src)
{
	memcpy(buf->data, dst->b, 6);
	memcpy(buf->data + 6, src->b, 6);
}

static void arp_hop_release(struct eng_ctx *ctx, struct eng_arp_hop *hop)
{
	hop->used = false;
	hop->count = 0;
	MOS_ASSERT(ctx->arp_hops_used > 0);
	ctx->arp_hops_used--;
}

/* Sends every packet waiting on `hop` to `mac`, or drops them when mac is NULL. */
static void arp_hop_flush(struct eng_ctx *ctx, struct eng_arp_hop *hop,
			  const struct wire_mac *mac)
{
	const struct eng_port *p = &ctx->inst->ports[hop->port];
	for (uint8_t i = 0; i < hop->count; i++) {
		if (mac == NULL) {
			eng_drop(ctx, hop->port, DROP_arp_unresolved, &hop->bufs[i]);
			continue;
		}
		arp_fill_l2(&hop->bufs[i], mac, &p->mac);
		eng_tx(ctx, &hop->bufs[i]);
	}
	arp_hop_release(ctx, hop);
}

static void arp_resolved(struct eng_ctx *ctx, uint32_t ip, const struct wire_mac *mac)
{
	for (uint32_t i = 0; i < ENG_ARP_HOPS && ctx->arp_hops_used > 0; i++) {
		struct eng_arp_hop *hop = &ctx->arp_hops[i];
		if (hop->used && hop->ip == ip)
			arp_hop_flush(ctx, hop, mac);
	}
}

void net_arp_input(struct eng_ctx *ctx, struct io_buf *buf, const struct wire_pkt *pkt)
{
	const struct eng_port *p = &ctx->inst->ports[buf->port];
	const struct wire_arp_repr *arp = &pkt->arp;
	bool for_us = p->has_ip && arp->tpa == p->ip;
	/* RFC 826 merge: refresh a known sender; the target of a request adds it. */
	arp_table_learn(&ctx->inst->arp, arp->spa, &arp->sha, ctx->now_ms, !for_us);
	if (arp->spa != 0)
		arp_resolved(ctx, arp->spa, &arp->sha);
	if (for_us && arp->op == WIRE_ARP_OP_REQUEST && (p->caps & IO_CAP_TX)) {
		arp_reply(ctx, buf, pkt);
		return;
	}
	if (for_us) {
		io_free(ctx->io, ctx->core, buf);
		return;
	}
	eng_drop(ctx, buf->port, DROP_arp_not_for_us, buf);
}

static struct eng_arp_hop *arp_hop_find(struct eng_ctx *ctx, uint16_t port, uint32_t ip)
{
	struct eng_arp_hop *free_hop = NULL;
	for (uint32_t i = 0; i < ENG_ARP_HOPS; i++) {
		struct eng_arp_hop *hop = &ctx->arp_hops[i];
		if (hop->used && hop->ip == ip && hop->port == port)
			return hop;
		if (!hop->used && free_hop == NULL)
			free_hop = hop;
	}
	if (free_hop != NULL) {
		*free_hop = (struct eng_arp_hop){.used = true, .port = port, .ip = ip};
		ctx->arp_hops_used++;
	}
	return free_hop;
}

/* The MAC of next hop `nh` from the core's cache, else from the shared table (then
 * cached). False when the table does not know it (resolve). */
static bool arp_cached_mac(struct eng_ctx *ctx, uint32_t nh, struct wire_mac *mac)
{
	struct arp_table *t = &ctx->inst->arp;
	MOS_STATIC_ASSERT(ENG_ARP_CACHE == 16, "the slot is the top 4 bits of the hash");
	struct eng_arp_cached *c = &ctx->arp_cache[(nh * 0x9E3779B1u) >> 28];
	uint64_t gen = arp_table_gen(t);
	if (c->ip == nh && c->gen == gen && ctx->now_ms <= c->until_ms) {
		*mac = c->mac;
		return true;
	}
	uint64_t until;
	if (arp_table_lookup_until(t, nh, ctx->now_ms, mac, &until) != ARP_FOUND)
		return false;
	*c = (struct eng_arp_cached){.ip = nh, .mac = *mac, .gen = gen, .until_ms = until};
	return true;
}

void net_l2_output(struct eng_ctx *ctx, struct io_buf *buf, uint16_t port, uint32_t nh)
{
	const struct eng_port *p = &ctx->inst->ports[port];
	struct wire_mac mac;
	buf->port = port;
	if (arp_cached_mac(ctx, nh, &mac)) {
		arp_fill_l2(buf, &mac, &p->mac);
		eng_tx(ctx, buf);
		return;
	}
	struct eng_arp_hop *hop = arp_hop_find(ctx, port, nh);
	if (hop == NULL || hop->count == ENG_ARP_PER_HOP) {
		eng_drop(ctx, port, DROP_arp_pending_full, buf);
		return;
	}
	hop->bufs[hop->count++] = *buf;
	if (hop->tries == 0) {
		hop->tries = 1;
		hop->next_try_ms = ctx->now_ms + ENG_ARP_RETRY_MS;
		arp_send(ctx, port, nh, false);
		if (!tw_timer_armed(&ctx->arp_timer))
			tw_arm(&ctx->wheel, &ctx->arp_timer, ctx->now_ms + 100);
	}
}

/* Every 100 ms while something waits: take what other cores learned, retry, give up. */
void net_arp_timer(struct eng_ctx *ctx)
{
	for (uint32_t i = 0; i < ENG_ARP_HOPS && ctx->arp_hops_used > 0; i++) {
		struct eng_arp_hop *hop = &ctx->arp_hops[i];
		struct wire_mac mac;
		if (!hop->used)
			continue;
		if (arp_table_lookup(&ctx->inst->arp, hop->ip, ctx->now_ms, &mac) ==
		    ARP_FOUND) {
			arp_hop_flush(ctx, hop, &mac);
		} else if (ctx->now_ms >= hop->next_try_ms) {
			if (hop->tries >= ENG_ARP_TRIES) {
				arp_hop_flush(ctx, hop, NULL);
				continue;
			}
			hop->tries++;
			hop->next_try_ms = ctx->now_ms + ENG_ARP_RETRY_MS;
			arp_send(ctx, hop->port, hop->ip, false);
		}
	}
}

void net_arp_flush_all(struct eng_ctx *ctx)
{
	for (uint32_t i = 0; i < ENG_ARP_HOPS; i++) {
		struct eng_arp_hop *hop = &ctx->arp_hops[i];
		if (hop->used)
			arp_hop_flush(ctx, hop, NULL);
	}
}
