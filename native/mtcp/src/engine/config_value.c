/* config_value.c - spans of input text and the value parsers of the configuration:
 * numbers (no octal), IPv4 addresses and prefixes, MAC addresses; and the checks
 * every value passes (length, characters, UTF-8). Parsers never report: they return
 * a status and the caller words the message with the key's name. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "engine/config_internal.h"

bool cfg_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\0';
}

struct cfg_span cfg_span_trim(struct cfg_span s)
{
	while (s.n > 0 && cfg_is_blank(s.p[0])) {
		s.p++;
		s.n--;
		if (s.col > 0)
			s.col++;
	}
	while (s.n > 0 && cfg_is_blank(s.p[s.n - 1]))
		s.n--;
	return s;
}

struct cfg_span cfg_span_sub(struct cfg_span s, size_t off, size_t n)
{
	struct cfg_span r;
	if (off > s.n)
		off = s.n;
	if (n > s.n - off)
		n = s.n - off;
	r.p = s.p + off;
	r.n = n;
	r.col = s.col > 0 ? s.col + (int)off : 0;
	return r;
}

bool cfg_span_eq(struct cfg_span s, const char *word)
{
	size_t n = strlen(word);
	return s.n == n && memcmp(s.p, word, n) == 0;
}

bool cfg_span_token(struct cfg_span s, size_t *pos, struct cfg_span *tok)
{
	size_t i = *pos, start;

	while (i < s.n && cfg_is_blank(s.p[i]))
		i++;
	if (i >= s.n) {
		*pos = i;
		return false;
	}
	start = i;
	while (i < s.n && !cfg_is_blank(s.p[i]))
		i++;
	*tok = cfg_span_sub(s, start, i - start);
	*pos = i;
	return true;
}

bool cfg_span_copy(struct cfg_span s, char *dst, size_t dst_len)
{
	if (dst_len == 0 || s.n >= dst_len)
		return false;
	memcpy(dst, s.p, s.n);
	dst[s.n] = '\0';
	return true;
}

struct cfg_origin cfg_at(int line, struct cfg_span s)
{
	struct cfg_origin at = {line, line > 0 ? s.col : 0};
	return at;
}

static int cfg_val_digit(char c, unsigned base)
{
	int d;
	if (c >= '0' && c <= '9')
		d = c - '0';
	else if (c >= 'a' && c <= 'f')
		d = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		d = c - 'A' + 10;
	else
		return -1;
	return (unsigned)d < base ? d : -1;
}

/* Digits of `s` in `base`, at least one, into *out; CFG_NUM_RANGE past UINT64_MAX. */
static enum cfg_num cfg_val_magnitude(struct cfg_span s, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	bool overflow = false;

	if (s.n == 0)
		return CFG_NUM_BAD;
	for (size_t i = 0; i < s.n; i++) {
		int d = cfg_val_digit(s.p[i], base);
		if (d < 0)
			return CFG_NUM_BAD;
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true; /* keep scanning: trailing garbage wins */
		else
			v = v * base + (uint64_t)d;
	}
	if (overflow)
		return CFG_NUM_RANGE;
	*out = v;
	return CFG_NUM_OK;
}

enum cfg_num cfg_parse_u64(struct cfg_span s, uint64_t *out)
{
	if (s.n > 2 && s.p[0] == '0' && (s.p[1] == 'x' || s.p[1] == 'X'))
		return cfg_val_magnitude(cfg_span_sub(s, 2, s.n - 2), 16, out);
	return cfg_val_magnitude(s, 10, out);
}

enum cfg_num cfg_parse_i64(struct cfg_span s, int64_t *out)
{
	bool neg = s.n > 0 && s.p[0] == '-';
	uint64_t mag = 0;
	enum cfg_num st = cfg_parse_u64(neg ? cfg_span_sub(s, 1, s.n - 1) : s, &mag);

	if (st != CFG_NUM_OK)
		return st;
	if (neg) {
		if (mag > (uint64_t)INT64_MAX + 1u)
			return CFG_NUM_RANGE;
		*out = mag == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > (uint64_t)INT64_MAX)
			return CFG_NUM_RANGE;
		*out = (int64_t)mag;
	}
	return CFG_NUM_OK;
}

bool cfg_parse_ipv4(struct cfg_span s, uint32_t *ip_be)
{
	uint32_t ip = 0;
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		unsigned v = 0, digits = 0;
		if (part > 0) {
			if (i >= s.n || s.p[i] != '.')
				return false;
			i++;
		}
		while (i < s.n && s.p[i] >= '0' && s.p[i] <= '9' && digits < 4) {
			v = v * 10u + (unsigned)(s.p[i] - '0');
			digits++;
			i++;
		}
		if (digits == 0 || digits > 3 || v > 255)
			return false;
		ip = (ip << 8) | v;
	}
	if (i != s.n)
		return false;
	*ip_be = htonl(ip);
	return true;
}

