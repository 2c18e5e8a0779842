/* test_config_files.c - the committed configuration files: every example in
 * config/ is valid (no error, no warning), and every broken file in
 * tests/native/data/config-bad/ yields exactly the diagnostics of its .expected
 * file. */
#include <dirent.h>

#include "cfg_test.h"

/* Whole file into a heap string; fails the case on error. */
static char *cf_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	CHECK_MSG(f != NULL, "cannot open %s", path);
	CHECK(fseek(f, 0, SEEK_END) == 0);
	long n = ftell(f);
	CHECK(n >= 0 && fseek(f, 0, SEEK_SET) == 0);
	char *buf = malloc((size_t)n + 1);
	CHECK(buf != NULL);
	CHECK_EQ(fread(buf, 1, (size_t)n, f), n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static bool cf_has_suffix(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);
	return n > s && strcmp(name + n - s, suffix) == 0;
}

static int cf_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Names of the *.conf files of `dir`, sorted; returns the count. */
static int cf_list(const char *dir, char names[][256], int max)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	CHECK_MSG(d != NULL, "cannot open %s", dir);
	while ((e = readdir(d)) != NULL && n < max) {
		if (cf_has_suffix(e->d_name, ".conf"))
			snprintf(names[n++], 256, "%s", e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, 256, cf_cmp);
	return n;
}

TEST(every_example_config_is_valid)
{
	char dir[4096], path[4400], names[64][256];
	snprintf(dir, sizeof dir, "%s/config", mt_repo_dir());
	int n = cf_list(dir, names, 64);
	const char *required[] = {"end-host.conf", "inline.conf", "mos.conf", "pcap.conf",
				  "sim.conf"};
	for (size_t r = 0; r < sizeof required / sizeof required[0]; r++) {
		bool found = false;
		for (int i = 0; i < n; i++)
			found = found || strcmp(names[i], required[r]) == 0;
		CHECK_MSG(found, "config/%s is missing", required[r]);
	}
	for (int i = 0; i < n; i++) {
		struct mos_config *cfg = NULL;
		struct ct_log log;
		memset(&log, 0, sizeof log);
		snprintf(path, sizeof path, "%s/%.255s", dir, names[i]);
		mt_note("file %s", path);
		int rc = mos_config_load(path, ct_collect, &log, &cfg);
		if (rc != 0 || log.count != 0)
			ct_dump(&log);
		CHECK_EQ(rc, 0);
		CHECK_EQ(log.count, 0);
		/* the header comment says what the file is for */
		size_t len;
		char *text = cf_read(path, &len);
		CHECK_MSG(strncmp(text, "# ", 2) == 0, "%s has no header comment", names[i]);
		free(text);
		mos_config_free(cfg);
	}
}

TEST(example_configs_match_their_purpose)
{
	char path[4400];
	struct mos_config *c;
	struct ct_log log;
	snprintf(path, sizeof path, "%s/config/inline.conf", mt_repo_dir());
	CHECK_EQ(mos_config_load(path, ct_collect, &log, &c), 0);
	CHECK_EQ(c->fwd_count, 1);
	CHECK(cfg_effective_forward(c));
	mos_config_free(c);
	snprintf(path, sizeof path, "%s/config/pcap.conf", mt_repo_dir());
	CHECK_EQ(mos_config_load(path, ct_collect, &log, &c), 0);
	CHECK_EQ(c->io, CFG_IO_PCAP);
	mos_config_free(c);
	snprintf(path, sizeof path, "%s/config/sim.conf", mt_repo_dir());
	CHECK_EQ(mos_config_load(path, ct_collect, &log, &c), 0);
	CHECK_EQ(c->io, CFG_IO_SIM);
	mos_config_free(c);
	snprintf(path, sizeof path, "%s/config/end-host.conf", mt_repo_dir());
	CHECK_EQ(mos_config_load(path, ct_collect, &log, &c), 0);
	CHECK_EQ(c->app[0].type, CFG_APP_END);
	mos_config_free(c);
	snprintf(path, sizeof path, "%s/config/mos.conf", mt_repo_dir());
	CHECK_EQ(mos_config_load(path, ct_collect, &log, &c), 0);
	CHECK_EQ(c->app[0].type, CFG_APP_MONITOR);
	CHECK_EQ(c->io, CFG_IO_DPDK);
	CHECK_STREQ(c->netdev[0].device, "net_tap0,iface=mos0");
	mos_config_free(c);
}

TEST(broken_files_give_the_expected_diagnostics)
{
	char dir[4096], path[4400], names[64][256];
	snprintf(dir, sizeof dir, "%s/tests/native/data/config-bad", mt_repo_dir());
	int n = cf_list(dir, names, 64);
	CHECK(n >= 5);
	for (int i = 0; i < n; i++) {
		size_t len, elen;
		struct ct_log log;
		struct mos_config *cfg = NULL;
		snprintf(path, sizeof path, "%s/%.255s", dir, names[i]);
		mt_note("file %s", path);
		char *text = cf_read(path, &len);
		memset(&log, 0, sizeof log);
		CHECK_EQ(mos_config_parse(text, len, names[i], ct_collect, &log, &cfg), -1);
		free(text);
		snprintf(path + strlen(path) - 5, 16, ".expected");
		char *expected = cf_read(path, &elen);
		int line = 0;
		for (char *save = NULL, *l = strtok_r(expected, "\n", &save); l != NULL;
		     l = strtok_r(NULL, "\n", &save), line++) {
			if (line >= log.count || strcmp(l, log.line[line]) != 0)
				ct_dump(&log);
			CHECK_MSG(line < log.count, "%s: diagnostic %d missing: %s", names[i],
				  line + 1, l);
			CHECK_STREQ(log.line[line], l);
		}
		if (line != log.count)
			ct_dump(&log);
		CHECK_EQ(log.count, line);
		free(expected);
	}
}
