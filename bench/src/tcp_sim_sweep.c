/* tcp_sim_sweep.c - the long simulation sweep of the end-host TCP: every seed of a range
 * runs one mixed scenario of tests/native/tcp_sim.h (two engines over a link with loss
 * up to the given maximum, duplication, reordering, corruption, delay and jitter; bulk
 * transfers of megabytes or hundreds of short connections) and checks its invariants.
 *
 * Usage: tcp_sim_sweep FIRST LAST [LOSS_MAX_PERCENT] [-v]
 *   (default loss maximum 10 %). Prints one line per failing seed (replay it with
 *   MOS_TEST_SEED=<seed> build/.../test_tcp_sim replay_seed_from_environment, or
 *   `tcp_sim_sweep SEED SEED -v`) and a summary; exit status 1 when any seed failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../tests/native/tcp_sim.h"

static double sweep_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s FIRST LAST [LOSS_MAX_PERCENT] [-v]\n", argv[0]);
		return 64;
	}
	uint64_t first = strtoull(argv[1], NULL, 0), last = strtoull(argv[2], NULL, 0);
	double loss_pct = argc > 3 && argv[3][0] != '-' ? strtod(argv[3], NULL) : 10.0;
	bool verbose = strcmp(argv[argc - 1], "-v") == 0;
	uint32_t loss_max = (uint32_t)(loss_pct * 10000.0);
	uint64_t failed = 0, bytes = 0, conns = 0, rtx = 0, lost = 0;
	double t0 = sweep_now();
	for (uint64_t seed = first; seed <= last; seed++) {
		struct ts_sim *s = calloc(1, sizeof *s);
		if (s == NULL)
			return 2;
		s->seed = seed;
		ts_params_for_seed(&s->p, seed, loss_max);
		bool ok = ts_run(s);
		if (!ok) {
			failed++;
			printf("FAIL seed %llu: %s\n", (unsigned long long)seed, s->err);
		}
		if (verbose || !ok)
			printf("seed %llu: loss %.2f%% dup %.2f%% reorder %.2f%% corrupt "
			       "%.2f%% delay "
			       "%.2f ms conns %u bytes %llu rtx %llu lost %llu virtual %.1f "
			       "s\n",
			       (unsigned long long)seed, s->p.loss_ppm / 1e4,
			       s->p.dup_ppm / 1e4, s->p.reorder_ppm / 1e4,
			       s->p.corrupt_ppm / 1e4, s->p.delay_ns / 1e6, s->p.conns,
			       (unsigned long long)s->bytes, (unsigned long long)s->rtx,
			       (unsigned long long)s->lost, (double)s->end_ns / 1e9);
		bytes += s->bytes;
		conns += s->p.conns;
		rtx += s->rtx;
		lost += s->lost;
		ts_free(s);
		free(s);
		fflush(stdout);
	}
	printf("tcp_sim_sweep: seeds %llu..%llu, loss up to %.1f%%: %llu failed; %llu "
	       "connections, "
	       "%llu bytes verified, %llu retransmitted segments for %llu lost frames, %.1f "
	       "s\n",
	       (unsigned long long)first, (unsigned long long)last, loss_pct,
	       (unsigned long long)failed, (unsigned long long)conns, (unsigned long long)bytes,
	       (unsigned long long)rtx, (unsigned long long)lost, sweep_now() - t0);
	return failed ? 1 : 0;
}
