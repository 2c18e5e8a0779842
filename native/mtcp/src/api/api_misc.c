/* api_misc.c - small public functions without state: EventToString and
 * mtcp_core_affinitize. */
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api/api_internal.h"

char *EventToString(uint32_t event)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{MOS_EPOLLNONE, "MOS_EPOLLNONE"},
		{MOS_EPOLLIN, "MOS_EPOLLIN"},
		{MOS_EPOLLPRI, "MOS_EPOLLPRI"},
		{MOS_EPOLLOUT, "MOS_EPOLLOUT"},
		{MOS_EPOLLRDNORM, "MOS_EPOLLRDNORM"},
		{MOS_EPOLLRDBAND, "MOS_EPOLLRDBAND"},
		{MOS_EPOLLWRNORM, "MOS_EPOLLWRNORM"},
		{MOS_EPOLLWRBAND, "MOS_EPOLLWRBAND"},
		{MOS_EPOLLMSG, "MOS_EPOLLMSG"},
		{MOS_EPOLLERR, "MOS_EPOLLERR"},
		{MOS_EPOLLHUP, "MOS_EPOLLHUP"},
		{MOS_EPOLLRDHUP, "MOS_EPOLLRDHUP"},
		{(uint32_t)MOS_EPOLLONESHOT, "MOS_EPOLLONESHOT"},
		{(uint32_t)MOS_EPOLLET, "MOS_EPOLLET"},
	};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		if (names[i].bit == event)
			return (char *)names[i].name;
	}
	return (char *)"UNKNOWN";
}

/* NUMA node of `cpu` from sysfs, or -1 when the machine reports none. */
static int api_cpu_node(int cpu)
{
	char path[96];
	for (int node = 0; node < 64; node++) {
		snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/node%d", cpu, node);
		if (access(path, F_OK) == 0)
			return node;
	}
	return -1;
}

/* Prefer memory of the CPU's node when the machine has more than one node. */
static int api_prefer_node(int node)
{
	/* MPOL_PREFERRED from <linux/mempolicy.h>; the raw system call avoids libnuma. */
	enum { API_MPOL_PREFERRED = 1 };
	unsigned long mask = 1ul << node;
	if (access("/sys/devices/system/node/node1", F_OK) != 0)
		return 0; /* one node: nothing to prefer */
	if (syscall(SYS_set_mempolicy, API_MPOL_PREFERRED, &mask, sizeof mask * 8) != 0)
		return -1;
	return 0;
}

int mtcp_core_affinitize(int cpu)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	int node;

	if (cpu < 0 || cpu >= online || cpu >= CPU_SETSIZE)
		return api_fail(EINVAL);
	CPU_ZERO(&set);
	CPU_SET((size_t)cpu, &set);
	if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0)
		return api_fail(EFAULT);
	node = api_cpu_node(cpu);
	if (node >= 0 && node < 64 && api_prefer_node(node) != 0)
		return api_fail(EFAULT);
	return 0;
}
