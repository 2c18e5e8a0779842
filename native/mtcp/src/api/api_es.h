/* api_es.h - the public end-host API's plumbing (api/ only): the personality of the
 * running instance, and requests from application threads to the context thread. */
#ifndef MOS_API_API_ES_H
#define MOS_API_API_ES_H

#include "api/es.h"

struct api_ctx;
struct eng_instance;
struct mos_config;

/* mtcp_init: registers the end-host personality on `inst` with a fresh random secret. */
void api_es_register(struct eng_instance *inst, const struct mos_config *cfg);
/* A new context: its SIGINT flag reaches the end host. */
void api_es_bind(struct api_ctx *c);
/* The stack thread left its loop: every request waiting on it fails with EINTR and
 * later requests fail at once. */
void api_es_detach(struct api_ctx *c);
/* Idle nap of the context thread, cut short when an application thread posts work. */
void api_es_nap(struct api_ctx *c, uint64_t ns);
/* The end-host state of a context, or NULL with errno ENOSYS. */
struct es_ctx *api_es_of(struct api_ctx *c);
/* Executes r for the application: directly (run-to-completion; blocking requests drive
 * the loop until done, stopped, interrupted or timed out) or through the request
 * channel to the stack thread. Returns r->ret (>= 0 or -errno). */
long api_es_call(struct api_ctx *c, struct es_req *r);

#endif /* MOS_API_API_ES_H */
