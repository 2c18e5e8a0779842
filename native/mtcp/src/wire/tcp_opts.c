/* tcp_opts.c - TCP options: the length walk, the known kinds, and their emission.
 * The rules (which lengths drop, which are ignored, what is misplaced) are in tcp.h. */
#include "wire/tcp.h"

#include <string.h>

#include "base/assert.h"

/* Takes the option `bit` if its length is right and it was not seen before; else
 * records it as ignored. */
static bool wire_tcp_opt_take(struct wire_tcp_opts *o, uint8_t bit, bool len_ok)
{
	if (!len_ok || (o->present & bit) != 0) {
		o->ignored |= bit;
		return false;
	}
	o->present |= bit;
	return true;
}

static void wire_tcp_opt_sack(struct wire_tcp_opts *o, const uint8_t *p, uint8_t len)
{
	uint8_t body = (uint8_t)(len - 2);
	bool len_ok = len > 2 && body % WIRE_TCP_OPT_SACK_BLOCK_LEN == 0 &&
		      body / WIRE_TCP_OPT_SACK_BLOCK_LEN <= WIRE_TCP_SACK_MAX;

	if (!wire_tcp_opt_take(o, WIRE_TCPOPT_SACK, len_ok))
		return;
	o->sack_count = body / WIRE_TCP_OPT_SACK_BLOCK_LEN;
	for (uint8_t i = 0; i < o->sack_count; i++) {
		const uint8_t *blk = p + 2 + i * WIRE_TCP_OPT_SACK_BLOCK_LEN;
		o->sack[i].left = wire_get_be32(blk);
		o->sack[i].right = wire_get_be32(blk + 4);
	}
}

/* One option of kind p[0] and length `len` (>= 2, inside the header). */
static void wire_tcp_opt_one(struct wire_tcp_opts *o, const uint8_t *p, uint8_t len)
{
	switch (p[0]) {
	case WIRE_TCP_OPT_MSS:
		if (wire_tcp_opt_take(o, WIRE_TCPOPT_MSS, len == WIRE_TCP_OPT_MSS_LEN))
			o->mss = wire_get_be16(p + 2);
		break;
	case WIRE_TCP_OPT_WS:
		if (wire_tcp_opt_take(o, WIRE_TCPOPT_WS, len == WIRE_TCP_OPT_WS_LEN)) {
			/* RFC 7323 §2.3: log and use 14 instead of a larger shift. */
			o->wscale_clamped = p[2] > WIRE_TCP_WSCALE_MAX;
			o->wscale = o->wscale_clamped ? WIRE_TCP_WSCALE_MAX : p[2];
		}
		break;
	case WIRE_TCP_OPT_SACK_PERM:
		wire_tcp_opt_take(o, WIRE_TCPOPT_SACK_PERM, len == WIRE_TCP_OPT_SACK_PERM_LEN);
		break;
	case WIRE_TCP_OPT_TS:
		if (wire_tcp_opt_take(o, WIRE_TCPOPT_TS, len == WIRE_TCP_OPT_TS_LEN)) {
			o->ts_val = wire_get_be32(p + 2);
			o->ts_ecr = wire_get_be32(p + 6);
		}
		break;
	case WIRE_TCP_OPT_SACK:
		wire_tcp_opt_sack(o, p, len);
		break;
	default:
		o->unknown_count++;
		break;
	}
}

/* The layout of a SYN from Linux and from us (the aligned one of tcp.h): MSS,
 * SACK-permitted, timestamps, NOP, window scale. Taken by comparing its fixed bytes;
 * the result is the one the walk below gives (each option once, right length). */
static bool wire_tcp_opts_syn_std(const uint8_t *opt, size_t len, struct wire_tcp_opts *out)
{
	if (len != 20 || opt[0] != WIRE_TCP_OPT_MSS || opt[1] != WIRE_TCP_OPT_MSS_LEN ||
	    opt[4] != WIRE_TCP_OPT_SACK_PERM || opt[5] != WIRE_TCP_OPT_SACK_PERM_LEN ||
	    opt[6] != WIRE_TCP_OPT_TS || opt[7] != WIRE_TCP_OPT_TS_LEN ||
	    opt[16] != WIRE_TCP_OPT_NOP || opt[17] != WIRE_TCP_OPT_WS ||
	    opt[18] != WIRE_TCP_OPT_WS_LEN)
		return false;
	out->present =
		WIRE_TCPOPT_MSS | WIRE_TCPOPT_SACK_PERM | WIRE_TCPOPT_TS | WIRE_TCPOPT_WS;
	out->mss = wire_get_be16(opt + 2);
	out->ts_val = wire_get_be32(opt + 8);
	out->ts_ecr = wire_get_be32(opt + 12);
	/* RFC 7323 §2.3: log and use 14 instead of a larger shift. */
	out->wscale_clamped = opt[19] > WIRE_TCP_WSCALE_MAX;
	out->wscale = out->wscale_clamped ? WIRE_TCP_WSCALE_MAX : opt[19];
	return true;
}

