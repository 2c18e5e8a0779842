/* strargs.c - StrToArgs(): splits a command line into words in place, with single
 * and double quotes grouping text (shell-like, without escapes or expansion). */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

#include "mtcp_util.h"

static bool base_args_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Copies one word starting at *rd to *wr, removing quotes; returns false on an
 * unterminated quote. The write position never passes the read position, so the
 * copy can run in place. */
static bool base_args_word(char **rd, char **wr)
{
	char *r = *rd, *w = *wr;
	char quote = '\0';

	for (; *r != '\0'; r++) {
		if (quote != '\0') {
			if (*r == quote)
				quote = '\0';
			else
				*w++ = *r;
		} else if (*r == '\'' || *r == '"') {
			quote = *r;
		} else if (base_args_blank(*r)) {
			break;
		} else {
			*w++ = *r;
		}
	}
	if (quote != '\0')
		return false;
	*rd = r;
	*wr = w;
	return true;
}

int StrToArgs(char *str, int *argc, char **argv, int max_argc)
{
	char *rd = str;
	int n = 0;

	if (str == NULL || argc == NULL || argv == NULL || max_argc < 1) {
		errno = EINVAL;
		return -1;
	}
	*argc = 0;
	for (;;) {
		while (base_args_blank(*rd))
			rd++;
		if (*rd == '\0')
			break;
		if (n == max_argc) {
			errno = E2BIG;
			return -1;
		}
		char *word = rd, *wr = rd;
		if (!base_args_word(&rd, &wr)) {
			errno = EINVAL;
			return -1;
		}
		bool more = *rd != '\0';
		*wr = '\0'; /* may overwrite the blank that ended the word */
		argv[n++] = word;
		if (!more)
			break;
		rd++;
	}
	*argc = n;
	if (n < max_argc)
		argv[n] = NULL;
	return 0;
}