enum cfg_prefix cfg_parse_prefix(struct cfg_span s, bool bare_ok, uint32_t *ip_be, uint8_t *len)
{
	const char *slash = memchr(s.p, '/', s.n);
	size_t addr_n = slash != NULL ? (size_t)(slash - s.p) : s.n;
	struct cfg_span lenpart;
	unsigned v = 0;

	if (!cfg_parse_ipv4(cfg_span_sub(s, 0, addr_n), ip_be))
		return CFG_PREFIX_BAD_ADDR;
	if (slash == NULL) {
		if (!bare_ok)
			return CFG_PREFIX_NO_LEN;
		*len = 32;
		return CFG_PREFIX_OK;
	}
	lenpart = cfg_span_sub(s, addr_n + 1, s.n - addr_n - 1);
	if (lenpart.n == 0 || lenpart.n > 2)
		return CFG_PREFIX_BAD_LEN;
	for (size_t i = 0; i < lenpart.n; i++) {
		if (lenpart.p[i] < '0' || lenpart.p[i] > '9')
			return CFG_PREFIX_BAD_LEN;
		v = v * 10u + (unsigned)(lenpart.p[i] - '0');
	}
	if (v > 32)
		return CFG_PREFIX_BAD_LEN;
	*len = (uint8_t)v;
	return CFG_PREFIX_OK;
}

bool cfg_parse_mac(struct cfg_span s, uint8_t mac[6])
{
	uint8_t out[6];

	if (s.n != 17)
		return false;
	for (size_t b = 0; b < 6; b++) {
		int hi = cfg_val_digit(s.p[b * 3], 16);
		int lo = cfg_val_digit(s.p[b * 3 + 1], 16);
		if (hi < 0 || lo < 0 || (b < 5 && s.p[b * 3 + 2] != ':'))
			return false;
		out[b] = (uint8_t)(hi * 16 + lo);
	}
	memcpy(mac, out, sizeof out);
	return true;
}

uint32_t cfg_prefix_mask(uint8_t len)
{
	if (len == 0)
		return 0;
	if (len >= 32)
		return 0xffffffffu;
	return ~((1u << (32u - len)) - 1u);
}

bool cfg_mac_is_unicast(const uint8_t mac[6])
{
	return (mac[0] & 1u) == 0;
}

bool cfg_mac_is_zero(const uint8_t mac[6])
{
	for (int i = 0; i < 6; i++) {
		if (mac[i] != 0)
			return false;
	}
	return true;
}

const char *cfg_fmt_ipv4(uint32_t ip_be, char *buf, size_t len)
{
	uint32_t ip = ntohl(ip_be);
	snprintf(buf, len, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xffu, (ip >> 8) & 0xffu,
		 ip & 0xffu);
	return buf;
}

const char *cfg_fmt_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3],
		 mac[4], mac[5]);
	return buf;
}

const char *cfg_fmt_time(int ms, char *buf, size_t len)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%d", ms / 1000);
	else
		snprintf(buf, len, "%dms", ms);
	return buf;
}

/* Length of the UTF-8 sequence starting at s[i] (well-formed per RFC 3629: no
 * overlongs, no surrogates, at most U+10FFFF), or 0 when it is not valid. */
static size_t cfg_val_utf8_len(const unsigned char *s, size_t n, size_t i)
{
	unsigned c = s[i];
	size_t len;
	unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (i + len > n || s[i + 1] < lo || s[i + 1] > hi)
		return 0;
	for (size_t k = 2; k < len; k++) {
		if (s[i + k] < 0x80 || s[i + k] > 0xbf)
			return 0;
	}
	return len;
}

bool cfg_value_ok(struct cfg_span v, const char *what, struct cfg_sink *sink, int line)
{
	const unsigned char *u = (const unsigned char *)v.p;
	char q[CFG_QUOTE_MAX];

	if (v.n == 0) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, v), "%s: empty value", what);
		return false;
	}
	if (v.n > MOS_CONF_MAX_VALUE) {
		cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, v),
			   "%s: value is %zu characters long (at most %d)", what, v.n,
			   MOS_CONF_MAX_VALUE);
		return false;
	}
	for (size_t i = 0; i < v.n;) {
		size_t len = cfg_val_utf8_len(u, v.n, i);
		struct cfg_span at = cfg_span_sub(v, i, 1);
		if (len == 0) {
			cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, at),
				   "%s: value is not valid UTF-8 (byte '%s')", what,
				   cfg_quote(at, q, sizeof q));
			return false;
		}
		if (len == 1 &&
		    ((u[i] < 0x20 && u[i] != '\t') || u[i] == 0x7f || u[i] == '#')) {
			/* A NUL was already reported for the whole line. */
			if (u[i] != 0)
				cfg_report(sink, MOS_DIAG_ERROR, cfg_at(line, at),
					   "%s: value contains the character '%s'", what,
					   cfg_quote(at, q, sizeof q));
			return false;
		}
		i += len;
	}
	return true;
}
