/* b1_epoll_client.c - the load side of the Linux B1 baseline: keeps N connections in
 * flight, each doing connect, a 64-byte request, the 64-byte response, close; then the
 * slot opens a new connection at once. One thread, one epoll instance.
 *
 * Usage: b1_epoll_client --conns N [--seconds S] [--warmup W] [--addr A] [--port-base P]
 *                        [--ports K] [--cpu C] [--server-pid PID] [--server-cpu C]
 *
 * After W seconds of warm-up (default 1) it measures for S seconds (default 4):
 * transactions completed; the server's CPU time = the scheduler run time of the server
 * process (/proc/PID/schedstat; on a kernel without IRQ time accounting, like this one,
 * it includes the softirq work done while it runs) plus that of ksoftirqd/<server CPU>
 * (softirq work deferred on the server's core); and, for reference, the busy time of the
 * server's core (/proc/stat: user, nice, system, irq, softirq - other load on that core
 * counts there too). Prints one line:
 *
 *   RESULT bench=b1 impl=linux conns=N seconds=S transactions=T tps=.. server_cpu_s=..
 *          tx_per_core_s=.. us_per_tx=.. server_core_busy_s=.. tx_per_busy_core_s=..
 *          client_cpu_s=.. ksoftirqd_s=.. errors=E
 *
 * tx_per_core_s = transactions / server_cpu_s (transactions per server core-second);
 * us_per_tx = server CPU microseconds per transaction.
 */
#include <arpa/inet.h>
#include <dirent.h>
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
#include <time.h>
#include <unistd.h>

#define MSG 64

enum { FREE, CONNECTING, WAITING };

struct conn {
	int fd;
	int state;
	int got;
};

static struct conn *conns;
static int nconns, ep, port_base = 20000, ports = 16;
static struct in_addr server;
static unsigned long long next_port, done, errors;
static int *retry;
static int nretry;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Run time in seconds of a task (pid 0 = this process) from /proc/PID/schedstat. */
static double task_cpu_s(int pid)
{
	char path[64];
	if (pid)
		snprintf(path, sizeof path, "/proc/%d/schedstat", pid);
	else
		snprintf(path, sizeof path, "/proc/self/schedstat");
	FILE *f = fopen(path, "r");
	unsigned long long ns = 0;
	if (!f)
		return -1;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return (double)ns * 1e-9;
}

/* The pid of ksoftirqd/CPU (softirq work deferred to the kernel thread of that CPU), or 0. */
static int ksoftirqd_pid(int cpu)
{
	char want[32], path[300], comm[64];
	snprintf(want, sizeof want, "ksoftirqd/%d\n", cpu);
	DIR *d = opendir("/proc");
	struct dirent *e;
	int pid = 0;
	while (cpu >= 0 && d && (e = readdir(d)) != NULL && !pid) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/comm", e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof comm, f) && strcmp(comm, want) == 0)
			pid = atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return pid;
}

/* Busy seconds of one CPU from /proc/stat (user+nice+system+irq+softirq). */
static double core_busy_s(int cpu)
{
	if (cpu < 0)
		return 0;
	FILE *f = fopen("/proc/stat", "r");
	char line[512], want[32];
	double s = 0;
	snprintf(want, sizeof want, "cpu%d ", cpu);
	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		unsigned long long v[7] = {0};
		sscanf(line + strlen(want), "%llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
		       &v[2], &v[3], &v[4], &v[5], &v[6]);
		s = (double)(v[0] + v[1] + v[2] + v[5] + v[6]) / (double)sysconf(_SC_CLK_TCK);
		break;
	}
	if (f)
		fclose(f);
	return s;
}

static void drop(int i)
{
	if (conns[i].fd >= 0)
		close(conns[i].fd);
	conns[i].fd = -1;
	conns[i].state = FREE;
}

static void fail(int i)
{
	errors++;
	drop(i);
	retry[nretry++] = i; /* reopened after the next epoll_wait */
}

static void open_conn(int i)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr = server};
	sin.sin_port = htons((uint16_t)(port_base + (int)(next_port++ % (unsigned)ports)));
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		conns[i].fd = -1;
		fail(i);
		return;
	}
	conns[i].fd = fd;
	conns[i].got = 0;
	if (connect(fd, (struct sockaddr *)&sin, sizeof sin) != 0 && errno != EINPROGRESS) {
		fail(i);
		return;
	}
	conns[i].state = CONNECTING;
	struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)i};
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
}

static void on_event(int i, uint32_t events)
{
	struct conn *c = &conns[i];
	if (c->state == CONNECTING) {
		static const char req[MSG] =
			"GET / HTTP/1.0\r\nHost: b1\r\nUser-Agent: b1_epoll_client\r\n\r\n";
		if ((events & (EPOLLERR | EPOLLHUP)) || write(c->fd, req, MSG) != MSG) {
			fail(i);
			return;
		}
		c->state = WAITING;
		struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
		epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		return;
	}
	char buf[MSG];
	ssize_t r = read(c->fd, buf, MSG - c->got);
	if (r > 0) {
		c->got += (int)r;
		if (c->got < MSG)
			return;
		done++;
		drop(i);
		open_conn(i);
	} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
		fail(i);
	}
}

