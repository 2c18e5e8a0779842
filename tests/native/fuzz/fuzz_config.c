/* fuzz_config.c - fuzz target of the mos.conf parser. Any bytes must parse or be
 * rejected without a crash, leak or sanitizer report; a configuration that parses
 * must render, and its CONF rendering must parse back and render identically (the
 * round trip the `mos config show` output promises). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mos_ext.h"

static void fuzz_config_diag(void *user, const struct mos_diag *d)
{
	size_t *count = user;
	/* Every diagnostic is well formed: a message and a position in the file. */
	if (d->message == NULL || d->file == NULL || d->line < 0 || d->col < 0 ||
	    (d->line == 0 && d->col != 0))
		abort();
	(*count)++;
}

/* Renders into a fresh heap string; aborts on any inconsistency. */
static char *fuzz_config_render(const struct mos_config *cfg, int format)
{
	ssize_t need = mos_config_render(cfg, format, NULL, 0);
	char *buf;

	if (need <= 0)
		abort();
	buf = malloc((size_t)need + 1);
	if (buf == NULL)
		abort();
	if (mos_config_render(cfg, format, buf, (size_t)need + 1) != need ||
	    strlen(buf) != (size_t)need)
		abort();
	return buf;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mos_config *cfg = NULL, *again = NULL;
	size_t diags = 0;
	char *conf, *json, *conf2;

	if (mos_config_parse((const char *)data, size, "fuzz.conf", fuzz_config_diag, &diags,
			     &cfg) != 0) {
		if (cfg != NULL || diags == 0)
			abort(); /* a rejection always says why */
		return 0;
	}
	conf = fuzz_config_render(cfg, MOS_CONFIG_FORMAT_CONF);
	json = fuzz_config_render(cfg, MOS_CONFIG_FORMAT_JSON);
	if (mos_config_parse(conf, strlen(conf), "fuzz.conf", fuzz_config_diag, &diags,
			     &again) != 0) {
		fprintf(stderr, "rendered configuration does not parse:\n%s\n", conf);
		abort();
	}
	conf2 = fuzz_config_render(again, MOS_CONFIG_FORMAT_CONF);
	if (strcmp(conf, conf2) != 0) {
		fprintf(stderr, "round trip changed the configuration:\n%s\n---\n%s\n", conf,
			conf2);
		abort();
	}
	free(conf);
	free(conf2);
	free(json);
	mos_config_free(cfg);
	mos_config_free(again);
	return 0;
}
