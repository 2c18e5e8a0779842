/* test_tcp_api.c - the end-host socket and epoll API through the public functions:
 * every errno of the contract, epoll level/edge/one-shot semantics as Linux documents
 * them, pipes, TCP connections through the API, and blocking calls both with a stack
 * thread and in run-to-completion mode. The context talks to itself: its port's sim
 * link ends in a reflector (a thread) that sends every IPv4 frame back, so connections
 * to the context's own address work. */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "api/api_dispatch.h"
#include "api/api_process.h"
#include "io/io_open.h"
#include "io/sim.h"
#include "mos_ext.h"
#include "mos_test.h"
#include "wire/wire.h"

static const char *ta_conf =
	"mos {\n io = sim\n max_concurrency = 256\n max_num_buffers = 256\n"
	" rmem_size = 16384\n wmem_size = 16384\n tcp_tw_interval = 0\n tcp_timeout = 0\n"
	" netdev {\n  s0 0x1 device=loop ip=10.0.2.1/24 mac=02:00:00:00:00:a0\n }\n"
	" arp_table {\n  10.0.2.1 02:00:00:00:00:b0\n }\n}\n";

#define TA_IP "10.0.2.1"

/* The other end of the link: bounces IPv4 frames back to the stack's MAC. */
static struct {
	struct mos_config *cfg;
	struct io_dev *io;
	pthread_t th;
	_Atomic bool stop;
} ta_refl;

static void *ta_refl_main(void *arg)
{
	(void)arg;
	static const uint8_t stack_mac[6] = {2, 0, 0, 0, 0, 0xa0},
			     me[6] = {2, 0, 0, 0, 0, 0xb0};
	while (!atomic_load(&ta_refl.stop)) {
		struct io_buf b[32], out[32];
		uint16_t n = io_rx_burst(ta_refl.io, 0, 0, b, 32), k = 0;
		for (uint16_t i = 0; i < n; i++) {
			if (b[i].len < 14 || wire_get_be16(b[i].data + 12) != 0x0800) {
				io_free(ta_refl.io, 0, &b[i]);
				continue;
			}
			memcpy(b[i].data, stack_mac, 6);
			memcpy(b[i].data + 6, me, 6);
			b[i].port = 0;
			b[i].flags = 0;
			out[k++] = b[i];
		}
		if (k > 0)
			io_tx_burst(ta_refl.io, 0, 0, out, k);
		if (n == 0) {
			struct timespec ts = {0, 20000};
			nanosleep(&ts, NULL);
		}
	}
	return NULL;
}

static mctx_t ta_init(bool threaded)
{
	struct mos_config *cfg = NULL;
	CHECK_EQ(mos_config_parse(ta_conf, strlen(ta_conf), "ta.conf", NULL, NULL, &cfg), 0);
	CHECK_EQ(mos_init_config(cfg, MOS_INIT_NO_SIGNALS), 0);
	mos_config_free(cfg);
	const char *rc =
		"mos {\n netdev {\n  r0 0x1 device=loop mac=02:00:00:00:00:b0\n }\n}\n";
	CHECK_EQ(mos_config_parse(rc, strlen(rc), "refl.conf", NULL, NULL, &ta_refl.cfg), 0);
	char err[256] = "";
	struct io_open_args a = {.cfg = ta_refl.cfg,
				 .queues = 1,
				 .sim = api_proc.sim,
				 .err = err,
				 .err_len = sizeof err};
	CHECK_MSG(io_sim_open(&a, &ta_refl.io) == 0, "%s", err);
	atomic_store(&ta_refl.stop, false);
	CHECK_EQ(pthread_create(&ta_refl.th, NULL, ta_refl_main, NULL), 0);
	mctx_t m = threaded ? mtcp_create_context(0)
			    : mos_create_context(0, MOS_CONTEXT_RUN_TO_COMPLETION);
	CHECK(m != NULL);
	return m;
}

static void ta_fini(mctx_t m)
{
	CHECK_EQ(mtcp_destroy_context(m), 0);
	atomic_store(&ta_refl.stop, true);
	pthread_join(ta_refl.th, NULL);
	io_close(ta_refl.io);
	mos_config_free(ta_refl.cfg);
	CHECK_EQ(mtcp_destroy(), 0);
}

static struct sockaddr_in ta_addr(const char *ip, uint16_t port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof sa);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = inet_addr(ip);
	sa.sin_port = htons(port);
	return sa;
}

static int ta_listener(mctx_t m, uint16_t port, bool nonblock)
{
	int l = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	CHECK(l >= 0);
	struct sockaddr_in sa = ta_addr("0.0.0.0", port);
	CHECK_EQ(mtcp_bind(m, l, (struct sockaddr *)&sa, sizeof sa), 0);
	CHECK_EQ(mtcp_listen(m, l, 16), 0);
	if (nonblock)
		CHECK_EQ(mtcp_setsock_nonblock(m, l), 0);
	return l;
}

