/* sim_dir.c - one direction of a simulated link: faults decided when a frame is
 * offered, a bounded store of frame slots, a delivery heap ordered by (due time,
 * enqueue sequence), per-queue receive rings, statistics and the trace. */
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "io/sim_internal.h"
#include "wire/rss.h"
#include "mtcp_util.h"

#define SIM_DIR_ETH_HLEN 14u
#define SIM_DIR_RETA 128u

/* --- trace ----------------------------------------------------------------------- */

/* Feeds one event to the direction's digest and the trace callback. */
static void sim_dir_emit(struct sim_dir *d, int event, uint64_t now_ns,
			 const struct sim_slot_meta *m, const uint8_t *frame)
{
	const struct sim_net *net = d->link->net;
	struct sim_trace_event ev;
	uint64_t rec[6];

	if (!net->tracing)
		return;
	ev.now_ns = now_ns;
	ev.due_ns = m->due_ns;
	ev.frame_id = m->frame_id;
	ev.seq = m->seq;
	ev.frame_hash = (uint64_t)XXH64(frame, m->len, 0);
	ev.link = d->link->name;
	ev.len = m->len;
	ev.dir = d->index;
	ev.event = (uint8_t)event;
	rec[0] = ev.now_ns;
	rec[1] = ev.due_ns;
	rec[2] = ev.frame_id;
	rec[3] = ev.seq;
	rec[4] = ev.frame_hash;
	rec[5] = (uint64_t)ev.len | (uint64_t)ev.dir << 16 | (uint64_t)ev.event << 24;
	d->st.digest = (uint64_t)XXH64(rec, sizeof rec, d->st.digest);
	if (net->trace_fn != NULL)
		net->trace_fn(net->trace_user, &ev);
}

void sim_dir_trace_slot(struct sim_dir *d, int event, uint64_t now_ns, uint32_t slot)
{
	MOS_ASSERT(slot < d->cap);
	sim_dir_emit(d, event, now_ns, &d->meta[slot], sim_dir_slot_data(d, slot));
}

/* --- delivery heap ----------------------------------------------------------------- */

static bool sim_heap_before(const struct sim_qent *a, const struct sim_qent *b)
{
	return a->due_ns < b->due_ns || (a->due_ns == b->due_ns && a->seq < b->seq);
}

static void sim_heap_push(struct sim_dir *d, uint64_t due_ns, uint64_t seq, uint32_t slot)
{
	struct sim_qent e = {.due_ns = due_ns, .seq = seq, .slot = slot};
	uint32_t i = d->heap_len++;

	MOS_ASSERT(d->heap_len <= d->cap);
	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (!sim_heap_before(&e, &d->heap[parent]))
			break;
		d->heap[i] = d->heap[parent];
		i = parent;
	}
	d->heap[i] = e;
}

/* Removes the earliest entry; returns its slot. */
static uint32_t sim_heap_pop(struct sim_dir *d)
{
	uint32_t slot, i = 0, n;
	struct sim_qent last;

	MOS_ASSERT(d->heap_len > 0);
	slot = d->heap[0].slot;
	n = --d->heap_len;
	last = d->heap[n];
	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= n)
			break;
		if (c + 1 < n && sim_heap_before(&d->heap[c + 1], &d->heap[c]))
			c++;
		if (!sim_heap_before(&d->heap[c], &last))
			break;
		d->heap[i] = d->heap[c];
		i = c;
	}
	if (n > 0)
		d->heap[i] = last;
	return slot;
}

/* --- store ------------------------------------------------------------------------- */

