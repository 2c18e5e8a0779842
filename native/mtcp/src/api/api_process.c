/* api_process.c - process-wide API: mtcp_init, mtcp_destroy, mtcp_getconf,
 * mtcp_setconf. The only mutable process state of the library lives here (the api/
 * layer); everything below receives what it needs by pointer. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "api/api_internal.h"
#include "api/api_process.h"
#include "engine/config.h"

struct api_process {
	pthread_mutex_t lock;
	struct mos_config *cfg; /* NULL until mtcp_init() */
	int live_contexts;
	bool have_overrides; /* mtcp_setconf() before mtcp_init() */
	struct mtcp_conf overrides;
};

static struct api_process api_proc = {
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

int mtcp_init(const char *config_file)
{
	struct mos_config *cfg = NULL;
	int rc = -1;

	if (config_file == NULL)
		return api_fail(EINVAL);
	pthread_mutex_lock(&api_proc.lock);
	if (api_proc.cfg != NULL) {
		errno = EALREADY;
		goto out;
	}
	if (mos_config_load(config_file, NULL, NULL, &cfg) != 0)
		goto out; /* errno from the loader; diagnostics already printed */
	if (api_proc.have_overrides && api_apply_conf(cfg, &api_proc.overrides) != 0) {
		mos_config_free(cfg);
		goto out;
	}
	api_proc.cfg = cfg;
	api_proc.have_overrides = false;
	rc = 0;
out:
	pthread_mutex_unlock(&api_proc.lock);
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
		mos_config_free(api_proc.cfg);
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

const struct mos_config *api_process_config(void)
{
	return api_proc.cfg;
}
