/* api_signal.c - SIGINT handling (mOS semantics) and mtcp_register_signal.
 *
 * The library's SIGINT handler marks every context interrupted (blocked calls return
 * EINTR); without an application handler it also stops every context; a second
 * SIGINT within one second stops them whatever the application does; then the
 * application's handler runs. Everything the handler touches is lock-free. */
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "api/api_internal.h"
#include "api/api_process.h"
#include "engine/engine.h"

static _Atomic(mtcp_sighandler_t) api_app_sigint; /* zero: no application handler */
static _Atomic long api_last_sigint_s = -10;
static struct sigaction api_old_sigint;

static void api_sigint(int signum)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long last = atomic_exchange(&api_last_sigint_s, (long)ts.tv_sec);
	mtcp_sighandler_t app = atomic_load(&api_app_sigint);
	for (int i = 0; i < MAX_CPUS; i++) {
		struct api_ctx *c = api_proc.ctx[i];
		if (c != NULL)
			atomic_store(&c->interrupted, true);
	}
	if (app == NULL || ts.tv_sec - last <= 1)
		api_stop_all();
	if (app != NULL)
		app(signum);
}

void api_signals_install(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = api_sigint;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, &api_old_sigint) == 0)
		api_proc.signals_installed = true;
}

void api_signals_remove(void)
{
	if (!api_proc.signals_installed)
		return;
	sigaction(SIGINT, &api_old_sigint, NULL);
	api_proc.signals_installed = false;
}

mtcp_sighandler_t mtcp_register_signal(int signum, mtcp_sighandler_t handler)
{
	if (signum == SIGINT) {
		/* The library's handler stays; it calls this one after its own work. */
		return atomic_exchange(&api_app_sigint, handler);
	}
	struct sigaction sa, old;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (signum <= 0 || signum >= NSIG || sigaction(signum, &sa, &old) != 0) {
		errno = EINVAL;
		return SIG_ERR;
	}
	return old.sa_handler;
}
