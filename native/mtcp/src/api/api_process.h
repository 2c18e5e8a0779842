/* api_process.h - process-wide state of the public API (api/ layer only): the one
 * running instance created by mtcp_init() and its contexts. */
#ifndef MOS_API_PROCESS_H
#define MOS_API_PROCESS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "mos_ext.h"

struct mos_config;
struct io_dev;
struct eng_instance;
struct eng_ctx;
struct sim_net;

enum api_ctx_state {
	API_CTX_STARTING = 0,
	API_CTX_RUNNING = 1,
	API_CTX_STOPPED = 2, /* the loop has ended */
	API_CTX_FAILED = 3,
};

/* What an mctx_t points to: the public struct first, so &ctx->pub == mctx. */
struct api_ctx {
	struct mtcp_context pub;
	struct eng_ctx *eng;
	bool threaded;
	pthread_t thread;
	pthread_t owner; /* run to completion: the thread that created it */
	_Atomic bool stop;
	_Atomic bool interrupted; /* SIGINT seen: blocking calls return EINTR */
	_Atomic int state;        /* enum api_ctx_state */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* state changes */
};

struct api_process {
	pthread_mutex_t lock;
	struct mos_config *cfg; /* NULL until mtcp_init() */
	struct sim_net *sim;
	struct io_dev *io;
	struct eng_instance *inst;
	struct api_ctx *ctx[MAX_CPUS];
	int live_contexts;
	bool signals_installed;
	bool have_overrides; /* mtcp_setconf() before mtcp_init() */
	struct mtcp_conf overrides;
};

extern struct api_process api_proc;

/* The context `mctx` names if it is live, else NULL with errno EACCES. */
struct api_ctx *api_ctx_get(mctx_t mctx);

/* One iteration of the context's loop at the current time, for callers that wait for
 * a condition in run-to-completion mode; `idle` counts empty iterations (the call naps
 * after a while). Returns the frames received. */
uint32_t api_ctx_step(struct api_ctx *c, unsigned *idle);

/* The context is asked to leave its loop (mtcp_destroy_context, mos_stop, SIGINT). */
bool api_ctx_stopping(const struct api_ctx *c);

/* Stops every context (what SIGINT does without an application handler). */
void api_stop_all(void);

/* Installs / removes the library's SIGINT handler. */
void api_signals_install(void);
void api_signals_remove(void);

#endif /* MOS_API_PROCESS_H */
