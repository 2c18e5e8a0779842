/* api_mon.h - helpers shared by the monitoring API files (api_mon_*.c): context and
 * socket lookup with the errno conventions of mos_api.h, and the "callback only" rule. */
#ifndef MOS_API_MON_H
#define MOS_API_MON_H

#include "api/api_internal.h"
#include "api/api_process.h"
#include "mon/mon.h"

/* The process-wide tree of user-defined events (mtcp_define_event). */
extern struct mon_ude_reg api_mon_udes;

/* Gives a new context its public handle, the UDE tree and a random flow-table key
 * (api_context.c calls it right after creating the engine context). */
void api_mon_bind(struct api_ctx *c);

/* The monitor of `mctx`, or NULL with errno EACCES (bad context) / ENOSYS (no monitor
 * personality). *cp receives the API context. */
struct mon_ctx *api_mon_of(mctx_t mctx, struct api_ctx **cp);

/* True on the thread running a callback or filter of this context ("callback only"
 * functions), or on the owner thread of a run-to-completion context between polls. */
bool api_mon_on_thread(const struct api_ctx *c, const struct mon_ctx *m);

/* The per-flow socket `sock`, or NULL with errno: EBADF (no such socket), `wrong_kind`
 * (another kind of socket). */
struct mon_fsock *api_mon_fsock(struct api_ctx *c, int sock, int wrong_kind);

#endif /* MOS_API_MON_H */
