/* tcp_sim.h - two end-host engines (a client and a server) in one process over the sim
 * link with seeded faults and a virtual clock. A scenario runs a number of
 * connections, each carrying a seeded byte pattern both ways, and checks:
 *   - delivery is byte-exact in both directions;
 *   - every connection ends, and afterwards every pool is full again and both flow
 *     tables are empty (ctx->flows back to 0);
 *   - retransmissions stay bounded relative to what the link destroyed.
 * Used by test_tcp_sim.c (ctest) and bench/src/tcp_sim_sweep.c (the long sweep). No
 * assertion here: a failure is a message in sim->err, returned to the caller, which
 * prints the seed. Replay with the same seed gives the same run.
 *
 * Application protocol of one connection (index i): the client sends a 16-byte header
 * (i, request length, response length, magic) and the request; the server checks both
 * and answers with the response. Then, by i's parity, either the server closes first
 * (the client reads EOF and closes) or the client closes once it has the whole
 * response (the server reads EOF and closes). Both sides drive their sockets through
 * an epoll instance (level- or edge-triggered by seed) and always read and write until
 * EAGAIN. */
#ifndef MOS_TEST_TCP_SIM_H
#define MOS_TEST_TCP_SIM_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/es.h"
#include "base/prng.h"
#include "engine/config.h"
#include "engine/ctx.h"
#include "io/io_open.h"
#include "io/sim.h"
#include "tcp/tcp_int.h"

#define TS_MAGIC 0x6d6f734eu
#define TS_HDR 16
#define TS_MAX_SLOTS 512
#define TS_SRV_PORT 80
#define TS_MS 1000000ull

struct ts_params {
	uint32_t loss_ppm, dup_ppm, reorder_ppm, corrupt_ppm;
	uint64_t delay_ns, jitter_ns;
	uint32_t rmem, wmem;        /* bytes per stream */
	uint32_t conns;             /* connections in the scenario */
	uint32_t concurrency;       /* at most this many at once (<= TS_MAX_SLOTS) */
	uint32_t req_max, resp_max; /* lengths drawn in [0, max] */
	bool edge_triggered;
	uint32_t tw_ms;                     /* TIME_WAIT */
	uint8_t cli_opts_off, srv_opts_off; /* options a side refuses (WIRE_TCPOPT_*) */
	bool offload;           /* ports claim checksum offloads (the sim fills checksums) */
	uint64_t time_limit_ns; /* virtual */
};

struct ts_host {
	struct mos_config *cfg;
	struct io_dev *io;
	struct eng_instance *inst;
	struct es_personality pers;
	struct eng_ctx *ctx;
	struct es_ctx *es;
	int ep;
};

struct ts_conn {
	int id;       /* socket id, -1 when free */
	uint32_t idx; /* connection index */
	uint32_t req, resp;
	uint64_t sent, rcvd; /* payload bytes (after the header) */
	uint32_t hdr_done;   /* header bytes sent (client) / received (server) */
	uint8_t hdr[TS_HDR];
	bool got_eof;
	bool closed_by_us;
};

struct ts_sim {
	struct ts_params p;
	uint64_t seed;
	struct prng rng;
	struct sim_net *net;
	struct ts_host cli, srv;
	int lsn;
	struct ts_conn cc[TS_MAX_SLOTS]; /* client side */
	struct ts_conn sc[TS_MAX_SLOTS]; /* server side */
	uint32_t started, finished_cli, finished_srv;
	uint64_t bytes;  /* payload verified, both directions */
	uint64_t rtx;    /* retransmitted data segments, both stacks */
	uint64_t lost;   /* frames the link lost or corrupted */
	uint64_t end_ns; /* virtual time at the end */
	char err[512];
};

__attribute__((unused, format(printf, 2, 3))) static bool ts_fail(struct ts_sim *s,
								  const char *fmt, ...)
{
	if (s->err[0] != '\0')
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->err, sizeof s->err, fmt, ap);
	va_end(ap);
	return false;
}

