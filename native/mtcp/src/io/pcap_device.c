/* pcap_device.c - the grammar of the pcap backend's netdev `device=` strings
 * (documented in io/pcap_io.h): parsing, and deciding whether a bare target is a
 * capture file or a live interface. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "io/pcap_io.h"

/* `text` starts with `prefix`. */
static bool pcapio_starts_with(const char *text, const char *prefix)
{
	return strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Decimal number in [lo, hi] spanning all of [s, s + len). */
static bool pcapio_parse_u32(const char *s, size_t len, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v = 0;
	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10u + (uint64_t)(s[i] - '0');
	}
	if (v < lo || v > hi)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* One option `key=value` of length `len` at `opt`. */
static int pcapio_parse_option(const char *opt, size_t len, struct io_pcap_device *out,
			       char *err, size_t err_len)
{
	const char *eq = memchr(opt, '=', len);
	size_t klen = eq ? (size_t)(eq - opt) : len;
	const char *val = eq ? eq + 1 : opt + len;
	size_t vlen = len - klen - (eq ? 1u : 0u);
	int ilen = (int)len;

	if (klen == 4 && memcmp(opt, "pace", 4) == 0 && eq != NULL) {
		if (out->pace_given)
			goto duplicate;
		out->pace_given = true;
		if (vlen == 4 && memcmp(val, "fast", 4) == 0)
			out->paced = false;
		else if (vlen == 8 && memcmp(val, "recorded", 8) == 0)
			out->paced = true;
		else
			goto bad_value;
		return 0;
	}
	if (klen == 7 && memcmp(opt, "snaplen", 7) == 0 && eq != NULL) {
		if (out->snaplen_given)
			goto duplicate;
		out->snaplen_given = true;
		if (!pcapio_parse_u32(val, vlen, IO_PCAP_SNAPLEN_MIN, IO_PCAP_SNAPLEN_MAX,
				      &out->snaplen))
			goto bad_value;
		return 0;
	}
	snprintf(err, err_len,
		 "unknown pcap device option '%.*s' (expected pace=fast|recorded or "
		 "snaplen=N)",
		 ilen, opt);
	return -EINVAL;
duplicate:
	snprintf(err, err_len, "pcap device option '%.*s' given twice", (int)klen, opt);
	return -EINVAL;
bad_value:
	snprintf(err, err_len, "pcap device option '%.*s': bad value (expected %s)", ilen, opt,
		 klen == 4 ? "pace=fast or pace=recorded" : "snaplen=64..65535");
	return -EINVAL;
}

/* The kind prefix of `text`; *rest is what follows it. */
static enum io_pcap_kind pcapio_parse_kind(const char *text, const char **rest)
{
	if (pcapio_starts_with(text, "file:")) {
		*rest = text + 5;
		return IO_PCAP_FILE;
	}
	if (pcapio_starts_with(text, "iface:")) {
		*rest = text + 6;
		return IO_PCAP_IFACE;
	}
	*rest = text;
	return IO_PCAP_AUTO;
}

int io_pcap_parse_device(const char *text, struct io_pcap_device *out, char *err,
			 size_t err_len)
{
	const char *rest;
	memset(out, 0, sizeof *out);
	out->snaplen = IO_PCAP_SNAPLEN_DEFAULT;
	out->kind = pcapio_parse_kind(text, &rest);

	size_t tlen = strcspn(rest, ",");
	if (tlen == 0) {
		snprintf(err, err_len, "pcap device '%s': no file or interface name", text);
		return -EINVAL;
	}
	if (tlen > IO_PCAP_TARGET_MAX) {
		snprintf(err, err_len, "pcap device name longer than %d characters",
			 IO_PCAP_TARGET_MAX);
		return -EINVAL;
	}
	memcpy(out->target, rest, tlen);
	out->target[tlen] = '\0';

	const char *opt = rest + tlen;
	while (*opt == ',') {
		opt++;
		size_t olen = strcspn(opt, ",");
		int rc = pcapio_parse_option(opt, olen, out, err, err_len);
		if (rc != 0)
			return rc;
		opt += olen;
	}
	return 0;
}

int io_pcap_resolve_device(struct io_pcap_device *dev, char *err, size_t err_len)
{
	bool guessed = dev->kind == IO_PCAP_AUTO;
	if (guessed) {
		struct stat st;
		bool file = stat(dev->target, &st) == 0 && S_ISREG(st.st_mode);
		dev->kind = file ? IO_PCAP_FILE : IO_PCAP_IFACE;
	}
	if (dev->kind == IO_PCAP_FILE && dev->snaplen_given) {
		snprintf(err, err_len,
			 "pcap device '%s': snaplen= applies to live interfaces, not to "
			 "capture files",
			 dev->target);
		return -EINVAL;
	}
	if (dev->kind == IO_PCAP_IFACE && dev->pace_given) {
		snprintf(err, err_len, "pcap device '%s': pace= applies to capture files, %s",
			 dev->target,
			 guessed ? "and no regular file of that name exists"
				 : "not to live interfaces");
		return -EINVAL;
	}
	return 0;
}