static long ta_elapsed_ms(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 + (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Loops while `cond` is false, for at most 3 s of wall time (the reflector is a
 * thread of its own). */
#define TA_UNTIL(cond)                                                                         \
	for (struct timespec ta_t0_ = {0, 0};                                                  \
	     (ta_t0_.tv_sec == 0 ? clock_gettime(CLOCK_MONOTONIC, &ta_t0_) : 0),               \
			     !(cond) && ta_elapsed_ms(&ta_t0_) < 3000;)

static int ta_epoll_one(mctx_t m, int ep, uint64_t *data, int timeout_ms)
{
	struct mtcp_epoll_event ev[4];
	int n = mtcp_epoll_wait(m, ep, ev, 4, timeout_ms);
	CHECK(n >= 0 && n <= 1);
	if (n == 1 && data != NULL)
		*data = ev[0].events;
	return n;
}

/* ---- errno contract ---------------------------------------------------------------- */

TEST(socket_bind_listen_report_their_errors)
{
	mctx_t m = ta_init(false);
	CHECK_ERRNO(mtcp_socket(NULL, AF_INET, SOCK_STREAM, 0), EACCES);
	CHECK_ERRNO(mtcp_socket(m, AF_INET6, SOCK_STREAM, 0), EAFNOSUPPORT);
	CHECK_ERRNO(mtcp_socket(m, AF_INET, 99, 0), EINVAL);
	int s = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	CHECK(s >= 0);
	struct sockaddr_in sa = ta_addr("0.0.0.0", 8000);
	CHECK_ERRNO(mtcp_bind(m, 200, (struct sockaddr *)&sa, sizeof sa), EBADF);
	CHECK_ERRNO(mtcp_bind(m, s, NULL, sizeof sa), EINVAL);
	CHECK_ERRNO(mtcp_bind(m, s, (struct sockaddr *)&sa, 4), EINVAL);
	sa.sin_family = AF_INET6;
	CHECK_ERRNO(mtcp_bind(m, s, (struct sockaddr *)&sa, sizeof sa), EINVAL);
	sa.sin_family = AF_INET;
	CHECK_EQ(mtcp_bind(m, s, (struct sockaddr *)&sa, sizeof sa), 0);
	CHECK_ERRNO(mtcp_bind(m, s, (struct sockaddr *)&sa, sizeof sa), EINVAL); /* bound */
	int s2 = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	CHECK_ERRNO(mtcp_bind(m, s2, (struct sockaddr *)&sa, sizeof sa), EADDRINUSE);
	struct sockaddr_in sp = ta_addr(TA_IP, 8000);
	CHECK_ERRNO(mtcp_bind(m, s2, (struct sockaddr *)&sp, sizeof sp), EADDRINUSE);
	struct sockaddr_in other = ta_addr("192.0.2.77", 8001);
	CHECK_ERRNO(mtcp_bind(m, s2, (struct sockaddr *)&other, sizeof other), EADDRNOTAVAIL);
	int ep = mtcp_epoll_create(m, 4);
	CHECK_ERRNO(mtcp_bind(m, ep, (struct sockaddr *)&sp, sizeof sp), ENOTSOCK);
	CHECK_ERRNO(mtcp_listen(m, 201, 4), EBADF);
	CHECK_ERRNO(mtcp_listen(m, ep, 4), ENOTSOCK);
	CHECK_ERRNO(mtcp_listen(m, s, 0), EINVAL);
	CHECK_ERRNO(mtcp_listen(m, s, 257), EINVAL);
	CHECK_EQ(mtcp_listen(m, s, 4), 0);
	CHECK_EQ(mtcp_listen(m, s, 8), 0); /* again: a new backlog */
	/* Several listeners per context (mOS 0.3 allowed one). */
	int l2 = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa2 = ta_addr("0.0.0.0", 8002);
	CHECK_EQ(mtcp_bind(m, l2, (struct sockaddr *)&sa2, sizeof sa2), 0);
	CHECK_EQ(mtcp_listen(m, l2, 4), 0);
	CHECK_EQ(mtcp_close(m, s), 0);
	CHECK_ERRNO(mtcp_close(m, s), EBADF);
	/* The port is free once its listener is closed. */
	CHECK_EQ(mtcp_bind(m, s2, (struct sockaddr *)&sa, sizeof sa), 0);
	ta_fini(m);
}

TEST(accept_connect_close_abort_report_their_errors)
{
	mctx_t m = ta_init(false);
	int l = ta_listener(m, 80, true);
	int s = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	int ep = mtcp_epoll_create(m, 4);
	CHECK_ERRNO(mtcp_accept(m, 222, NULL, NULL), EBADF);
	CHECK_ERRNO(mtcp_accept(m, s, NULL, NULL), EINVAL);
	CHECK_ERRNO(mtcp_accept(m, l, NULL, NULL), EAGAIN);
	struct sockaddr_in sa = ta_addr(TA_IP, 80);
	CHECK_ERRNO(mtcp_connect(m, s, NULL, sizeof sa), EFAULT);
	CHECK_ERRNO(mtcp_connect(m, s, (struct sockaddr *)&sa, 3), EAFNOSUPPORT);
	CHECK_ERRNO(mtcp_connect(m, 222, (struct sockaddr *)&sa, sizeof sa), EBADF);
	CHECK_ERRNO(mtcp_connect(m, l, (struct sockaddr *)&sa, sizeof sa), ENOTSOCK);
	CHECK_ERRNO(mtcp_connect(m, ep, (struct sockaddr *)&sa, sizeof sa), ENOTSOCK);
	struct sockaddr_in far = ta_addr("198.18.0.1", 80); /* no route */
	CHECK_ERRNO(mtcp_connect(m, s, (struct sockaddr *)&far, sizeof far), EINVAL);
	CHECK_ERRNO(mtcp_abort(m, s), ENOTCONN);
	CHECK_ERRNO(mtcp_abort(m, l), ENOTSOCK);
	CHECK_EQ(mtcp_setsock_nonblock(m, s), 0);
	CHECK_ERRNO(mtcp_connect(m, s, (struct sockaddr *)&sa, sizeof sa), EINPROGRESS);
	CHECK_ERRNO(mtcp_connect(m, s, (struct sockaddr *)&sa, sizeof sa), EALREADY);
	int a = -1;
	TA_UNTIL(a >= 0)
	{
		mos_poll(m, 1);
		a = mtcp_accept(m, l, NULL, NULL);
	}
	CHECK(a >= 0);
	mos_poll(m, 1);
	CHECK_ERRNO(mtcp_connect(m, s, (struct sockaddr *)&sa, sizeof sa), EISCONN);
	CHECK_EQ(mtcp_get_connection_cnt(m), 2);
	CHECK_EQ(mtcp_abort(m, s), 0);
	CHECK_ERRNO(mtcp_abort(m, s), EBADF);
	char buf[4];
	int rr = 0;
	TA_UNTIL(rr == ECONNRESET)
	{
		mos_poll(m, 1);
		rr = mtcp_read(m, a, buf, sizeof buf) == -1 ? errno : 0;
	}
	CHECK_EQ(rr, ECONNRESET);
	CHECK_EQ(mtcp_read(m, a, buf, sizeof buf), 0);
	CHECK_EQ(mtcp_close(m, a), 0);
	CHECK_EQ(mtcp_get_connection_cnt(m), 0);
	ta_fini(m);
}

TEST(read_write_and_options_report_their_errors)
{
	mctx_t m = ta_init(false);
	int l = ta_listener(m, 80, true);
	int s = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	int ep = mtcp_epoll_create(m, 4);
	char buf[8];
	CHECK_ERRNO(mtcp_read(m, 222, buf, sizeof buf), EBADF);
	CHECK_ERRNO(mtcp_read(m, l, buf, sizeof buf), ENOTSOCK);
	CHECK_ERRNO(mtcp_read(m, ep, buf, sizeof buf), ENOTSOCK);
	CHECK_ERRNO(mtcp_read(m, s, buf, sizeof buf), ENOTCONN);
	CHECK_ERRNO(mtcp_recv(m, s, buf, sizeof buf, MSG_DONTWAIT), EINVAL);
	CHECK_ERRNO(mtcp_write(m, s, "x", 1), ENOTCONN);
	CHECK_ERRNO(mtcp_write(m, l, "x", 1), ENOTSOCK);
	struct iovec iov = {buf, sizeof buf};
	CHECK_ERRNO(mtcp_readv(m, s, &iov, -1), EINVAL);
	CHECK_ERRNO(mtcp_writev(m, s, NULL, 1), EFAULT);
	int v = 0;
	socklen_t len = sizeof v;
	CHECK_ERRNO(mtcp_ioctl(m, s, FIONREAD, NULL), EFAULT);
	CHECK_ERRNO(mtcp_ioctl(m, s, 0x1234, &v), EINVAL);
	CHECK_ERRNO(mtcp_ioctl(m, ep, FIONBIO, &v), EBADF);
	CHECK_ERRNO(mtcp_ioctl(m, s, FIONREAD, &v), EBADF); /* no connection */
	CHECK_ERRNO(mtcp_getsockopt(m, s, SOL_SOCKET, SO_ERROR, NULL, &len), EFAULT);
	len = 1;
	CHECK_ERRNO(mtcp_getsockopt(m, s, SOL_SOCKET, SO_ERROR, &v, &len), EINVAL);
	len = sizeof v;
	CHECK_ERRNO(mtcp_getsockopt(m, s, SOL_SOCKET, SO_LINGER, &v, &len), ENOPROTOOPT);
	CHECK_ERRNO(mtcp_getsockopt(m, ep, SOL_SOCKET, SO_ERROR, &v, &len), ENOTSOCK);
	CHECK_ERRNO(mtcp_getsockopt(m, 222, SOL_SOCKET, SO_ERROR, &v, &len), EBADF);
	v = 0;
	CHECK_ERRNO(mtcp_setsockopt(m, s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v), EINVAL);
	CHECK_ERRNO(mtcp_setsockopt(m, s, IPPROTO_TCP, TCP_KEEPCNT, &v, sizeof v), EINVAL);
	CHECK_ERRNO(mtcp_setsockopt(m, s, IPPROTO_TCP, TCP_CORK, &v, sizeof v), ENOPROTOOPT);
	CHECK_ERRNO(mtcp_setsockopt(m, s, SOL_SOCKET, SO_KEEPALIVE, &v, 2), EINVAL);
	struct sockaddr_in sa;
	socklen_t sl = 0;
	CHECK_ERRNO(mtcp_getsockname(m, s, (struct sockaddr *)&sa, &sl), EINVAL);
	sl = sizeof sa;
	CHECK_ERRNO(mtcp_getsockname(m, s, NULL, &sl), EFAULT);
	CHECK_ERRNO(mtcp_getsockname(m, ep, (struct sockaddr *)&sa, &sl), ENOTSOCK);
	CHECK_ERRNO(mtcp_pipe(m, NULL), EFAULT);
	ta_fini(m);
}

/* Sets every option on `s` and reads each back. */
static void ta_options_round_trip(mctx_t m, int s)
{
	struct {
		int level, name, set, get;
	} cases[] = {
		{SOL_SOCKET, SO_RCVBUF, 4096, 4096},   {SOL_SOCKET, SO_SNDBUF, 1 << 30, 16384},
		{SOL_SOCKET, SO_KEEPALIVE, 5, 1},      {IPPROTO_TCP, TCP_NODELAY, 1, 1},
		{IPPROTO_TCP, TCP_MAXSEG, 1200, 1200}, {IPPROTO_TCP, TCP_KEEPIDLE, 30, 30},
		{IPPROTO_TCP, TCP_KEEPINTVL, 5, 5},    {IPPROTO_TCP, TCP_KEEPCNT, 4, 4},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int v = cases[i].set, g = -1;
		socklen_t len = sizeof g;
		CHECK_EQ(mtcp_setsockopt(m, s, cases[i].level, cases[i].name, &v, sizeof v), 0);
		CHECK_EQ(mtcp_getsockopt(m, s, cases[i].level, cases[i].name, &g, &len), 0);
		CHECK_MSG(g == cases[i].get, "option %d/%d: %d, expected %d", cases[i].level,
			  cases[i].name, g, cases[i].get);
		CHECK_EQ(len, sizeof(int));
	}
	int g = 0;
	socklen_t len = sizeof g;
	CHECK_EQ(mtcp_getsockopt(m, s, SOL_SOCKET, SO_ERROR, &g, &len), 0);
	CHECK_EQ(g, 0);
	CHECK_EQ(mtcp_getsockopt(m, s, SOL_SOCKET, SO_TYPE, &g, &len), 0);
	CHECK_EQ(g, SOCK_STREAM);
}

TEST(socket_options_read_back_what_was_set)
{
	mctx_t m = ta_init(false);
	ta_options_round_trip(m, mtcp_socket(m, AF_INET, SOCK_STREAM, 0));
	/* A listener keeps them for the connections it accepts. */
	ta_options_round_trip(m, ta_listener(m, 8081, false));
	ta_fini(m);
}

TEST(epoll_calls_report_their_errors)
{
	mctx_t m = ta_init(false);
	CHECK_ERRNO(mtcp_epoll_create(m, 0), EINVAL);
	CHECK_ERRNO(mtcp_epoll_create(NULL, 4), EACCES);
	int ep = mtcp_epoll_create(m, 4);
	CHECK(ep >= 0);
	int s = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN, .data.u64 = 1};
	CHECK_ERRNO(mtcp_epoll_ctl(m, 222, MOS_EPOLL_CTL_ADD, s, &ev), EBADF);
	CHECK_ERRNO(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, 222, &ev), EBADF);
	CHECK_ERRNO(mtcp_epoll_ctl(m, s, MOS_EPOLL_CTL_ADD, ep, &ev), EINVAL);
	CHECK_ERRNO(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, ep, &ev), EINVAL);
	CHECK_ERRNO(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, s, NULL), EINVAL);
	CHECK_ERRNO(mtcp_epoll_ctl(m, ep, 9, s, &ev), EINVAL);
	CHECK_ERRNO(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_MOD, s, &ev), ENOENT);
	CHECK_ERRNO(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_DEL, s, NULL), ENOENT);
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, s, &ev), 0);
	CHECK_ERRNO(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, s, &ev), EEXIST);
	struct mtcp_epoll_event out[2];
	CHECK_ERRNO(mtcp_epoll_wait(m, ep, NULL, 2, 0), EINVAL);
	CHECK_ERRNO(mtcp_epoll_wait(m, ep, out, 0, 0), EINVAL);
	CHECK_ERRNO(mtcp_epoll_wait(m, 222, out, 2, 0), EBADF);
	CHECK_ERRNO(mtcp_epoll_wait(m, s, out, 2, 0), EINVAL);
	/* A socket that never connected is writable and hung up, as on Linux. */
	CHECK_EQ(mtcp_epoll_wait(m, ep, out, 2, 0), 1);
	CHECK_EQ(out[0].events, MOS_EPOLLHUP);
	CHECK_EQ(out[0].data.u64, 1);
	CHECK_EQ(mtcp_close(m, ep), 0);
	ta_fini(m);
}

