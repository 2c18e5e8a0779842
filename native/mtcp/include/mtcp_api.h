/* mtcp_api.h - mOS 0.3 compatible end-host and context API of mOS-NG.
 *
 * This header is a contract: names, numeric values, prototypes and struct layouts
 * match the mOS 0.3 release so that applications written against it compile and run
 * unchanged. Where mOS 0.3 was broken, the documented behaviour below is what
 * mOS-NG does (marked "mOS-NG:"). Extensions live in mos_ext.h.
 *
 * Conventions for every function here unless stated otherwise:
 *   - return -1 (or NULL) and set errno on failure;
 *   - EACCES: `mctx` is NULL or not a live context; EPERM: the context is being
 *     destroyed;
 *   - ENOSYS: the capability has not landed in this build yet (see
 *     `mos version --api`, which lists the state of every function).
 *
 * End-host sockets (mOS-NG): new sockets are blocking, and blocking calls really block
 * (mOS 0.3 blocked only in accept and connect): accept, connect, read/recv/readv,
 * write/writev (until everything is queued) and mtcp_epoll_wait with a timeout wait
 * for their condition and fail with EINTR when SIGINT interrupts them or the context
 * stops. With a stack thread (mtcp_create_context) the calling thread sleeps (futex)
 * until the stack thread has the answer; in run-to-completion mode (mos_ext.h) the
 * call drives the context's loop itself. Reads and writes never take a lock: they
 * copy between the caller and the socket's lock-free rings.
 */
#ifndef MTCP_API_H
#define MTCP_API_H

#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <sys/uio.h>

#ifndef UNUSED
#define UNUSED(x) (void)(x)
#endif

#ifndef INPORT_ANY
/** Port 0 in bind(): "any port". */
#define INPORT_ANY (uint16_t)0
#endif

/** Longest application name kept in configuration. */
#define APP_NAME_LEN 40
/** Number of `application` blocks exposed through struct mtcp_conf. */
#define MOS_APP 20
/** Number of argv slots per application block in struct mtcp_conf. */
#define MOS_APP_ARGC 20
/** Hard limit on stack contexts (cores) per process. */
#define MAX_CPUS 16
/** Hard limit on configured network ports. */
#define ETH_NUM 16

typedef unsigned char byte;

