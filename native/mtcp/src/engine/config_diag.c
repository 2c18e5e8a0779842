/* config_diag.c - diagnostics of the configuration parser: the collecting sink, the
 * "FILE:LINE:COL: message" format, quoting of input text and "did you mean". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/assert.h"
#include "engine/config_internal.h"

/* One kept report; the message is copied because the sink outlives the caller's
 * buffers and delivery happens at flush time. */
struct cfg_diag_rec {
	int line;
	int col;
	int severity;
	size_t seq; /* report order: ties keep it (stable sort) */
	char msg[CFG_MSG_MAX];
};

void cfg_sink_init(struct cfg_sink *sink, const char *file, mos_diag_fn fn, void *user)
{
	memset(sink, 0, sizeof *sink);
	sink->file = file != NULL ? file : "<config>";
	sink->fn = fn;
	sink->user = user;
}

int cfg_diag_format(const struct mos_diag *diag, char *buf, size_t len)
{
	const char *file = diag->file != NULL ? diag->file : "<config>";
	const char *msg = diag->message != NULL ? diag->message : "";
	const char *sev = diag->severity == MOS_DIAG_WARNING ? "warning: " : "";

	if (diag->line <= 0)
		return snprintf(buf, len, "%s: %s%s", file, sev, msg);
	return snprintf(buf, len, "%s:%d:%d: %s%s", file, diag->line, diag->col, sev, msg);
}

static void cfg_diag_emit(const struct cfg_sink *sink, const struct mos_diag *d)
{
	char stack_buf[1024];
	char *buf = stack_buf;
	int n;

	if (sink->fn != NULL) {
		sink->fn(sink->user, d);
		return;
	}
	n = cfg_diag_format(d, stack_buf, sizeof stack_buf);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof stack_buf) {
		buf = malloc((size_t)n + 1);
		if (buf == NULL) {
			buf = stack_buf; /* print it truncated rather than not at all */
		} else {
			cfg_diag_format(d, buf, (size_t)n + 1);
		}
	}
	fprintf(stderr, "%s\n", buf);
	if (buf != stack_buf)
		free(buf);
}

static void cfg_diag_emit_now(const struct cfg_sink *sink, int severity, struct cfg_origin at,
			      const char *msg)
{
	struct mos_diag d = {
		.file = sink->file,
		.line = at.line,
		.col = at.col,
		.severity = severity,
		.message = msg,
	};
	cfg_diag_emit(sink, &d);
}

/* Room for one more record; false when memory is short. */
static bool cfg_diag_reserve(struct cfg_sink *sink)
{
	size_t cap;
	struct cfg_diag_rec *recs;

	if (sink->count < sink->cap)
		return true;
	cap = sink->cap == 0 ? 16 : sink->cap * 2;
	if (cap > CFG_SINK_MAX)
		cap = CFG_SINK_MAX;
	recs = realloc(sink->recs, cap * sizeof *recs);
	if (recs == NULL)
		return false;
	sink->recs = recs;
	sink->cap = cap;
	return true;
}

void cfg_vreport(struct cfg_sink *sink, int severity, struct cfg_origin at, const char *fmt,
		 va_list ap)
{
	char msg[CFG_MSG_MAX];
	struct cfg_diag_rec *rec;

	if (severity == MOS_DIAG_WARNING)
		sink->warnings++;
	else
		sink->errors++;
	if (sink->count >= CFG_SINK_MAX) {
		sink->dropped++;
		return;
	}
	vsnprintf(msg, sizeof msg, fmt, ap);
	if (at.line < 0)
		at.line = 0;
	if (!cfg_diag_reserve(sink)) {
		/* No memory to keep it: deliver it unsorted rather than lose it. */
		cfg_diag_emit_now(sink, severity, at, msg);
		return;
	}
	MOS_ASSERT(sink->count < sink->cap);
	rec = &sink->recs[sink->count];
	rec->line = at.line;
	rec->col = at.line > 0 ? at.col : 0;
	rec->severity = severity;
	rec->seq = sink->count;
	memcpy(rec->msg, msg, sizeof msg);
	sink->count++;
}

void cfg_report(struct cfg_sink *sink, int severity, struct cfg_origin at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	cfg_vreport(sink, severity, at, fmt, ap);
	va_end(ap);
}