/* ---- epoll semantics (on a pipe) --------------------------------------------------- */

TEST(level_triggered_epoll_reports_while_the_condition_holds)
{
	mctx_t m = ta_init(false);
	int p[2];
	CHECK_EQ(mtcp_pipe(m, p), 0);
	int ep = mtcp_epoll_create(m, 4);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN, .data.u64 = 7};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 0);
	CHECK_EQ(mtcp_write(m, p[1], "abc", 3), 3);
	uint64_t e = 0;
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 1);
	CHECK_EQ(e, MOS_EPOLLIN);
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 1); /* not read: still reported */
	char buf[8];
	CHECK_EQ(mtcp_read(m, p[0], buf, 2), 2);
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 1); /* one byte left */
	CHECK_EQ(mtcp_read(m, p[0], buf, 8), 1);
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 0);
	ta_fini(m);
}

TEST(edge_triggered_epoll_reports_each_change_once)
{
	mctx_t m = ta_init(false);
	int p[2];
	CHECK_EQ(mtcp_pipe(m, p), 0);
	int ep = mtcp_epoll_create(m, 4);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN | (uint32_t)MOS_EPOLLET};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_EQ(mtcp_write(m, p[1], "abc", 3), 3);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 1);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 0); /* unread, but no new change */
	CHECK_EQ(mtcp_write(m, p[1], "d", 1), 1);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 1); /* new data: reported again */
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 0);
	/* MOD re-arms and reports what holds now. */
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_MOD, p[0], &ev), 0);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 1);
	ta_fini(m);
}