/* Byte `pos` of the stream of connection idx in direction dir. */
static inline uint8_t ts_byte(uint64_t seed, uint32_t idx, int dir, uint64_t pos)
{
	uint64_t x = (pos + 1) * 0x9e3779b97f4a7c15ull ^ (seed * 31 + idx * 2u + (uint32_t)dir);
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (uint8_t)(x >> 56);
}

static inline bool ts_host_init(struct ts_sim *s, struct ts_host *h, const char *name,
				const char *ip, const char *mac, const char *peer_ip,
				const char *peer_mac, uint8_t key)
{
	char text[1024];
	snprintf(text, sizeof text,
		 "mos {\n forward = 0\n max_concurrency = %u\n max_num_buffers = %u\n"
		 " rmem_size = %u\n wmem_size = %u\n tcp_tw_interval = %ums\n tcp_timeout = 0\n"
		 " netdev {\n  %s 0x1 device=link0 ip=%s/24 mac=%s\n }\n"
		 " arp_table {\n  %s %s\n }\n}\n",
		 TS_MAX_SLOTS * 2, TS_MAX_SLOTS * 2, s->p.rmem, s->p.wmem, s->p.tw_ms, name, ip,
		 mac, peer_ip, peer_mac);
	if (mos_config_parse(text, strlen(text), name, NULL, NULL, &h->cfg) != 0)
		return ts_fail(s, "config of %s does not parse", name);
	char err[256] = "";
	struct io_open_args a = {
		.cfg = h->cfg, .queues = 1, .sim = s->net, .err = err, .err_len = sizeof err};
	if (io_sim_open(&a, &h->io) != 0)
		return ts_fail(s, "io_sim_open: %s", err);
	if (eng_instance_create(h->cfg, h->io, &h->inst, err, sizeof err) != 0)
		return ts_fail(s, "instance: %s", err);
	uint8_t secret[32];
	uint64_t st = s->seed * 1000003u + key;
	for (int i = 0; i < 32; i++)
		secret[i] = (uint8_t)prng_splitmix64(&st);
	es_personality_init(&h->pers, secret);
	h->inst->end_host = &h->pers.base;
	h->ctx = eng_ctx_create(h->inst, 0, sim_net_now_ns(s->net));
	if (h->ctx == NULL)
		return ts_fail(s, "context of %s", name);
	h->es = es_of(h->ctx);
	h->ep = es_epoll_create(h->es, 1024);
	return h->ep >= 0 ? true : ts_fail(s, "epoll_create: %d", h->ep);
}

static inline void ts_host_fini(struct ts_host *h)
{
	if (h->ctx != NULL)
		eng_ctx_destroy(h->ctx);
	if (h->inst != NULL)
		eng_instance_destroy(h->inst);
	io_close(h->io);
	mos_config_free(h->cfg);
	memset(h, 0, sizeof *h);
}

static inline bool ts_setup(struct ts_sim *s)
{
	struct sim_net_params sp = sim_net_default_params();
	sp.seed = s->seed;
	sp.faults.loss_ppm = s->p.loss_ppm;
	sp.faults.dup_ppm = s->p.dup_ppm;
	sp.faults.reorder_ppm = s->p.reorder_ppm;
	sp.faults.corrupt_ppm = s->p.corrupt_ppm;
	sp.faults.corrupt_past_l2 = true;
	sp.faults.delay_ns = s->p.delay_ns;
	sp.faults.jitter_ns = s->p.jitter_ns;
	sp.faults.keep_order = true;
	sp.faults.reorder_min_ns = s->p.delay_ns / 2 + 100000;
	sp.faults.reorder_max_ns = s->p.delay_ns * 2 + 1000000;
	sp.link_queue_frames = 8192;
	sp.offload_csum = s->p.offload;
	s->net = sim_net_create(&sp);
	if (s->net == NULL)
		return ts_fail(s, "sim_net_create");
	prng_init(&s->rng, s->seed);
	if (!ts_host_init(s, &s->cli, "cli0", "10.0.0.1", "02:00:00:00:00:0a", "10.0.0.2",
			  "02:00:00:00:00:0b", 1) ||
	    !ts_host_init(s, &s->srv, "srv0", "10.0.0.2", "02:00:00:00:00:0b", "10.0.0.1",
			  "02:00:00:00:00:0a", 2))
		return false;
	s->cli.es->tcp.opts_off = s->p.cli_opts_off;
	s->srv.es->tcp.opts_off = s->p.srv_opts_off;
	s->lsn = es_socket(s->srv.es);
	if (s->lsn < 0 || es_bind(s->srv.es, s->lsn, 0, TS_SRV_PORT) != 0 ||
	    es_listen(s->srv.es, s->lsn, (int)TS_MAX_SLOTS) != 0)
		return ts_fail(s, "server listen");
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN, .data.u64 = UINT64_MAX};
	if (es_epoll_ctl(s->srv.es, s->srv.ep, MOS_EPOLL_CTL_ADD, s->lsn, &ev) != 0)
		return ts_fail(s, "epoll add listener");
	for (int i = 0; i < TS_MAX_SLOTS; i++)
		s->cc[i].id = s->sc[i].id = -1;
	return true;
}

