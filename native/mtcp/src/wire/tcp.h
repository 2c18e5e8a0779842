/* tcp.h - TCP header and options: parse and emit (RFC 9293 §3.1, RFC 7323, RFC 2018).
 *
 * Shared by the end-host stack and the monitor. The parser checks, in order:
 *   tcp_truncated     fewer than 20 bytes in the segment (IP total length says so)
 *   tcp_bad_doff      data offset < 5, or data offset * 4 past the segment
 *   tcp_bad_checksum  unless WIRE_RX_L4_CSUM_OK; fixed fields are filled, options not
 *   tcp_bad_option    an option of length 0 or 1, or running past the header
 *                     (RFC 9293 §3.1: an illegal length cannot be skipped)
 *   tcp_bad_port      source or destination port 0 (reserved, never a connection's)
 *   tcp_bad_flags     see wire_tcp_flags_valid()
 *   tcp_bad_dst       multicast or 255.255.255.255 destination (RFC 1122 §4.2.3.10;
 *                     the subnet broadcast is the caller's to check, it needs config)
 * After tcp_bad_option the repr's options are unusable; after the last three the
 * repr is complete.
 *
 * Options: each known kind is taken once (the first occurrence wins, repeats land in
 * `ignored`). A known option whose length field is consistent with the header but
 * wrong for its kind (MSS not 4, WS not 3, SACK-permitted not 2, timestamps not 10,
 * SACK not 2 + 8n) is skipped by its length and recorded in `ignored`: the length is
 * walkable, so the segment stays acceptable, as RFC 9293 §3.1 asks for options a
 * receiver does not implement. MSS, window scale and SACK-permitted on a segment without SYN
 * are parsed but also marked `misplaced` (RFC 9293 §3.2 MUST-65, RFC 7323 §2.2,
 * RFC 2018 §2): the TCP layer ignores them. A window scale above 14 is clamped to 14
 * and flagged (RFC 7323 §2.3). Unknown kinds are skipped by their length (RFC 9293 §3.1).
 */
#ifndef MOS_WIRE_TCP_H
#define MOS_WIRE_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire/ipv4.h"

#define WIRE_TCP_HLEN 20       /* header without options */
#define WIRE_TCP_HLEN_MAX 60   /* data offset 15 */
#define WIRE_TCP_OPT_SPACE 40  /* WIRE_TCP_HLEN_MAX - WIRE_TCP_HLEN */
#define WIRE_TCP_SACK_MAX 4    /* blocks that fit in 40 option bytes */
#define WIRE_TCP_WSCALE_MAX 14 /* RFC 7323 §2.3 */

enum wire_tcp_flag {
	WIRE_TCP_FIN = 0x01,
	WIRE_TCP_SYN = 0x02,
	WIRE_TCP_RST = 0x04,
	WIRE_TCP_PSH = 0x08,
	WIRE_TCP_ACK = 0x10,
	WIRE_TCP_URG = 0x20,
	WIRE_TCP_ECE = 0x40,
	WIRE_TCP_CWR = 0x80,
	WIRE_TCP_AE = 0x100, /* low bit of byte 12 (AccECN; formerly NS, RFC 3540) */
};

enum wire_tcp_opt_kind {
	WIRE_TCP_OPT_EOL = 0,
	WIRE_TCP_OPT_NOP = 1,
	WIRE_TCP_OPT_MSS = 2,
	WIRE_TCP_OPT_WS = 3,
	WIRE_TCP_OPT_SACK_PERM = 4,
	WIRE_TCP_OPT_SACK = 5,
	WIRE_TCP_OPT_TS = 8,
};

/* Lengths of the options (kind and length bytes included; a SACK block's 8 bytes). */
#define WIRE_TCP_OPT_MSS_LEN 4
#define WIRE_TCP_OPT_WS_LEN 3
#define WIRE_TCP_OPT_SACK_PERM_LEN 2
#define WIRE_TCP_OPT_TS_LEN 10
#define WIRE_TCP_OPT_SACK_BLOCK_LEN 8

