#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <qrencode.h>

#include "qr.h"

static bool
is_dark(const QRcode *qr, int x, int y)
{
	int w = qr->width;

	if (x < 0 || y < 0 || x >= w || y >= w)
		return false;	/* quiet zone */
	return (qr->data[y * w + x] & 1) != 0;
}

/* Append S (LEN bytes) at *pos; the caller sized the buffer. */
static void
put(char *buf, size_t *pos, const char *s, size_t len)
{
	memcpy(buf + *pos, s, len);
	*pos += len;
}

static char *
render_utf8(const QRcode *qr)
{
	/* Indexed by (upper dark) << 1 | (lower dark); light is drawn. */
	static const char *const cells[4] = {
		"\xe2\x96\x88",	/* both light: full block */
		"\xe2\x96\x80",	/* upper light: upper half */
		"\xe2\x96\x84",	/* lower light: lower half */
		" ",		/* both dark */
	};
	int side = qr->width + 2 * QR_QUIET_ZONE;
	size_t cap = (size_t)(side / 2 + 1) * ((size_t)side * 3 + 1) + 1, pos = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return NULL;
	for (int y = -QR_QUIET_ZONE; y < qr->width + QR_QUIET_ZONE; y += 2) {
		for (int x = -QR_QUIET_ZONE; x < qr->width + QR_QUIET_ZONE; x++) {
			int idx = (is_dark(qr, x, y) ? 2 : 0) |
				  (is_dark(qr, x, y + 1) ? 1 : 0);
			const char *cell = cells[idx];

			put(buf, &pos, cell, strlen(cell));
		}
		put(buf, &pos, "\n", 1);
	}
	buf[pos] = '\0';
	return buf;
}

static char *
render_ascii(const QRcode *qr)
{
	int side = qr->width + 2 * QR_QUIET_ZONE;
	size_t cap = (size_t)side * ((size_t)side * 2 + 1) + 1, pos = 0;
	char *buf = malloc(cap);

	if (buf == NULL)
		return NULL;
	for (int y = -QR_QUIET_ZONE; y < qr->width + QR_QUIET_ZONE; y++) {
		for (int x = -QR_QUIET_ZONE; x < qr->width + QR_QUIET_ZONE; x++)
			put(buf, &pos, is_dark(qr, x, y) ? "  " : "##", 2);
		put(buf, &pos, "\n", 1);
	}
	buf[pos] = '\0';
	return buf;
}

char *
qr_render(const char *text, enum config_qr_style style)
{
	QRcode *qr;
	char *out;

	/* Level L: the densest code, and a screen does not smudge. */
	qr = QRcode_encodeString8bit(text, 0, QR_ECLEVEL_L);
	if (qr == NULL)
		return NULL;
	out = style == CONFIG_QR_ASCII ? render_ascii(qr) : render_utf8(qr);
	QRcode_free(qr);
	return out;
}
