/*
 * A small PAM application for the integration tests, for what pamtester
 * cannot show: the PAM environment a module exported, PAM_SILENT, a
 * missing conversation function, PAM_RHOST, and several pam_authenticate
 * calls on one handle.
 *
 *   pam_probe [--silent] [--no-conv] [--cancel] [--rhost HOST] [--repeat N]
 *             SERVICE USER
 *
 * --cancel answers every prompt with a conversation error, as a person
 * closing the window would.
 *
 * Prints "authenticate: <pam_strerror>" per attempt, then "env: NAME=VALUE"
 * for every PAM environment variable.  Exits 0 if the last attempt
 * succeeded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <security/pam_appl.h>
#include <security/pam_misc.h>

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

int
main(int argc, char **argv)
{
	struct pam_conv conv = { misc_conv, NULL };
	pam_handle_t *pamh = NULL;
	const char *rhost = NULL;
	int flags = 0, repeat = 1, i, rc;
	char **env;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--silent") == 0)
			flags |= PAM_SILENT;
		else if (strcmp(argv[i], "--no-conv") == 0)
			conv.conv = NULL;
		else if (strcmp(argv[i], "--cancel") == 0)
			conv.conv = cancel_conv;
		else if (strcmp(argv[i], "--rhost") == 0 && i + 1 < argc)
			rhost = argv[++i];
		else if (strcmp(argv[i], "--repeat") == 0 && i + 1 < argc)
			repeat = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i != 2 || repeat < 1) {
		fprintf(stderr, "usage: pam_probe [--silent] [--no-conv] [--cancel] "
			"[--rhost HOST] [--repeat N] SERVICE USER\n");
		return 64;
	}
	rc = pam_start(argv[i], argv[i + 1], &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		fprintf(stderr, "pam_start: %s\n", pam_strerror(pamh, rc));
		return 2;
	}
	if (rhost != NULL)
		pam_set_item(pamh, PAM_RHOST, rhost);
	for (int n = 0; n < repeat; n++) {
		rc = pam_authenticate(pamh, flags);
		printf("authenticate: %s\n", pam_strerror(pamh, rc));
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
