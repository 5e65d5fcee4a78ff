/* table.c - aligned columns by display width, or tab-separated lines. */
#include "table.h"

#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "width.h"

#define GAP 2 /* spaces between columns */
#define SHRINK_MIN 10

void table_init(struct table *t, const struct table_col *cols, int ncols)
{
	memset(t, 0, sizeof(*t));
	t->cols = cols;
	t->ncols = ncols;
}

int table_add(struct table *t, const char *const *cells)
{
	size_t base = t->nrows * (size_t)t->ncols;

	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **p = realloc(t->cells, cap * t->ncols * sizeof(*p));

		if (!p)
			return -1;
		t->cells = p;
		t->cap = cap;
	}
	for (int c = 0; c < t->ncols; c++) {
		t->cells[base + c] = strdup(cells[c] ? cells[c] : "");
		if (!t->cells[base + c]) {
			while (c-- > 0)
				free(t->cells[base + c]);
			return -1;
		}
	}
	t->nrows++;
	return 0;
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	memset(t, 0, sizeof(*t));
}

static const char *cell(const struct table *t, size_t row, int c)
{
	return t->cells[row * t->ncols + c];
}

static void print_plain(const struct table *t, FILE *out)
{
	for (size_t r = 0; r < t->nrows; r++) {
		for (int c = 0; c < t->ncols; c++) {
			if (c)
				fputc('\t', out);
			msg_clean(out, cell(t, r, c));
		}
		fputc('\n', out);
	}
}

/* The width of each column: its widest cell within the column's max,
 * then shrinkable columns narrowed until the table fits `columns`. */
static void measure(const struct table *t, int columns, int *w)
{
	int total = GAP * (t->ncols - 1);

	for (int c = 0; c < t->ncols; c++) {
		const char *h = t->cols[c].head;

		w[c] = width_of(h, strlen(h));
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = cell(t, r, c);
			int cw = width_of(s, strlen(s));

			if (cw > w[c])
				w[c] = cw;
		}
		if (t->cols[c].max > 0 && w[c] > t->cols[c].max)
			w[c] = t->cols[c].max;
		total += w[c];
	}
	for (int c = 0; c < t->ncols && columns > 0 && total > columns; c++) {
		int cut;

		if (!t->cols[c].shrink || w[c] <= SHRINK_MIN)
			continue;
		cut = total - columns;
		if (cut > w[c] - SHRINK_MIN)
			cut = w[c] - SHRINK_MIN;
		w[c] -= cut;
		total -= cut;
	}
}

static void pad(FILE *out, int n)
{
	while (n-- > 0)
		fputc(' ', out);
}

/* One cell in `width` columns: cut with ".." when it is wider. The last
 * column is not padded on the right (no trailing blanks). */
static void print_cell(const struct table *t, const struct ctl *ctl, int c,
		       const char *s, int width, bool last, FILE *out)
{
	const struct table_col *col = &t->cols[c];
	const char *sgr = ctl->color && col->color ? col->color(s) : NULL;
	size_t n = strlen(s);
	int used = width_of(s, n);
	char *text = NULL;

	if (used > width) {
		size_t keep = width_fit(s, n, width > 2 ? width - 2 : 0, &used);

		text = malloc(keep + 3);
		if (text) {
			memcpy(text, s, keep);
			memcpy(text + keep, "..", 3);
			used += 2;
			s = text;
		}
	}
	if (col->right)
		pad(out, width - used);
	if (sgr)
		fputs(sgr, out);
	msg_clean(out, s);
	if (sgr)
		fputs("\033[0m", out);
	if (!col->right && !last)
		pad(out, width - used);
	free(text);
}

/* The last column of the row with text: the row ends there, without
 * blanks after it. */
static int last_used(const struct table *t, long row)
{
	int c = t->ncols - 1;

	while (row >= 0 && c > 0 && !cell(t, (size_t)row, c)[0])
		c--;
	return c;
}

void table_print(const struct table *t, const struct ctl *ctl, FILE *out)
{
	int *w;

	if (ctl->format == CTL_FORMAT_PLAIN) {
		print_plain(t, out);
		return;
	}
	w = calloc((size_t)t->ncols, sizeof(*w));
	if (!w) {
		print_plain(t, out);
		return;
	}
	measure(t, ctl->columns, w);
	for (long r = -1; r < (long)t->nrows; r++) {
		int end = last_used(t, r);

		for (int c = 0; c <= end; c++) {
			const char *s =
			    r < 0 ? t->cols[c].head : cell(t, (size_t)r, c);
			struct ctl plain = *ctl;

			if (c)
				pad(out, GAP);
			plain.color = r >= 0 && ctl->color;
			print_cell(t, &plain, c, s, w[c], c == end, out);
		}
		fputc('\n', out);
	}
	free(w);
}