bool sim_dir_init(struct sim_dir *d, struct sim_link *link, uint8_t index)
{
	const struct sim_net *net = link->net;
	uint32_t cap = net->queue_frames;

	MOS_ASSERT(index == SIM_DIR_AB || index == SIM_DIR_BA);
	MOS_ASSERT(cap > 0 && net->max_frame_bytes > 0);
	memset(d, 0, sizeof *d);
	sim_spin_init(&d->lock);
	d->link = link;
	d->index = index;
	d->faults = net->faults;
	/* The stream depends on the seed, the link's name and the direction only, so
	 * adding a link never changes another link's randomness. */
	prng_init_stream(&d->rng, net->seed,
			 (uint64_t)XXH64(link->name, strlen(link->name), index));
	d->cap = cap;
	d->slot_bytes = net->max_frame_bytes;
	d->slot_data = malloc((size_t)cap * d->slot_bytes);
	d->meta = malloc((size_t)cap * sizeof *d->meta);
	d->free_slots = malloc((size_t)cap * sizeof *d->free_slots);
	d->heap = malloc((size_t)cap * sizeof *d->heap);
	d->rings = malloc((size_t)cap * IO_MAX_QUEUES * sizeof *d->rings);
	if (!d->slot_data || !d->meta || !d->free_slots || !d->heap || !d->rings) {
		sim_dir_fini(d);
		return false;
	}
	/* Pushed in reverse so that slot 0 is used first (and only used slots are
	 * ever touched: the OS maps the store lazily). */
	for (uint32_t i = 0; i < cap; i++)
		d->free_slots[i] = cap - 1 - i;
	d->free_count = cap;
	return true;
}

void sim_dir_fini(struct sim_dir *d)
{
	free(d->slot_data);
	free(d->meta);
	free(d->free_slots);
	free(d->heap);
	free(d->rings);
	d->slot_data = NULL;
	d->meta = NULL;
	d->free_slots = NULL;
	d->heap = NULL;
	d->rings = NULL;
}

static bool sim_dir_full(const struct sim_dir *d)
{
	uint32_t limit = d->faults.queue_frames != 0 ? d->faults.queue_frames : d->cap;

	return d->cap - d->free_count >= limit;
}

void sim_dir_release(struct sim_dir *d, uint32_t slot)
{
	MOS_ASSERT(slot < d->cap);
	MOS_ASSERT(d->free_count < d->cap);
	d->free_slots[d->free_count++] = slot;
}

/* --- faults ------------------------------------------------------------------------ */

/* True with probability ppm / 10^6; draws nothing for 0 and 10^6. */
static bool sim_dir_chance(struct sim_dir *d, uint32_t ppm)
{
	if (ppm == 0)
		return false;
	if (ppm >= SIM_PPM)
		return true;
	return prng_below(&d->rng, SIM_PPM) < ppm;
}

/* Departure time: the end of the frame's serialization at the link's rate. */
static uint64_t sim_dir_serialize(struct sim_dir *d, uint16_t len, uint64_t now_ns)
{
	uint64_t bps = d->faults.bandwidth_bps;
	uint64_t start_ns = now_ns > d->busy_until_ns ? now_ns : d->busy_until_ns;
	unsigned __int128 bit_ns;

	if (bps == 0)
		return now_ns;
	bit_ns = (unsigned __int128)len * 8u * 1000000000u;
	d->busy_until_ns = start_ns + (uint64_t)((bit_ns + bps - 1) / bps);
	return d->busy_until_ns;
}

/* Flips one random bit of one random byte (from byte 14 with corrupt_past_l2). */
static bool sim_dir_corrupt(struct sim_dir *d, uint8_t *data, uint16_t len)
{
	uint32_t first = d->faults.corrupt_past_l2 ? SIM_DIR_ETH_HLEN : 0;
	uint64_t at, bit;

	if (!sim_dir_chance(d, d->faults.corrupt_ppm) || len <= first)
		return false;
	at = first + prng_below(&d->rng, len - first);
	bit = prng_below(&d->rng, 8);
	data[at] ^= (uint8_t)(1u << bit);
	return true;
}