/* Bits of wire_tcp_opts.present / misplaced / ignored. */
enum wire_tcp_opt_bit {
	WIRE_TCPOPT_MSS = 1u << 0,
	WIRE_TCPOPT_WS = 1u << 1,
	WIRE_TCPOPT_SACK_PERM = 1u << 2,
	WIRE_TCPOPT_TS = 1u << 3,
	WIRE_TCPOPT_SACK = 1u << 4,
};

struct wire_tcp_sack_block {
	uint32_t left;  /* first sequence number of the block */
	uint32_t right; /* sequence number just past the block */
};

/* Parsed options. A value field is meaningful only when its bit is in `present`; the
 * parser does not clear the others (it runs per packet). */
struct wire_tcp_opts {
	uint8_t present;       /* WIRE_TCPOPT_* parsed with a valid length */
	uint8_t misplaced;     /* subset of present not allowed on this segment: ignore */
	uint8_t ignored;       /* seen but not taken: wrong fixed length, or a repeat */
	uint8_t unknown_count; /* options of other kinds, skipped by their length */
	bool wscale_clamped;   /* the option carried a shift > 14 */
	uint8_t wscale;        /* shift count, <= 14 */
	uint8_t sack_count;    /* 1..4 with WIRE_TCPOPT_SACK */
	uint16_t mss;
	uint32_t ts_val;
	uint32_t ts_ecr;
	struct wire_tcp_sack_block sack[WIRE_TCP_SACK_MAX];
};

struct wire_tcp_repr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint16_t flags;     /* enum wire_tcp_flag */
	uint16_t window;    /* raw, unscaled */
	uint16_t checksum;  /* as received (for incremental updates) */
	uint16_t urgent;    /* urgent pointer */
	uint8_t header_len; /* bytes, 20..60; the payload starts here */
	uint16_t payload_len;
	struct wire_tcp_opts opts;
};

/* The option bits the TCP layer may act on: present and not misplaced. */
static inline uint8_t wire_tcp_opts_usable(const struct wire_tcp_opts *o)
{
	return (uint8_t)(o->present & ~o->misplaced);
}

/* A flag set some RFC 9293 processing step could accept. Rejected:
 *   - none of SYN, RST, ACK: every state drops it (§3.10.7.2 LISTEN accepts only
 *     SYN; §3.10.7.3 SYN-SENT drops "neither SYN nor RST"; §3.10.7.4 drops "ACK bit
 *     off") - this covers NULL, FIN and Xmas scans. A CLOSED port would answer
 *     them with RST (§3.10.7.1); we drop them silently instead, on purpose;
 *   - SYN with RST: contradictory, no state takes both;
 *   - SYN with FIN: only T/TCP used it, and T/TCP is historic (RFC 6247). */
static inline bool wire_tcp_flags_valid(uint16_t flags)
{
	const uint16_t syn_rst_ack = WIRE_TCP_SYN | WIRE_TCP_RST | WIRE_TCP_ACK;

	if ((flags & syn_rst_ack) == 0)
		return false;
	if ((flags & WIRE_TCP_SYN) != 0 && (flags & (WIRE_TCP_RST | WIRE_TCP_FIN)) != 0)
		return false;
	return true;
}

/* Parses the segment at `seg`: ip->payload_len bytes, with ip->src/dst for the
 * pseudo-header. `flags`: WIRE_RX_L4_CSUM_OK skips the checksum. */
enum drop_reason wire_tcp_parse(const uint8_t *seg, const struct wire_ipv4_repr *ip,
				uint32_t flags, struct wire_tcp_repr *out);