enum drop_reason wire_tcp_opts_parse(const uint8_t *opt, size_t len, bool syn,
				     struct wire_tcp_opts *out)
{
	size_t i = 0;

	out->present = 0;
	out->misplaced = 0;
	out->ignored = 0;
	out->unknown_count = 0;
	out->wscale_clamped = false;
	if (wire_tcp_opts_ts_only(opt, len, out))
		return DROP_NONE; /* nothing of it can be misplaced */
	if (wire_tcp_opts_syn_std(opt, len, out))
		i = len; /* parsed: only the misplaced check below remains */
	while (i < len) {
		uint8_t kind = opt[i];

		if (kind == WIRE_TCP_OPT_EOL) /* the rest of the header is padding */
			break;
		if (kind == WIRE_TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (len - i < 2 || opt[i + 1] < 2 || opt[i + 1] > len - i)
			return DROP_tcp_bad_option;
		wire_tcp_opt_one(out, opt + i, opt[i + 1]);
		i += opt[i + 1];
	}
	if (!syn)
		out->misplaced = out->present &
				 (WIRE_TCPOPT_MSS | WIRE_TCPOPT_WS | WIRE_TCPOPT_SACK_PERM);
	return DROP_NONE;
}

/* Bytes of each option in the aligned layout (see tcp.h), and in the packed one. */
static size_t wire_tcp_opts_aligned_len(const struct wire_tcp_opts *o)
{
	size_t n = 0;

	if (o->present & WIRE_TCPOPT_MSS)
		n += 4;
	if (o->present & WIRE_TCPOPT_TS)
		n += 12; /* SACK-permitted (or NOP NOP) + timestamps */
	if (o->present & WIRE_TCPOPT_WS)
		n += 4;
	if ((o->present & WIRE_TCPOPT_SACK_PERM) && !(o->present & WIRE_TCPOPT_TS))
		n += 4;
	if (o->present & WIRE_TCPOPT_SACK)
		n += 4 + (size_t)o->sack_count * WIRE_TCP_OPT_SACK_BLOCK_LEN;
	return n;
}

static size_t wire_tcp_opts_packed_len(const struct wire_tcp_opts *o)
{
	size_t n = 0;

	if (o->present & WIRE_TCPOPT_MSS)
		n += WIRE_TCP_OPT_MSS_LEN;
	if (o->present & WIRE_TCPOPT_WS)
		n += WIRE_TCP_OPT_WS_LEN;
	if (o->present & WIRE_TCPOPT_SACK_PERM)
		n += WIRE_TCP_OPT_SACK_PERM_LEN;
	if (o->present & WIRE_TCPOPT_TS)
		n += WIRE_TCP_OPT_TS_LEN;
	if (o->present & WIRE_TCPOPT_SACK)
		n += 2 + (size_t)o->sack_count * WIRE_TCP_OPT_SACK_BLOCK_LEN;
	return (n + 3) & ~(size_t)3;
}

size_t wire_tcp_opts_len(const struct wire_tcp_opts *o)
{
	if (o->present == WIRE_TCPOPT_TS)
		return 12; /* NOP, NOP, timestamps: the common case */
	size_t aligned = wire_tcp_opts_aligned_len(o);

	return aligned <= WIRE_TCP_OPT_SPACE ? aligned : wire_tcp_opts_packed_len(o);
}

/* Option writers: each writes its option at `p` and returns the bytes written. */
static size_t wire_tcp_put_mss(uint8_t *p, const struct wire_tcp_opts *o)
{
	p[0] = WIRE_TCP_OPT_MSS;
	p[1] = WIRE_TCP_OPT_MSS_LEN;
	wire_put_be16(p + 2, o->mss);
	return WIRE_TCP_OPT_MSS_LEN;
}

static size_t wire_tcp_put_ws(uint8_t *p, const struct wire_tcp_opts *o)
{
	p[0] = WIRE_TCP_OPT_WS;
	p[1] = WIRE_TCP_OPT_WS_LEN;
	p[2] = o->wscale;
	return WIRE_TCP_OPT_WS_LEN;
}

static size_t wire_tcp_put_sack_perm(uint8_t *p)
{
	p[0] = WIRE_TCP_OPT_SACK_PERM;
	p[1] = WIRE_TCP_OPT_SACK_PERM_LEN;
	return WIRE_TCP_OPT_SACK_PERM_LEN;
}

static size_t wire_tcp_put_ts(uint8_t *p, const struct wire_tcp_opts *o)
{
	p[0] = WIRE_TCP_OPT_TS;
	p[1] = WIRE_TCP_OPT_TS_LEN;
	wire_put_be32(p + 2, o->ts_val);
	wire_put_be32(p + 6, o->ts_ecr);
	return WIRE_TCP_OPT_TS_LEN;
}

static size_t wire_tcp_put_sack(uint8_t *p, const struct wire_tcp_opts *o)
{
	size_t len = 2 + (size_t)o->sack_count * WIRE_TCP_OPT_SACK_BLOCK_LEN;

	p[0] = WIRE_TCP_OPT_SACK;
	p[1] = (uint8_t)len;
	for (uint8_t i = 0; i < o->sack_count; i++) {
		wire_put_be32(p + 2 + i * WIRE_TCP_OPT_SACK_BLOCK_LEN, o->sack[i].left);
		wire_put_be32(p + 6 + i * WIRE_TCP_OPT_SACK_BLOCK_LEN, o->sack[i].right);
	}
	return len;
}

static size_t wire_tcp_put_nops(uint8_t *p, size_t n)
{
	memset(p, WIRE_TCP_OPT_NOP, n);
	return n;
}

static size_t wire_tcp_emit_aligned(const struct wire_tcp_opts *o, uint8_t *p)
{
	size_t n = 0;

	if (o->present & WIRE_TCPOPT_MSS)
		n += wire_tcp_put_mss(p + n, o);
	if (o->present & WIRE_TCPOPT_TS) {
		if (o->present & WIRE_TCPOPT_SACK_PERM)
			n += wire_tcp_put_sack_perm(p + n);
		else
			n += wire_tcp_put_nops(p + n, 2);
		n += wire_tcp_put_ts(p + n, o);
	}
	if (o->present & WIRE_TCPOPT_WS) {
		n += wire_tcp_put_nops(p + n, 1);
		n += wire_tcp_put_ws(p + n, o);
	}
	if ((o->present & WIRE_TCPOPT_SACK_PERM) && !(o->present & WIRE_TCPOPT_TS)) {
		n += wire_tcp_put_nops(p + n, 2);
		n += wire_tcp_put_sack_perm(p + n);
	}
	if (o->present & WIRE_TCPOPT_SACK) {
		n += wire_tcp_put_nops(p + n, 2);
		n += wire_tcp_put_sack(p + n, o);
	}
	return n;
}

static size_t wire_tcp_emit_packed(const struct wire_tcp_opts *o, uint8_t *p)
{
	size_t n = 0;

	if (o->present & WIRE_TCPOPT_MSS)
		n += wire_tcp_put_mss(p + n, o);
	if (o->present & WIRE_TCPOPT_WS)
		n += wire_tcp_put_ws(p + n, o);
	if (o->present & WIRE_TCPOPT_SACK_PERM)
		n += wire_tcp_put_sack_perm(p + n);
	if (o->present & WIRE_TCPOPT_TS)
		n += wire_tcp_put_ts(p + n, o);
	if (o->present & WIRE_TCPOPT_SACK)
		n += wire_tcp_put_sack(p + n, o);
	/* RFC 9293 §3.1: EOL ends the list; the padding after it is zero, too. */
	while (n % 4 != 0)
		p[n++] = WIRE_TCP_OPT_EOL;
	return n;
}

size_t wire_tcp_opts_emit(const struct wire_tcp_opts *o, uint8_t *buf, size_t cap)
{
	size_t need = wire_tcp_opts_len(o);
	size_t done;

	MOS_ASSERT((o->present & WIRE_TCPOPT_SACK) == 0 ||
		   (o->sack_count >= 1 && o->sack_count <= WIRE_TCP_SACK_MAX));
	MOS_ASSERT((o->present & WIRE_TCPOPT_WS) == 0 || o->wscale <= WIRE_TCP_WSCALE_MAX);
	if (need > WIRE_TCP_OPT_SPACE || need > cap)
		return 0;
	if (o->present == WIRE_TCPOPT_TS) { /* the common case, as the aligned layout */
		wire_tcp_put_nops(buf, 2);
		return 2 + wire_tcp_put_ts(buf + 2, o);
	}
	if (wire_tcp_opts_aligned_len(o) == need)
		done = wire_tcp_emit_aligned(o, buf);
	else
		done = wire_tcp_emit_packed(o, buf);
	MOS_ASSERT(done == need && done % 4 == 0);
	return done;
}

#undef WIRE_TCP_OPT_MSS_LEN
#undef WIRE_TCP_OPT_WS_LEN
#undef WIRE_TCP_OPT_SACK_PERM_LEN
#undef WIRE_TCP_OPT_TS_LEN
#undef WIRE_TCP_OPT_SACK_BLOCK_LEN
