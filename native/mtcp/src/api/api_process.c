/* api_process.c - process-wide API: mtcp_init, mtcp_destroy, mtcp_getconf,
 * mtcp_setconf. The only mutable process state of the library lives here (the api/
 * layer); everything below receives what it needs by pointer. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/api_es.h"
#include "api/api_internal.h"
#include "api/api_process.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "io/io_open.h"
#include "io/sim.h"
#include "mon/mon.h"

struct api_process api_proc = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
};

static int api_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		return 1;
	return n > MAX_CPUS ? MAX_CPUS : (int)n;
}

/* The values mtcp_setconf() may change, written into `cfg` and validated there by the
 * same rules as the file. Returns 0, or -1 (EINVAL) with `cfg` possibly modified. */
static int api_apply_conf(struct mos_config *cfg, const struct mtcp_conf *conf)
{
	cfg->num_cores = conf->num_cores;
	cfg->max_concurrency = conf->max_concurrency;
	cfg->max_num_buffers = conf->max_num_buffers;
	cfg->rmem_size = conf->rcvbuf_size;
	cfg->wmem_size = conf->sndbuf_size;
	cfg->tcp_tw_interval_ms = conf->tcp_timewait;
	cfg->tcp_timeout_ms = conf->tcp_timeout;
	if (cfg_validate_tunables(cfg, "<setconf>", NULL, NULL) != 0)
		return api_fail(EINVAL);
	return 0;
}

/* Opens the backend and builds the instance for `cfg` (owned by the process from
 * here on). Returns 0 or -1 with errno; the reason is printed to stderr. */
static int api_start(struct mos_config *cfg, unsigned flags)
{
	char err[256] = "";
	struct io_open_args args = {.cfg = cfg,
				    .queues = (uint16_t)cfg->num_cores,
				    .err = err,
				    .err_len = sizeof err};
	if (cfg->io == CFG_IO_SIM) {
		struct sim_net_params sp = sim_net_default_params();
		sp.clock = SIM_CLOCK_REALTIME;
		api_proc.sim = sim_net_create(&sp);
		if (api_proc.sim == NULL) {
			fprintf(stderr, "mtcp_init: cannot create the simulated network\n");
			return api_fail(ENOMEM);
		}
		args.sim = api_proc.sim;
	}
	int rc = io_open(&args, &api_proc.io);
	if (rc == 0)
		rc = eng_instance_create(cfg, api_proc.io, &api_proc.inst, err, sizeof err);
	if (rc != 0) {
		fprintf(stderr, "mtcp_init: %s: %s\n", cfg->file, err);
		io_close(api_proc.io);
		api_proc.io = NULL;
		if (api_proc.sim != NULL)
			sim_net_destroy(api_proc.sim);
		api_proc.sim = NULL;
		return api_fail(rc == -ENOMEM ? ENOMEM : EIO);
	}
	api_proc.inst->print_stats = cfg->stat_print_count > 0;
	/* Monitor sockets work in every configuration (mOS 0.3 allowed them only with a
	 * monitor application block or none). */
	api_proc.inst->monitor = &mon_personality;
	api_es_register(api_proc.inst, cfg);
	api_proc.cfg = cfg;
	if (!(flags & MOS_INIT_NO_SIGNALS))
		api_signals_install();
	return 0;
}

/* Takes ownership of `cfg` on success. */
static int api_init_locked(struct mos_config *cfg, unsigned flags)
{
	if (api_proc.cfg != NULL)
		return api_fail(EALREADY);
	if (api_proc.have_overrides && api_apply_conf(cfg, &api_proc.overrides) != 0)
		return -1;
	if (api_start(cfg, flags) != 0)
		return -1;
	api_proc.have_overrides = false;
	return 0;
}

int mtcp_init(const char *config_file)
{
	struct mos_config *cfg = NULL;
	int rc;

	if (config_file == NULL)
		return api_fail(EINVAL);
	pthread_mutex_lock(&api_proc.lock);
	if (api_proc.cfg != NULL) {
		pthread_mutex_unlock(&api_proc.lock);
		return api_fail(EALREADY);
	}
	/* Diagnostics go to stderr; errno comes from the loader. */
	rc = mos_config_load(config_file, NULL, NULL, &cfg);
	if (rc == 0 && (rc = api_init_locked(cfg, 0)) != 0)
		mos_config_free(cfg);
	pthread_mutex_unlock(&api_proc.lock);
	return rc;
}

