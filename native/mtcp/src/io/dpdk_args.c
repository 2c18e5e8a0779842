/* dpdk_args.c - the EAL command line built from the configuration, and how device
 * strings name DPDK ports. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_pci.h>

#include "engine/config.h"
#include "io/dpdk_impl.h"
#include "mtcp_util.h"

/* Bytes of EAL memory per buffer of a pool (mbuf header, headroom, 2 KiB of data,
 * mempool header, rounded up), and what the EAL needs besides the pools. */
#define DPDK_ARGS_BYTES_PER_BUF 2560u
#define DPDK_ARGS_BASE_MB 256u
#define DPDK_ARGS_MIN_MB 512u

int dpdk_fail(char *err, size_t err_len, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && err_len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, err_len, fmt, ap);
		va_end(ap);
	}
	return rc;
}

const char *dpdk_netdev_device(const struct cfg_netdev *nd)
{
	return nd->device[0] != '\0' ? nd->device : nd->name;
}

enum dpdk_kind dpdk_device_kind(const char *device, char *name, size_t name_len)
{
	struct rte_pci_addr addr;
	size_t n = strcspn(device, ",");

	MOS_ASSERT(name_len > 0);
	snprintf(name, name_len, "%.*s", (int)n, device);
	if (strncmp(name, "net_", 4) == 0)
		return DPDK_KIND_VDEV;
	if (rte_pci_addr_parse(name, &addr) == 0) {
		rte_pci_device_name(&addr, name, name_len);
		return DPDK_KIND_PCI;
	}
	return DPDK_KIND_NAME;
}

