/* api_mon_info.c - what a monitor tells about its flows: getsockopt(SOL_MONSOCKET),
 * mtcp_getpeername, mos_monitor_stats, and mos_monitor_flush. */
#include <arpa/inet.h>
#include <string.h>

#include "api/api_dispatch.h"
#include "api/api_mon.h"
#include "engine/ctx.h"

static int api_mon_put_int(void *optval, socklen_t *optlen, int v)
{
	if (*optlen < (socklen_t)sizeof v)
		return api_fail(EINVAL);
	memcpy(optval, &v, sizeof v);
	*optlen = sizeof v;
	return 0;
}

static int api_mon_buf_info(const struct mon_flow *f, int side, void *optval, socklen_t *optlen)
{
	const struct mon_side *R = &f->side[side];
	if (*optlen != (socklen_t)sizeof(struct tcp_buf_info))
		return api_fail(EINVAL);
	if (R->buf == NULL)
		return api_fail(ENODATA);
	/* mOS 0.3 semantics: the sequence number of offset 0, then logical offsets cut
	 * to 32 bits. A monitor consumes what is readable, so read == expected. */
	struct tcp_buf_info bi = {
		.tcpbi_init_seq = seq_raw(R->rcv_base),
		.tcpbi_last_byte_read = (uint32_t)R->rcv_ready,
		.tcpbi_next_byte_expected = (uint32_t)R->rcv_ready,
		.tcpbi_last_byte_received = (uint32_t)rbuf_tail(R->buf),
	};
	memcpy(optval, &bi, sizeof bi);
	return 0;
}

static int api_mon_frag_info(const struct mon_flow *f, int side, void *optval,
			     socklen_t *optlen)
{
	const struct mon_side *R = &f->side[side];
	size_t room = *optlen / sizeof(struct tcp_ring_fragment);
	if (room == 0)
		return api_fail(EINVAL);
	struct tcp_ring_fragment *out = optval;
	uint32_t n = R->buf != NULL ? rbuf_fragments(R->buf, out, (uint32_t)room) : 0;
	if (n < room) /* the {0, 0} end marker, when there is room */
		out[n++] = (struct tcp_ring_fragment){0, 0};
	*optlen = (socklen_t)(n * sizeof *out);
	return 0;
}

static void api_mon_side_info(const struct mon_flow *f, int side, struct mos_flow_side_info *o)
{
	const struct mon_side *s = &f->side[side];
	const struct mon_side *peer = &f->side[!side];
	memset(o, 0, sizeof *o);
	o->packets = s->pkts;
	o->bytes = s->bytes;
	o->rexmit_bytes = s->rexmit_bytes;
	o->conflict_bytes = s->conflict_bytes;
	o->missing_bytes = s->missing_bytes;
	/* What this endpoint sent is what its peer's side reads. */
	o->stream_bytes = peer->rcv_ready;
	o->isn = seq_raw(s->isn);
	o->state = mon_state_public(s->state);
	o->syn = s->syn;
	o->fin = s->fin;
	o->rst = s->rst;
}

static int api_mon_flow_info(const struct mon_flow *f, void *optval, socklen_t *optlen)
{
	if (*optlen < (socklen_t)sizeof(struct mos_flow_info))
		return api_fail(EINVAL);
	struct mos_flow_info fi;
	memset(&fi, 0, sizeof fi);
	fi.flow_id = f->flow_id;
	fi.first_ns = f->first_ns;
	fi.last_ns = f->last_ns;
	fi.end_reason = f->end_reason;
	fi.flags = (f->flags & MON_FF_MIDSTREAM) ? MOS_FLOW_MIDSTREAM : 0;
	api_mon_side_info(f, MOS_SIDE_CLI, &fi.side[MOS_SIDE_CLI]);
	api_mon_side_info(f, MOS_SIDE_SVR, &fi.side[MOS_SIDE_SVR]);
	memcpy(optval, &fi, sizeof fi);
	*optlen = sizeof fi;
	return 0;
}

static int api_mon_get_flow(struct mon_fsock *s, int optname, void *optval, socklen_t *optlen)
{
	const struct mon_flow *f = s->flow;
	switch (optname) {
	case MOS_INFO_CLIBUF:
	case MOS_INFO_SVRBUF:
		return api_mon_buf_info(f, optname == MOS_INFO_CLIBUF ? 0 : 1, optval, optlen);
	case MOS_FRAGINFO_CLIBUF:
	case MOS_FRAGINFO_SVRBUF:
		return api_mon_frag_info(f, optname == MOS_FRAGINFO_CLIBUF ? 0 : 1, optval,
					 optlen);
	case MOS_TCP_STATE_CLI:
	case MOS_TCP_STATE_SVR:
		return api_mon_put_int(
			optval, optlen,
			mon_state_public(f->side[optname - MOS_TCP_STATE_CLI].state));
	case MOS_TIMESTAMP: {
		if (*optlen < (socklen_t)sizeof(uint32_t))
			return api_fail(EINVAL);
		uint32_t us = f->last_ms * 1000u; /* ticks x 1000, wraps as in mOS 0.3 */
		memcpy(optval, &us, sizeof us);
		*optlen = sizeof us;
		return 0;
	}
	case MOS_FLOW_INFO:
		return api_mon_flow_info(f, optval, optlen);
	default:
		return api_fail(ENOSYS);
	}
}

