/*
 * A main() for the fuzz targets without libFuzzer: feed
 * LLVMFuzzerTestOneInput every file of the corpus directories (or the
 * single files) named on the command line, in name order.  `make check`
 * builds each target with it and runs it with no argument, which means
 * $PKCE_SRCDIR/fuzz/corpus/PROGRAM_NAME.  An empty or missing corpus is a
 * failure: a target that replays nothing would pass while testing nothing.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz.h"

/*
 * libFuzzer's -timeout for `make fuzz`: here too, an input that takes
 * longer (a regression of a slow-input fix) fails the test rather than
 * hanging it.  SIGALRM's default action ends the process.
 */
#define REPLAY_SECONDS_MAX 10

static const char *prog = "replay";

/* Read PATH whole into a buffer of exactly its size.  Returns 0 or -1. */
static int
read_input(const char *path, uint8_t **out, size_t *outlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t len = 0;
	int fd, ret = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		fprintf(stderr, "%s: %s: not a regular file\n", prog, path);
		goto cleanup;
	}
	/* malloc(0) may return NULL; the target still gets a valid pointer. */
	buf = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	if (buf == NULL) {
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
		goto cleanup;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			fprintf(stderr, "%s: %s: short read\n", prog, path);
			goto cleanup;
		}
		len += (size_t)n;
	}
	*out = buf;
	*outlen = len;
	buf = NULL;
	ret = 0;
cleanup:
	free(buf);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int
run_file(const char *path)
{
	uint8_t *data;
	size_t len;

	if (read_input(path, &data, &len) < 0)
		return -1;
	/* Named first, so that a crash in the target says which input. */
	printf("%s: %s (%zu bytes)\n", prog, path, len);
	fflush(stdout);
	alarm(REPLAY_SECONDS_MAX);
	(void)LLVMFuzzerTestOneInput(data, len);
	alarm(0);
	free(data);
	return 0;
}

static int
skip_hidden(const struct dirent *entry)
{
	return entry->d_name[0] != '.';
}

/* Every file of DIR; returns how many ran, or -1. */
static int
run_dir(const char *dir)
{
	struct dirent **entries = NULL;
	int n, ran = 0, ret = -1;

	n = scandir(dir, &entries, skip_hidden, alphasort);
	if (n < 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[PATH_MAX];

		if (snprintf(path, sizeof(path), "%s/%s", dir,
			     entries[i]->d_name) >= (int)sizeof(path)) {
			fprintf(stderr, "%s: %s: path too long\n", prog, dir);
			goto cleanup;
		}
		if (run_file(path) < 0)
			goto cleanup;
		ran++;
	}
	ret = ran;
cleanup:
	for (int i = 0; i < n; i++)
		free(entries[i]);
	free(entries);
	return ret;
}

static int
run_path(const char *path)
{
	struct stat st;
	int ran;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	ran = run_dir(path);
	if (ran == 0)
		fprintf(stderr, "%s: %s: empty corpus\n", prog, path);
	if (ran <= 0)
		return -1;
	printf("%s: %d inputs from %s\n", prog, ran, path);
	return 0;
}

int
main(int argc, char **argv)
{
	char dflt[PATH_MAX];
	const char *srcdir;

	prog = strrchr(argv[0], '/') != NULL ? strrchr(argv[0], '/') + 1 :
					       argv[0];
	/* libtool's wrapper runs the real binary as lt-NAME. */
	if (strncmp(prog, "lt-", 3) == 0)
		prog += 3;
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			if (run_path(argv[i]) < 0)
				return 1;
		return 0;
	}
	srcdir = getenv("PKCE_SRCDIR");
	if (srcdir == NULL || srcdir[0] == '\0') {
		fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...\n"
			"(without arguments, PKCE_SRCDIR must name the source "
			"tree)\n", prog);
		return 2;
	}
	if (snprintf(dflt, sizeof(dflt), "%s/fuzz/corpus/%s", srcdir,
		     prog) >= (int)sizeof(dflt)) {
		fprintf(stderr, "%s: PKCE_SRCDIR too long\n", prog);
		return 2;
	}
	return run_path(dflt) < 0 ? 1 : 0;
}
