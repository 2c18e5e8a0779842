/* sim_net.c - the simulated network: clock, link table, per-link faults, statistics,
 * taps and frame injection (the control side of io = sim). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "io/sim_internal.h"
#include "wire/rss.h"
#include "mtcp_util.h"

#define SIM_NET_MAX_LINKS_LIMIT 1024u
#define SIM_NET_QUEUE_LIMIT (UINT32_C(1) << 20)
#define SIM_NET_MIN_FRAME 64u
#define SIM_NET_MAX_FRAME 65535u
#define SIM_NET_SPINS_BEFORE_YIELD 64u

void sim_spin_init(struct sim_spin *s)
{
	atomic_flag_clear_explicit(&s->flag, memory_order_relaxed);
}

void sim_spin_lock_slow(struct sim_spin *s)
{
	unsigned spins = 0;

	while (atomic_flag_test_and_set_explicit(&s->flag, memory_order_acquire)) {
		if (++spins % SIM_NET_SPINS_BEFORE_YIELD == 0)
			sched_yield();
	}
}

void sim_net_lock(struct sim_net *net)
{
	MOS_ASSERT(pthread_mutex_lock(&net->mu) == 0);
}

void sim_net_unlock(struct sim_net *net)
{
	MOS_ASSERT(pthread_mutex_unlock(&net->mu) == 0);
}

static uint64_t sim_net_monotonic_ns(void)
{
	struct timespec ts;

	MOS_ASSERT(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t sim_net_clock(struct sim_net *net)
{
	if (!net->realtime)
		return net->now_ns;
	return net->start_ns + (sim_net_monotonic_ns() - net->mono_base_ns);
}

uint64_t sim_net_now_ns(struct sim_net *net)
{
	return sim_net_clock(net);
}

bool sim_faults_valid(const struct sim_net *net, const struct sim_faults *f)
{
	if (f->loss_ppm > SIM_PPM || f->dup_ppm > SIM_PPM || f->reorder_ppm > SIM_PPM ||
	    f->corrupt_ppm > SIM_PPM)
		return false;
	if (f->delay_ns > SIM_DELAY_MAX_NS || f->jitter_ns > SIM_DELAY_MAX_NS ||
	    f->reorder_max_ns > SIM_DELAY_MAX_NS || f->reorder_min_ns > f->reorder_max_ns)
		return false;
	return f->queue_frames <= net->queue_frames;
}

/* Fills the resolved parameters; false if one is out of range. */
static bool sim_net_configure(struct sim_net *net, const struct sim_net_params *p)
{
	net->seed = p->seed;
	net->realtime = p->clock == SIM_CLOCK_REALTIME;
	net->trace_fn = p->trace_fn;
	net->trace_user = p->trace_user;
	net->tracing = p->trace || p->trace_fn != NULL;
	net->offload_csum = p->offload_csum;
	net->no_rss = p->no_rss;
	net->now_ns = p->start_ns;
	net->start_ns = p->start_ns;
	net->max_links = p->max_links ? p->max_links : SIM_DEFAULT_MAX_LINKS;
	net->queue_frames =
		p->link_queue_frames ? p->link_queue_frames : SIM_DEFAULT_QUEUE_FRAMES;
	net->max_frame_bytes = p->max_frame_bytes ? p->max_frame_bytes : SIM_DEFAULT_MAX_FRAME;
	net->faults = p->faults;
	if (p->clock != SIM_CLOCK_VIRTUAL && p->clock != SIM_CLOCK_REALTIME)
		return false;
	if (net->max_links > SIM_NET_MAX_LINKS_LIMIT || net->queue_frames > SIM_NET_QUEUE_LIMIT)
		return false;
	if (net->max_frame_bytes < SIM_NET_MIN_FRAME ||
	    net->max_frame_bytes > SIM_NET_MAX_FRAME)
		return false;
	return sim_faults_valid(net, &net->faults);
}

struct sim_net_params sim_net_default_params(void)
{
	struct sim_net_params p;

	memset(&p, 0, sizeof p);
	p.clock = SIM_CLOCK_VIRTUAL;
	return p;
}

struct sim_net *sim_net_create(const struct sim_net_params *p)
{
	struct sim_net *net;

