/*
 * table.h - rows of text cells written either as aligned columns (padded
 * by display width, so Chinese titles line up; a header; a column may be
 * shortened to fit the terminal) or as tab-separated lines for scripts.
 * The table owns copies of its cells.
 */
#ifndef PACECTL_TABLE_H
#define PACECTL_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ctl.h"

struct table_col {
	const char *head;
	bool right;  /* right-aligned (numbers) */
	int max;     /* widest it may be, in columns; 0: no limit */
	bool shrink; /* may be narrowed, down to 10, to fit the terminal */
	/* an ANSI colour for a cell (with --color on a terminal), or NULL */
	const char *(*color)(const char *cell);
};

struct table {
	const struct table_col *cols; /* borrowed */
	int ncols;
	char **cells; /* nrows * ncols, owned */
	size_t nrows, cap;
};

void table_init(struct table *t, const struct table_col *cols, int ncols);

/* Adds a row of ncols cells (copied; NULL is an empty cell). 0 or -1
 * without memory. */
int table_add(struct table *t, const char *const *cells);

/* Writes the table in ctl's format (CTL_FORMAT_PLAIN: no header, tabs;
 * otherwise aligned columns). */
void table_print(const struct table *t, const struct ctl *ctl, FILE *out);

void table_free(struct table *t);

#endif
