/* dpdk_eal.c - the process's one DPDK EAL: start-up from a configuration, reuse by
 * later opens, clean-up at exit, stack-thread registration, the table of ports in
 * use, and ring-backed port pairs. This is the only mutable global state of io/dpdk;
 * it mirrors DPDK's own (one EAL per process) and is guarded by one mutex, taken on
 * the control path only. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_lcore.h>
#include <rte_ring.h>

#include "io/dpdk_impl.h"

static struct {
	pthread_mutex_t lock;
	bool running; /* the EAL is initialised (by us or by the application) */
	bool ours;    /* we initialised it: we clean it up at exit */
	bool tried;   /* we called rte_eal_init() (it is not called twice) */
	unsigned opens;
	unsigned gen;
	bool busy[RTE_MAX_ETHPORTS];
	/* Kept for the life of the process: the EAL may keep pointers into its argv. */
	struct io_dpdk_argv argv;
} dpdk_eal = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* At exit, when no device is open: DPDK releases its memory and threads, and the
 * runtime directory it made (/var/run/dpdk/<file-prefix>, empty with --no-shconf)
 * goes too, so that runs do not pile them up. */
static void dpdk_eal_atexit(void)
{
	char dir[PATH_MAX];

	if (dpdk_eal.opens != 0)
		return;
	snprintf(dir, sizeof dir, "%s", rte_eal_get_runtime_dir());
	if (dpdk_eal.ours && dpdk_eal.running) {
		__atomic_store_n(&dpdk_eal.running, false, __ATOMIC_RELEASE);
		rte_eal_cleanup();
	}
	if (dir[0] != '\0')
		(void)rmdir(dir); /* only if empty: a directory in use by others stays */
}

/* "mos --file-prefix=... -l 0": the command line, for error messages. */
static void dpdk_eal_cmdline(char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < dpdk_eal.argv.argc && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
				 dpdk_eal.argv.argv[i]);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* rte_eal_init() with getopt's state reset before and restored after (the EAL parses
 * with getopt), and the caller's CPU affinity restored (the EAL pins the calling
 * thread to the main lcore's core; the control thread keeps its own affinity). */
static int dpdk_eal_call_init(int *err_out)
{
	cpu_set_t cpus;
	bool have_cpus = pthread_getaffinity_np(pthread_self(), sizeof cpus, &cpus) == 0;
	int saved_optind = optind, saved_opterr = opterr, saved_optopt = optopt;
	char *saved_optarg = optarg;

	optind = 0; /* glibc: 0 re-initialises getopt completely */
	int ret = rte_eal_init(dpdk_eal.argv.argc, dpdk_eal.argv.argv);
	*err_out = rte_errno;
	optind = saved_optind;
	opterr = saved_opterr;
	optopt = saved_optopt;
	optarg = saved_optarg;
	if (have_cpus)
		pthread_setaffinity_np(pthread_self(), sizeof cpus, &cpus);
	return ret;
}

static int dpdk_eal_start_locked(const struct io_open_args *args)
{
	struct io_dpdk_eal_env env;
	char cmd[512];
	int e = 0, rc;

	io_dpdk_eal_env_probe(&env);
	rc = io_dpdk_build_argv(args, &env, &dpdk_eal.argv);
	if (rc != 0)
		return rc;
	int ret = dpdk_eal_call_init(&e);
	if (ret < 0 && e == EALREADY && !dpdk_eal.tried) {
		/* The application started the EAL itself: use it, leave it to them. */
		__atomic_store_n(&dpdk_eal.running, true, __ATOMIC_RELEASE);
		return 0;
	}
	if (!dpdk_eal.tried)
		atexit(dpdk_eal_atexit);
	dpdk_eal.tried = true;
	dpdk_eal_cmdline(cmd, sizeof cmd);
	if (ret < 0)
		return dpdk_fail(args->err, args->err_len, -EIO,
				 "the DPDK EAL failed to start: %s (EAL arguments: %s)",
				 rte_strerror(e), cmd);
	dpdk_eal.ours = true;
	__atomic_store_n(&dpdk_eal.running, true, __ATOMIC_RELEASE);
	if (ret != dpdk_eal.argv.argc - 1)
		return dpdk_fail(args->err, args->err_len, -EINVAL,
				 "eal_args: '%s' is not a DPDK EAL option",
				 dpdk_eal.argv.argv[ret + 1]);
	return 0;
}

