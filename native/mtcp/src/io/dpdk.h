/* dpdk.h - what the DPDK backend offers beyond io_dpdk_open() (io_open.h): starting
 * the EAL on its own, registering stack threads, pool counts, the EAL command line,
 * and in-memory port pairs for tests and benchmarks. No DPDK header is included here,
 * so the engine, tests and tools can use it; the functions exist only in builds with
 * DPDK (io/dpdk*.c).
 *
 * The EAL is process-wide and DPDK allows rte_eal_init() once per process, so the
 * backend keeps one EAL for the process (the only global state of io/dpdk): the first
 * open (or io_dpdk_eal_start()) initialises it from that configuration, later opens
 * reuse it and ignore the EAL-level keys of their configuration (eal_args,
 * nb_mem_channels, cores, memory). Closing a device stops, closes and unplugs its
 * ports but keeps the EAL, so the same process can open again; the EAL is cleaned up
 * at process exit when no device is open.
 *
 * Stack threads: every rx/tx/alloc/free call works from any thread. A thread that
 * registered (io_ops.thread_init, or io_dpdk_register_thread(), after pinning itself
 * to its core) also has an EAL lcore id and with it a per-thread mempool cache:
 * buffers are then taken and returned without touching the shared pool ring. The id
 * goes back when the thread ends (or with io_dpdk_unregister_thread()).
 */
#ifndef MOS_IO_DPDK_H
#define MOS_IO_DPDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"
#include "io/io_open.h"

/* Starts the EAL from `args` if it is not running yet (what io_dpdk_open() does
 * first); 0 if it runs, or a negative errno with a reason in args->err. Lets a caller
 * create ports through DPDK before opening (io_dpdk_ring_pair()). Control thread. */
int io_dpdk_eal_start(const struct io_open_args *args);

/* Gives the calling thread an EAL lcore id (rte_thread_register()) unless it has one
 * (the thread that started the EAL is lcore `main`). 0, or -errno (EINVAL before the
 * EAL runs; ENOMEM when all RTE_MAX_LCORE ids are taken: the thread still works,
 * without a mempool cache). Call after pinning the thread: DPDK records its NUMA
 * socket from the affinity at this point. */
int io_dpdk_register_thread(void);

/* Gives back the id io_dpdk_register_thread() took, before the thread ends (which
 * does it too); a no-op for EAL threads and unregistered ones. Buffers in the
 * thread's mempool cache stay there for the next thread that gets the same id (ids
 * are reused lowest first). */
void io_dpdk_unregister_thread(void);

/* Buffers of `queue`'s pool: free ones (in the pool and in every thread's cache) and
 * the pool's size. 0 or -EINVAL (not a DPDK device, queue out of range). */
int io_dpdk_pool_counts(struct io_dev *dev, uint16_t queue, uint32_t *avail_out,
			uint32_t *size_out);

/* Creates two ring-backed ports wired back to back: what one transmits on queue q
 * the other receives on queue q (16 queues each, no copy, no loss until a ring of
 * 1024 frames is full). Their DPDK names are "net_ring_<name_a>" and
 * "net_ring_<name_b>": use those as netdev `device=` strings. The EAL must run
 * (io_dpdk_eal_start()). 0, or -errno with a reason in err (-EEXIST while such a
 * port exists). The rings stay for the life of the EAL: calling it again with the
 * same names after the ports were closed re-creates the ports on the same rings,
 * emptied of what the old ports left in them. */
int io_dpdk_ring_pair(const char *name_a, const char *name_b, char *err, size_t err_len);

/* The same with rings of `ring_frames` slots (a power of two in [2, 2^20]; a ring holds
 * one frame less), for benchmarks that keep thousands of frames in flight. The size
 * applies to rings created by this call; rings of an earlier pair with the same names
 * keep theirs. -EINVAL for a bad size. */
int io_dpdk_ring_pair_sized(const char *name_a, const char *name_b, uint32_t ring_frames,
			    char *err, size_t err_len);

/* ---------------------------------------------------------------------------------- */
/* The EAL command line (exposed so tests can check it without starting DPDK)         */
/* ---------------------------------------------------------------------------------- */

#define IO_DPDK_ARGV_MAX 192      /* words: 128 from eal_args + ours */
#define IO_DPDK_ARGV_BUF 20480    /* bytes of our words (PCI devices with their arguments) */
#define IO_DPDK_ARGV_USER 1024    /* bytes of eal_args (MOS_CONF_MAX_VALUE + 1) */
#define IO_DPDK_DEFAULT_BUFS 8191 /* buffers per queue pool when args leave it 0 */
#define IO_DPDK_NB_DESC 1024      /* RX and TX descriptors asked per queue */

/* What the machine offers, read once (io_dpdk_eal_env_probe()). */
struct io_dpdk_eal_env {
	int pid;
	bool hugepages; /* free hugepages and a hugetlbfs mount */
};

struct io_dpdk_argv {
	int argc;
	char *argv[IO_DPDK_ARGV_MAX + 1]; /* NULL-terminated */
	char buf[IO_DPDK_ARGV_BUF];       /* storage of our words */
	size_t used;
	char user[IO_DPDK_ARGV_USER]; /* eal_args, split in place */
};

/* The machine's facts: pid and whether hugepages can be used. */
void io_dpdk_eal_env_probe(struct io_dpdk_eal_env *env);

/* Builds the EAL arguments for `args` on a machine described by `env`, in this order:
 * program name; --file-prefix=mos-<pid>; memory (--no-huge -m <MB> without free
 * hugepages, MB from the pools' needs, at least 512); -n <nb_mem_channels> when not 0;
 * -l <cores of cpu_mask>; --log-level=warning; --no-telemetry; --no-shconf (no
 * secondary processes, nothing left in /var/run/dpdk); -a <pci> for each PCI port, or
 * --no-pci when every port is a virtual device; then the words of eal_args.
 *
 * A default is left out when eal_args gives the same option or one of its group (-m,
 * --socket-mem, --no-huge, --in-memory, --huge-dir for memory; -l, -c, --lcores for
 * cores; -a, --allow, -b, --block, --no-pci for PCI; --telemetry; --in-memory and
 * --proc-type for --no-shconf), so eal_args can override everything; a --log-level in
 * eal_args refines ours (the later one wins). Virtual devices are not on the command
 * line: the backend plugs them once the EAL runs, with one clear error per port.
 *
 * 0, or -EINVAL (bad quoting; -h/--help, which would make DPDK exit) or -E2BIG, with
 * a reason in args->err. */
int io_dpdk_build_argv(const struct io_open_args *args, const struct io_dpdk_eal_env *env,
		       struct io_dpdk_argv *out);

#endif /* MOS_IO_DPDK_H */