static inline uint32_t ts_events(const struct ts_sim *s)
{
	return MOS_EPOLLIN | MOS_EPOLLOUT | MOS_EPOLLRDHUP |
	       (s->p.edge_triggered ? (uint32_t)MOS_EPOLLET : 0);
}

/* ---- client ---------------------------------------------------------------------- */

static inline bool ts_cli_start(struct ts_sim *s, int slot)
{
	struct ts_conn *c = &s->cc[slot];
	memset(c, 0, sizeof *c);
	c->idx = s->started++;
	c->req = (uint32_t)prng_below(&s->rng, (uint64_t)s->p.req_max + 1);
	c->resp = (uint32_t)prng_below(&s->rng, (uint64_t)s->p.resp_max + 1);
	uint32_t h[4] = {c->idx, c->req, c->resp, TS_MAGIC};
	memcpy(c->hdr, h, TS_HDR);
	c->id = es_socket(s->cli.es);
	if (c->id < 0)
		return ts_fail(s, "client socket: %d", c->id);
	int rc = es_connect(s->cli.es, c->id, 0x0a000002u, TS_SRV_PORT);
	if (rc != 0)
		return ts_fail(s, "connect #%u: %d", c->idx, rc);
	struct mtcp_epoll_event ev = {.events = ts_events(s), .data.u64 = (uint64_t)slot};
	return es_epoll_ctl(s->cli.es, s->cli.ep, MOS_EPOLL_CTL_ADD, c->id, &ev) == 0 ||
	       ts_fail(s, "epoll add client");
}

/* Writes header (client) and payload of direction dir from where it stopped, until
 * EAGAIN or the end; false on a hard error. */
static inline bool ts_push(struct ts_sim *s, struct es_ctx *es, struct ts_conn *c, int dir,
			   uint64_t total, bool *progress)
{
	uint8_t buf[4096];
	for (;;) {
		size_t n = 0, hdr = 0;
		if (dir == 0 && c->hdr_done < TS_HDR) {
			hdr = TS_HDR - c->hdr_done;
			memcpy(buf, c->hdr + c->hdr_done, hdr);
			n = hdr;
		}
		for (uint64_t pos = c->sent; n < sizeof buf && pos < total; pos++)
			buf[n++] = ts_byte(s->seed, c->idx, dir, pos);
		if (n == 0)
			return true;
		ssize_t w = es_send(es, c->id, buf, n);
		if (w == -EAGAIN)
			return true;
		if (w <= 0)
			return ts_fail(s, "send #%u dir %d: %zd", c->idx, dir, w);
		*progress = true;
		if ((size_t)w <= hdr) {
			c->hdr_done += (uint32_t)w;
		} else {
			c->hdr_done += (uint32_t)hdr;
			c->sent += (size_t)w - hdr;
		}
	}
}

