/* icmp.c - ICMP addressed to this host: echo requests are answered (RFC 792, RFC 1122
 * §3.2.2.6); other messages are counted and dropped (the TCP layer consumes the
 * errors that concern it once it exists). */
#include <string.h>

#include "base/assert.h"
#include "engine/ctx.h"
#include "wire/icmp.h"

void net_icmp_input(struct eng_ctx *ctx, struct io_buf *buf, const struct wire_pkt *pkt)
{
	const struct eng_port *p = &ctx->inst->ports[buf->port];
	if (pkt->icmp.type != WIRE_ICMP_ECHO_REQUEST || !(p->caps & IO_CAP_TX)) {
		eng_drop(ctx, buf->port, DROP_icmp_unsupported, buf);
		return;
	}
	/* The reply is built in the request's own buffer and leaves by the same port. */
	size_t len = wire_icmp_build_echo_reply(buf->data, pkt, buf->data, buf->cap);
	if (len == 0) {
		eng_drop(ctx, buf->port, DROP_tx_no_buffer, buf);
		return;
	}
	memcpy(buf->data + 6, p->mac.b, 6); /* from the port, even if asked on a group MAC */
	buf->len = (uint16_t)len;
	buf->flags = 0;
	eng_count(ctx, buf->port, eng_pctr_icmp_echo_replies, 1);
	eng_tx(ctx, buf);
}
