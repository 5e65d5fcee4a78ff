/*
 * msg.h - what pacectl tells its user on standard error: one line per
 * message, "pacectl: " first, so that it reads well after a script's own
 * output. Text that came from the server is written through msg_clean,
 * so that it cannot move the cursor or change the terminal.
 */
#ifndef PACECTL_MSG_H
#define PACECTL_MSG_H

#include <stdio.h>

void msg_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Writes s with each control character (C0, DEL, C1; tab and newline
 * included) as a space. */
void msg_clean(FILE *out, const char *s);

#endif