/* Reads and checks payload of direction dir; *eof at end of stream. */
static inline bool ts_pull(struct ts_sim *s, struct es_ctx *es, struct ts_conn *c, int dir,
			   uint64_t total, bool *progress)
{
	uint8_t buf[4096];
	for (;;) {
		ssize_t n = es_recv(es, c->id, buf, sizeof buf, 0);
		if (n == -EAGAIN)
			return true;
		if (n < 0)
			return ts_fail(s, "recv #%u dir %d: %zd", c->idx, dir, n);
		*progress = true;
		if (n == 0) {
			c->got_eof = true;
			return true;
		}
		for (ssize_t i = 0; i < n; i++) {
			if (c->rcvd >= total)
				return ts_fail(s, "#%u dir %d: %zd bytes past the end", c->idx,
					       dir, n - i);
			uint8_t want = ts_byte(s->seed, c->idx, dir, c->rcvd);
			if (buf[i] != want)
				return ts_fail(
					s, "#%u dir %d: byte %llu is 0x%02x, expected 0x%02x",
					c->idx, dir, (unsigned long long)c->rcvd, buf[i], want);
			c->rcvd++;
		}
		s->bytes += (uint64_t)n;
	}
}

static inline bool ts_close(struct ts_sim *s, struct ts_host *h, struct ts_conn *c)
{
	int rc = es_close(h->es, c->id);
	c->id = -1;
	return rc == 0 || ts_fail(s, "close: %d", rc);
}

static inline bool ts_cli_pump(struct ts_sim *s, int slot, bool *progress)
{
	struct ts_conn *c = &s->cc[slot];
	if (!ts_push(s, s->cli.es, c, 0, c->req, progress) ||
	    !ts_pull(s, s->cli.es, c, 1, c->resp, progress))
		return false;
	bool all = c->rcvd == c->resp && c->sent == c->req && c->hdr_done == TS_HDR;
	bool client_first = (c->idx & 1) == 0;
	if (c->got_eof && !all)
		return ts_fail(s, "#%u: client saw EOF after %llu of %u bytes", c->idx,
			       (unsigned long long)c->rcvd, c->resp);
	if (all && (client_first || c->got_eof)) {
		s->finished_cli++;
		*progress = true;
		return ts_close(s, &s->cli, c);
	}
	return true;
}

/* ---- server ---------------------------------------------------------------------- */

static inline bool ts_srv_accept(struct ts_sim *s, bool *progress)
{
	for (;;) {
		uint32_t ip;
		uint16_t port;
		struct tcp_tcb *orphan;
		int id = es_accept(s->srv.es, s->lsn, &ip, &port, &orphan);
		if (id == -EAGAIN)
			return true;
		if (id < 0)
			return ts_fail(s, "accept: %d", id);
		*progress = true;
		int slot = 0;
		while (slot < TS_MAX_SLOTS && s->sc[slot].id >= 0)
			slot++;
		if (slot == TS_MAX_SLOTS)
			return ts_fail(s, "server out of slots");
		struct ts_conn *c = &s->sc[slot];
		memset(c, 0, sizeof *c);
		c->id = id;
		struct mtcp_epoll_event ev = {.events = ts_events(s),
					      .data.u64 = (uint64_t)slot};
		if (es_epoll_ctl(s->srv.es, s->srv.ep, MOS_EPOLL_CTL_ADD, id, &ev) != 0)
			return ts_fail(s, "epoll add server conn");
	}
}

/* The request header: who this is and how long both directions are. */
static inline bool ts_srv_header(struct ts_sim *s, struct ts_conn *c, bool *progress)
{
	while (c->hdr_done < TS_HDR) {
		ssize_t n = es_recv(s->srv.es, c->id, c->hdr + c->hdr_done,
				    TS_HDR - c->hdr_done, 0);
		if (n == -EAGAIN)
			return true;
		if (n <= 0)
			return ts_fail(s, "server header recv: %zd", n);
		*progress = true;
		c->hdr_done += (uint32_t)n;
	}
	uint32_t h[4];
	memcpy(h, c->hdr, TS_HDR);
	if (h[3] != TS_MAGIC)
		return ts_fail(s, "bad header magic");
	c->idx = h[0];
	c->req = h[1];
	c->resp = h[2];
	return true;
}

