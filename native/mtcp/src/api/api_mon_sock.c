/* api_mon_sock.c - monitor sockets through the shared entry points (api_socket.c):
 * creation, close, SOL_MONSOCKET options; plus mtcp_bind_monitor_filter,
 * mtcp_getpeername, mos_monitor_stats and mos_monitor_flush. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "api/api_dispatch.h"
#include "api/api_mon.h"
#include "engine/ctx.h"

/* ---- context helpers ------------------------------------------------------------------ */

void api_mon_bind(struct api_ctx *c)
{
	uint8_t k[16];
	if (getrandom(k, sizeof k, GRND_NONBLOCK) != (ssize_t)sizeof k) {
		/* No entropy yet (early boot): a time-derived key still varies per run. */
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		uint64_t t = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
		for (size_t i = 0; i < sizeof k; i++)
			k[i] = (uint8_t)(t >> (8 * (i % 8))) ^ (uint8_t)(i * 37u);
	}
	struct siphash_key key = siphash_key_from_bytes(k);
	mon_ctx_bind(c->eng, &c->pub, &api_mon_udes, &key);
}

struct mon_ctx *api_mon_of(mctx_t mctx, struct api_ctx **cp)
{
	struct api_ctx *c = api_ctx_get(mctx);
	if (c == NULL)
		return NULL;
	if (cp != NULL)
		*cp = c;
	struct mon_ctx *m = mon_of(c->eng);
	if (m == NULL)
		return api_fail_null(ENOSYS);
	return m;
}

bool api_mon_on_thread(const struct api_ctx *c, const struct mon_ctx *m)
{
	if (mon_in_callback(m))
		return true;
	return !c->threaded && pthread_equal(c->owner, pthread_self());
}

struct mon_fsock *api_mon_fsock(struct api_ctx *c, int sock, int wrong_kind)
{
	void *obj;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return api_fail_null(EBADF);
	if (kind != MOS_SOCK_MONITOR_STREAM_ACTIVE)
		return api_fail_null(wrong_kind);
	return obj;
}

/* ---- creation and close -------------------------------------------------------------------
 */

int api_mon_socket(struct api_ctx *c, int type)
{
	struct mon_ctx *m = mon_of(c->eng);
	if (m == NULL)
		return api_fail(ENOSYS);
	int rc = mon_lsock_create(m, type);
	if (rc < 0)
		return api_fail(-rc);
	return rc;
}

int api_mon_close(struct api_ctx *c, int id, int kind, void *obj)
{
	struct mon_ctx *m = mon_of(c->eng);
	(void)id;
	if (kind != MOS_SOCK_MONITOR_STREAM_ACTIVE) {
		mon_lsock_close(m, obj);
		return 0;
	}
	/* A per-flow socket belongs to its flow: closing it stops its monitoring of both
	 * sides; the id is released with the flow. */
	if (!mon_in_callback(m))
		return api_fail(EPERM);
	struct mon_fsock *s = obj;
	mon_fsock_stop(m, s, MOS_SIDE_BOTH);
	s->flow->flags |= MON_FF_SETTLE;
	return 0;
}

/* ---- filters --------------------------------------------------------------------------------
 */

/* Compiles `expr` (NULL: keep the current filter) into *out; 0 or -1 with errno. */
static int api_mon_compile(const char *expr, struct mon_bpf **out)
{
	char err[256] = "";
	*out = NULL;
	if (expr == NULL)
		return 0;
	*out = mon_bpf_compile(expr, err, sizeof err);
	return *out != NULL ? 0 : -1;
}

static void api_mon_swap_filter(struct mon_ctx *m, struct mon_lsock *ls,
				struct mon_bpf *_Atomic *slot, struct mon_bpf *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&m->ctl_lock);
	/* The context's thread may be running the old program: it stays allocated until
	 * the socket is freed. */
	mon_bpf_retire(&ls->retired, atomic_exchange(slot, p));
	pthread_mutex_unlock(&m->ctl_lock);
}

int mtcp_bind_monitor_filter(mctx_t mctx, int sock, monitor_filter_t ft)
{
	struct api_ctx *c;
	struct mon_ctx *m = api_mon_of(mctx, &c);
	if (m == NULL)
		return -1;
	if (ft == NULL)
		return 0;
	void *obj;
	int kind = socktab_get(&c->eng->socks, sock, &obj);
	if (kind == MOS_SOCK_UNUSED)
		return api_fail(EBADF);
	if (kind != MOS_SOCK_MONITOR_STREAM && kind != MOS_SOCK_MONITOR_RAW)
		return api_fail(ENOPROTOOPT);
	struct mon_lsock *ls = obj;
	struct mon_bpf *a = NULL, *b = NULL;
	if (kind == MOS_SOCK_MONITOR_RAW) {
		if (api_mon_compile(ft->raw_pkt_filter, &a) != 0)
			return -1;
		api_mon_swap_filter(m, ls, &ls->syn_filter, a);
		return 0;
	}
	if (api_mon_compile(ft->stream_syn_filter, &a) != 0)
		return -1;
	if (api_mon_compile(ft->stream_orphan_filter, &b) != 0) {
		int e = errno;
		mon_bpf_free(a);
		return api_fail(e);
	}
	api_mon_swap_filter(m, ls, &ls->syn_filter, a);
	api_mon_swap_filter(m, ls, &ls->orphan_filter, b);
	return 0;
}

/* ---- options ----------------------------------------------------------------------------- */

static int api_mon_int(const void *optval, socklen_t optlen, int *v)
{
	if (optval == NULL)
		return api_fail(EFAULT);
	if (optlen < (socklen_t)sizeof(int))
		return api_fail(EINVAL);
	memcpy(v, optval, sizeof *v);
	return 0;
}

