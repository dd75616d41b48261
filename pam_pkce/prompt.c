#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conv.h"
#include "log.h"
#include "pkce.h"
#include "prompt.h"
#include "qr.h"
#include "secret.h"

/* The listener, run beside a pending prompt. */
struct listen_job {
	const struct prompt_request *req;
	int cancel[2];
	pthread_t thread;
	enum listener_result result;
	struct callback_params callback;
	int done;		/* set by the thread, read atomically */
};

static bool
prompt_wanted(pam_handle_t *pamh, const struct pkce_config *cfg)
{
	const char *rhost = NULL;

	switch (cfg->prompt) {
	case CONFIG_PROMPT_ALWAYS:
		return true;
	case CONFIG_PROMPT_NEVER:
		return false;
	default:
		pam_get_item(pamh, PAM_RHOST, (const void **)&rhost);
		return rhost != NULL && rhost[0] != '\0';
	}
}

static void
format_duration(long seconds, char *out, size_t len)
{
	if (seconds >= 120 && seconds % 60 == 0)
		snprintf(out, len, "%ld minutes", seconds / 60);
	else
		snprintf(out, len, "%ld seconds", seconds);
}

/*
 * The text around the URL names where the person is signing in to, and
 * the URL stands on a line of its own so that terminals can link it.
 */
static char *
compose_message(pam_handle_t *pamh, const struct prompt_request *req,
		bool prompt)
{
	const struct pkce_config *cfg = req->cfg;
	const char *ending;
	char who[300], left[32], *qr = NULL, *text = NULL;

	conv_describe_login(pamh, who, sizeof(who));
	format_duration(cfg->timeout, left, sizeof(left));
	if (cfg->qr) {
		qr = qr_render(req->authorize_url, cfg->qr_style);
		if (qr == NULL)
			return NULL;
	}
	if (!prompt)
		ending = "Waiting for the browser to finish...";
	else if (cfg->paste)
		ending = "Then press Enter, or paste the address the browser ended on: ";
	else
		ending = "Then press Enter: ";
	if (asprintf(&text,
		     "To sign in to %s, open this address in a browser:\n"
		     "\n%s\n\n%s%sYou have %s. %s",
		     who, req->authorize_url,
		     qr != NULL ? qr : "", qr != NULL ? "\n" : "", left,
		     ending) < 0)
		text = NULL;
	free(qr);
	return text;
}