/* Delivery time of a copy that departs at depart_ns. */
static uint64_t sim_dir_due(struct sim_dir *d, uint64_t depart_ns, bool reordered)
{
	const struct sim_faults *f = &d->faults;
	uint64_t due_ns = depart_ns + f->delay_ns;

	if (f->jitter_ns > 0)
		due_ns += prng_range(&d->rng, 0, f->jitter_ns);
	if (reordered)
		return due_ns + prng_range(&d->rng, f->reorder_min_ns, f->reorder_max_ns);
	if (f->keep_order) {
		if (due_ns < d->last_due_ns)
			due_ns = d->last_due_ns;
		d->last_due_ns = due_ns;
	}
	return due_ns;
}

/* Sends a scheduled copy into the tap direction, at the copy's delivery time. */
static void sim_dir_copy_to_tap(struct sim_dir *d, const uint8_t *data,
				const struct sim_slot_meta *m)
{
	struct sim_dir *t = d->tap;
	bool rt = d->link->net->realtime;

	MOS_ASSERT(t != NULL && t->tap == NULL);
	d->st.tapped++;
	sim_spin_lock(&t->lock, rt);
	sim_dir_send(t, data, m->len, m->due_ns);
	sim_spin_unlock(&t->lock, rt);
}

/* Stores one copy of a frame that departs at depart_ns and schedules its delivery. */
static void sim_dir_schedule(struct sim_dir *d, const uint8_t *frame,
			     const struct sim_slot_meta *m0, uint64_t depart_ns,
			     uint64_t now_ns)
{
	struct sim_slot_meta *m;
	uint8_t *data;
	uint32_t slot;
	bool reordered;

	if (sim_dir_full(d)) {
		d->st.queue_dropped++;
		sim_dir_emit(d, SIM_EV_QUEUE_DROP, now_ns, m0, frame);
		return;
	}
	slot = d->free_slots[--d->free_count];
	data = sim_dir_slot_data(d, slot);
	memcpy(data, frame, m0->len);
	m = &d->meta[slot];
	*m = *m0;
	m->seq = d->seq++;
	if (sim_dir_corrupt(d, data, m->len)) {
		d->st.corrupted++;
		sim_dir_emit(d, SIM_EV_CORRUPT, now_ns, m, data);
	}
	reordered = sim_dir_chance(d, d->faults.reorder_ppm);
	m->due_ns = sim_dir_due(d, depart_ns, reordered);
	if (reordered) {
		d->st.reordered++;
		sim_dir_emit(d, SIM_EV_REORDER, now_ns, m, data);
	}
	sim_heap_push(d, m->due_ns, m->seq, slot);
	sim_dir_emit(d, SIM_EV_SCHEDULE, now_ns, m, data);
	if (d->tap != NULL)
		sim_dir_copy_to_tap(d, data, m);
}

void sim_dir_send(struct sim_dir *d, const uint8_t *frame, uint16_t len, uint64_t now_ns)
{
	struct sim_slot_meta m = {.frame_id = d->frame_id, .len = len};
	uint64_t depart_ns;
	unsigned copies = 1;

	MOS_ASSERT(len > 0 && len <= d->slot_bytes);
	d->frame_id++;
	d->st.offered++;
	d->st.offered_bytes += len;
	sim_dir_emit(d, SIM_EV_SEND, now_ns, &m, frame);
	if (d->dst == NULL) {
		d->st.no_peer++;
		sim_dir_emit(d, SIM_EV_NO_PEER, now_ns, &m, frame);
		return;
	}
	if (sim_dir_full(d)) {
		d->st.queue_dropped++;
		sim_dir_emit(d, SIM_EV_QUEUE_DROP, now_ns, &m, frame);
		return;
	}
	depart_ns = sim_dir_serialize(d, len, now_ns);
	if (sim_dir_chance(d, d->faults.loss_ppm)) {
		d->st.lost++;
		sim_dir_emit(d, SIM_EV_LOSS, now_ns, &m, frame);
		return;
	}
	if (sim_dir_chance(d, d->faults.dup_ppm)) {
		d->st.duplicated++;
		sim_dir_emit(d, SIM_EV_DUP, now_ns, &m, frame);
		copies = 2;
	}
	for (unsigned c = 0; c < copies; c++)
		sim_dir_schedule(d, frame, &m, depart_ns, now_ns);
}