TEST(one_shot_epoll_reports_once_until_modified)
{
	mctx_t m = ta_init(false);
	int p[2];
	CHECK_EQ(mtcp_pipe(m, p), 0);
	int ep = mtcp_epoll_create(m, 4);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN | MOS_EPOLLONESHOT};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_EQ(mtcp_write(m, p[1], "a", 1), 1);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 1);
	CHECK_EQ(mtcp_write(m, p[1], "b", 1), 1);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 0); /* disabled */
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_MOD, p[0], &ev), 0);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 1);
	CHECK_EQ(ta_epoll_one(m, ep, NULL, 0), 0);
	ta_fini(m);
}

TEST(pipe_ends_report_hangup_error_epipe_and_end_of_stream)
{
	mctx_t m = ta_init(false);
	int p[2];
	CHECK_EQ(mtcp_pipe(m, p), 0);
	int ep = mtcp_epoll_create(m, 4);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLOUT, .data.u64 = 1};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, p[1], &ev), 0);
	uint64_t e = 0;
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 1);
	CHECK_EQ(e, MOS_EPOLLOUT);
	/* 10240 bytes fill it; non-blocking writes then fail with EAGAIN. */
	static char big[20000];
	CHECK_EQ(mtcp_setsock_nonblock(m, p[1]), 0);
	CHECK_EQ(mtcp_write(m, p[1], big, sizeof big), 10240);
	CHECK_ERRNO(mtcp_write(m, p[1], "x", 1), EAGAIN);
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 0);
	int n = 0;
	CHECK_EQ(mtcp_ioctl(m, p[0], FIONREAD, &n), 0);
	CHECK_EQ(n, 10240);
	CHECK_EQ(mtcp_read(m, p[0], big, 100), 100);
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 1); /* room again (a wake-up) */
	CHECK_ERRNO(mtcp_read(m, p[1], big, 1), EBADF);
	CHECK_ERRNO(mtcp_write(m, p[0], "x", 1), EBADF);
	/* Reader sees the data, then end of stream once the writer closes. */
	struct mtcp_epoll_event rev = {.events = MOS_EPOLLIN, .data.u64 = 2};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_DEL, p[1], NULL), 0);
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, p[0], &rev), 0);
	CHECK_EQ(mtcp_close(m, p[1]), 0);
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 1);
	CHECK_EQ(e, MOS_EPOLLIN | MOS_EPOLLHUP);
	CHECK_EQ(mtcp_read(m, p[0], big, sizeof big), 10140);
	CHECK_EQ(mtcp_read(m, p[0], big, sizeof big), 0);
	CHECK_EQ(mtcp_close(m, p[0]), 0);
	/* Writer to a closed reader: EPIPE and EPOLLERR. */
	CHECK_EQ(mtcp_pipe(m, p), 0);
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, p[1], &ev), 0);
	CHECK_EQ(mtcp_close(m, p[0]), 0);
	CHECK_ERRNO(mtcp_write(m, p[1], "x", 1), EPIPE);
	CHECK_EQ(ta_epoll_one(m, ep, &e, 0), 1);
	CHECK(e & MOS_EPOLLERR);
	CHECK_EQ(mtcp_close(m, p[1]), 0);
	ta_fini(m);
}