static inline bool ts_srv_pump(struct ts_sim *s, int slot, bool *progress)
{
	struct ts_conn *c = &s->sc[slot];
	if (!ts_srv_header(s, c, progress))
		return false;
	if (c->hdr_done < TS_HDR)
		return true;
	if (!ts_pull(s, s->srv.es, c, 0, c->req, progress))
		return false;
	if (c->rcvd == c->req && !ts_push(s, s->srv.es, c, 1, c->resp, progress))
		return false;
	bool all = c->rcvd == c->req && c->sent == c->resp;
	bool server_first = (c->idx & 1) == 1;
	if (c->got_eof && !all)
		return ts_fail(s, "#%u: server saw EOF after %llu of %u bytes", c->idx,
			       (unsigned long long)c->rcvd, c->req);
	if (all && (server_first || c->got_eof)) {
		s->finished_srv++;
		*progress = true;
		return ts_close(s, &s->srv, c);
	}
	return true;
}

static inline bool ts_apps(struct ts_sim *s, bool *progress)
{
	struct mtcp_epoll_event ev[64];
	while (s->started < s->p.conns) {
		int slot = 0, active = 0;
		for (int i = 0; i < TS_MAX_SLOTS; i++)
			active += s->cc[i].id >= 0;
		if ((uint32_t)active >= s->p.concurrency)
			break;
		while (s->cc[slot].id >= 0)
			slot++;
		if (!ts_cli_start(s, slot))
			return false;
		*progress = true;
	}
	int n = es_epoll_collect(s->cli.es, s->cli.ep, ev, 64);
	for (int i = 0; i < n; i++) {
		int slot = (int)ev[i].data.u64;
		if (s->cc[slot].id >= 0 && !ts_cli_pump(s, slot, progress))
			return false;
	}
	n = es_epoll_collect(s->srv.es, s->srv.ep, ev, 64);
	for (int i = 0; i < n; i++) {
		if (ev[i].data.u64 == UINT64_MAX) {
			if (!ts_srv_accept(s, progress))
				return false;
			continue;
		}
		int slot = (int)ev[i].data.u64;
		if (s->sc[slot].id >= 0 && !ts_srv_pump(s, slot, progress))
			return false;
	}
	return true;
}

/* Debugging aid: one line per live TCB of a host (TS_DUMP=1 in the environment). */
static inline void ts_dump(struct ts_host *h, const char *who)
{
	struct tcp_stack *t = &h->es->tcp;
	for (uint32_t i = 0; i < pool_capacity(&t->tcbs); i++) {
		if (!pool_is_live(&t->tcbs, i))
			continue;
		struct tcp_tcb *c = pool_at(&t->tcbs, i);
		fprintf(stderr,
			"%s tcb %u: st %u f 0x%x out 0x%x una %u nxt %u max %u wnd %u cwnd %u "
			"ssth %u "
			"q %u rcv_nxt %u adv %u rwin %u rtx %d slow %d del %d sflags 0x%x sb "
			"%u rto %u retries %u srtt %u var %u\n",
			who, i, c->state, c->f, c->out, c->snd_una.v - c->iss.v,
			c->snd_nxt.v - c->iss.v, c->snd_max.v - c->iss.v, c->snd_wnd, c->cwnd,
			c->ssthresh, tcp_snd_queued(c), c->rcv_nxt.v - c->irs.v,
			c->rcv_adv.v - c->irs.v, tcp_rcv_window(c),
			tw_timer_armed(&c->rtx_timer), tw_timer_armed(&c->slow_timer),
			tw_timer_armed(&c->delack_timer), atomic_load(&c->sflags), c->sb_n,
			c->rto_ms, c->retries, c->srtt_us, c->rttvar_us);
	}
}

static inline uint64_t ts_next_ns(struct ts_sim *s)
{
	uint64_t t = sim_net_next_event_ns(s->net);
	uint64_t a = eng_ctx_next_deadline_ns(s->cli.ctx),
		 b = eng_ctx_next_deadline_ns(s->srv.ctx);
	if (a < t)
		t = a;
	if (b < t)
		t = b;
	return t;
}

static inline void ts_poll_both(struct ts_sim *s)
{
	uint64_t now = sim_net_now_ns(s->net);
	eng_ctx_poll(s->cli.ctx, now);
	eng_ctx_poll(s->srv.ctx, now);
}

