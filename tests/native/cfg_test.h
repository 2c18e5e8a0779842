/* cfg_test.h - helpers of the configuration tests: parse text, collect the
 * diagnostics as formatted "FILE:LINE:COL: message" lines, look for one. */
#ifndef MOS_CFG_TEST_H
#define MOS_CFG_TEST_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/config.h"
#include "mos_test.h"

#define CT_MAX_DIAGS 64

struct ct_log {
	int count, errors, warnings;
	char line[CT_MAX_DIAGS][700];
	char last[700]; /* the last one, whatever the count */
};

static inline void ct_collect(void *user, const struct mos_diag *d)
{
	struct ct_log *log = user;
	if (d->severity == MOS_DIAG_WARNING)
		log->warnings++;
	else
		log->errors++;
	if (log->count < CT_MAX_DIAGS)
		cfg_diag_format(d, log->line[log->count], sizeof log->line[0]);
	cfg_diag_format(d, log->last, sizeof log->last);
	log->count++;
}

/* Parses `text` as file "t.conf" and expects success without errors. */
static inline struct mos_config *ct_parse_ok_log(const char *text, struct ct_log *log)
{
	struct mos_config *cfg = NULL;
	memset(log, 0, sizeof *log);
	int rc = mos_config_parse(text, strlen(text), "t.conf", ct_collect, log, &cfg);
	CHECK_MSG(rc == 0, "parse failed (%d diagnostics), first: %s", log->count,
		  log->count ? log->line[0] : "");
	CHECK(cfg != NULL);
	CHECK_EQ(log->errors, 0);
	return cfg;
}

static inline struct mos_config *ct_parse_ok(const char *text)
{
	static struct ct_log log;
	return ct_parse_ok_log(text, &log);
}

/* Parses `text` as "t.conf" and expects rejection with EINVAL. */
static inline void ct_parse_fail(const char *text, struct ct_log *log)
{
	struct mos_config *cfg = (struct mos_config *)1;
	memset(log, 0, sizeof *log);
	errno = 0;
	int rc = mos_config_parse(text, strlen(text), "t.conf", ct_collect, log, &cfg);
	CHECK_EQ(rc, -1);
	CHECK_EQ(errno, EINVAL);
	CHECK(cfg == NULL);
	CHECK(log->errors > 0);
}

/* Whether `log` holds exactly the diagnostic line `want`. */
static inline bool ct_has(const struct ct_log *log, const char *want)
{
	for (int i = 0; i < log->count && i < CT_MAX_DIAGS; i++) {
		if (strcmp(log->line[i], want) == 0)
			return true;
	}
	return false;
}

static inline void ct_dump(const struct ct_log *log)
{
	for (int i = 0; i < log->count && i < CT_MAX_DIAGS; i++)
		fprintf(stderr, "  diag: %s\n", log->line[i]);
}

#define CHECK_DIAG(log, want)                                                                  \
	do {                                                                                   \
		if (!ct_has((log), (want))) {                                                  \
			ct_dump(log);                                                          \
			mt_fail(__FILE__, __LINE__, "missing diagnostic \"%s\"", (want));      \
		}                                                                              \
	} while (0)

/* Expects `text` to fail with exactly one error, `want`. */
#define CHECK_ONLY_ERROR(text, want)                                                           \
	do {                                                                                   \
		struct ct_log ct_l_;                                                           \
		ct_parse_fail((text), &ct_l_);                                                 \
		CHECK_DIAG(&ct_l_, (want));                                                    \
		if (ct_l_.count != 1) {                                                        \
			ct_dump(&ct_l_);                                                       \
			mt_fail(__FILE__, __LINE__, "%d diagnostics, expected 1",              \
				ct_l_.count);                                                  \
		}                                                                              \
	} while (0)

/* "mos {\n<items>\n\tnetdev {\n\t\tdpdk0 0x1\n\t}\n}\n": items start on line 2. */
static inline const char *ct_mos(const char *items)
{
	static char buf[1 << 16];
	snprintf(buf, sizeof buf, "mos {\n%s\n\tnetdev {\n\t\tdpdk0 0x1\n\t}\n}\n", items);
	return buf;
}

/* A mos block with one port, then `rest` (from line 6 on). */
static inline const char *ct_with(const char *rest)
{
	static char buf[1 << 16];
	snprintf(buf, sizeof buf, "mos {\n\tnetdev {\n\t\tdpdk0 0x1\n\t}\n}\n%s", rest);
	return buf;
}

#endif /* MOS_CFG_TEST_H */