TEST(several_epoll_instances_watch_one_socket)
{
	mctx_t m = ta_init(false);
	int p[2];
	CHECK_EQ(mtcp_pipe(m, p), 0);
	int e1 = mtcp_epoll_create(m, 4), e2 = mtcp_epoll_create(m, 4);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN | (uint32_t)MOS_EPOLLET};
	CHECK_EQ(mtcp_epoll_ctl(m, e1, MOS_EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_EQ(mtcp_epoll_ctl(m, e2, MOS_EPOLL_CTL_ADD, p[0], &ev), 0);
	CHECK_EQ(mtcp_write(m, p[1], "z", 1), 1);
	CHECK_EQ(ta_epoll_one(m, e1, NULL, 0), 1);
	CHECK_EQ(ta_epoll_one(m, e2, NULL, 0), 1);
	/* Closing the socket removes it from both. */
	CHECK_EQ(mtcp_close(m, p[0]), 0);
	CHECK_EQ(mtcp_write(m, p[1], "z", 1), -1);
	CHECK_EQ(ta_epoll_one(m, e1, NULL, 0), 0);
	CHECK_EQ(ta_epoll_one(m, e2, NULL, 0), 0);
	ta_fini(m);
}

/* ---- TCP through the API ------------------------------------------------------------- */

TEST(tcp_exchange_through_the_api_with_epoll)
{
	mctx_t m = ta_init(false);
	int l = ta_listener(m, 80, true);
	int ep = mtcp_epoll_create(m, 16);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN, .data.u64 = 100};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, l, &ev), 0);
	int c = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(mtcp_setsock_nonblock(m, c), 0);
	struct sockaddr_in sa = ta_addr(TA_IP, 80);
	CHECK_ERRNO(mtcp_connect(m, c, (struct sockaddr *)&sa, sizeof sa), EINPROGRESS);
	struct mtcp_epoll_event cev = {.events = MOS_EPOLLOUT | MOS_EPOLLIN | MOS_EPOLLRDHUP,
				       .data.u64 = 200};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, c, &cev), 0);
	struct mtcp_epoll_event out[8];
	bool accepted = false, connected = false;
	int s = -1;
	TA_UNTIL(accepted && connected)
	{
		int n = mtcp_epoll_wait(m, ep, out, 8, 10);
		for (int k = 0; k < n; k++) {
			if (out[k].data.u64 == 100) {
				struct sockaddr_in peer;
				socklen_t pl = sizeof peer;
				s = mtcp_accept(m, l, (struct sockaddr *)&peer, &pl);
				CHECK(s >= 0);
				CHECK_EQ(pl, sizeof peer);
				CHECK_EQ(peer.sin_addr.s_addr, inet_addr(TA_IP));
				accepted = true;
			}
			if (out[k].data.u64 == 200 && (out[k].events & MOS_EPOLLOUT))
				connected = true;
		}
	}
	CHECK(accepted && connected);
	int err = -1;
	socklen_t el = sizeof err;
	CHECK_EQ(mtcp_getsockopt(m, c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CHECK_EQ(err, 0);
	struct sockaddr_in me;
	socklen_t ml = sizeof me;
	CHECK_EQ(mtcp_getsockname(m, c, (struct sockaddr *)&me, &ml), 0);
	CHECK_EQ(me.sin_addr.s_addr, inet_addr(TA_IP));
	CHECK(ntohs(me.sin_port) >= 32768);
	/* The peer of an end-host stream (what mtcp_getpeername answers for streams). */
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	struct api_ctx *ac = api_ctx_get(m);
	CHECK_EQ(api_es_getpeername(ac, c, (struct sockaddr *)&peer, &pl), 0);
	CHECK_EQ(peer.sin_port, htons(80));
	CHECK_EQ(api_es_getpeername(ac, s, (struct sockaddr *)&peer, &pl), 0);
	CHECK_EQ(peer.sin_port, me.sin_port);
	CHECK_ERRNO(api_es_getpeername(ac, l, (struct sockaddr *)&peer, &pl), ENOTCONN);
	/* ...through the public 5-argument mtcp_getpeername (side ignored for streams). */
	memset(&peer, 0, sizeof peer);
	CHECK_EQ(mtcp_getpeername(m, c, (struct sockaddr *)&peer, &pl, MOS_SIDE_BOTH), 0);
	CHECK_EQ(peer.sin_port, htons(80));
	CHECK_EQ(peer.sin_addr.s_addr, inet_addr(TA_IP));
	struct iovec iov[2] = {{"hello ", 6}, {"world", 5}};
	CHECK_EQ(mtcp_writev(m, c, iov, 2), 11);
	char buf[32] = {0};
	int avail = 0;
	TA_UNTIL(avail >= 11)
	{
		mos_poll(m, 1);
		CHECK_EQ(mtcp_ioctl(m, s, FIONREAD, &avail), 0);
	}
	CHECK_EQ(avail, 11);
	CHECK_EQ(mtcp_recv(m, s, buf, sizeof buf, MSG_PEEK), 11);
	char a[4], b2[16];
	struct iovec riov[2] = {{a, 4}, {b2, sizeof b2}};
	CHECK_EQ(mtcp_readv(m, s, riov, 2), 11);
	CHECK(memcmp(a, "hell", 4) == 0 && memcmp(b2, "o world", 7) == 0);
	/* The server closes: the client sees EPOLLIN | EPOLLRDHUP and end of stream. */
	CHECK_EQ(mtcp_close(m, s), 0);
	uint64_t seen = 0;
	TA_UNTIL(seen & MOS_EPOLLRDHUP)
	{
		int n = mtcp_epoll_wait(m, ep, out, 8, 10);
		for (int k = 0; k < n; k++)
			if (out[k].data.u64 == 200)
				seen |= out[k].events;
	}
	CHECK(seen & MOS_EPOLLIN);
	CHECK(seen & MOS_EPOLLRDHUP);
	CHECK_EQ(mtcp_read(m, c, buf, sizeof buf), 0);
	CHECK_EQ(mtcp_close(m, c), 0);
	TA_UNTIL(mtcp_get_connection_cnt(m) == 0)
	mos_poll(m, 1);
	CHECK_EQ(mtcp_get_connection_cnt(m), 0);
	ta_fini(m);
}

TEST(connect_to_a_closed_port_reports_econnrefused_through_epoll_and_so_error)
{
	mctx_t m = ta_init(false);
	int ep = mtcp_epoll_create(m, 4);
	int c = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	CHECK_EQ(mtcp_setsock_nonblock(m, c), 0);
	struct sockaddr_in sa = ta_addr(TA_IP, 9999);
	CHECK_ERRNO(mtcp_connect(m, c, (struct sockaddr *)&sa, sizeof sa), EINPROGRESS);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLOUT};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, c, &ev), 0);
	uint64_t e = 0;
	CHECK_EQ(ta_epoll_one(m, ep, &e, 1000), 1);
	CHECK(e & MOS_EPOLLERR);
	CHECK(e & MOS_EPOLLHUP);
	int err = 0;
	socklen_t el = sizeof err;
	CHECK_EQ(mtcp_getsockopt(m, c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CHECK_EQ(err, ECONNREFUSED);
	CHECK_EQ(mtcp_getsockopt(m, c, SOL_SOCKET, SO_ERROR, &err, &el), 0);
	CHECK_EQ(err, 0); /* read once */
	ta_fini(m);
}

TEST(blocking_calls_drive_the_loop_in_run_to_completion_mode)
{
	mctx_t m = ta_init(false);
	int l = ta_listener(m, 80, false);
	int c = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = ta_addr(TA_IP, 80);
	CHECK_EQ(mtcp_connect(m, c, (struct sockaddr *)&sa, sizeof sa), 0); /* blocks */
	int s = mtcp_accept(m, l, NULL, NULL);                              /* blocks */
	CHECK(s >= 0);
	static char big[100000];
	for (size_t i = 0; i < sizeof big; i++)
		big[i] = (char)(i * 7);
	/* 100 kB through 16 kB buffers: the blocking write drives the loop; the bytes
	 * wait in the server's buffer and the client's until the reads below. */
	CHECK_EQ(mtcp_write(m, c, big, 20000), 20000);
	static char got[100000];
	size_t have = 0;
	while (have < 20000) {
		ssize_t n = mtcp_read(m, s, got + have, sizeof got - have); /* blocks */
		CHECK(n > 0);
		have += (size_t)n;
	}
	CHECK(memcmp(got, big, 20000) == 0);
	struct mtcp_epoll_event ev[2];
	int ep = mtcp_epoll_create(m, 2);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(mtcp_epoll_wait(m, ep, ev, 2, 50), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_MSG(ms >= 49 && ms < 1000, "epoll_wait(50) took %ld ms", ms);
	ta_fini(m);
}

/* ---- Stack thread: blocking calls really block and are woken --------------------------- */

/* What a thread blocked in a call reports (read by the main thread meanwhile). */
struct ta_thr {
	mctx_t m;
	int sock;
	_Atomic int result;
	_Atomic int err;
	char buf[64];
};

static void ta_done(struct ta_thr *t, int r)
{
	atomic_store(&t->err, errno);
	atomic_store(&t->result, r);
}

static void *ta_accept_thread(void *arg)
{
	struct ta_thr *t = arg;
	ta_done(t, mtcp_accept(t->m, t->sock, NULL, NULL));
	return NULL;
}

static void *ta_read_thread(void *arg)
{
	struct ta_thr *t = arg;
	ta_done(t, (int)mtcp_read(t->m, t->sock, t->buf, sizeof t->buf));
	return NULL;
}

static void *ta_epoll_thread(void *arg)
{
	struct ta_thr *t = arg;
	struct mtcp_epoll_event ev[2];
	ta_done(t, mtcp_epoll_wait(t->m, t->sock, ev, 2, -1));
	return NULL;
}

static long ta_join_ms(pthread_t th)
{
	struct timespec t0, t1, until;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	clock_gettime(CLOCK_REALTIME, &until); /* pthread_timedjoin_np's clock */
	until.tv_sec += 10;
	CHECK_MSG(pthread_timedjoin_np(th, NULL, &until) == 0, "a blocked call never returned");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
}

static void ta_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

TEST(blocking_accept_connect_and_read_with_a_stack_thread)
{
	mctx_t m = ta_init(true);
	int l = ta_listener(m, 80, false);
	struct ta_thr acc = {.m = m, .sock = l, .result = -2};
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, ta_accept_thread, &acc), 0);
	ta_sleep_ms(50);
	CHECK_EQ(atomic_load(&acc.result), -2); /* still blocked: nobody connected */
	int c = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = ta_addr(TA_IP, 80);
	CHECK_EQ(mtcp_connect(m, c, (struct sockaddr *)&sa, sizeof sa), 0); /* blocks */
	ta_join_ms(th);
	CHECK(atomic_load(&acc.result) >= 0);
	struct ta_thr rd = {.m = m, .sock = atomic_load(&acc.result), .result = -2};
	CHECK_EQ(pthread_create(&th, NULL, ta_read_thread, &rd), 0);
	ta_sleep_ms(50);
	CHECK_EQ(atomic_load(&rd.result), -2);
	CHECK_EQ(mtcp_write(m, c, "ping", 4), 4);
	ta_join_ms(th);
	CHECK_EQ(atomic_load(&rd.result), 4);
	CHECK(memcmp(rd.buf, "ping", 4) == 0);
	ta_fini(m);
}

