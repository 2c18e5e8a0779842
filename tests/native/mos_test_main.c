/* mos_test_main.c - runner of the C test harness (see mos_test.h). */
#include "mos_test.h"

#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MT_MAX_CASES 1024

struct mt_case {
	const char *name;
	mt_fn fn;
};

static struct mt_case mt_cases[MT_MAX_CASES];
static int mt_case_count;
static jmp_buf mt_jump;
static char mt_note_buf[1024];

void mt_register(const char *name, mt_fn fn)
{
	if (mt_case_count == MT_MAX_CASES) {
		fprintf(stderr, "mos_test: more than %d cases in one binary\n", MT_MAX_CASES);
		_exit(2);
	}
	mt_cases[mt_case_count].name = name;
	mt_cases[mt_case_count].fn = fn;
	mt_case_count++;
}

void mt_note(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(mt_note_buf, sizeof mt_note_buf, fmt, ap);
	va_end(ap);
}

void mt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s:%d: failure: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (mt_note_buf[0] != '\0')
		fprintf(stderr, "  note: %s\n", mt_note_buf);
	longjmp(mt_jump, 1);
}

const char *mt_repo_dir(void)
{
	static char dir[PATH_MAX];
	if (dir[0] == '\0') {
		const char *env = getenv("MOS_REPO_DIR");
		snprintf(dir, sizeof dir, "%s", env ? env : MOS_REPO_DIR);
	}
	return dir;
}

const char *mt_shared_data_dir(void)
{
	static char dir[PATH_MAX + 32];
	const char *env = getenv("MOS_SHARED_DATA");
	if (env)
		snprintf(dir, sizeof dir, "%s", env);
	else
		snprintf(dir, sizeof dir, "%s/../shared/data", mt_repo_dir());
	return access(dir, R_OK) == 0 ? dir : NULL;
}

int mt_run_child(void (*fn)(void), char *err, size_t cap)
{
	int fds[2], status = 0;
	size_t n = 0;
	char scratch[512];
	ssize_t got;

	CHECK(pipe(fds) == 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn();
		_exit(0);
	}
	close(fds[1]);
	while ((got = read(fds[0], scratch, sizeof scratch)) > 0) {
		size_t take = (size_t)got < cap - 1 - n ? (size_t)got : cap - 1 - n;
		memcpy(err + n, scratch, take);
		n += take;
	}
	err[n] = '\0';
	close(fds[0]);
	CHECK(waitpid(pid, &status, 0) == pid);
	return status;
}

static int mt_run(const struct mt_case *c)
{
	mt_note_buf[0] = '\0';
	if (setjmp(mt_jump) != 0) {
		printf("FAIL %s\n", c->name);
		return 1;
	}
	c->fn();
	printf("PASS %s\n", c->name);
	return 0;
}

int main(int argc, char **argv)
{
	int failed = 0, ran = 0;
	if (argc > 1 && strcmp(argv[1], "--list") == 0) {
		for (int i = 0; i < mt_case_count; i++)
			printf("%s\n", mt_cases[i].name);
		return 0;
	}
	for (int i = 0; i < mt_case_count; i++) {
		bool wanted = argc < 2;
		for (int a = 1; a < argc && !wanted; a++)
			wanted = strcmp(argv[a], mt_cases[i].name) == 0;
		if (!wanted)
			continue;
		ran++;
		failed += mt_run(&mt_cases[i]);
	}
	if (ran == 0) {
		fprintf(stderr, "mos_test: no case matched\n");
		return 2;
	}
	return failed ? 1 : 0;
}
