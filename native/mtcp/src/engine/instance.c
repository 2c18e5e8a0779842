/* instance.c - a stack instance: ports, routes and neighbours from the configuration. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/assert.h"
#include "engine/config.h"
#include "engine/ctx.h"

/* The configuration's MAC when given, else the device's. */
static void eng_port_from_config(struct eng_port *p, const struct cfg_netdev *nd,
				 const struct io_port_info *info)
{
	snprintf(p->name, sizeof p->name, "%s", nd->name);
	memcpy(p->mac.b, nd->has_mac ? nd->mac : info->mac, 6);
	p->has_ip = nd->has_ip;
	p->ip = nd->has_ip ? ntohl(nd->ip_be) : 0;
	p->netmask = nd->has_ip ? route_mask(nd->prefix_len) : 0;
	p->cpu_mask = nd->cpu_mask;
	p->caps = info->caps;
	p->fwd_peer = -1;
}

static int eng_ports_init(struct eng_instance *inst, char *err, size_t err_len)
{
	const struct mos_config *cfg = inst->cfg;
	if (inst->io->port_count != cfg->netdev_count) {
		snprintf(err, err_len, "backend opened %u ports for %d netdev lines",
			 inst->io->port_count, cfg->netdev_count);
		return -EINVAL;
	}
	inst->port_count = inst->io->port_count;
	for (uint16_t i = 0; i < inst->port_count; i++) {
		struct io_port_info info;
		memset(&info, 0, sizeof info);
		int rc = inst->io->ops->port_info(inst->io, i, &info);
		if (rc < 0) {
			snprintf(err, err_len, "%s: cannot read port information (%s)",
				 cfg->netdev[i].name, strerror(-rc));
			return rc;
		}
		inst->ports[i].index = i;
		eng_port_from_config(&inst->ports[i], &cfg->netdev[i], &info);
	}
	for (int f = 0; f < cfg->fwd_count; f++) {
		inst->ports[cfg->fwd[f].a].fwd_peer = cfg->fwd[f].b;
		inst->ports[cfg->fwd[f].b].fwd_peer = cfg->fwd[f].a;
	}
	for (int s = 0; s < cfg->stat_print_count; s++)
		inst->ports[cfg->stat_print[s]].stat_print = true;
	return 0;
}

/* Connected networks of the ports first, configured routes after (they override). */
static int eng_routes_init(struct eng_instance *inst)
{
	const struct mos_config *cfg = inst->cfg;
	uint32_t n = 0, cap = (uint32_t)(inst->port_count + cfg->route_count);
	struct route_entry *e = calloc(cap ? cap : 1, sizeof *e);
	if (e == NULL)
		return -ENOMEM;
	for (uint16_t i = 0; i < inst->port_count; i++) {
		const struct eng_port *p = &inst->ports[i];
		if (!p->has_ip)
			continue;
		e[n++] = (struct route_entry){.prefix = p->ip & p->netmask,
					      .prefix_len = cfg->netdev[i].prefix_len,
					      .port = i};
	}
	for (int r = 0; r < cfg->route_count; r++) {
		const struct cfg_route *cr = &cfg->route[r];
		e[n++] = (struct route_entry){.prefix = ntohl(cr->ip_be),
					      .prefix_len = cr->prefix_len,
					      .port = (uint16_t)cr->netdev,
					      .gw = ntohl(cr->gw_be)};
	}
	int rc = route_build(&inst->routes, e, n);
	free(e);
	return rc;
}

static int eng_arp_init(struct eng_instance *inst)
{
	const struct mos_config *cfg = inst->cfg;
	uint32_t n = (uint32_t)cfg->arp_count;
	struct arp_static *st = calloc(n ? n : 1, sizeof *st);
	if (st == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++) {
		st[i].prefix = ntohl(cfg->arp[i].ip_be);
		st[i].prefix_len = cfg->arp[i].prefix_len;
		memcpy(st[i].mac.b, cfg->arp[i].mac, 6);
	}
	/* Neighbours scale with connections; 4096 is plenty for a port's subnets. */
	int rc = arp_table_init(&inst->arp, 4096, st, n);
	free(st);
	return rc;
}

#define ENG_HANDOFF_SLOTS 2048 /* frames in flight from core 0 to one other core */

/* Software RSS for ports whose device cannot spread flows over several queues. */
static int eng_sw_rss_init(struct eng_instance *inst)
{
	bool any = false;
	for (uint16_t i = 0; i < inst->port_count; i++) {
		struct eng_port *p = &inst->ports[i];
		p->sw_rss = inst->ctx_count > 1 && !(p->caps & IO_CAP_RSS);
		any |= p->sw_rss;
	}
	if (!any)
		return 0;
	inst->rss = malloc(sizeof *inst->rss);
	if (inst->rss == NULL)
		return -ENOMEM;
	wire_rss_table_init(inst->rss);
	size_t bytes = spsc_ring_storage_bytes(ENG_HANDOFF_SLOTS, sizeof(struct io_buf));
	for (uint16_t c = 1; c < inst->ctx_count; c++) {
		inst->handoff[c] = malloc(sizeof(struct spsc_ring) + bytes);
		if (inst->handoff[c] == NULL)
			return -ENOMEM;
		spsc_ring_init(inst->handoff[c], inst->handoff[c] + 1, ENG_HANDOFF_SLOTS,
			       sizeof(struct io_buf));
	}
	return 0;
}

int eng_instance_create(const struct mos_config *cfg, struct io_dev *io,
			struct eng_instance **out, char *err, size_t err_len)
{
	struct eng_instance *inst = calloc(1, sizeof *inst);
	int rc;
	*out = NULL;
	if (inst == NULL) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	inst->cfg = cfg;
	inst->io = io;
	inst->ctx_count = io->queue_count;
	inst->forward = cfg_effective_forward(cfg);
	rc = eng_ports_init(inst, err, err_len);
	if (rc == 0 && (rc = eng_routes_init(inst)) != 0)
		snprintf(err, err_len, "out of memory for routes");
	if (rc == 0 && (rc = eng_arp_init(inst)) != 0)
		snprintf(err, err_len, "out of memory for the ARP table");
	if (rc == 0 && (rc = eng_sw_rss_init(inst)) != 0)
		snprintf(err, err_len, "out of memory for software RSS");
	if (rc != 0) {
		eng_instance_destroy(inst);
		return rc;
	}
	*out = inst;
	return 0;
}

void eng_instance_destroy(struct eng_instance *inst)
{
	if (inst == NULL)
		return;
	for (uint16_t c = 0; c < IO_MAX_QUEUES; c++)
		MOS_ASSERT_MSG(inst->ctx[c] == NULL, "context %u still exists", c);
	route_free(&inst->routes);
	arp_table_fini(&inst->arp);
	for (uint16_t c = 0; c < IO_MAX_QUEUES; c++)
		free(inst->handoff[c]);
	free(inst->rss);
	free(inst);
}

int eng_port_by_ip(const struct eng_instance *inst, uint32_t ip)
{
	for (uint16_t i = 0; i < inst->port_count; i++) {
		if (inst->ports[i].has_ip && inst->ports[i].ip == ip)
			return i;
	}
	return -1;
}

uint64_t eng_clock_ns(const struct eng_instance *inst, uint16_t core)
{
	if (inst->io->ops->now_ns != NULL)
		return inst->io->ops->now_ns(inst->io, core);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