TEST(blocking_epoll_wait_is_woken_by_a_pipe_write_from_another_thread)
{
	mctx_t m = ta_init(true);
	int p[2];
	CHECK_EQ(mtcp_pipe(m, p), 0);
	int ep = mtcp_epoll_create(m, 4);
	struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN};
	CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, p[0], &ev), 0);
	struct ta_thr w = {.m = m, .sock = ep, .result = -2};
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, ta_epoll_thread, &w), 0);
	ta_sleep_ms(50);
	CHECK_EQ(atomic_load(&w.result), -2);
	CHECK_EQ(mtcp_write(m, p[1], "!", 1), 1);
	long ms = ta_join_ms(th);
	CHECK_EQ(atomic_load(&w.result), 1);
	CHECK_MSG(ms < 1000, "woken after %ld ms", ms);
	/* A timed wait returns 0 after its timeout. */
	char c;
	CHECK_EQ(mtcp_read(m, p[0], &c, 1), 1);
	struct mtcp_epoll_event out[2];
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_EQ(mtcp_epoll_wait(m, ep, out, 2, 100), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	CHECK_MSG(ms >= 99 && ms < 2000, "epoll_wait(100) took %ld ms", ms);
	ta_fini(m);
}

TEST(blocking_pipe_read_waits_for_the_writer_thread)
{
	mctx_t m = ta_init(true);
	int p[2];
	CHECK_EQ(mtcp_pipe(m, p), 0);
	struct ta_thr rd = {.m = m, .sock = p[0], .result = -2};
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, ta_read_thread, &rd), 0);
	ta_sleep_ms(50);
	CHECK_EQ(atomic_load(&rd.result), -2);
	CHECK_EQ(mtcp_write(m, p[1], "hey", 3), 3);
	ta_join_ms(th);
	CHECK_EQ(atomic_load(&rd.result), 3);
	/* The writer closes: a blocked reader gets end of stream. */
	atomic_store(&rd.result, -2);
	CHECK_EQ(pthread_create(&th, NULL, ta_read_thread, &rd), 0);
	ta_sleep_ms(20);
	CHECK_EQ(mtcp_close(m, p[1]), 0);
	ta_join_ms(th);
	CHECK_EQ(atomic_load(&rd.result), 0);
	ta_fini(m);
}

