/*
 * The loopback listener's view of one request: the header block exactly
 * as read_conn() hands it to listener_request_parse(), for a listener on
 * 127.0.0.1:5555 serving /callback.
 */
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "fuzz.h"
#include "listener.h"

#define FUZZ_PATH "/callback"
#define FUZZ_HOST "127.0.0.1:5555"
#define FUZZ_STATE "m9WPDtXW1eNN7NMwFy2WLG6S9zVkQ0rzcsNiViJGf4o"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct callback_params params;
	const char *why = NULL;
	char *request;

	/* read_conn() never passes more, nor a request with a NUL byte. */
	if (size > LISTENER_REQUEST_MAX || memchr(data, '\0', size) != NULL)
		return 0;
	request = fuzz_text(data, size);
	if (request == NULL)
		return 0;
	memset(&params, 0, sizeof(params));
	if (listener_request_parse(request, FUZZ_PATH, FUZZ_HOST, FUZZ_STATE,
				   &params, &why) == LISTENER_CALLBACK) {
		/* What listener_wait() promises its caller. */
		if (params.state == NULL || strcmp(params.state, FUZZ_STATE) != 0 ||
		    (params.code == NULL && params.error == NULL))
			abort();
	}
	callback_params_clear(&params);
	free(request);
	return 0;
}
