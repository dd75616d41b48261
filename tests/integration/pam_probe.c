/*
 * A small PAM application for the integration tests, for what pamtester
 * cannot show: the PAM environment a module exported, PAM_SILENT, a
 * missing conversation function, PAM_RHOST, and several pam_authenticate
 * calls on one handle.
 *
 *   pam_probe [--silent] [--no-conv] [--cancel] [--rhost HOST] [--repeat N]
 *             [--timing] SERVICE USER
 *
 * --cancel answers every prompt with a conversation error, as a person
 * closing the window would.  --resources prints, before and after each
 * attempt, "resources: fds=N threads=N listening=N" read from /proc, so a
 * test can tell that nothing the module started outlives the call.
 *
 * --timing (for tests/bench) prints "timing: authenticate_start NS" and
 * "timing: authenticate_end NS" around each pam_authenticate, and
 * "timing: url_shown NS" when the conversation gets the first message of
 * the attempt that holds a URL; NS is CLOCK_REALTIME in nanoseconds, so
 * another process can compare.
 *
 * Prints "authenticate: <pam_strerror>" per attempt, then "env: NAME=VALUE"
 * for every PAM environment variable.  Exits 0 if the last attempt
 * succeeded.
 */
#include <dirent.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>
#include <security/pam_misc.h>

static int
count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - (strcmp(path, "/proc/self/fd") == 0 ? 1 : 0);	/* ours */
}

/* Is socket inode INO in LISTEN state in /proc/net/FILE? */
static bool
inode_listens(const char *file, unsigned long ino)
{
	char line[512];
	FILE *fp = fopen(file, "r");
	bool found = false;

	if (fp == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		unsigned int st;
		unsigned long inode;

		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, "%*s %*s %*s %x %*s %*s %*s %*s %*s %lu", &st,
			   &inode) == 2 && st == 0x0A && inode == ino)
			found = true;
	}
	fclose(fp);
	return found;
}

static int
count_listening(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char path[300], target[64];
		ssize_t len;
		unsigned long ino;

		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = '\0';
		if (sscanf(target, "socket:[%lu]", &ino) == 1 &&
		    (inode_listens("/proc/self/net/tcp", ino) ||
		     inode_listens("/proc/self/net/tcp6", ino)))
			n++;
	}
	closedir(d);
	return n;
}

static void
print_resources(bool wanted)
{
	if (wanted)
		printf("resources: fds=%d threads=%d listening=%d\n",
		       count_dir("/proc/self/fd"), count_dir("/proc/self/task"),
		       count_listening());
}

static int
cancel_conv(int n, const struct pam_message **msgs, struct pam_response **resp,
	    void *data)
{
	for (int i = 0; i < n; i++)
		if (msgs[i]->msg_style == PAM_PROMPT_ECHO_ON ||
		    msgs[i]->msg_style == PAM_PROMPT_ECHO_OFF) {
			printf("%s\n[cancelled]\n", msgs[i]->msg);
			return PAM_CONV_ERR;
		}
	return misc_conv(n, msgs, resp, data);
}

/* --timing: CLOCK_REALTIME now, in nanoseconds. */
static long long
realtime_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static bool url_seen;

/* Notes when the URL reaches the application, then converses as INNER. */
static int
timing_conv(int n, const struct pam_message **msgs, struct pam_response **resp,
	    void *data)
{
	const struct pam_conv *inner = data;
	long long now = realtime_ns();

	for (int i = 0; i < n && !url_seen; i++)
		if (msgs[i]->msg != NULL && strstr(msgs[i]->msg, "://") != NULL) {
			url_seen = true;
			printf("timing: url_shown %lld\n", now);
		}
	return inner->conv(n, msgs, resp, inner->appdata_ptr);
}

int
main(int argc, char **argv)
{
	struct pam_conv conv = { misc_conv, NULL };
	pam_handle_t *pamh = NULL;
	const char *rhost = NULL;
	int flags = 0, repeat = 1, i, rc;
	bool resources = false, timing = false;
	struct pam_conv inner;
	char **env;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--silent") == 0)
			flags |= PAM_SILENT;
		else if (strcmp(argv[i], "--no-conv") == 0)
			conv.conv = NULL;
		else if (strcmp(argv[i], "--cancel") == 0)
			conv.conv = cancel_conv;
		else if (strcmp(argv[i], "--resources") == 0)
			resources = true;
		else if (strcmp(argv[i], "--timing") == 0)
			timing = true;
		else if (strcmp(argv[i], "--rhost") == 0 && i + 1 < argc)
			rhost = argv[++i];
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i != 2 || repeat < 1) {
		fprintf(stderr, "usage: pam_probe [--silent] [--no-conv] [--cancel] "
			"[--resources] [--rhost HOST] [--repeat N] [--timing] "
			"SERVICE USER\n");
		return 64;
	}
	if (timing && conv.conv != NULL) {
		inner = conv;
		conv = (struct pam_conv){ timing_conv, &inner };
	}
	rc = pam_start(argv[i], argv[i + 1], &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %s\n", pam_strerror(pamh, rc));
		return 2;
	}
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	/*
	 * Warm up what the application itself would already hold (nss_wrapper
	 * keeps its passwd file open), so that the counts show the module only.
	 */
	if (resources)
		(void)getpwnam(argv[i + 1]);
	for (int n = 0; n < repeat; n++) {
		print_resources(resources);
		url_seen = false;
		if (timing)
			printf("timing: authenticate_start %lld\n", realtime_ns());
		rc = pam_authenticate(pamh, flags);
		if (timing)
			printf("timing: authenticate_end %lld\n", realtime_ns());
		printf("authenticate: %s\n", pam_strerror(pamh, rc));
		print_resources(resources);
	}
	env = pam_getenvlist(pamh);
	for (char **e = env; e != NULL && *e != NULL; e++) {
		printf("env: %s\n", *e);
		free(*e);
	}
	free(env);
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}
