/* The sign-in address as a QR code in terminal text (libqrencode). */
#ifndef PAM_PKCE_QR_H
#define PAM_PKCE_QR_H

#include "config.h"

/* Quiet zone, in modules, around the code (ISO/IEC 18004 asks for 4). */
#define QR_QUIET_ZONE 4

/*
 * Render TEXT as lines of terminal text: utf8 packs two module rows into
 * one line with half blocks; ascii draws each module as two characters.
 * Light modules are drawn, dark ones left blank, so the code reads on the
 * usual dark terminal.  Returns a malloc'd string ending in '\n', or NULL.
 */
char *qr_render(const char *text, enum config_qr_style style);

#endif