	if (p == NULL) {
		errno = EINVAL;
		return NULL;
	}
	net = calloc(1, sizeof *net);
	if (net == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (!sim_net_configure(net, p)) {
		free(net);
		errno = EINVAL;
		return NULL;
	}
	net->links = calloc(net->max_links, sizeof *net->links);
	if (net->links == NULL || pthread_mutex_init(&net->mu, NULL) != 0) {
		free(net->links);
		free(net);
		errno = ENOMEM;
		return NULL;
	}
	net->mono_base_ns = sim_net_monotonic_ns();
	wire_rss_table_init(&net->rss);
	return net;
}

void sim_net_destroy(struct sim_net *net)
{
	if (net == NULL)
		return;
	MOS_ASSERT_MSG(net->ports_attached == 0,
		       "sim_net_destroy with %u ports still open (close every io_dev first)",
		       net->ports_attached);
	for (uint32_t i = 0; i < net->link_count; i++) {
		sim_dir_fini(&net->links[i]->dir[SIM_DIR_AB]);
		sim_dir_fini(&net->links[i]->dir[SIM_DIR_BA]);
		free(net->links[i]);
	}
	free(net->links);
	pthread_mutex_destroy(&net->mu);
	free(net);
}

int sim_net_advance(struct sim_net *net, uint64_t ns)
{
	if (net->realtime || net->now_ns + ns < net->now_ns)
		return -EINVAL;
	net->now_ns += ns;
	return 0;
}

int sim_net_set_time(struct sim_net *net, uint64_t t_ns)
{
	if (net->realtime || t_ns < net->now_ns)
		return -EINVAL;
	net->now_ns = t_ns;
	return 0;
}

uint64_t sim_net_next_event_ns(struct sim_net *net)
{
	uint64_t next_ns = UINT64_MAX, now_ns;

	sim_net_lock(net);
	now_ns = sim_net_clock(net);
	for (uint32_t i = 0; i < net->link_count; i++) {
		for (int k = 0; k < 2; k++) {
			struct sim_dir *d = &net->links[i]->dir[k];
			uint64_t t;

			sim_spin_lock(&d->lock, net->realtime);
			t = sim_dir_next_ns(d, now_ns);
			sim_spin_unlock(&d->lock, net->realtime);
			if (t < next_ns)
				next_ns = t;
		}
	}
	sim_net_unlock(net);
	return next_ns;
}

static struct sim_link *sim_net_link_new(struct sim_net *net, const char *name, int *err)
{
	struct sim_link *link;