#ifdef __cplusplus
extern "C" {
#endif

/** The public part of a per-core stack context. `cpu` is the context index, which
 * is also the CPU the context's stack thread is pinned to. */
struct mtcp_context {
	int cpu;
};

typedef struct mtcp_context *mctx_t;

/** Signal handler type used by mtcp_register_signal(). */
typedef void (*mtcp_sighandler_t)(int);

/** Socket kinds. Values are part of the ABI. */
enum socket_type {
	MOS_SOCK_UNUSED = 0,                /**< free slot */
	MOS_SOCK_STREAM_LISTEN = 1,         /**< end-host listener (made by mtcp_listen) */
	MOS_SOCK_PROXY_LISTEN = 2,          /**< reserved, never implemented */
	MOS_SOCK_MONITOR_STREAM = 3,        /**< passive flow monitor (a template) */
	MOS_SOCK_STREAM = 4,                /**< end-host TCP connection */
	MOS_SOCK_PROXY = 5,                 /**< reserved, never implemented */
	MOS_SOCK_MONITOR_STREAM_ACTIVE = 6, /**< per-flow monitor socket, made by the stack */
	MOS_SOCK_MONITOR_RAW = 7,           /**< stateless packet monitor */
	MOS_SOCK_EPOLL = 8,                 /**< epoll instance */
	MOS_SOCK_PIPE = 9,                  /**< one end of an mtcp_pipe() */
};

/** Tunables of the running configuration, read with mtcp_getconf() and changed with
 * mtcp_setconf(). Layout (x86-64): size 3488; offsets are checked by static
 * assertions in the library and by the binding tests. */
struct mtcp_conf {
	int num_cores;       /**< number of stack contexts (cores) */
	int max_concurrency; /**< flows and socket slots per core */
	uint64_t cpu_mask;   /**< union of the netdev core masks (read only) */

	int max_num_buffers; /**< socket buffers per core */
	int rcvbuf_size;     /**< receive buffer bytes per stream (rmem_size) */
	int sndbuf_size;     /**< send buffer bytes per stream (wmem_size) */

	int tcp_timewait; /**< TIME_WAIT length in ticks (1 tick = 1 ms) */
	int tcp_timeout;  /**< idle timeout in ticks; <= 0 disables it */

	uint64_t app_cpu_mask[MOS_APP];        /**< per application block: cpu_mask */
	char *app_argv[MOS_APP][MOS_APP_ARGC]; /**< per application block: `run`, split */
	int app_argc[MOS_APP];                 /**< per application block: argc */
	int num_app;                           /**< number of application blocks */
};

/** Reserved by mOS 0.3 for an "embedded application" model; unused. */
struct app_context {
	mctx_t mctx;
	int socket_id;
	struct conn_filter *cf;
	int ep_id;
};

/** Reserved by mOS 0.3 for an "embedded application" model; unused. */
struct app_ops {
	void (*app_init)(int argc, char **argv);
	void (*thread_init)(mctx_t mctx, void **app_ctx);
	void (*run)(mctx_t mctx, void **app_ctx);
	int enable;
};

/* ---------------------------------------------------------------------------------- */
/* Process and context management                                                     */
/* ---------------------------------------------------------------------------------- */

/** Reads the configuration file `config_file` (mos.conf grammar; see the README) and
 * prepares the process for mtcp_create_context(). Call once, before anything else.
 * Configuration errors are printed to stderr as FILE:LINE:COL: message; the library
 * never exits the process.
 * @return 0, or -1 with errno: EINVAL (config_file NULL or the file has errors),
 *         ENOENT/EACCES/EISDIR (the file cannot be read), EALREADY (already
 *         initialised; call mtcp_destroy() first), ENOMEM. */
int mtcp_init(const char *config_file);

/** Releases what mtcp_init() set up. Call last, after every context is destroyed.
 * @return 0, or -1 with errno: EALREADY (not initialised), EBUSY (contexts remain). */
int mtcp_destroy(void);

/** Copies the running configuration into `*conf`. Times are in ticks (ms). Before
 * mtcp_init() it reports the built-in defaults.
 * @return 0, or -1 with errno EINVAL when `conf` is NULL. */
int mtcp_getconf(struct mtcp_conf *conf);

/** Changes num_cores, max_concurrency, max_num_buffers, rcvbuf_size, sndbuf_size,
 * tcp_timewait and tcp_timeout (same units as mtcp_getconf). cpu_mask and the app
 * fields are ignored. May be called before mtcp_init() (the values then override
 * the file, as standalone mTCP samples expect) or after it, before the first
 * mtcp_create_context().
 * @return 0, or -1 with errno: EINVAL (conf NULL or a value out of range; nothing is
 *         changed), EBUSY (a context already exists). */
int mtcp_setconf(const struct mtcp_conf *conf);

/** Pins the calling thread to logical CPU `cpu` (and, on NUMA machines, its memory
 * to that CPU's node).
 * @return 0, or -1 with errno: EINVAL (cpu outside [0, online CPUs)), EFAULT (the
 *         kernel refused the affinity). */
int mtcp_core_affinitize(int cpu);

/** Creates the stack context with index `cpu` (0 <= cpu < num_cores) and starts its
 * stack thread pinned to CPU `cpu`; returns once the context owns its NIC queues.
 * @return the context, or NULL with errno: EINVAL (cpu out of range), EEXIST (a
 *         context for cpu exists), EPERM (mtcp_init() not called), ENOMEM, EIO (the
 *         context could not attach its queues). */
mctx_t mtcp_create_context(int cpu);

/** Stops and frees a context: closes its end-host sockets, joins its stack thread,
 * frees its pools. Any later call with `mctx` fails with EACCES.
 * @return 0, or -1 with errno EACCES. */
int mtcp_destroy_context(mctx_t mctx);

/** Registers `handler` for `signum`. For SIGINT the library keeps its own handler
 * (which interrupts mtcp_epoll_wait() and, without an application handler, stops
 * every context; a second SIGINT within one second always stops them) and calls
 * `handler` after it. Other signals are installed with sigaction().
 * @return the previous handler, or SIG_ERR with errno EINVAL. */
mtcp_sighandler_t mtcp_register_signal(int signum, mtcp_sighandler_t handler);

/** Creates a pipe of two end-host ids sharing a 10240-byte ring: pipeid[0] reads,
 * pipeid[1] writes, both usable with mtcp_read/mtcp_write, mtcp_close and epoll (the
 * read end reports MOS_EPOLLIN, and MOS_EPOLLHUP once the writer closed; the write end
 * MOS_EPOLLOUT, and MOS_EPOLLERR once the reader closed). The reader gets end of
 * stream (0) after the writer's close; the writer gets EPIPE after the reader's.
 * Reading the write end or writing the read end fails with EBADF. Meant for
 * application threads of one context.
 * @return 0, or -1 with errno: EACCES, EFAULT (pipeid NULL), ENFILE (no free id),
 *         ENOMEM. */
int mtcp_pipe(mctx_t mctx, int pipeid[2]);

/** Reads a socket option (an int; *optlen >= sizeof(int), set to sizeof(int)).
 * End-host streams and listeners (a listener's values go to the connections it
 * accepts):
 *   SOL_SOCKET   SO_ERROR (the pending error, then cleared: ECONNREFUSED,
 *                ECONNRESET, ETIMEDOUT; 0 while a connect is pending), SO_TYPE,
 *                SO_RCVBUF, SO_SNDBUF (bytes), SO_KEEPALIVE (0/1);
 *   IPPROTO_TCP  TCP_NODELAY (0/1), TCP_MAXSEG (the MSS in use, or the one that will
 *                be advertised), TCP_KEEPIDLE, TCP_KEEPINTVL (seconds), TCP_KEEPCNT.
 * Level SOL_MONSOCKET (per-flow monitor sockets, stack thread only): MOS_INFO_*,
 * MOS_FRAGINFO_* (*optlen in bytes, a {0,0} sentinel appended when room),
 * MOS_TCP_STATE_CLI/SVR, MOS_TIMESTAMP.
 * @return 0, or -1 with errno: EACCES, EBADF (no such socket), ENOTSOCK (wrong
 *         socket kind), EFAULT (optval/optlen NULL), EINVAL (bad *optlen), EPERM
 *         (monitor level off the stack thread), ENODATA (no buffer), ENOPROTOOPT
 *         (unknown option), ENOSYS (not yet in this build). */
int mtcp_getsockopt(mctx_t mctx, int sock, int level, int optname, void *optval,
		    socklen_t *optlen);

/** Sets a socket option (an int).
 * End-host streams and listeners: SO_RCVBUF / SO_SNDBUF (256 .. the configured
 * rmem_size / wmem_size rounded up to a power of two, clamped; not doubled as on
 * Linux), SO_KEEPALIVE (0/1; idle 7200 s, interval 75 s, 9 probes by default),
 * TCP_NODELAY (0/1: Nagle's algorithm is on by default), TCP_MAXSEG (88..65535; the
 * MSS advertised, at most 1460, and a cap on the segments sent), TCP_KEEPIDLE /
 * TCP_KEEPINTVL (1..32767 s), TCP_KEEPCNT (1..127).
 * Level SOL_MONSOCKET: MOS_CLIBUF/MOS_SVRBUF (resize a side's reassembly buffer,
 * rounded up to 1 KiB; 0 disables it), MOS_CLIOVERLAP/MOS_SVROVERLAP,
 * MOS_STOP_MON (side CLI, SVR or BOTH). On a passive monitor socket these set the
 * default for flows created afterwards. MOS_SEQ_REMAP fails with ENOSYS.
 * @return 0, or -1 with errno: EACCES, EBADF, ENOTSOCK, EFAULT, EINVAL (bad value
 *         or optlen), ENOPROTOOPT, ENOSYS. */
int mtcp_setsockopt(mctx_t mctx, int sock, int level, int optname, const void *optval,
		    socklen_t optlen);

/** Makes an end-host socket non-blocking (deprecated; use mtcp_ioctl FIONBIO).
 * @return 0, or -1 with errno EACCES or EBADF. */
int mtcp_setsock_nonblock(mctx_t mctx, int sock);

/** Socket control on streams, listeners and pipe ends: FIONREAD (int: bytes readable
 * in order), FIONBIO (*(int *)argp non-zero: non-blocking).
 * @return 0, or -1 with errno: EACCES, EBADF (other kinds; FIONREAD without a
 *         connection), EFAULT (argp NULL), EINVAL (unknown request). */
int mtcp_ioctl(mctx_t mctx, int sock, int request, void *argp);

/** Creates a socket. `domain` must be AF_INET. `type` is the libc SOCK_STREAM (an
 * end-host TCP socket; passing MOS_SOCK_STREAM itself is rejected, as in mOS 0.3),
 * MOS_SOCK_MONITOR_STREAM or MOS_SOCK_MONITOR_RAW. `protocol` is ignored. All socket
 * kinds share one id space per context.
 * @return the socket id, or -1 with errno: EACCES, EAFNOSUPPORT, EINVAL (type),
 *         ENFILE (max_concurrency ids in use). */
int mtcp_socket(mctx_t mctx, int domain, int type, int protocol);

/** Binds an end-host socket to a local IPv4 address and port (network order); port 0
 * picks a free ephemeral port. Several listeners per context are allowed; a port is
 * in use when another socket of the context is bound to it with the same address or
 * either address is INADDR_ANY (no SO_REUSEADDR).
 * @return 0, or -1 with errno: EACCES, EBADF, ENOTSOCK, EINVAL (addr NULL, already
 *         bound, family not AF_INET or addrlen too small), EADDRINUSE, EADDRNOTAVAIL
 *         (not an address of this host). */
int mtcp_bind(mctx_t mctx, int sock, const struct sockaddr *addr, socklen_t addrlen);

/** Turns a bound stream socket into a listener with an accept queue of `backlog`
 * (1..max_concurrency) connections.
 * @return 0, or -1 with errno: EACCES, EBADF, ENOTSOCK, EINVAL (backlog), EADDRINUSE,
 *         ENOMEM. */
int mtcp_listen(mctx_t mctx, int sock, int backlog);

/** Takes a completed connection from a listener's queue. Blocking listeners wait;
 * non-blocking ones fail with EAGAIN. If `addr` and `addrlen` are given, the peer's
 * address is written (truncated to *addrlen) and *addrlen set to its full size. The
 * new socket is blocking. A SYN finding backlog connections already waiting or in
 * the handshake is dropped (the client retries).
 * @return the new socket id, or -1 with errno: EACCES, EBADF, EINVAL (not a
 *         listener), EAGAIN, EINTR (context stopping), ENFILE. */
int mtcp_accept(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen);

/** Prepares the pool of (source address, port) pairs used by mtcp_connect() toward
 * (daddr, dport) so that replies land on this context's queue under symmetric RSS.
 * `saddr_base` INADDR_ANY picks the address of the port routing to daddr;
 * `num_addr` is reserved (pass 1); `dport` is a port in network order.
 * @return 0, or -1 with errno: EACCES, EINVAL (no route), ENOMEM. */
int mtcp_init_rss(mctx_t mctx, in_addr_t saddr_base, int num_addr, in_addr_t daddr,
		  in_addr_t dport);

/** Opens a connection. Non-blocking sockets return -1 with EINPROGRESS and signal
 * completion with MOS_EPOLLOUT (or MOS_EPOLLERR | MOS_EPOLLHUP; read SO_ERROR);
 * blocking sockets wait for the outcome. An unbound socket gets the address of the
 * port routing to `addr` (or mtcp_init_rss's) and an ephemeral port chosen so that
 * symmetric RSS brings the replies to this context.
 * @return 0, or -1 with errno: EACCES, EBADF, ENOTSOCK, EFAULT (addr NULL),
 *         EAFNOSUPPORT, EISCONN, EALREADY, EINPROGRESS, EINVAL (no route, or the
 *         bound tuple does not hash to this context), EADDRINUSE (the bound tuple is
 *         in use), EAGAIN (no free source port), ENOMEM, ECONNREFUSED, ETIMEDOUT,
 *         EINTR. */
int mtcp_connect(mctx_t mctx, int sock, const struct sockaddr *addr, socklen_t addrlen);

/** Closes any socket. Streams: graceful FIN, or RST when unread data is discarded.
 * Listeners: queued connections are reset. Monitor sockets: callbacks are
 * unregistered; flows already attached keep their per-flow sockets until they end.
 * @return 0, or -1 with errno EACCES or EBADF. */
int mtcp_close(mctx_t mctx, int sock);

/** Resets a stream connection (RST) and frees the socket at once.
 * @return 0, or -1 with errno: EACCES, EBADF, ENOTSOCK, ENOTCONN. */
int mtcp_abort(mctx_t mctx, int sock);

/** Writes the local address of a stream or listener into `addr` (truncated to
 * *addrlen) and sets *addrlen to the full size.
 * @return 0, or -1 with errno: EACCES, EBADF, ENOTSOCK, EINVAL (*addrlen <= 0),
 *         EFAULT. */
int mtcp_getsockname(mctx_t mctx, int sock, struct sockaddr *addr, socklen_t *addrlen);

/** Reads in-order bytes from a stream or pipe. `flags` is 0 or MSG_PEEK (copy
 * without consuming). Returns 0 at end of stream. Blocking sockets wait for data.
 * @return bytes copied, or -1 with errno: EACCES, EBADF, ENOTSOCK, ENOTCONN, EINVAL
 *         (flags), EAGAIN (non-blocking, nothing to read), ECONNRESET. */
ssize_t mtcp_recv(mctx_t mctx, int sockid, char *buf, size_t len, int flags);

/** mtcp_recv() with flags 0. */
ssize_t mtcp_read(mctx_t mctx, int sock, char *buf, size_t len);

/** Scatter read: fills the vectors in order; stops at the first short copy.
 * @return total bytes, or -1 with the errno of mtcp_recv() or EINVAL (numIOV < 0). */
ssize_t mtcp_readv(mctx_t mctx, int sock, const struct iovec *iov, int numIOV);

/** Queues bytes for transmission on a stream or pipe; copies what fits in the send
 * buffer. Blocking sockets wait for space.
 * @return bytes queued, or -1 with errno: EACCES, EBADF, ENOTSOCK, ENOTCONN, EAGAIN
 *         (non-blocking, no space), EPIPE (local side shut), ECONNRESET, ENOMEM. */
ssize_t mtcp_write(mctx_t mctx, int sock, const char *buf, size_t len);

/** Gather write: queues the vectors in order; stops at the first short copy.
 * @return total bytes, or -1 with the errno of mtcp_write() or EINVAL. */
ssize_t mtcp_writev(mctx_t mctx, int sock, const struct iovec *iov, int numIOV);

/** Number of TCP connections the context currently tracks (monitored connections
 * count once).
 * @return the count, or (uint32_t)-1 with errno EACCES. */
uint32_t mtcp_get_connection_cnt(mctx_t mctx);

#ifdef __cplusplus
}
#endif

#endif /* MTCP_API_H */