/* Appends one formatted word. */
static int dpdk_args_add(struct io_dpdk_argv *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int dpdk_args_add(struct io_dpdk_argv *a, const char *fmt, ...)
{
	size_t room = sizeof a->buf - a->used;
	va_list ap;
	int n;

	if (a->argc >= IO_DPDK_ARGV_MAX)
		return -E2BIG;
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return -E2BIG;
	a->argv[a->argc++] = a->buf + a->used;
	a->argv[a->argc] = NULL;
	a->used += (size_t)n + 1;
	return 0;
}

/* Whether word `w` is option `opt`: "-x" matches "-x" and "-xVALUE"; "--opt" matches
 * "--opt" and "--opt=VALUE". */
static bool dpdk_args_is(const char *w, const char *opt)
{
	size_t n = strlen(opt);

	if (strncmp(w, opt, n) != 0)
		return false;
	if (opt[1] != '-')
		return true;
	return w[n] == '\0' || w[n] == '=';
}

/* Whether any of the user's words is one of the NULL-terminated options. */
static bool dpdk_args_has(char *const *words, int count, const char *const *opts)
{
	for (int i = 0; i < count; i++) {
		for (const char *const *o = opts; *o != NULL; o++) {
			if (dpdk_args_is(words[i], *o))
				return true;
		}
	}
	return false;
}

/* Splits eal_args in out->user; the words are appended last. */
static int dpdk_args_split(const struct io_open_args *args, char **words, int *count,
			   struct io_dpdk_argv *out)
{
	static const char *const help[] = {"-h", "--help", NULL};
	MOS_BUILD_BUG_ON(sizeof out->user != sizeof args->cfg->eal_args);

	*count = 0;
	memcpy(out->user, args->cfg->eal_args, sizeof out->user);
	out->user[sizeof out->user - 1] = '\0';
	if (out->user[0] == '\0')
		return 0;
	if (StrToArgs(out->user, count, words, CFG_MAX_EAL_ARGS) != 0)
		return dpdk_fail(args->err, args->err_len, -EINVAL,
				 "eal_args: unbalanced quotes or more than %d words",
				 CFG_MAX_EAL_ARGS);
	for (int i = 0; i < *count; i++) {
		if (dpdk_args_is(words[i], help[0]) || dpdk_args_is(words[i], help[1]))
			return dpdk_fail(args->err, args->err_len, -EINVAL,
					 "eal_args: '%s' would make DPDK print its usage and "
					 "exit the process",
					 words[i]);
	}
	return 0;
}

/* Megabytes of EAL memory for the pools of `args` (without hugepages). */
static unsigned dpdk_args_mem_mb(const struct io_open_args *args)
{
	uint16_t ports = (uint16_t)args->cfg->netdev_count;
	uint64_t bufs = args->bufs_per_queue;
	uint32_t min = dpdk_pool_min(ports, IO_DPDK_NB_DESC, IO_DPDK_NB_DESC, args->queues);

	if (bufs == 0)
		bufs = min > IO_DPDK_DEFAULT_BUFS ? min : IO_DPDK_DEFAULT_BUFS;
	uint64_t mb = (bufs * args->queues * DPDK_ARGS_BYTES_PER_BUF >> 20) + DPDK_ARGS_BASE_MB;
	return mb < DPDK_ARGS_MIN_MB ? DPDK_ARGS_MIN_MB : (unsigned)mb;
}

/* "-l 0,1,5": the stack cores. */
static int dpdk_args_cores(struct io_dpdk_argv *out, uint64_t mask)
{
	char list[16 * 4] = "";
	size_t used = 0;

	for (unsigned c = 0; c < 64; c++) {
		if ((mask >> c & 1u) == 0)
			continue;
		int n = snprintf(list + used, sizeof list - used, "%s%u", used ? "," : "", c);
		if (n < 0 || (size_t)n >= sizeof list - used)
			return -E2BIG;
		used += (size_t)n;
	}
	if (used == 0)
		return 0;
	if (dpdk_args_add(out, "-l") != 0)
		return -E2BIG;
	return dpdk_args_add(out, "%s", list);
}

/* -a for each PCI port, --no-pci when every port is a virtual device. */
static int dpdk_args_pci(const struct io_open_args *args, char **words, int count,
			 struct io_dpdk_argv *out)
{
	static const char *const pci_opts[] = {"-a",      "--allow",  "-b",
					       "--block", "--no-pci", NULL};
	const struct mos_config *cfg = args->cfg;
	bool all_vdev = true;
	char name[RTE_DEV_NAME_MAX_LEN];

	if (dpdk_args_has(words, count, pci_opts))
		return 0;
	for (int i = 0; i < cfg->netdev_count; i++) {
		const char *dev = dpdk_netdev_device(&cfg->netdev[i]);
		enum dpdk_kind kind = dpdk_device_kind(dev, name, sizeof name);
		if (kind != DPDK_KIND_VDEV)
			all_vdev = false;
		if (kind == DPDK_KIND_PCI &&
		    (dpdk_args_add(out, "-a") != 0 || dpdk_args_add(out, "%s", dev) != 0))
			return -E2BIG;
	}
	if (all_vdev)
		return dpdk_args_add(out, "--no-pci");
	return 0;
}

/* The defaults that eal_args does not override. */
static int dpdk_args_defaults(const struct io_open_args *args,
			      const struct io_dpdk_eal_env *env, char **words, int count,
			      struct io_dpdk_argv *out)
{
	static const char *const prefix[] = {"--file-prefix", NULL};
	static const char *const mem[] = {"-m",          "--socket-mem", "--no-huge",
					  "--in-memory", "--huge-dir",   NULL};
	static const char *const chan[] = {"-n", NULL};
	static const char *const cores[] = {"-l", "-c", "--lcores", NULL};
	static const char *const telemetry[] = {"--telemetry", "--no-telemetry", NULL};
	static const char *const shconf[] = {"--no-shconf", "--in-memory", "--proc-type", NULL};
	int rc = 0;

	if (!dpdk_args_has(words, count, prefix))
		rc |= dpdk_args_add(out, "--file-prefix=mos-%d", env->pid);
	if (!env->hugepages && !dpdk_args_has(words, count, mem)) {
		rc |= dpdk_args_add(out, "--no-huge");
		rc |= dpdk_args_add(out, "-m");
		rc |= dpdk_args_add(out, "%u", dpdk_args_mem_mb(args));
	}
	if (args->cfg->nb_mem_channels > 0 && !dpdk_args_has(words, count, chan)) {
		rc |= dpdk_args_add(out, "-n");
		rc |= dpdk_args_add(out, "%d", args->cfg->nb_mem_channels);
	}
	if (!dpdk_args_has(words, count, cores))
		rc |= dpdk_args_cores(out, args->cfg->cpu_mask);
	/* A later --log-level from eal_args refines this one. */
	rc |= dpdk_args_add(out, "--log-level=warning");
	if (!dpdk_args_has(words, count, telemetry))
		rc |= dpdk_args_add(out, "--no-telemetry");
	if (!dpdk_args_has(words, count, shconf))
		rc |= dpdk_args_add(out, "--no-shconf");
	rc |= dpdk_args_pci(args, words, count, out);
	return rc != 0 ? -E2BIG : 0;
}

int io_dpdk_build_argv(const struct io_open_args *args, const struct io_dpdk_eal_env *env,
		       struct io_dpdk_argv *out)
{
	char *words[CFG_MAX_EAL_ARGS + 1];
	int count = 0;
	int rc;

	MOS_ASSERT(args != NULL && args->cfg != NULL && env != NULL && out != NULL);
	out->argc = 0;
	out->used = 0;
	out->argv[0] = NULL;
	rc = dpdk_args_split(args, words, &count, out);
	if (rc != 0)
		return rc;
	rc = dpdk_args_add(out, "mos");
	if (rc == 0)
		rc = dpdk_args_defaults(args, env, words, count, out);
	for (int i = 0; rc == 0 && i < count; i++) {
		if (out->argc >= IO_DPDK_ARGV_MAX)
			rc = -E2BIG;
		else
			out->argv[out->argc++] = words[i]; /* in out->user */
	}
	out->argv[out->argc] = NULL;
	if (rc != 0)
		return dpdk_fail(args->err, args->err_len, rc, "EAL command line too long");
	MOS_ASSERT(out->argc >= 1 && out->used <= sizeof out->buf);
	return 0;
}

/* Free hugepages of the default size and a hugetlbfs mount to put them in. */
static bool dpdk_args_hugepages(void)
{
	char line[256];
	long free_pages = 0;
	bool mounted = false;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f != NULL) {
		while (fgets(line, sizeof line, f) != NULL) {
			if (sscanf(line, "HugePages_Free: %ld", &free_pages) == 1)
				break;
		}
		fclose(f);
	}
	f = fopen("/proc/mounts", "r");
	if (f != NULL) {
		while (!mounted && fgets(line, sizeof line, f) != NULL)
			mounted = strstr(line, " hugetlbfs ") != NULL;
		fclose(f);
	}
	return free_pages > 0 && mounted;
}

void io_dpdk_eal_env_probe(struct io_dpdk_eal_env *env)
{
	env->pid = (int)getpid();
	env->hugepages = dpdk_args_hugepages();
}