int io_dpdk_eal_start(const struct io_open_args *args)
{
	int rc = 0;

	MOS_ASSERT(args != NULL && args->cfg != NULL);
	pthread_mutex_lock(&dpdk_eal.lock);
	if (!dpdk_eal.running && dpdk_eal.tried)
		/* DPDK 22.11 keeps part of a failed start's state (a second parse of the
		 * same options fails): one attempt per process. */
		rc = dpdk_fail(args->err, args->err_len, -EIO,
			       "the DPDK EAL failed to start earlier in this process; a new "
			       "process is needed to try again");
	else if (!dpdk_eal.running)
		rc = dpdk_eal_start_locked(args);
	pthread_mutex_unlock(&dpdk_eal.lock);
	return rc;
}

/* A thread that registered gives its lcore id back when it ends (a pthread key's
 * destructor runs on the ending thread, while its DPDK thread-local state lives). */
static pthread_key_t dpdk_eal_thread_key;
static pthread_once_t dpdk_eal_thread_once = PTHREAD_ONCE_INIT;
static bool dpdk_eal_thread_key_ok;

static void dpdk_eal_thread_exit(void *unused)
{
	(void)unused;
	io_dpdk_unregister_thread();
}

static void dpdk_eal_thread_key_create(void)
{
	dpdk_eal_thread_key_ok =
		pthread_key_create(&dpdk_eal_thread_key, dpdk_eal_thread_exit) == 0;
}

int io_dpdk_register_thread(void)
{
	if (!__atomic_load_n(&dpdk_eal.running, __ATOMIC_ACQUIRE))
		return -EINVAL;
	if (rte_lcore_id() != LCORE_ID_ANY)
		return 0;
	if (rte_thread_register() != 0)
		return -rte_errno;
	pthread_once(&dpdk_eal_thread_once, dpdk_eal_thread_key_create);
	if (dpdk_eal_thread_key_ok)
		pthread_setspecific(dpdk_eal_thread_key, &dpdk_eal);
	return 0;
}

void io_dpdk_unregister_thread(void)
{
	unsigned id = rte_lcore_id();

	if (dpdk_eal_thread_key_ok)
		pthread_setspecific(dpdk_eal_thread_key, NULL);
	/* Only ids handed to non-EAL threads go back; EAL threads keep theirs. */
	if (id != LCORE_ID_ANY && rte_eal_lcore_role(id) == ROLE_NON_EAL)
		rte_thread_unregister();
}

int dpdk_port_claim(uint16_t port_id)
{
	int rc = 0;

	MOS_ASSERT(port_id < RTE_MAX_ETHPORTS);
	pthread_mutex_lock(&dpdk_eal.lock);
	if (dpdk_eal.busy[port_id])
		rc = -EBUSY;
	else
		dpdk_eal.busy[port_id] = true;
	pthread_mutex_unlock(&dpdk_eal.lock);
	return rc;
}

void dpdk_port_release(uint16_t port_id)
{
	MOS_ASSERT(port_id < RTE_MAX_ETHPORTS);
	pthread_mutex_lock(&dpdk_eal.lock);
	MOS_ASSERT(dpdk_eal.busy[port_id]);
	dpdk_eal.busy[port_id] = false;
	pthread_mutex_unlock(&dpdk_eal.lock);
}

unsigned dpdk_dev_opened(void)
{
	unsigned gen;

	pthread_mutex_lock(&dpdk_eal.lock);
	dpdk_eal.opens++;
	gen = ++dpdk_eal.gen;
	pthread_mutex_unlock(&dpdk_eal.lock);
	return gen;
}

void dpdk_dev_closed(void)
{
	pthread_mutex_lock(&dpdk_eal.lock);
	MOS_ASSERT(dpdk_eal.opens > 0);
	dpdk_eal.opens--;
	pthread_mutex_unlock(&dpdk_eal.lock);
}

/* ---------------------------------------------------------------------------------- */
/* Ring-backed port pairs                                                             */
/* ---------------------------------------------------------------------------------- */

typedef int (*dpdk_from_rings_fn)(const char *name, struct rte_ring *const rx[], unsigned nb_rx,
				  struct rte_ring *const tx[], unsigned nb_tx, unsigned numa);

/* Finds the loaded net_ring plugin's path (dl_iterate_phdr callback). */
static int dpdk_eal_find_ring_pmd(struct dl_phdr_info *info, size_t size, void *data)
{
	char *path = data;

	(void)size;
	if (info->dlpi_name == NULL || strstr(info->dlpi_name, "librte_net_ring.so") == NULL)
		return 0;
	snprintf(path, PATH_MAX, "%s", info->dlpi_name);
	return 1;
}

/* rte_eth_from_rings() lives in the net_ring driver. A static binary that links the
 * driver has it; a program on the shared DPDK libraries gets the driver as an EAL
 * plugin, loaded privately (RTLD_LOCAL), so it is looked up in the loaded plugin. */
