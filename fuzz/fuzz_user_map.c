/*
 * The user_map file: its content through user_map_find(), the loop
 * map_lookup() runs once the file is open and checked, over an in-memory
 * stream, for a few claim values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "account.h"
#include "fuzz.h"

static const char *const names[] = {
	"alice", "alice@example.test", "bob", "#", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_text(data, size);

	if (text == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		/* SIZE, not SIZE + 1: the stream ends where the file would. */
		FILE *fp = fmemopen(text, size, "r");
		char *mapped = NULL;

		if (fp == NULL)
			break;
		if (user_map_find(NULL, fp, "/etc/security/pam_pkce.map",
				  names[i], &mapped) == 0 && mapped != NULL) {
			/* A mapped account is one word, never empty. */
			if (mapped[0] == '\0' ||
			    strpbrk(mapped, " \t\r\n") != NULL)
				abort();
		}
		free(mapped);
		fclose(fp);
	}
	free(text);
	return 0;
}