/* Runs until `done(s)` or the time limit. */
static inline bool ts_loop(struct ts_sim *s, bool (*done)(struct ts_sim *))
{
	uint32_t same = 0;
	uint64_t last = UINT64_MAX;
	while (!done(s)) {
		uint64_t now = sim_net_now_ns(s->net);
		if (now > s->p.time_limit_ns && getenv("TS_DUMP") != NULL) {
			ts_dump(&s->cli, "cli");
			ts_dump(&s->srv, "srv");
		}
		if (now > s->p.time_limit_ns)
			return ts_fail(s, "time limit at %.3f s: started %u, finished %u/%u",
				       (double)now / 1e9, s->started, s->finished_cli,
				       s->finished_srv);
		ts_poll_both(s);
		bool progress = false;
		if (!ts_apps(s, &progress))
			return false;
		if (done(s))
			break;
		same = now == last ? same + 1 : 0;
		last = now;
		if (progress && same < 100000)
			continue;
		uint64_t next = ts_next_ns(s);
		if (next == UINT64_MAX && !done(s)) {
			if (getenv("TS_DUMP") != NULL) {
				ts_dump(&s->cli, "cli");
				ts_dump(&s->srv, "srv");
			}
			return ts_fail(s, "stuck at %.3f s: nothing pending",
				       (double)now / 1e9);
		}
		if (next <= now)
			next = now + (same > 1000 ? TS_MS : 0);
		if (next > now)
			sim_net_set_time(s->net, next);
	}
	return true;
}

static inline bool ts_all_done(struct ts_sim *s)
{
	return s->finished_cli == s->p.conns && s->finished_srv == s->p.conns;
}

static inline bool ts_drained(struct ts_sim *s)
{
	return tcp_stack_conn_count(&s->cli.es->tcp) == 0 &&
	       tcp_stack_conn_count(&s->srv.es->tcp) == 0;
}

/* Nothing may be left once every connection ended. */
static inline bool ts_check_empty(struct ts_sim *s, struct ts_host *h, const char *who)
{
	struct tcp_stack *t = &h->es->tcp;
	tcp_stack_poll(t); /* frees what the last poll marked */
	if (pool_in_use(&t->tcbs) != 0 || pool_in_use(&t->sndbufs) != 0 ||
	    pool_in_use(&t->rcvbufs) != 0 || rbuf_pool_segments_in_use(&t->ooo_pool) != 0 ||
	    rbuf_pool_maps_in_use(&t->ooo_pool) != 0)
		return ts_fail(s, "%s leaks: tcbs %u snd %u rcv %u ooo %u", who,
			       pool_in_use(&t->tcbs), pool_in_use(&t->sndbufs),
			       pool_in_use(&t->rcvbufs),
			       rbuf_pool_segments_in_use(&t->ooo_pool));
	if (flow_table_count(&t->flows) != 0 || atomic_load(&h->ctx->flows) != 0)
		return ts_fail(s, "%s still has %u flows", who, flow_table_count(&t->flows));
	if (pool_in_use(&h->es->items) != 0 || h->ctx->socks.used != 0)
		return ts_fail(s, "%s leaks epoll items (%u) or ids (%u)", who,
			       pool_in_use(&h->es->items), h->ctx->socks.used);
	return true;
}

static inline void ts_count(struct ts_sim *s)
{
	s->rtx =
		s->cli.es->tcp.ctr.v[tcp_ctr_rtx_segs] + s->srv.es->tcp.ctr.v[tcp_ctr_rtx_segs];
	struct sim_link_stats st;
	if (sim_link_stats(s->net, "link0", SIM_DIR_BOTH, &st) == 0)
		s->lost = st.lost + st.corrupted + st.queue_dropped;
}

