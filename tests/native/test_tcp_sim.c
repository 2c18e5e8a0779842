/* test_tcp_sim.c - two end-host engines over a faulty simulated link (tcp_sim.h):
 * bulk transfers of megabytes and hundreds of short connections per seed, with loss up
 * to 10 %, duplication, reordering, corruption and delay; byte-exact delivery both ways,
 * every connection ends, every pool full again and both flow tables empty afterwards,
 * retransmissions bounded. 200 mixed seeds run here (a few seconds); the 1,000-seed
 * sweep is bench/src/tcp_sim_sweep.c. A failure prints its seed; replay one with
 *   MOS_TEST_SEED=<seed> test_tcp_sim replay_one_seed_from_the_environment */
#include "mos_test.h"
#include "tcp_sim.h"

/* Runs one scenario; returns the failure text (empty when it passed). */
static bool ts_case(uint64_t seed, const struct ts_params *p, char *err, size_t len)
{
	struct ts_sim *s = calloc(1, sizeof *s);
	CHECK(s != NULL);
	s->seed = seed;
	s->p = *p;
	bool ok = ts_run(s);
	if (getenv("TS_VERBOSE") != NULL)
		fprintf(stderr,
			"seed %llu: %u conns, %llu bytes, %llu rtx, %llu lost, %.1f s "
			"virtual\n",
			(unsigned long long)seed, p->conns, (unsigned long long)s->bytes,
			(unsigned long long)s->rtx, (unsigned long long)s->lost,
			(double)s->end_ns / 1e9);
	for (int h = 0; h < 2 && getenv("TS_VERBOSE") != NULL && s->cli.es != NULL; h++) {
		struct tcp_stack *t = h ? &s->srv.es->tcp : &s->cli.es->tcp;
		fprintf(stderr, "  %s: rto %llu fast %llu rtx %llu segs %llu data %llu\n",
			h ? "srv" : "cli", (unsigned long long)t->ctr.v[tcp_ctr_rtx_timeouts],
			(unsigned long long)t->ctr.v[tcp_ctr_fast_retransmits],
			(unsigned long long)t->ctr.v[tcp_ctr_rtx_segs],
			(unsigned long long)t->ctr.v[tcp_ctr_segs_out],
			(unsigned long long)t->ctr.v[tcp_ctr_data_segs_out]);
	}
	snprintf(err, len, "%s", s->err);
	ts_free(s);
	free(s);
	return ok;
}

static void ts_check(uint64_t seed, const struct ts_params *p)
{
	char err[512];
	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	CHECK_MSG(ts_case(seed, p, err, sizeof err), "seed %llu: %s", (unsigned long long)seed,
		  err);
}

static void ts_range(uint64_t first, uint64_t last, uint32_t loss_max_ppm)
{
	for (uint64_t seed = first; seed <= last; seed++) {
		struct ts_params p;
		ts_params_for_seed(&p, seed, loss_max_ppm);
		char err[512];
		CHECK_MSG(ts_case(seed, &p, err, sizeof err),
			  "seed %llu failed: %s\n  replay: MOS_TEST_SEED=%llu test_tcp_sim "
			  "replay_one_seed_from_the_environment",
			  (unsigned long long)seed, err, (unsigned long long)seed);
	}
}

TEST(one_bulk_connection_on_a_perfect_link_is_byte_exact)
{
	struct ts_params p = {.rmem = 65536,
			      .wmem = 65536,
			      .conns = 1,
			      .concurrency = 1,
			      .req_max = 1u << 20,
			      .resp_max = 1u << 20,
			      .delay_ns = 1000000,
			      .time_limit_ns = 600ull * 1000000000ull};
	ts_check(1, &p);
}

TEST(short_connections_on_a_perfect_link_all_end)
{
	struct ts_params p = {.rmem = 16384,
			      .wmem = 16384,
			      .conns = 300,
			      .concurrency = 32,
			      .req_max = 500,
			      .resp_max = 3000,
			      .delay_ns = 500000,
			      .tw_ms = 100,
			      .time_limit_ns = 600ull * 1000000000ull};
	ts_check(2, &p);
}

TEST(bulk_at_ten_percent_loss_with_sack_is_byte_exact)
{
	struct ts_params p = {.rmem = 262144,
			      .wmem = 262144,
			      .conns = 2,
			      .concurrency = 2,
			      .req_max = 4u << 20,
			      .resp_max = 4u << 20,
			      .delay_ns = 2000000,
			      .loss_ppm = 100000,
			      .time_limit_ns = 3600ull * 1000000000ull};
	ts_check(3, &p);
}

TEST(bulk_at_ten_percent_loss_with_newreno_is_byte_exact)
{
	struct ts_params p = {.rmem = 65536,
			      .wmem = 65536,
			      .conns = 2,
			      .concurrency = 2,
			      .req_max = 2u << 20,
			      .resp_max = 2u << 20,
			      .delay_ns = 2000000,
			      .loss_ppm = 100000,
			      .cli_opts_off = WIRE_TCPOPT_SACK_PERM,
			      .time_limit_ns = 3600ull * 1000000000ull};
	ts_check(4, &p);
}

TEST(thousands_of_short_connections_with_loss_and_reordering_all_end)
{
	struct ts_params p = {.rmem = 16384,
			      .wmem = 16384,
			      .conns = 3000,
			      .concurrency = 200,
			      .req_max = 300,
			      .resp_max = 2000,
			      .delay_ns = 1000000,
			      .jitter_ns = 500000,
			      .loss_ppm = 30000,
			      .reorder_ppm = 20000,
			      .dup_ppm = 10000,
			      .tw_ms = 200,
			      .edge_triggered = true,
			      .time_limit_ns = 3600ull * 1000000000ull};
	ts_check(5, &p);
}

TEST(mixed_scenarios_seeds_1_to_100_with_loss_up_to_10_percent)
{
	ts_range(1, 100, 100000);
}

TEST(mixed_scenarios_seeds_101_to_200_with_loss_up_to_10_percent)
{
	ts_range(101, 200, 100000);
}

TEST(replay_one_seed_from_the_environment)
{
	const char *env = getenv("MOS_TEST_SEED");
	if (env == NULL)
		return; /* nothing to replay */
	uint64_t seed = strtoull(env, NULL, 0);
	const char *loss = getenv("MOS_TEST_LOSS_PERCENT");
	struct ts_params p;
	ts_params_for_seed(&p, seed, loss != NULL ? (uint32_t)(atof(loss) * 10000.0) : 100000);
	ts_check(seed, &p);
}
