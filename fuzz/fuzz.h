/*
 * Shared by the fuzz targets: the libFuzzer entry point each defines, and
 * the one helper they all need.  Each target is built twice: with clang
 * and libFuzzer (`make fuzz`), and with replay.c as its main() so that
 * `make check` runs it over its seed corpus with any compiler.
 */
#ifndef PAM_PKCE_FUZZ_H
#define PAM_PKCE_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * DATA as a NUL-terminated string in a buffer of exactly SIZE + 1 bytes,
 * so that ASan sees any read past the end.  The parsers take C strings,
 * so an embedded NUL simply ends the text early, as it would for them.
 */
static inline char *
fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		return NULL;
	if (size > 0)
		memcpy(text, data, size);
	text[size] = '\0';
	return text;
}

#endif
