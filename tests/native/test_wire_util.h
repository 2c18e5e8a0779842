/* test_wire_util.h - helpers shared by the wire-layer tests: a seeded generator, hex
 * vectors, a deliberately slow reference checksum, and builders of valid frames that
 * do not use the code under test (every byte is placed by hand here). */
#ifndef MOS_TEST_WIRE_UTIL_H
#define MOS_TEST_WIRE_UTIL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mos_test.h"

/* splitmix64: small, seedable, good enough to pick test inputs. */
struct tw_rng {
	uint64_t state;
};

static inline uint64_t tw_next(struct tw_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline uint32_t tw_below(struct tw_rng *r, uint32_t bound)
{
	return (uint32_t)(tw_next(r) % bound);
}

static inline void tw_fill(struct tw_rng *r, uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)tw_next(r);
}

/* The seed of a randomised case: MOS_TEST_SEED from the environment (to replay a
 * failure) or `dflt`; recorded with mt_note() so a failure prints it. */
static inline uint64_t tw_seed(uint64_t dflt)
{
	const char *env = getenv("MOS_TEST_SEED");
	uint64_t seed = env != NULL ? strtoull(env, NULL, 0) : dflt;
	mt_note("seed=%llu (replay: MOS_TEST_SEED=%llu)", (unsigned long long)seed,
		(unsigned long long)seed);
	return seed;
}

/* Decodes hex digits (whitespace ignored) into `out`; returns the byte count. */
static inline size_t tw_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;
	for (; *hex != '\0'; hex++) {
		int v;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		CHECK(n < cap);
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	CHECK(hi < 0);
	return n;
}

/* Reference one's-complement sum: big-endian 16-bit words one at a time, odd byte
 * padded, folded with a loop. Obviously right, and slow. */
static inline uint32_t tw_ref_sum(uint32_t sum, const uint8_t *p, size_t n, size_t *pos)
{
	for (size_t i = 0; i < n; i++, (*pos)++)
		sum += (*pos % 2 == 0) ? (uint32_t)p[i] << 8 : p[i];
	return sum;
}

static inline uint16_t tw_ref_fold(uint32_t sum)
{
	while (sum > 0xffff)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static inline uint16_t tw_ref_csum(const uint8_t *p, size_t n)
{
	size_t pos = 0;
	return (uint16_t)~tw_ref_fold(tw_ref_sum(0, p, n, &pos));
}

/* TCP/UDP checksum with the pseudo-header, by the reference. */
static inline uint16_t tw_ref_l4_csum(const uint8_t *ip_hdr, const uint8_t *seg, uint16_t len)
{
	uint8_t ph[12];
	size_t pos = 0;
	uint32_t sum;

	memcpy(ph, ip_hdr + 12, 8);
	ph[8] = 0;
	ph[9] = ip_hdr[9];
	ph[10] = (uint8_t)(len >> 8);
	ph[11] = (uint8_t)len;
	sum = tw_ref_sum(0, ph, sizeof ph, &pos);
	sum = tw_ref_sum(sum, seg, len, &pos);
	return (uint16_t)~tw_ref_fold(sum);
}

static inline void tw_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Ethernet header (untagged, or with `tags` 802.1Q tags) + IPv4 header (ihl 5, given
 * protocol, tot_len = 20 + l4_len) at `f`; returns the offset of the L4 header. The
 * IPv4 checksum is filled by the reference. */
static inline size_t tw_eth_ipv4(uint8_t *f, int tags, uint8_t proto, uint16_t l4_len)
{
	static const uint8_t macs[12] = {0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02};
	size_t off = 12;
	uint8_t *ip;

	memcpy(f, macs, sizeof macs);
	for (int i = 0; i < tags; i++) {
		tw_put16(f + off, i == 0 && tags == 2 ? 0x88a8 : 0x8100);
		tw_put16(f + off + 2, (uint16_t)(100 + i));
		off += 4;
	}
	tw_put16(f + off, 0x0800);
	ip = f + off + 2;
	memset(ip, 0, 20);
	ip[0] = 0x45;
	tw_put16(ip + 2, (uint16_t)(20 + l4_len));
	tw_put16(ip + 4, 0x1234);
	ip[6] = 0x40; /* DF */
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 1;
	ip[16] = 10, ip[17] = 0, ip[18] = 0, ip[19] = 2;
	tw_put16(ip + 10, tw_ref_csum(ip, 20));
	return off + 2 + 20;
}

/* A TCP SYN from 10.0.0.1:49152 to 10.0.0.2:80 with MSS 1460, SACK-permitted,
 * timestamps 1/0, NOP, window scale 7 (40-byte header), optionally VLAN tagged.
 * Returns the frame length. */
static inline size_t tw_build_syn(uint8_t *f, int tags)
{
	static const uint8_t opts[20] = {2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0,
					 0, 1, 0,    0,    0, 0, 1, 3,  3, 7};
	size_t l4 = tw_eth_ipv4(f, tags, 6, 40);
	uint8_t *t = f + l4;

	memset(t, 0, 20);
	tw_put16(t, 49152);
	tw_put16(t + 2, 80);
	t[4] = 0x11, t[5] = 0x22, t[6] = 0x33, t[7] = 0x44;
	t[12] = 10 << 4;
	t[13] = 0x02;
	tw_put16(t + 14, 64240);
	memcpy(t + 20, opts, sizeof opts);
	tw_put16(t + 16, tw_ref_l4_csum(f + l4 - 20, t, 40));
	return l4 + 40;
}

/* An ICMP echo request id 0x4242 seq 7 with `data_len` bytes of data 0, 1, 2, ... */
static inline size_t tw_build_echo(uint8_t *f, uint16_t data_len)
{
	size_t l4 = tw_eth_ipv4(f, 0, 1, (uint16_t)(8 + data_len));
	uint8_t *m = f + l4;

	m[0] = 8;
	m[1] = 0;
	tw_put16(m + 2, 0);
	tw_put16(m + 4, 0x4242);
	tw_put16(m + 6, 7);
	for (uint16_t i = 0; i < data_len; i++)
		m[8 + i] = (uint8_t)i;
	tw_put16(m + 2, tw_ref_csum(m, 8u + data_len));
	return l4 + 8 + data_len;
}

/* ARP request 10.0.0.1 (02:00:00:00:00:01) asking for 10.0.0.2, 42 bytes unpadded. */
static inline size_t tw_build_arp(uint8_t *f)
{
	return tw_hex("ffffffffffff 020000000001 0806"
		      "0001 0800 06 04 0001 020000000001 0a000001 000000000000 0a000002",
		      f, 64);
}

#endif /* MOS_TEST_WIRE_UTIL_H */
