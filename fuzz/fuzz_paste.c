/*
 * What the person pastes at the prompt: the redirect URL the browser
 * ended on, or a bare code, for a login whose redirect URI is fixed.
 */
#include <ctype.h>
#include <stdlib.h>

#include "callback.h"
#include "fuzz.h"

#define FUZZ_REDIRECT_URI "http://127.0.0.1:5555/callback"

static void
check_value(const char *value)
{
	for (const char *p = value; p != NULL && *p != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct callback_params params;
	const char *why = NULL;
	char *pasted = fuzz_text(data, size);

	if (pasted == NULL)
		return 0;
	if (callback_paste_parse(pasted, FUZZ_REDIRECT_URI, &params, &why) == 0) {
		check_value(params.code);
		check_value(params.state);
		check_value(params.iss);
		check_value(params.error);
		check_value(params.error_description);
		callback_params_clear(&params);
	}
	free(pasted);
	return 0;
}