TEST(stopping_the_context_wakes_a_blocked_call_with_eintr)
{
	mctx_t m = ta_init(true);
	int l = ta_listener(m, 80, false);
	struct ta_thr acc = {.m = m, .sock = l, .result = -2};
	pthread_t th;
	CHECK_EQ(pthread_create(&th, NULL, ta_accept_thread, &acc), 0);
	ta_sleep_ms(50);
	CHECK_EQ(atomic_load(&acc.result), -2);
	CHECK_EQ(mos_stop(), 0);
	ta_join_ms(th);
	CHECK_EQ(atomic_load(&acc.result), -1);
	CHECK_EQ(atomic_load(&acc.err), EINTR);
	ta_fini(m);
}

/* ---- Threaded data path under load ----------------------------------------------------- */

static uint8_t ta_byte(int conn, int dir, size_t pos)
{
	return (uint8_t)((pos * 2654435761u) >> 13) ^ (uint8_t)(conn * 31 + dir);
}

struct ta_conn {
	int c, s;
	size_t sent[2], rcvd[2]; /* [0] client -> server, [1] server -> client */
	bool closed;
};

/* Moves what it can on one connection in both directions (non-blocking). */
static void ta_pump(mctx_t m, struct ta_conn *k, int i, size_t total)
{
	uint8_t buf[8192];
	for (int dir = 0; dir < 2; dir++) {
		int w = dir ? k->s : k->c, r = dir ? k->c : k->s;
		while (k->sent[dir] < total) {
			size_t n = total - k->sent[dir] < sizeof buf ? total - k->sent[dir]
								     : sizeof buf;
			for (size_t j = 0; j < n; j++)
				buf[j] = ta_byte(i, dir, k->sent[dir] + j);
			ssize_t got = mtcp_write(m, w, (char *)buf, n);
			if (got < 0) {
				CHECK_EQ(errno, EAGAIN);
				break;
			}
			k->sent[dir] += (size_t)got;
		}
		for (;;) {
			ssize_t got = mtcp_read(m, r, (char *)buf, sizeof buf);
			if (got < 0) {
				CHECK_EQ(errno, EAGAIN);
				break;
			}
			CHECK(got > 0);
			for (ssize_t j = 0; j < got; j++)
				CHECK_EQ(buf[j], ta_byte(i, dir, k->rcvd[dir] + (size_t)j));
			k->rcvd[dir] += (size_t)got;
		}
	}
}