	if (net->link_count == net->max_links) {
		*err = -ENOSPC;
		return NULL;
	}
	link = calloc(1, sizeof *link);
	if (link == NULL) {
		*err = -ENOMEM;
		return NULL;
	}
	memcpy(link->name, name, strlen(name) + 1);
	link->net = net;
	if (!sim_dir_init(&link->dir[SIM_DIR_AB], link, SIM_DIR_AB)) {
		free(link);
		*err = -ENOMEM;
		return NULL;
	}
	if (!sim_dir_init(&link->dir[SIM_DIR_BA], link, SIM_DIR_BA)) {
		sim_dir_fini(&link->dir[SIM_DIR_AB]);
		free(link);
		*err = -ENOMEM;
		return NULL;
	}
	net->links[net->link_count++] = link;
	return link;
}

struct sim_link *sim_net_link_locked(struct sim_net *net, const char *name, bool create,
				     int *err)
{
	size_t len = name != NULL ? strnlen(name, SIM_LINK_NAME_MAX + 1) : 0;

	if (len == 0 || len > SIM_LINK_NAME_MAX) {
		*err = -EINVAL;
		return NULL;
	}
	for (uint32_t i = 0; i < net->link_count; i++) {
		if (strcmp(net->links[i]->name, name) == 0)
			return net->links[i];
	}
	if (!create) {
		*err = -ENOENT;
		return NULL;
	}
	return sim_net_link_new(net, name, err);
}

int sim_link_set_faults(struct sim_net *net, const char *link, int dir,
			const struct sim_faults *f)
{
	struct sim_link *l;
	int rc = 0;

	if (f == NULL || dir < SIM_DIR_AB || dir > SIM_DIR_BOTH || !sim_faults_valid(net, f))
		return -EINVAL;
	sim_net_lock(net);
	l = sim_net_link_locked(net, link, true, &rc);
	for (int k = 0; l != NULL && k < 2; k++) {
		struct sim_dir *d = &l->dir[k];

		if (dir != SIM_DIR_BOTH && dir != k)
			continue;
		sim_spin_lock(&d->lock, net->realtime);
		d->faults = *f;
		sim_spin_unlock(&d->lock, net->realtime);
	}
	sim_net_unlock(net);
	return rc;
}

int sim_link_get_faults(struct sim_net *net, const char *link, int dir, struct sim_faults *out)
{
	struct sim_link *l;
	int rc = 0;

	if (out == NULL || (dir != SIM_DIR_AB && dir != SIM_DIR_BA))
		return -EINVAL;
	sim_net_lock(net);
	l = sim_net_link_locked(net, link, false, &rc);
	if (l != NULL) {
		sim_spin_lock(&l->dir[dir].lock, net->realtime);
		*out = l->dir[dir].faults;
		sim_spin_unlock(&l->dir[dir].lock, net->realtime);
	}
	sim_net_unlock(net);
	return rc;
}

static void sim_net_stats_add(struct sim_link_stats *sum, const struct sim_link_stats *s)
{
	uint64_t digests[2] = {sum->digest, s->digest};

	sum->offered += s->offered;
	sum->offered_bytes += s->offered_bytes;
	sum->delivered += s->delivered;
	sum->delivered_bytes += s->delivered_bytes;
	sum->lost += s->lost;
	sum->duplicated += s->duplicated;
	sum->reordered += s->reordered;
	sum->corrupted += s->corrupted;
	sum->queue_dropped += s->queue_dropped;
	sum->no_peer += s->no_peer;
	sum->tapped += s->tapped;
	sum->in_flight += s->in_flight;
	sum->digest = (uint64_t)XXH64(digests, sizeof digests, 0);
}

int sim_link_stats(struct sim_net *net, const char *link, int dir, struct sim_link_stats *out)
{
	struct sim_link_stats one[2];
	struct sim_link *l;
	int rc = 0;

	if (out == NULL || dir < SIM_DIR_AB || dir > SIM_DIR_BOTH)
		return -EINVAL;
	sim_net_lock(net);
	l = sim_net_link_locked(net, link, false, &rc);
	for (int k = 0; l != NULL && k < 2; k++) {
		struct sim_dir *d = &l->dir[k];

		sim_spin_lock(&d->lock, net->realtime);
		one[k] = d->st;
		one[k].in_flight = d->heap_len;
		sim_spin_unlock(&d->lock, net->realtime);
	}
	sim_net_unlock(net);
	if (l == NULL)
		return rc;
	if (dir != SIM_DIR_BOTH) {
		*out = one[dir];
		return 0;
	}
	*out = one[SIM_DIR_AB];
	sim_net_stats_add(out, &one[SIM_DIR_BA]);
	return 0;
}

/* Why `l` cannot copy to `t`, or 0. */
static int sim_net_tap_check(const struct sim_link *l, const struct sim_link *t)
{
	if (l == t || l->tapped || l->is_tap || t->is_tap || t->tapped || t->end[1] != NULL)
		return -EINVAL;
	return 0;
}

int sim_net_add_tap(struct sim_net *net, const char *link, const char *tap_link)
{
	struct sim_link *l, *t = NULL;
	int rc = 0;

	sim_net_lock(net);
	l = sim_net_link_locked(net, link, true, &rc);
	if (l != NULL)
		t = sim_net_link_locked(net, tap_link, true, &rc);
	if (t != NULL)
		rc = sim_net_tap_check(l, t);
	if (t != NULL && rc == 0) {
		t->is_tap = true;
		l->tapped = true;
		for (int k = 0; k < 2; k++) {
			sim_spin_lock(&l->dir[k].lock, net->realtime);
			l->dir[k].tap = &t->dir[SIM_DIR_BA];
			sim_spin_unlock(&l->dir[k].lock, net->realtime);
		}
	}
	sim_net_unlock(net);
	return rc;
}

int sim_link_inject(struct sim_net *net, const char *link, int dir, const uint8_t *frame,
		    uint32_t len)
{
	struct sim_link *l;
	struct sim_dir *d;
	int rc = 0;

	if (frame == NULL || (dir != SIM_DIR_AB && dir != SIM_DIR_BA))
		return -EINVAL;
	if (len == 0 || len > net->max_frame_bytes)
		return -EMSGSIZE;
	sim_net_lock(net);
	l = sim_net_link_locked(net, link, false, &rc);
	if (l != NULL) {
		d = &l->dir[dir];
		sim_spin_lock(&d->lock, net->realtime);
		sim_dir_send(d, frame, (uint16_t)len, sim_net_clock(net));
		sim_spin_unlock(&d->lock, net->realtime);
	}
	sim_net_unlock(net);
	return rc;
}

const char *sim_event_name(int event)
{
	static const char *const names[SIM_EV_COUNT] = {
		[SIM_EV_SEND] = "send",
		[SIM_EV_NO_PEER] = "no_peer",
		[SIM_EV_QUEUE_DROP] = "queue_drop",
		[SIM_EV_LOSS] = "loss",
		[SIM_EV_DUP] = "dup",
		[SIM_EV_CORRUPT] = "corrupt",
		[SIM_EV_REORDER] = "reorder",
		[SIM_EV_SCHEDULE] = "schedule",
		[SIM_EV_DELIVER] = "deliver",
		[SIM_EV_RX_DROP] = "rx_drop",
	};

	if (event < 0 || event >= SIM_EV_COUNT)
		return "?";
	return names[event];
}

#undef SIM_NET_MAX_LINKS_LIMIT
#undef SIM_NET_QUEUE_LIMIT
#undef SIM_NET_MIN_FRAME
#undef SIM_NET_MAX_FRAME
#undef SIM_NET_SPINS_BEFORE_YIELD