#pragma weak rte_eth_from_rings
static dpdk_from_rings_fn dpdk_eal_from_rings(void)
{
	char path[PATH_MAX] = "";
	dpdk_from_rings_fn fn = NULL;

	if (rte_eth_from_rings != NULL)
		return rte_eth_from_rings;
	if (dl_iterate_phdr(dpdk_eal_find_ring_pmd, path) == 0)
		return NULL;
	void *h = dlopen(path, RTLD_NOW | RTLD_NOLOAD);
	if (h == NULL)
		return NULL;
	void *sym = dlsym(h, "rte_eth_from_rings");
	memcpy(&fn, &sym, sizeof fn);
	dlclose(h); /* drops our reference only: the EAL keeps the plugin loaded */
	return fn;
}

/* The rings one direction uses: "rp<q>_<from>"; created once, then reused. A reused
 * ring is emptied without freeing what it holds: those mbufs belonged to the pools of
 * a closed device, which are gone. */
static int dpdk_eal_rings(const char *from, unsigned size, struct rte_ring **rings, char *err,
			  size_t len)
{
	char name[RTE_RING_NAMESIZE];

	for (unsigned q = 0; q < IO_MAX_QUEUES; q++) {
		int n = snprintf(name, sizeof name, "rp%u_%s", q, from);
		if (n < 0 || (size_t)n >= sizeof name)
			return dpdk_fail(err, len, -ENAMETOOLONG,
					 "ring pair name '%s' too long", from);
		rings[q] = rte_ring_lookup(name);
		if (rings[q] != NULL)
			rte_ring_reset(rings[q]);
		else
			rings[q] = rte_ring_create(name, size, (int)rte_socket_id(),
						   RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (rings[q] == NULL)
			return dpdk_fail(err, len, -ENOMEM, "cannot create ring %s: %s", name,
					 rte_strerror(rte_errno));
	}
	return 0;
}

/* -EEXIST while port net_ring_<name> exists (its rings must not be emptied). */
static int dpdk_eal_no_port(const char *name, char *err, size_t len)
{
	char port[RTE_ETH_NAME_MAX_LEN];
	uint16_t id;

	snprintf(port, sizeof port, "net_ring_%s", name);
	if (rte_eth_dev_get_port_by_name(port, &id) == 0)
		return dpdk_fail(err, len, -EEXIST, "port %s exists", port);
	return 0;
}

int io_dpdk_ring_pair(const char *name_a, const char *name_b, char *err, size_t err_len)
{
	return io_dpdk_ring_pair_sized(name_a, name_b, 1024, err, err_len);
}

int io_dpdk_ring_pair_sized(const char *name_a, const char *name_b, uint32_t ring_frames,
			    char *err, size_t err_len)
{
	struct rte_ring *ab[IO_MAX_QUEUES], *ba[IO_MAX_QUEUES];
	dpdk_from_rings_fn from_rings = dpdk_eal_from_rings();
	int rc;

	if (!__atomic_load_n(&dpdk_eal.running, __ATOMIC_ACQUIRE))
		return dpdk_fail(err, err_len, -EINVAL, "the DPDK EAL is not running");
	if (from_rings == NULL)
		return dpdk_fail(err, err_len, -ENOTSUP,
				 "this program has no DPDK net_ring driver");
	if (strcmp(name_a, name_b) == 0)
		return dpdk_fail(err, err_len, -EINVAL,
				 "ring pair: two different names needed");
	if (ring_frames < 2 || ring_frames > (1u << 20) || (ring_frames & (ring_frames - 1)))
		return dpdk_fail(err, err_len, -EINVAL,
				 "ring pair: %u frames is not a power of two in [2, 2^20]",
				 ring_frames);
	rc = dpdk_eal_no_port(name_a, err, err_len);
	if (rc == 0)
		rc = dpdk_eal_no_port(name_b, err, err_len);
	if (rc == 0)
		rc = dpdk_eal_rings(name_a, ring_frames, ab, err, err_len);
	if (rc == 0)
		rc = dpdk_eal_rings(name_b, ring_frames, ba, err, err_len);
	if (rc != 0)
		return rc;
	/* A receives what B sends (ba) and sends into ab, which B receives. */
	if (from_rings(name_a, ba, IO_MAX_QUEUES, ab, IO_MAX_QUEUES, rte_socket_id()) < 0)
		return dpdk_fail(err, err_len, -rte_errno, "cannot create port net_ring_%s: %s",
				 name_a, rte_strerror(rte_errno));
	if (from_rings(name_b, ab, IO_MAX_QUEUES, ba, IO_MAX_QUEUES, rte_socket_id()) < 0)
		return dpdk_fail(err, err_len, -rte_errno, "cannot create port net_ring_%s: %s",
				 name_b, rte_strerror(rte_errno));
	return 0;
}
