/* replay_main.c - runs a fuzz target over every file of a corpus directory
 * (argv[1]) without libFuzzer, so that ctest replays the committed corpus on every
 * build. Fails when the directory cannot be read or holds no file; a crash or a
 * sanitizer report in the target fails the run by itself. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Reads a whole file; NULL on error. */
static uint8_t *replay_read(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n + 1); /* +1: never malloc(0) */
		if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*size = (size_t)n;
	}
	fclose(f);
	return buf;
}

static int replay_file(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;
	size_t size = 0;
	uint8_t *data;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return 0; /* not an input */
	data = replay_read(path, &size);
	if (data == NULL) {
		fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 1;
}

int main(int argc, char **argv)
{
	DIR *d;
	struct dirent *e;
	int files = 0, failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	if (d == NULL) {
		fprintf(stderr, "replay: cannot open %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int r = replay_file(argv[1], e->d_name);
		if (r < 0)
			failed++;
		else
			files += r;
	}
	closedir(d);
	printf("replay: %d inputs from %s\n", files, argv[1]);
	if (files == 0) {
		fprintf(stderr, "replay: no input in %s\n", argv[1]);
		return 1;
	}
	return failed ? 1 : 0;
}
