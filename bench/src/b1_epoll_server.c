/* b1_epoll_server.c - the Linux kernel side of B1 (short transactions): one thread, one
 * epoll instance, non-blocking sockets.
 *
 * Usage: b1_epoll_server [--addr A] [--port-base P] [--ports N] [--cpu C] [--ready FILE]
 *
 * Listens on N ports (default 16, from P = 20000) of address A (default 127.0.0.1) so the
 * client has N x 64K four-tuples to cycle through. Per connection: accept, read the
 * 64-byte request, write a 64-byte response, close (the server closes first, like an
 * HTTP/1.0 server). Runs until SIGTERM or SIGINT, then prints to stderr how many
 * transactions it served. With --ready it writes its pid to FILE once it is listening.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MSG 64
#define MAX_PORTS 256
#define LISTENER (1ull << 40)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: b1_epoll_server [--addr A] [--port-base P] [--ports N] [--cpu C] "
		"[--ready FILE]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1", *ready = NULL;
	int port_base = 20000, ports = 16, cpu = -1;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--addr") == 0)
			addr = argv[++i];
		else if (strcmp(argv[i], "--port-base") == 0)
			port_base = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ports") == 0)
			ports = atoi(argv[++i]);
		else if (strcmp(argv[i], "--cpu") == 0)
			cpu = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ready") == 0)
			ready = argv[++i];
		else
			usage();
	}
	if (ports < 1 || ports > MAX_PORTS)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0)
			perror("b1_epoll_server: sched_setaffinity");
	}
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	size_t maxfd = (size_t)rl.rlim_cur;
	unsigned char *got = calloc(maxfd, 1); /* request bytes read so far, per fd */
	if (!got)
		return 2;

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int ep = epoll_create1(0);
	int lfd[MAX_PORTS];
	for (int p = 0; p < ports; p++) {
		struct sockaddr_in sin = {.sin_family = AF_INET,
					  .sin_port = htons((uint16_t)(port_base + p))};
		inet_pton(AF_INET, addr, &sin.sin_addr);
		int one = 1;
		lfd[p] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		setsockopt(lfd[p], SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
		if (bind(lfd[p], (struct sockaddr *)&sin, sizeof sin) != 0 ||
		    listen(lfd[p], 65535) != 0) {
			fprintf(stderr, "b1_epoll_server: %s:%d: %s\n", addr, port_base + p,
				strerror(errno));
			return 2;
		}
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = LISTENER | (uint64_t)p};
		epoll_ctl(ep, EPOLL_CTL_ADD, lfd[p], &ev);
	}
	if (ready) {
		char tmp[4096];
		snprintf(tmp, sizeof tmp, "%s.tmp", ready);
		FILE *f = fopen(tmp, "w");
		if (!f || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0 ||
		    rename(tmp, ready) != 0) {
			fprintf(stderr, "b1_epoll_server: %s: %s\n", ready, strerror(errno));
			return 2;
		}
	}

	static const char resp[MSG] =
		"HTTP/1.0 200 OK\r\nContent-Length: 0\r\nServer: b1\r\n\r\n";
	char buf[MSG];
	struct epoll_event evs[512];
	unsigned long long served = 0, accepted = 0, failed = 0;
	while (!stop) {
		int n = epoll_wait(ep, evs, 512, 200);
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			if (tag & LISTENER) {
				int l = lfd[tag & 0xffff];
				for (;;) {
					int fd = accept4(l, NULL, NULL, SOCK_NONBLOCK);
					if (fd < 0)
						break;
					if ((size_t)fd >= maxfd) {
						close(fd);
						failed++;
						continue;
					}
					accepted++;
					got[fd] = 0;
					struct epoll_event ev = {.events = EPOLLIN,
								 .data.u64 = (uint64_t)fd};
					epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
				}
				continue;
			}
			int fd = (int)tag;
			ssize_t r = read(fd, buf, MSG - got[fd]);
			if (r > 0) {
				got[fd] = (unsigned char)(got[fd] + r);
				if (got[fd] < MSG)
					continue;
				if (write(fd, resp, MSG) == MSG)
					served++;
				else
					failed++;
				close(fd);
			} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
				failed++;
				close(fd);
			}
		}
	}
	fprintf(stderr, "b1_epoll_server: accepted %llu served %llu failed %llu\n", accepted,
		served, failed);
	return 0;
}