static int api_mon_get_listener(struct mon_lsock *ls, int optname, void *optval,
				socklen_t *optlen)
{
	switch (optname) {
	case MOS_MIDSTREAM:
		if (ls->kind != MOS_SOCK_MONITOR_STREAM)
			return api_fail(ENOPROTOOPT);
		return api_mon_put_int(optval, optlen, atomic_load(&ls->midstream));
	case MOS_NO_CHECKSUM:
		return api_mon_put_int(optval, optlen, atomic_load(&ls->no_checksum) ? 1 : 0);
	case MOS_FRAGINFO_CLIBUF:
	case MOS_FRAGINFO_SVRBUF:
	case MOS_INFO_CLIBUF:
	case MOS_INFO_SVRBUF:
	case MOS_TCP_STATE_CLI:
	case MOS_TCP_STATE_SVR:
	case MOS_TIMESTAMP:
	case MOS_FLOW_INFO:
		return api_fail(ENOTSOCK); /* per-flow sockets only */
	default:
		return api_fail(ENOSYS);
	}
}

int api_mon_getsockopt(struct api_ctx *c, int id, int kind, void *obj, int optname,
		       void *optval, socklen_t *optlen)
{
	struct mon_ctx *m = mon_of(c->eng);
	(void)id;
	if (!api_kind_is_monitor(kind) || m == NULL)
		return api_fail(ENOTSOCK);
	if (optval == NULL || optlen == NULL)
		return api_fail(EFAULT);
	if (kind != MOS_SOCK_MONITOR_STREAM_ACTIVE)
		return api_mon_get_listener(obj, optname, optval, optlen);
	if (!mon_in_callback(m))
		return api_fail(EPERM);
	return api_mon_get_flow(obj, optname, optval, optlen);
}

/* ---- getpeername ------------------------------------------------------------------------- */

static void api_mon_sockaddr(struct sockaddr_in *sa, uint32_t ip, uint16_t port)
{
	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(ip);
	sa->sin_port = htons(port);
}

int mtcp_getpeername(mctx_t mctx, int sock, struct sockaddr *saddr, socklen_t *addrlen,
		     int side)
{
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL)
		return -1;
	/* End-host streams answer like BSD getpeername (the `side` is ignored). */
	if (socktab_get(&c->eng->socks, sock, NULL) == MOS_SOCK_STREAM)
		return api_es_getpeername(c, sock, saddr, addrlen);
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return -1;
	if (!mon_in_callback(m))
		return api_fail(EPERM);
	struct mon_fsock *s = api_mon_fsock(c, sock, ENOTSOCK);
	if (s == NULL)
		return -1;
	if (saddr == NULL || addrlen == NULL)
		return api_fail(EFAULT);
	const struct flow_key *k = &s->flow->key;
	struct sockaddr_in sa[2];
	api_mon_sockaddr(&sa[MOS_SIDE_CLI], k->saddr, k->sport);
	api_mon_sockaddr(&sa[MOS_SIDE_SVR], k->daddr, k->dport);
	if (side == MOS_SIDE_CLI || side == MOS_SIDE_SVR) {
		if (*addrlen != (socklen_t)sizeof(struct sockaddr))
			return api_fail(EINVAL);
		memcpy(saddr, &sa[side], sizeof sa[side]);
		return 0;
	}
	if (side != MOS_SIDE_BOTH || *addrlen != (socklen_t)(2 * sizeof(struct sockaddr)))
		return api_fail(EINVAL);
	memcpy(saddr, sa, sizeof sa);
	return 0;
}

/* ---- context-wide ------------------------------------------------------------------------ */

int mos_monitor_stats(int core, struct mos_monitor_stats *out)
{
	struct eng_instance *inst = api_proc.inst;
	if (inst == NULL)
		return api_fail(EALREADY);
	if (out == NULL || core < 0 || core >= inst->ctx_count || inst->ctx[core] == NULL)
		return api_fail(EINVAL);
	memset(out, 0, sizeof *out);
	const struct mon_ctx *m = mon_of(inst->ctx[core]);
	if (m == NULL)
		return 0;
	const _Atomic uint64_t *v = m->ctr.v;
	out->frames = ctr_load(&v[mon_ctr_frames]);
	out->tcp_packets = ctr_load(&v[mon_ctr_tcp_packets]);
	out->flows_created = ctr_load(&v[mon_ctr_flows_created]);
	out->flows_midstream = ctr_load(&v[mon_ctr_flows_midstream]);
	out->flows_ended = ctr_load(&v[mon_ctr_flows_ended]);
	out->flows_evicted = ctr_load(&v[mon_ctr_flows_evicted]);
	out->flows_active = out->flows_created - out->flows_ended;
	out->orphans = ctr_load(&v[mon_ctr_orphans]);
	out->table_full = ctr_load(&v[mon_ctr_table_full]);
	out->ipv6 = ctr_load(&v[mon_ctr_ipv6]);
	out->non_tcp = ctr_load(&v[mon_ctr_non_tcp]);
	out->bad_checksum = ctr_load(&v[mon_ctr_bad_checksum]);
	out->out_of_window = ctr_load(&v[mon_ctr_out_of_window]);
	out->buffer_nomem = ctr_load(&v[mon_ctr_buffer_nomem]);
	out->app_drops = ctr_load(&v[mon_ctr_app_drops]);
	return 0;
}

int mos_monitor_flush(mctx_t mctx)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return -1;
	if (c->threaded || mon_in_callback(m)) {
		/* The loop runs it between packets. */
		atomic_store(&m->flush_req, true);
		return 0;
	}
	if (!pthread_equal(c->owner, pthread_self()))
		return api_fail(EPERM);
	mon_flush(m);
	return 0;
}
