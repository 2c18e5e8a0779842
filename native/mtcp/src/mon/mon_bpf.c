/* mon_bpf.c - monitor filters: tcpdump expressions compiled by libpcap for Ethernet
 * frames and run on each candidate frame with bpf_filter(). libpcap >= 1.8 compiles
 * reentrantly on a dead handle, so app threads bind filters without a shared lock.
 * Built without libpcap, compiling fails with ENOSYS and a message saying why. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mon/mon.h"

#ifdef MOS_HAVE_PCAP

#include <pcap/pcap.h>

struct mon_bpf {
	struct bpf_program prog;
	struct mon_bpf *next; /* retired list */
};

struct mon_bpf *mon_bpf_compile(const char *expr, char *err, size_t err_len)
{
	struct mon_bpf *p = calloc(1, sizeof *p);
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	if (p == NULL || dead == NULL) {
		free(p);
		if (dead != NULL)
			pcap_close(dead);
		errno = ENOMEM;
		return NULL;
	}
	if (pcap_compile(dead, &p->prog, expr, 1, PCAP_NETMASK_UNKNOWN) != 0) {
		snprintf(err, err_len, "%s", pcap_geterr(dead));
		pcap_close(dead);
		free(p);
		errno = EINVAL;
		return NULL;
	}
	pcap_close(dead);
	return p;
}

void mon_bpf_free(struct mon_bpf *p)
{
	if (p == NULL)
		return;
	pcap_freecode(&p->prog);
	free(p);
}

static bool mon_bpf_run(const struct mon_bpf *p, const uint8_t *frame, uint32_t wire_len,
			uint32_t cap_len)
{
	return bpf_filter(p->prog.bf_insns, frame, wire_len, cap_len) != 0;
}

#else /* !MOS_HAVE_PCAP */

struct mon_bpf {
	struct mon_bpf *next;
};

struct mon_bpf *mon_bpf_compile(const char *expr, char *err, size_t err_len)
{
	(void)expr;
	snprintf(err, err_len, "filters need libpcap, and this library was built without it");
	errno = ENOSYS;
	return NULL;
}

void mon_bpf_free(struct mon_bpf *p)
{
	free(p);
}

static bool mon_bpf_run(const struct mon_bpf *p, const uint8_t *frame, uint32_t wire_len,
			uint32_t cap_len)
{
	(void)p;
	(void)frame;
	(void)wire_len;
	(void)cap_len;
	return true;
}

#endif /* MOS_HAVE_PCAP */

bool mon_bpf_match(struct mon_ctx *m, const struct mon_bpf *p, const uint8_t *frame,
		   uint32_t len, const struct wire_pkt *w)
{
	uint32_t tags = w->eth.vlan_count;
	if (tags == 0)
		return mon_bpf_run(p, frame, len, len);
	/* The untagged frame: addresses, the inner ethertype, the L3 packet. A frame
	 * longer than the scratch is cut, which only fails filters that read past it. */
	uint32_t l3 = w->eth.l3_off;
	uint32_t body = len - l3;
	uint32_t copy = body < MON_BPF_SCRATCH - 14u ? body : MON_BPF_SCRATCH - 14u;
	uint8_t *s = m->bpf_scratch;
	memcpy(s, frame, 12);
	s[12] = (uint8_t)(w->eth.ethertype >> 8);
	s[13] = (uint8_t)w->eth.ethertype;
	memcpy(s + 14, frame + l3, copy);
	return mon_bpf_run(p, s, 14u + body, 14u + copy);
}

void mon_bpf_retire(struct mon_bpf **list, struct mon_bpf *p)
{
	if (p == NULL)
		return;
	p->next = *list;
	*list = p;
}

void mon_bpf_chain_free(struct mon_bpf *p)
{
	while (p != NULL) {
		struct mon_bpf *next = p->next;
		mon_bpf_free(p);
		p = next;
	}
}