/* File order; reports about the whole file (line 0) after the others. */
static int cfg_diag_cmp(const void *pa, const void *pb)
{
	const struct cfg_diag_rec *a = pa, *b = pb;
	unsigned la = a->line == 0 ? ~0u : (unsigned)a->line;
	unsigned lb = b->line == 0 ? ~0u : (unsigned)b->line;

	if (la != lb)
		return la < lb ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	if (a->seq != b->seq)
		return a->seq < b->seq ? -1 : 1;
	return 0;
}

int cfg_sink_flush(struct cfg_sink *sink)
{
	char msg[CFG_MSG_MAX];

	if (sink->count > 1)
		qsort(sink->recs, sink->count, sizeof sink->recs[0], cfg_diag_cmp);
	for (size_t i = 0; i < sink->count; i++) {
		const struct cfg_diag_rec *r = &sink->recs[i];
		struct cfg_origin at = {r->line, r->col};
		cfg_diag_emit_now(sink, r->severity, at, r->msg);
	}
	if (sink->dropped > 0) {
		struct cfg_origin none = {0, 0};
		snprintf(msg, sizeof msg, "%d more diagnostics not shown", sink->dropped);
		cfg_diag_emit_now(sink, MOS_DIAG_ERROR, none, msg);
	}
	free(sink->recs);
	sink->recs = NULL;
	sink->count = 0;
	sink->cap = 0;
	sink->dropped = 0;
	return sink->errors;
}

const char *cfg_quote(struct cfg_span s, char *buf, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	if (len == 0)
		return buf;
	for (size_t i = 0; i < s.n; i++) {
		unsigned char c = (unsigned char)s.p[i];
		size_t need = (c >= 0x20 && c < 0x7f) ? 1 : 4;
		if (o + need + 4 > len) { /* keep room for "..." and the NUL */
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (need == 1) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 0xf];
		}
	}
	buf[o] = '\0';
	return buf;
}

#define CFG_SUGGEST_MAX_LEN 64

static char cfg_diag_lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static size_t cfg_min3(size_t a, size_t b, size_t c)
{
	size_t m = a < b ? a : b;
	return m < c ? m : c;
}

/* Optimal-string-alignment distance (insert, delete, substitute, swap neighbours),
 * ignoring case. Both strings at most CFG_SUGGEST_MAX_LEN bytes. */
static size_t cfg_edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
	size_t rows[3][CFG_SUGGEST_MAX_LEN + 1];
	size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

	for (size_t j = 0; j <= nb; j++)
		prev[j] = j;
	for (size_t i = 1; i <= na; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= nb; j++) {
			char ca = cfg_diag_lower(a[i - 1]), cb = cfg_diag_lower(b[j - 1]);
			size_t cost = ca == cb ? 0 : 1;
			cur[j] = cfg_min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
			if (i > 1 && j > 1 && ca == cfg_diag_lower(b[j - 2]) &&
			    cfg_diag_lower(a[i - 2]) == cb && prev2[j - 2] + 1 < cur[j])
				cur[j] = prev2[j - 2] + 1;
		}
		size_t *t = prev2;
		prev2 = prev;
		prev = cur;
		cur = t;
	}
	return prev[nb];
}

const char *cfg_suggest(struct cfg_span word, const char *const *cands, size_t n, char *buf,
			size_t len)
{
	size_t best = SIZE_MAX, best_i = 0;

	if (len > 0)
		buf[0] = '\0';
	if (word.n == 0 || word.n > CFG_SUGGEST_MAX_LEN)
		return buf;
	for (size_t i = 0; i < n; i++) {
		size_t cn = strlen(cands[i]);
		size_t limit = 1 + cn / 5;
		size_t d;
		if (cn > CFG_SUGGEST_MAX_LEN)
			continue;
		d = cfg_edit_distance(word.p, word.n, cands[i], cn);
		if (d <= (limit > 3 ? 3 : limit) && d < best) {
			best = d;
			best_i = i;
		}
	}
	if (best != SIZE_MAX)
		snprintf(buf, len, " (did you mean '%s'?)", cands[best_i]);
	return buf;
}

#undef CFG_SUGGEST_MAX_LEN
