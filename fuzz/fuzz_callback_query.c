/* The authorization response query, as the listener and the paste prompt parse it. */
#include <ctype.h>
#include <stdlib.h>

#include "callback.h"
#include "fuzz.h"

/* callback.h promises that no accepted value holds a control character. */
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
	char *query = fuzz_text(data, size);

	if (query == NULL)
		return 0;
	if (callback_query_parse(query, &params, &why) == 0) {
		check_value(params.code);
		check_value(params.state);
		check_value(params.iss);
		check_value(params.error);
		check_value(params.error_description);
		callback_params_clear(&params);
	}
	free(query);
	return 0;
}