/* The parser's steps, shared with the frame parser's fast path (frame.c):
 * wire_tcp_fill() fills the fixed fields of a segment whose data offset was checked;
 * wire_tcp_checksum_ok() verifies the checksum over the pseudo-header of `ip`;
 * wire_tcp_judge() runs the last three checks (ports, flags, destination). */
void wire_tcp_fill(const uint8_t *seg, uint16_t seg_len, uint8_t header_len,
		   struct wire_tcp_repr *out);
bool wire_tcp_checksum_ok(const uint8_t *seg, uint16_t seg_len,
			  const struct wire_ipv4_repr *ip);
enum drop_reason wire_tcp_judge(const struct wire_tcp_repr *tcp,
				const struct wire_ipv4_repr *ip);

/* The layout nearly every segment of an established connection carries (RFC 7323
 * Appendix A, what Linux and we send): NOP, NOP, timestamps. When the `len` option bytes
 * at `opt` are exactly that, sets out->present and the timestamps (what
 * wire_tcp_opts_parse() would give; the caller clears the other status fields) and
 * returns true, in one compare: the option parser and the frame parser's fast path
 * both start with it. */
static inline bool wire_tcp_opts_ts_only(const uint8_t *opt, size_t len,
					 struct wire_tcp_opts *out)
{
	if (len != 12 || opt[0] != WIRE_TCP_OPT_NOP || opt[1] != WIRE_TCP_OPT_NOP ||
	    opt[2] != WIRE_TCP_OPT_TS || opt[3] != WIRE_TCP_OPT_TS_LEN)
		return false;
	out->present = WIRE_TCPOPT_TS;
	out->ts_val = wire_get_be32(opt + 4);
	out->ts_ecr = wire_get_be32(opt + 8);
	return true;
}

/* Parses the `len` option bytes at `opt` into `out`; `syn` tells whether the segment
 * carries SYN. Returns DROP_NONE or DROP_tcp_bad_option. */
enum drop_reason wire_tcp_opts_parse(const uint8_t *opt, size_t len, bool syn,
				     struct wire_tcp_opts *out);

/* Option bytes wire_tcp_opts_emit() writes for the present options, a multiple of 4.
 * More than WIRE_TCP_OPT_SPACE means they cannot be sent together. */
size_t wire_tcp_opts_len(const struct wire_tcp_opts *o);

/* Writes the present options (MSS, SACK-permitted, timestamps, window scale, SACK
 * blocks) padded to a multiple of 4. The layout is the widespread aligned one:
 *   MSS | SACK-perm,TS or NOP,NOP,TS | NOP,WS | NOP,NOP,SACK-perm | NOP,NOP,SACK
 * and, when that exceeds 40 bytes, the same options packed without NOPs and padded
 * with EOL. Returns wire_tcp_opts_len(o) (0 for no options); writes nothing and
 * returns 0 if that exceeds `cap` or 40 bytes. Caller contract (asserted): with
 * WIRE_TCPOPT_SACK, 1 <= sack_count <= 4; with WIRE_TCPOPT_WS, wscale <= 14. */
size_t wire_tcp_opts_emit(const struct wire_tcp_opts *o, uint8_t *buf, size_t cap);

/* Writes the header with tcp->opts (header_len and payload_len are not read; the data
 * offset follows from the options) and a zero checksum. Returns the header length,
 * or 0 if the header does not fit `cap` or the options do not fit 40 bytes. */
size_t wire_tcp_emit(const struct wire_tcp_repr *tcp, uint8_t *buf, size_t cap);

/* Fills the checksum of the `seg_len`-byte segment (header and payload, contiguous)
 * at `seg` for the pseudo-header ip->src, ip->dst. With WIRE_TX_L4_CSUM_OFFLOAD in
 * `flags`, stores the folded pseudo-header sum for the device instead. */
void wire_tcp_fill_checksum(uint8_t *seg, uint16_t seg_len, const struct wire_ipv4_repr *ip,
			    uint32_t flags);

#endif /* MOS_WIRE_TCP_H */