int mos_init_config(const struct mos_config *cfg, unsigned flags)
{
	if (cfg == NULL)
		return api_fail(EINVAL);
	struct mos_config *copy = cfg_clone(cfg);
	if (copy == NULL)
		return api_fail(ENOMEM);
	pthread_mutex_lock(&api_proc.lock);
	int rc = api_init_locked(copy, flags);
	pthread_mutex_unlock(&api_proc.lock);
	if (rc != 0) {
		int e = errno;
		mos_config_free(copy);
		errno = e;
	}
	return rc;
}

int mtcp_destroy(void)
{
	int rc = -1;

	pthread_mutex_lock(&api_proc.lock);
	if (api_proc.cfg == NULL) {
		errno = EALREADY;
	} else if (api_proc.live_contexts > 0) {
		errno = EBUSY;
	} else {
		api_signals_remove();
		eng_instance_destroy(api_proc.inst);
		io_close(api_proc.io);
		if (api_proc.sim != NULL)
			sim_net_destroy(api_proc.sim);
		mos_config_free(api_proc.cfg);
		api_proc.inst = NULL;
		api_proc.io = NULL;
		api_proc.sim = NULL;
		api_proc.cfg = NULL;
		rc = 0;
	}
	pthread_mutex_unlock(&api_proc.lock);
	return rc;
}

static void api_fill_apps(const struct mos_config *cfg, struct mtcp_conf *conf)
{
	conf->num_app = cfg->app_count;
	for (int i = 0; i < cfg->app_count && i < MOS_APP; i++) {
		const struct cfg_app *app = &cfg->app[i];
		conf->app_cpu_mask[i] = app->cpu_mask;
		conf->app_argc[i] = app->argc;
		for (int a = 0; a < app->argc && a < MOS_APP_ARGC; a++)
			conf->app_argv[i][a] = (char *)&app->argv_buf[app->argv_off[a]];
	}
}

static void api_fill_conf(const struct mos_config *cfg, struct mtcp_conf *conf)
{
	memset(conf, 0, sizeof *conf);
	conf->num_cores = cfg->num_cores;
	conf->max_concurrency = cfg->max_concurrency;
	conf->cpu_mask = cfg->cpu_mask;
	conf->max_num_buffers = cfg->max_num_buffers;
	conf->rcvbuf_size = cfg->rmem_size;
	conf->sndbuf_size = cfg->wmem_size;
	conf->tcp_timewait = cfg->tcp_tw_interval_ms;
	conf->tcp_timeout = cfg->tcp_timeout_ms;
	api_fill_apps(cfg, conf);
}

int mtcp_getconf(struct mtcp_conf *conf)
{
	if (conf == NULL)
		return api_fail(EINVAL);
	pthread_mutex_lock(&api_proc.lock);
	if (api_proc.cfg != NULL) {
		api_fill_conf(api_proc.cfg, conf);
	} else if (api_proc.have_overrides) {
		*conf = api_proc.overrides;
	} else {
		static struct mos_config defaults; /* guarded by api_proc.lock */
		cfg_set_defaults(&defaults);
		defaults.num_cores = api_online_cpus();
		api_fill_conf(&defaults, conf);
	}
	pthread_mutex_unlock(&api_proc.lock);
	return 0;
}

/* Before mtcp_init(): check the values against the defaults (the file may still
 * lower the number of cores, which mtcp_init() re-checks) and keep them. */
static int api_setconf_early(const struct mtcp_conf *conf)
{
	static struct mos_config scratch; /* guarded by api_proc.lock */
	cfg_set_defaults(&scratch);
	scratch.cpu_mask = (1u << MAX_CPUS) - 1u;
	if (api_apply_conf(&scratch, conf) != 0)
		return -1;
	api_proc.overrides = *conf;
	api_proc.have_overrides = true;
	return 0;
}

static int api_setconf_late(const struct mtcp_conf *conf)
{
	static struct mos_config trial; /* guarded by api_proc.lock */
	/* Tunables are plain fields: a shallow copy is enough to validate them. */
	trial = *api_proc.cfg;
	if (api_apply_conf(&trial, conf) != 0)
		return -1;
	api_apply_conf(api_proc.cfg, conf);
	return 0;
}

int mtcp_setconf(const struct mtcp_conf *conf)
{
	int rc;

	if (conf == NULL)
		return api_fail(EINVAL);
	pthread_mutex_lock(&api_proc.lock);
	if (api_proc.live_contexts > 0)
		rc = api_fail(EBUSY);
	else if (api_proc.cfg == NULL)
		rc = api_setconf_early(conf);
	else
		rc = api_setconf_late(conf);
	pthread_mutex_unlock(&api_proc.lock);
	return rc;
}