/* --- receive side -------------------------------------------------------------------- */

/* The receive queue of a copy: symmetric RSS over a 128-entry redirection table
 * filled round-robin (entry i -> queue i % nq), as GetRSSCPUCore() predicts. */
static uint16_t sim_dir_queue_of(struct sim_dir *d, uint32_t slot, uint16_t nq)
{
	struct sim_slot_meta *m = &d->meta[slot];

	m->has_hash = wire_rss_frame_hash(&d->link->net->rss, sim_dir_slot_data(d, slot),
					  m->len, &m->rss_hash);
	if (!m->has_hash || d->link->net->no_rss) {
		m->has_hash = m->has_hash && !d->link->net->no_rss;
		m->rss_hash = 0;
		return 0;
	}
	return (uint16_t)((m->rss_hash % SIM_DIR_RETA) % nq);
}

void sim_dir_pull(struct sim_dir *d, uint64_t now_ns)
{
	uint16_t nq;

	if (d->dst == NULL)
		return;
	nq = d->dst->dev->io.queue_count;
	MOS_ASSERT(nq >= 1 && nq <= IO_MAX_QUEUES);
	while (d->heap_len > 0 && d->heap[0].due_ns <= now_ns) {
		uint32_t slot = sim_heap_pop(d);
		uint16_t q = sim_dir_queue_of(d, slot, nq);
		struct sim_rxq *r = &d->rxq[q];
		uint32_t pos = r->head + r->count;

		if (pos >= d->cap)
			pos -= d->cap;
		MOS_ASSERT(r->count < d->cap);
		d->rings[(size_t)q * d->cap + pos] = slot;
		r->count++;
		d->held++;
		d->st.delivered++;
		d->st.delivered_bytes += d->meta[slot].len;
		sim_dir_emit(d, SIM_EV_DELIVER, now_ns, &d->meta[slot],
			     sim_dir_slot_data(d, slot));
	}
}

uint32_t sim_dir_take(struct sim_dir *d, uint16_t q)
{
	struct sim_rxq *r = &d->rxq[q];
	uint32_t slot;

	MOS_ASSERT(q < IO_MAX_QUEUES);
	if (r->count == 0)
		return SIM_SLOT_NONE;
	slot = d->rings[(size_t)q * d->cap + r->head];
	r->head = r->head + 1 == d->cap ? 0 : r->head + 1;
	r->count--;
	d->held--;
	return slot;
}

void sim_dir_flush(struct sim_dir *d, uint64_t now_ns)
{
	while (d->heap_len > 0) {
		uint32_t slot = sim_heap_pop(d);

		d->st.no_peer++;
		sim_dir_trace_slot(d, SIM_EV_NO_PEER, now_ns, slot);
		sim_dir_release(d, slot);
	}
	/* Copies already in the receive queues were delivered to the port: dropping
	 * them is the leaving port's business (RX_DROP in the trace). */
	for (uint16_t q = 0; q < IO_MAX_QUEUES; q++) {
		uint32_t slot;

		while ((slot = sim_dir_take(d, q)) != SIM_SLOT_NONE) {
			sim_dir_trace_slot(d, SIM_EV_RX_DROP, now_ns, slot);
			sim_dir_release(d, slot);
		}
		d->rxq[q].head = 0;
	}
	MOS_ASSERT(d->held == 0 && d->free_count == d->cap);
}

uint64_t sim_dir_next_ns(struct sim_dir *d, uint64_t now_ns)
{
	if (d->held > 0 || (d->heap_len > 0 && d->heap[0].due_ns <= now_ns))
		return now_ns;
	return d->heap_len > 0 ? d->heap[0].due_ns : UINT64_MAX;
}

#undef SIM_DIR_ETH_HLEN
#undef SIM_DIR_RETA