static void *
listen_main(void *arg)
{
	struct listen_job *job = arg;

	job->result = listener_wait(job->req->listener, job->req->state,
				    job->req->deadline, job->cancel[0],
				    &job->callback);
	__atomic_store_n(&job->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static int
listen_start(struct listen_job *job, const struct prompt_request *req)
{
	memset(job, 0, sizeof(*job));
	job->req = req;
	if (pipe2(job->cancel, O_CLOEXEC) < 0)
		return -1;
	if (pthread_create(&job->thread, NULL, listen_main, job) != 0) {
		close(job->cancel[0]);
		close(job->cancel[1]);
		return -1;
	}
	return 0;
}

/* Wait for the listener thread; with CANCEL, tell it to stop first. */
static void
listen_finish(struct listen_job *job, bool cancel)
{
	if (cancel) {
		ssize_t n;

		do
			n = write(job->cancel[1], "x", 1);
		while (n < 0 && errno == EINTR);
	}
	pthread_join(job->thread, NULL);
	close(job->cancel[0]);
	close(job->cancel[1]);
}

static int
listener_outcome(pam_handle_t *pamh, const struct prompt_request *req,
		 enum listener_result result)
{
	switch (result) {
	case LISTENER_GOT:
		return PAM_SUCCESS;
	case LISTENER_TIMEOUT:
		log_msg(pamh, LOG_NOTICE,
			"user %s: no response from the browser within %ld seconds",
			req->user, req->cfg->timeout);
		(void)conv_error(pamh, "Timed out waiting for the browser sign-in.");
		return PAM_AUTH_ERR;
	default:
		return PAM_AUTHINFO_UNAVAIL;
	}
}

/* A pasted redirect URL must be this login's: same redirect URI and state. */
static int
take_paste(pam_handle_t *pamh, const struct prompt_request *req, char *reply,
	   struct callback_params *out)
{
	const char *why = NULL;
	char *start = reply + strspn(reply, " \t");
	size_t len = strlen(start);

	/* Trim the ends only: text with a space inside is neither URL nor code. */
	while (len > 0 && strchr(" \t\r\n", start[len - 1]) != NULL)
		start[--len] = '\0';
	if (callback_paste_parse(start, req->redirect_uri, out, &why) < 0) {
		log_msg(pamh, LOG_NOTICE, "user %s: pasted response refused: %s",
			req->user, why);
		(void)conv_error(pamh, "That is not the address or code of this sign-in.");
		return PAM_AUTH_ERR;
	}
	/* A bare code has no state to check; PKCE binds it to this login. */
	if (out->state != NULL && !pkce_secret_equal(out->state, req->state)) {
		log_msg(pamh, LOG_NOTICE,
			"user %s: pasted response refused: state does not match",
			req->user);
		(void)conv_error(pamh, "That address belongs to another sign-in.");
		callback_params_clear(out);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

static int
collect_with_prompt(pam_handle_t *pamh, const struct prompt_request *req,
		    const char *message, struct callback_params *out)
{
	struct listen_job job;
	char *reply = NULL;
	bool pasted;
	int rc;

	/* The browser may finish while the prompt is pending. */
	if (listen_start(&job, req) < 0) {
		log_msg(pamh, LOG_ERR, "cannot start the listener thread");
		return PAM_BUF_ERR;
	}
	rc = conv_ask(pamh, message, &reply);
	if (rc != PAM_SUCCESS) {
		listen_finish(&job, true);
		callback_params_clear(&job.callback);
		log_msg(pamh, LOG_NOTICE, "user %s: conversation ended: %s",
			req->user, pam_strerror(pamh, rc));
		return rc == PAM_BUF_ERR ? rc : PAM_CONV_ERR;
	}
	pasted = req->cfg->paste && reply[strspn(reply, " \t\r\n")] != '\0';
	/*
	 * Enter alone before the browser finished: keep waiting for it until
	 * the deadline, and say why nothing happens yet.
	 */
	if (!pasted && !__atomic_load_n(&job.done, __ATOMIC_ACQUIRE))
		(void)conv_info(pamh, "Waiting for the browser to finish...");
	listen_finish(&job, pasted);
	if (listener_now() >= req->deadline && job.result != LISTENER_GOT) {
		rc = listener_outcome(pamh, req, LISTENER_TIMEOUT);
	} else if (pasted) {
		rc = take_paste(pamh, req, reply, out);
	} else {
		rc = listener_outcome(pamh, req, job.result);
		if (rc == PAM_SUCCESS) {
			*out = job.callback;
			memset(&job.callback, 0, sizeof(job.callback));
		}
	}
	callback_params_clear(&job.callback);
	secret_free(reply);
	return rc;
}

int
prompt_collect(pam_handle_t *pamh, const struct prompt_request *req,
	       struct callback_params *out)
{
	bool prompt = prompt_wanted(pamh, req->cfg);
	char *message;
	int rc;

	memset(out, 0, sizeof(*out));
	message = compose_message(pamh, req, prompt);
	if (message == NULL)
		return PAM_BUF_ERR;
	if (prompt) {
		rc = collect_with_prompt(pamh, req, message, out);
	} else {
		rc = conv_info(pamh, message);
		if (rc != PAM_SUCCESS) {
			log_msg(pamh, LOG_NOTICE, "user %s: conversation failed: %s",
				req->user, pam_strerror(pamh, rc));
			rc = PAM_CONV_ERR;
		} else {
			rc = listener_outcome(pamh, req,
					      listener_wait(req->listener, req->state,
							    req->deadline, -1, out));
		}
	}
	secret_free(message);
	return rc;
}