TEST(threaded_bulk_exchange_over_many_connections_is_byte_exact)
{
	enum { N = 8 };
	const size_t total = 300000;
	mctx_t m = ta_init(true);
	int l = ta_listener(m, 80, false);
	int ep = mtcp_epoll_create(m, 64);
	struct ta_conn k[N];
	memset(k, 0, sizeof k);
	for (int i = 0; i < N; i++) {
		k[i].c = mtcp_socket(m, AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in sa = ta_addr(TA_IP, 80);
		CHECK_EQ(mtcp_connect(m, k[i].c, (struct sockaddr *)&sa, sizeof sa), 0);
		k[i].s = mtcp_accept(m, l, NULL, NULL);
		CHECK(k[i].s >= 0);
		CHECK_EQ(mtcp_setsock_nonblock(m, k[i].c), 0);
		CHECK_EQ(mtcp_setsock_nonblock(m, k[i].s), 0);
		struct mtcp_epoll_event ev = {.events = MOS_EPOLLIN | MOS_EPOLLOUT |
							(uint32_t)MOS_EPOLLET,
					      .data.u64 = (uint64_t)i};
		CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, k[i].c, &ev), 0);
		CHECK_EQ(mtcp_epoll_ctl(m, ep, MOS_EPOLL_CTL_ADD, k[i].s, &ev), 0);
	}
	int done = 0;
	struct mtcp_epoll_event out[64];
	TA_UNTIL(done == N)
	{
		int n = mtcp_epoll_wait(m, ep, out, 64, 100);
		CHECK(n >= 0);
		for (int e = 0; e < n; e++) {
			struct ta_conn *c = &k[out[e].data.u64];
			if (c->closed)
				continue;
			ta_pump(m, c, (int)out[e].data.u64, total);
			if (c->rcvd[0] == total && c->rcvd[1] == total) {
				c->closed = true;
				done++;
			}
		}
	}
	CHECK_EQ(done, N);
	for (int i = 0; i < N; i++) {
		CHECK_EQ(mtcp_close(m, k[i].c), 0);
		CHECK_EQ(mtcp_close(m, k[i].s), 0);
	}
	ta_fini(m);
}