static void usage(void)
{
	fprintf(stderr,
		"usage: b1_epoll_client --conns N [--seconds S] [--warmup W] [--addr A] "
		"[--port-base P] [--ports K] [--cpu C] [--server-pid PID] [--server-cpu C]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *addr = "127.0.0.1";
	double seconds = 4, warmup = 1;
	int cpu = -1, server_pid = 0, server_cpu = -1;
	for (int i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			usage();
		if (strcmp(argv[i], "--conns") == 0)
			nconns = atoi(argv[++i]);
		else if (strcmp(argv[i], "--seconds") == 0)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--warmup") == 0)
			warmup = atof(argv[++i]);
		else if (strcmp(argv[i], "--addr") == 0)
			addr = argv[++i];
		else if (strcmp(argv[i], "--port-base") == 0)
			port_base = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ports") == 0)
			ports = atoi(argv[++i]);
		else if (strcmp(argv[i], "--cpu") == 0)
			cpu = atoi(argv[++i]);
		else if (strcmp(argv[i], "--server-pid") == 0)
			server_pid = atoi(argv[++i]);
		else if (strcmp(argv[i], "--server-cpu") == 0)
			server_cpu = atoi(argv[++i]);
		else
			usage();
	}
	if (nconns < 1 || ports < 1 || seconds <= 0 || inet_pton(AF_INET, addr, &server) != 1)
		usage();
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (sched_setaffinity(0, sizeof set, &set) != 0)
			perror("b1_epoll_client: sched_setaffinity");
	}
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur < (rlim_t)nconns + 64) {
		fprintf(stderr,
			"b1_epoll_client: %d connections need ulimit -n >= %d (have %llu)\n",
			nconns, nconns + 64, (unsigned long long)rl.rlim_cur);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	conns = calloc((size_t)nconns, sizeof *conns);
	retry = calloc((size_t)nconns, sizeof *retry);
	ep = epoll_create1(0);
	if (!conns || !retry || ep < 0)
		return 2;
	for (int i = 0; i < nconns; i++) {
		conns[i].fd = -1;
		open_conn(i);
	}

	struct epoll_event evs[512];
	double t_start = now(), t_measure = t_start + warmup, t_end = t_measure + seconds;
	int measuring = 0;
	unsigned long long done0 = 0, err0 = 0;
	double srv0 = 0, busy0 = 0, cli0 = 0, ksi0 = 0;
	int ksi = ksoftirqd_pid(server_cpu);
	for (;;) {
		int n = epoll_wait(ep, evs, 512, nretry ? 1 : 100);
		for (int k = 0; k < n; k++)
			on_event((int)evs[k].data.u32, evs[k].events);
		if (nretry &&
		    n <= 0) { /* reopen failed slots (a burst of errors backs off 1 ms) */
			int m = nretry;
			nretry = 0;
			for (int k = 0; k < m; k++)
				open_conn(retry[k]);
		}
		double t = now();
		if (!measuring && t >= t_measure) {
			measuring = 1;
			done0 = done;
			err0 = errors;
			srv0 = task_cpu_s(server_pid);
			busy0 = core_busy_s(server_cpu);
			cli0 = task_cpu_s(0);
			ksi0 = ksi ? task_cpu_s(ksi) : 0;
			t_measure = t;
		} else if (measuring && t >= t_end) {
			unsigned long long tx = done - done0;
			double el = t - t_measure;
			double ks = ksi ? task_cpu_s(ksi) - ksi0 : 0;
			double srv = server_pid ? task_cpu_s(server_pid) - srv0 + ks : 0;
			double busy = core_busy_s(server_cpu) - busy0;
			double cli = task_cpu_s(0) - cli0;
			printf("RESULT bench=b1 impl=linux conns=%d seconds=%.3f "
			       "transactions=%llu tps=%.0f "
			       "server_cpu_s=%.3f tx_per_core_s=%.0f us_per_tx=%.3f "
			       "server_core_busy_s=%.3f "
			       "tx_per_busy_core_s=%.0f client_cpu_s=%.3f ksoftirqd_s=%.3f "
			       "errors=%llu\n",
			       nconns, el, tx, (double)tx / el, srv,
			       srv > 0 ? (double)tx / srv : 0, tx ? srv * 1e6 / (double)tx : 0,
			       busy, busy > 0 ? (double)tx / busy : 0, cli, ks, errors - err0);
			fflush(stdout);
			break;
		}
	}
	for (int i = 0; i < nconns; i++)
		if (conns[i].fd >= 0)
			close(conns[i].fd);
	return 0;
}