static int api_mon_side_of(int optname)
{
	return optname == MOS_CLIBUF || optname == MOS_CLIOVERLAP ||
			       optname == MOS_INFO_CLIBUF || optname == MOS_FRAGINFO_CLIBUF
		       ? MOS_SIDE_CLI
		       : MOS_SIDE_SVR;
}

static int api_mon_set_nocsum(struct mon_ctx *m, struct mon_lsock *ls, int v)
{
	pthread_mutex_lock(&m->ctl_lock);
	bool was = atomic_exchange(&ls->no_checksum, v != 0);
	if (was != (v != 0) && !atomic_load(&ls->closed)) {
		if (v != 0)
			atomic_fetch_add(&m->n_nocsum, 1);
		else
			atomic_fetch_sub(&m->n_nocsum, 1);
	}
	pthread_mutex_unlock(&m->ctl_lock);
	return 0;
}

/* Passive and raw sockets: defaults for future flows (any thread). */
static int api_mon_set_listener(struct mon_ctx *m, struct mon_lsock *ls, int optname,
				const void *optval, socklen_t optlen)
{
	int v = 0;
	if (optname == MOS_CLIOVERLAP || optname == MOS_SVROVERLAP) {
		if (optval == NULL)
			return api_fail(EFAULT);
		if (optlen < 1)
			return api_fail(EINVAL);
		v = *(const uint8_t *)optval;
	} else if (api_mon_int(optval, optlen, &v) != 0) {
		return -1;
	}
	if (optname == MOS_NO_CHECKSUM)
		return api_mon_set_nocsum(m, ls, v);
	if (ls->kind != MOS_SOCK_MONITOR_STREAM)
		return api_fail(ENOPROTOOPT);
	int side = api_mon_side_of(optname);
	switch (optname) {
	case MOS_CLIBUF:
	case MOS_SVRBUF:
		if (v < 0 || (uint32_t)v > RBUF_CAPACITY_MAX)
			return api_fail(EINVAL);
		atomic_store(&ls->buf_bytes[side], v);
		return 0;
	case MOS_CLIOVERLAP:
	case MOS_SVROVERLAP:
		if (v >= MOS_OVERLAP_CNT)
			return api_fail(EINVAL);
		atomic_store(&ls->overlap[side], (uint8_t)v);
		return 0;
	case MOS_STOP_MON:
		if (v < MOS_SIDE_CLI || v > MOS_SIDE_BOTH)
			return api_fail(EINVAL);
		for (int x = 0; x < 2; x++) {
			if (v == x || v == MOS_SIDE_BOTH)
				atomic_store(&ls->monitor[x], 0);
		}
		return 0;
	case MOS_MIDSTREAM:
		if (v < MOS_MIDSTREAM_OFF || v > MOS_MIDSTREAM_FIRST)
			return api_fail(EINVAL);
		atomic_store(&ls->midstream, v);
		return 0;
	default:
		return api_fail(ENOSYS);
	}
}

/* Per-flow sockets (callback only): this flow now. */
static int api_mon_set_flow(struct mon_ctx *m, struct mon_fsock *s, int optname,
			    const void *optval, socklen_t optlen)
{
	struct mon_flow *f = s->flow;
	int v = 0;
	if (optname == MOS_CLIOVERLAP || optname == MOS_SVROVERLAP) {
		if (optval == NULL)
			return api_fail(EFAULT);
		v = *(const uint8_t *)optval;
	} else if (api_mon_int(optval, optlen, &v) != 0) {
		return -1;
	}
	int side = api_mon_side_of(optname);
	struct mon_side *sd = &f->side[side];
	switch (optname) {
	case MOS_CLIBUF:
	case MOS_SVRBUF: {
		if (v < 0)
			return api_fail(EINVAL);
		int rc = mon_reasm_resize(m, f, side, (uint32_t)v);
		return rc == 0 ? 0 : api_fail(-rc);
	}
	case MOS_CLIOVERLAP:
	case MOS_SVROVERLAP:
		if (!(sd->flags & MON_SF_BUFFERED))
			return api_fail(EFAULT);
		if (v >= MOS_OVERLAP_CNT)
			return api_fail(EINVAL);
		sd->overlap = (uint8_t)v;
		if (sd->buf != NULL)
			rbuf_set_policy(sd->buf, (uint8_t)v);
		return 0;
	case MOS_STOP_MON:
		if (v < MOS_SIDE_CLI || v > MOS_SIDE_BOTH)
			return api_fail(EINVAL);
		mon_fsock_stop(m, s, v);
		f->flags |= MON_FF_SETTLE;
		return 0;
	default:
		return api_fail(ENOSYS);
	}
}

int api_mon_setsockopt(struct api_ctx *c, int id, int kind, void *obj, int optname,
		       const void *optval, socklen_t optlen)
{
	struct mon_ctx *m = mon_of(c->eng);
	(void)id;
	if (!api_kind_is_monitor(kind) || m == NULL)
		return api_fail(ENOTSOCK);
	if (optname == MOS_SEQ_REMAP || optname == MOS_FRAG_CLIBUF ||
	    optname == MOS_FRAG_SVRBUF)
		return api_fail(ENOSYS);
	if (kind != MOS_SOCK_MONITOR_STREAM_ACTIVE)
		return api_mon_set_listener(m, obj, optname, optval, optlen);
	if (!mon_in_callback(m))
		return api_fail(EPERM);
	return api_mon_set_flow(m, obj, optname, optval, optlen);
}