/* Runs one scenario; returns true when every invariant held (else s->err says why). */
static inline bool ts_run(struct ts_sim *s)
{
	bool ok = ts_setup(s) && ts_loop(s, ts_all_done);
	if (ok) {
		/* Close the listener and the epolls, then let TIME_WAIT and retransmissions
		 * of the last FINs play out. */
		es_close(s->srv.es, s->lsn);
		es_close(s->srv.es, s->srv.ep);
		es_close(s->cli.es, s->cli.ep);
		ok = ts_loop(s, ts_drained) && ts_check_empty(s, &s->cli, "client") &&
		     ts_check_empty(s, &s->srv, "server");
	}
	if (s->net != NULL && s->cli.es != NULL && s->srv.es != NULL)
		ts_count(s);
	if (ok) {
		/* A retransmission storm (e.g. resending whole windows) would exceed this. */
		uint64_t bound = 4 * s->lost + 2 * s->p.conns + 200;
		if (s->p.reorder_ppm > 0 || s->p.jitter_ns > 0 || s->p.dup_ppm > 0)
			bound += s->p.conns * 4 + s->bytes / 1448 / 8;
		if (s->rtx > bound)
			ok = ts_fail(s,
				     "%llu retransmissions for %llu lost frames (bound %llu)",
				     (unsigned long long)s->rtx, (unsigned long long)s->lost,
				     (unsigned long long)bound);
	}
	s->end_ns = s->net != NULL ? sim_net_now_ns(s->net) : 0;
	return ok;
}

static inline void ts_free(struct ts_sim *s)
{
	ts_host_fini(&s->cli);
	ts_host_fini(&s->srv);
	sim_net_destroy(s->net);
	s->net = NULL;
}

/* A mixed scenario from the seed: faults up to loss_max_ppm, bulk or short. */
static inline void ts_params_for_seed(struct ts_params *p, uint64_t seed, uint32_t loss_max_ppm)
{
	struct prng r;
	prng_init_stream(&r, seed, 99);
	memset(p, 0, sizeof *p);
	p->loss_ppm = (uint32_t)prng_below(&r, (uint64_t)loss_max_ppm + 1);
	p->dup_ppm = prng_chance(&r, 1, 3) ? (uint32_t)prng_below(&r, 20001) : 0;
	p->reorder_ppm = prng_chance(&r, 1, 3) ? (uint32_t)prng_below(&r, 50001) : 0;
	p->corrupt_ppm = prng_chance(&r, 1, 4) ? (uint32_t)prng_below(&r, 10001) : 0;
	p->delay_ns = (prng_below(&r, 20) + 1) * 250000ull; /* 0.25 .. 5 ms */
	p->jitter_ns = prng_chance(&r, 1, 3) ? prng_below(&r, 1000000) : 0;
	static const uint32_t bufs[] = {8192, 16384, 65536, 262144};
	p->rmem = bufs[prng_below(&r, 4)];
	p->wmem = bufs[prng_below(&r, 4)];
	p->edge_triggered = prng_chance(&r, 1, 2);
	p->tw_ms = prng_chance(&r, 1, 2) ? 0 : 200;
	/* A quarter of the runs without SACK (NewReno), some without timestamps or
	 * window scaling. */
	static const uint8_t offs[] = {WIRE_TCPOPT_SACK_PERM, WIRE_TCPOPT_TS, WIRE_TCPOPT_WS,
				       WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_TS};
	if (prng_chance(&r, 1, 2)) {
		uint8_t off = offs[prng_below(&r, 4)];
		if (prng_chance(&r, 1, 2))
			p->cli_opts_off = off;
		else
			p->srv_opts_off = off;
	}
	if (prng_chance(&r, 1, 3)) { /* bulk */
		p->conns = 2 + (uint32_t)prng_below(&r, 3);
		p->concurrency = p->conns;
		p->req_max = 1u << 20;
		p->resp_max = 2u << 20;
	} else { /* many short connections */
		p->conns = 200 + (uint32_t)prng_below(&r, 300);
		p->concurrency = 8 + (uint32_t)prng_below(&r, 120);
		p->req_max = 600;
		p->resp_max = 6000;
	}
	p->time_limit_ns = 3600ull * 1000000000ull;
	p->offload = prng_chance(&r, 1, 4); /* drawn last: earlier draws keep their values */
}

#endif /* MOS_TEST_TCP_SIM_H */
