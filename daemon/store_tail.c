/* store_tail.c - updates held in memory until their updates_idx entries
 * are written, a project's together (see store_tail.h for why).
 *
 * A project with held updates has an entry: its id, its rows (seq, at,
 * value) in seq order, and its place in a queue ordered by the seq of the
 * row that made the entry. The queue's head is the oldest entry, so
 * index_mark can be the head's first seq less one: every update before
 * that has its entry in updates_idx. An entry leaves when its last row is
 * written and that commit went through.
 *
 * Transactions: every row added is logged with the count its entry had
 * before, so a savepoint or the whole transaction undoes what it added.
 * A fold marks the rows it wrote (folding); they leave the entry at the
 * commit, or stay unmarked after a rollback. */
#include "store_tail.h"

#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arr.h"
#include "log.h"
#include "store_internal.h"
#include "strhash.h"

/* An entry held this long is written at the next commit. The longer, the
 * more of a project's updates share the page, and the longer the lists a
 * read of the project binds: one second at a few updates a second per
 * project puts a handful on each page. */
#define TAIL_FOLD_AFTER_NS (1000LL * 1000 * 1000)
/* Past this many rows held, the oldest entries are written whatever
 * their age, and a commit writes the excess on top of its budget: the
 * memory held stays bounded under any load. */
#define TAIL_ROWS_MAX 65536
/* The budget, at least, of a commit that added no update: the state
 * flush's, once a second, and those writes pausing leave (each a second
 * after the last). No answer waits on those, and when writes stop they
 * drain what is held: at this pace the bound's 65 536 rows in about four
 * minutes. */
#define TAIL_FOLD_IDLE_BUDGET 256
/* index_mark is rewritten once it lags this many seqs, or when nothing is
 * held: a start-up then makes at most this many entries again, plus those
 * held. */
#define TAIL_MARK_STEP 4096
/* Savepoints nest this deep at most (the store uses one); a deeper one
 * is refused. */
#define TAIL_SAVEPOINTS 8

struct tail_row {
	int64_t seq;
	paced_ms at;
	double value;
};

struct tail_entry {
	char *id;
	uint64_t hash;
	struct tail_row *rows;
	int n, cap;
	int folding; /* rows[0..folding) written in the open transaction */
	int64_t entered_seq;
	int64_t entered_ns;
	struct tail_entry *prev, *next;
};

struct tail_undo {
	struct tail_entry *e;
	int n_before;
	int64_t max_seq_before; /* SQLite gives an undone seq again */
};

struct store_tail {
	struct tail_entry **slots; /* open addressing, linear probing */
	size_t nslots, used;
	struct tail_entry *head, *last;
	int64_t rows;
	struct tail_undo *undo;
	size_t nundo, capundo;
	size_t savepoints[TAIL_SAVEPOINTS];
	int nsavepoints;
	struct tail_entry **folded;
	size_t nfolded, capfolded;
	int64_t max_seq;      /* highest seq added, open transaction too */
	int64_t max_seq_committed;
	int64_t mark_written; /* index_mark as last committed */
	int64_t mark_pending; /* written in the open transaction, -1 none */
	/* One fold per transaction: a second one failing would have to undo
	 * only its own marks. */
	bool fold_done;
};

struct store_tail *tail_new(void)
{
	struct store_tail *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->mark_pending = -1;
	return t;
}

static void entry_free(struct tail_entry *e)
{
	free(e->id);
	free(e->rows);
	free(e);
}

void tail_free(struct store_tail *t)
{
	struct tail_entry *e, *next;

	if (!t)
		return;
	for (e = t->head; e; e = next) {
		next = e->next;
		entry_free(e);
	}
	free(t->slots);
	free(t->undo);
	free(t->folded);
	free(t);
}

static size_t slot_of(const struct store_tail *t, const char *id,
		      uint64_t h)
{
	size_t mask = t->nslots - 1, i = h & mask;

	while (t->slots[i] &&
	       (t->slots[i]->hash != h || strcmp(t->slots[i]->id, id) != 0))
		i = (i + 1) & mask;
	return i;
}

static struct tail_entry *find(const struct store_tail *t, const char *id)
{
	if (!t->used)
		return NULL;
	return t->slots[slot_of(t, id, strhash(id))];
}

static int map_put(struct store_tail *t, struct tail_entry *e)
{
	if ((t->used + 1) * 2 > t->nslots) {
		size_t n = t->nslots ? t->nslots * 2 : 64;
		struct tail_entry **old = t->slots;
		size_t oldn = t->nslots;

		t->slots = calloc(n, sizeof(*t->slots));
		if (!t->slots) {
			t->slots = old;
			return -1;
		}
		t->nslots = n;
		for (size_t i = 0; i < oldn; i++)
			if (old[i])
				t->slots[slot_of(t, old[i]->id,
						 old[i]->hash)] = old[i];
		free(old);
	}
	t->slots[slot_of(t, e->id, e->hash)] = e;
	t->used++;
	return 0;
}

/* Removes e from the map, moving back the entries after it that probed
 * past its slot, so every lookup still finds its entry. */
static void map_del(struct store_tail *t, const struct tail_entry *e)
{
	size_t mask = t->nslots - 1, i = slot_of(t, e->id, e->hash), j = i;

	t->slots[i] = NULL;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!t->slots[j])
			break;
		home = t->slots[j]->hash & mask;
		/* Stays if its home lies cyclically in (i, j]. */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		t->slots[i] = t->slots[j];
		t->slots[j] = NULL;
		i = j;
	}
	t->used--;
}

static void entry_drop(struct store_tail *t, struct tail_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		t->head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		t->last = e->prev;
	map_del(t, e);
	entry_free(e);
}

static struct tail_entry *entry_new(struct store_tail *t, const char *id,
				    int64_t seq)
{
	struct tail_entry *e = calloc(1, sizeof(*e));

	if (!e || !(e->id = strdup(id))) {
		free(e);
		return NULL;
	}
	e->hash = strhash(id);
	if (map_put(t, e)) {
		entry_free(e);
		return NULL;
	}
	e->entered_seq = seq;
	e->entered_ns = store_mono_ns();
	e->prev = t->last;
	if (t->last)
		t->last->next = e;
	else
		t->head = e;
	t->last = e;
	return e;
}

int tail_add(struct store_tail *t, const char *project_id, int64_t seq,
	     paced_ms at, double value)
{
	struct tail_entry *e = find(t, project_id);
	size_t cap;

	if (arr_grow(&t->undo, &t->capundo, t->nundo + 1, sizeof(*t->undo),
		     16))
		return PACED_ENOMEM;
	if (!e && !(e = entry_new(t, project_id, seq)))
		return PACED_ENOMEM;
	cap = (size_t)e->cap;
	if (arr_grow(&e->rows, &cap, (size_t)e->n + 1, sizeof(*e->rows), 16) ||
	    cap > INT_MAX) {
		if (!e->n)
			entry_drop(t, e);
		return PACED_ENOMEM;
	}
	e->cap = (int)cap;
	t->undo[t->nundo++] = (struct tail_undo){e, e->n, t->max_seq};
	e->rows[e->n++] = (struct tail_row){seq, at, value};
	t->rows++;
	if (seq > t->max_seq)
		t->max_seq = seq;
	return 0;
}

/* Undoes the rows added after the undo log's position to. */
static void undo_to(struct store_tail *t, size_t to)
{
	while (t->nundo > to) {
		struct tail_undo *u = &t->undo[--t->nundo];

		t->rows -= u->e->n - u->n_before;
		t->max_seq = u->max_seq_before;
		u->e->n = u->n_before;
		if (!u->e->n)
			entry_drop(t, u->e);
	}
}

int tail_savepoint(struct store_tail *t)
{
	if (t->nsavepoints == TAIL_SAVEPOINTS)
		return -1;
	t->savepoints[t->nsavepoints++] = t->nundo;
	return 0;
}

void tail_release(struct store_tail *t, bool undo)
{
	if (t->nsavepoints == 0)
		return;
	t->nsavepoints--;
	if (undo)
		undo_to(t, t->savepoints[t->nsavepoints]);
}

static void unfold(struct store_tail *t)
{
	for (size_t i = 0; i < t->nfolded; i++)
		t->folded[i]->folding = 0;
	t->nfolded = 0;
}

void tail_rollback(struct store_tail *t)
{
	unfold(t);
	undo_to(t, 0);
	t->nsavepoints = 0;
	t->max_seq = t->max_seq_committed;
	t->mark_pending = -1;
	t->fold_done = false;
}

void tail_committed(struct store_tail *t)
{
	for (size_t i = 0; i < t->nfolded; i++) {
		struct tail_entry *e = t->folded[i];

		e->n -= e->folding;
		t->rows -= e->folding;
		memmove(e->rows, e->rows + e->folding,
			(size_t)e->n * sizeof(*e->rows));
		e->folding = 0;
		if (!e->n)
			entry_drop(t, e);
	}
	t->nfolded = 0;
	t->nundo = 0;
	t->nsavepoints = 0;
	t->max_seq_committed = t->max_seq;
	if (t->mark_pending >= 0)
		t->mark_written = t->mark_pending;
	t->mark_pending = -1;
	t->fold_done = false;
}

static bool due(const struct store_tail *t, const struct tail_entry *e,
		bool all, int64_t now)
{
	return all || t->rows > TAIL_ROWS_MAX ||
	       now - e->entered_ns >= TAIL_FOLD_AFTER_NS;
}

/* Writes e's rows [i, i + n) with statement id, which takes the id and
 * then each row's at, seq and value. 0 or PACED_E*. */
static int write_entries(struct store *s, enum stmt_id id,
			 const struct tail_entry *e, int i, int n)
{
	sqlite3_stmt *st = store_stmt(s, id);

	sqlite3_bind_text(st, 1, e->id, -1, SQLITE_STATIC);
	for (int j = 0; j < n; j++) {
		sqlite3_bind_int64(st, 2 + 3 * j, e->rows[i + j].at);
		sqlite3_bind_int64(st, 3 + 3 * j, e->rows[i + j].seq);
		sqlite3_bind_double(st, 4 + 3 * j, e->rows[i + j].value);
	}
	return store_run(s, st);
}

/* Writes rows[folding..folding+k) of e, STORE_INDEX_ROWS to a statement
 * while as many are left. 0 or PACED_E*. */
static int write_rows(struct store *s, struct tail_entry *e, int k)
{
	int i = e->folding, end = e->folding + k, rc = 0;

	for (; rc == 0 && end - i >= STORE_INDEX_ROWS; i += STORE_INDEX_ROWS)
		rc = write_entries(s, ST_INDEX_INSERT_ROWS, e, i,
				   STORE_INDEX_ROWS);
	for (; rc == 0 && i < end; i++)
		rc = write_entries(s, ST_INDEX_INSERT, e, i, 1);
	return rc;
}

/* The entries from the head on, as many as are due and the budget allows;
 * returns the first entry that keeps rows (NULL: none will). */
static struct tail_entry *fold_entries(struct store *s, bool all,
				       long budget, int *rc)
{
	struct store_tail *t = s->tail;
	int64_t now = store_mono_ns();
	struct tail_entry *e = t->head;

	*rc = 0;
	while (e && budget > 0 && due(t, e, all, now)) {
		int k = e->n - e->folding;

		if (k > budget)
			k = (int)budget;
		if (arr_grow(&t->folded, &t->capfolded, t->nfolded + 1,
			     sizeof(*t->folded), 16)) {
			*rc = PACED_ENOMEM;
			return e;
		}
		if (!e->folding)
			t->folded[t->nfolded++] = e;
		if ((*rc = write_rows(s, e, k)) < 0)
			return e;
		e->folding += k;
		budget -= k;
		if (e->folding < e->n)
			return e;
		e = e->next;
	}
	return e;
}

static int write_mark(struct store *s, int64_t mark)
{
	sqlite3_stmt *st = store_stmt(s, ST_INDEX_MARK_SET);

	sqlite3_bind_int64(st, 1, mark);
	return store_run(s, st);
}

void tail_fold(struct store *s, bool all, long budget)
{
	struct store_tail *t = s->tail;
	struct tail_entry *keeps;
	int64_t mark;
	int rc;

	if (t->fold_done || !t->head || !due(t, t->head, all, store_mono_ns()))
		return;
	if (!all && !t->nundo && budget < TAIL_FOLD_IDLE_BUDGET)
		budget = TAIL_FOLD_IDLE_BUDGET;
	if (!all) /* keep pace with what comes in, and with any excess */
		budget += (long)t->nundo + (t->rows > TAIL_ROWS_MAX
						     ? t->rows - TAIL_ROWS_MAX
						     : 0);
	if (store_run(s, store_stmt(s, ST_FOLD_SAVEPOINT)) < 0)
		return;
	t->fold_done = true;
	keeps = fold_entries(s, all, budget, &rc);
	if (rc == 0) {
		mark = keeps ? keeps->entered_seq - 1 : t->max_seq;
		if (mark != t->mark_written &&
		    (!keeps || mark - t->mark_written >= TAIL_MARK_STEP)) {
			rc = write_mark(s, mark);
			if (rc == 0)
				t->mark_pending = mark;
		}
	}
	if (rc < 0) {
		/* Entries stay held; the transaction's own work goes on. */
		log_warn("updates index: entries not written this time: %s",
			 rc == PACED_ENOMEM ? "out of memory"
					    : sqlite3_errmsg(s->db));
		store_run(s, store_stmt(s, ST_FOLD_ROLLBACK_TO));
		unfold(t);
		t->mark_pending = -1;
	}
	store_run(s, store_stmt(s, ST_FOLD_RELEASE));
}

int tail_seqs(struct store_tail *t, const char *project_id, char **seqs)
{
	const struct tail_entry *e = find(t, project_id);
	size_t len = 2, at = 0;
	char *buf;

	*seqs = NULL;
	if (!e || e->folding == e->n) /* none held, or all being written */
		return 0;
	len += (size_t)(e->n - e->folding) * 21;
	if (!(buf = malloc(len + 1)))
		return PACED_ENOMEM;
	buf[at++] = '[';
	for (int i = e->folding; i < e->n; i++)
		at += (size_t)snprintf(buf + at, len + 1 - at, "%s%lld",
				       i > e->folding ? "," : "",
				       (long long)e->rows[i].seq);
	buf[at++] = ']';
	buf[at] = '\0';
	*seqs = buf;
	return 0;
}

int64_t tail_rows(const struct store_tail *t)
{
	return t->rows;
}

int store_tail_recover(struct store *s)
{
	struct store_tail *t = s->tail;
	sqlite3_stmt *st;
	int64_t mark = 0, n = 0;
	int rc = 0, step;

	if (sqlite3_prepare_v2(s->db, "SELECT seq FROM index_mark", -1, &st,
			       NULL) != SQLITE_OK)
		return PACED_EDB;
	if (sqlite3_step(st) == SQLITE_ROW)
		mark = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(s->db,
			       "SELECT seq, project_id, at, value "
			       "FROM updates u WHERE seq > ?1 AND NOT EXISTS "
			       "(SELECT 1 FROM updates_idx i "
			       "WHERE i.project_id = u.project_id "
			       "AND i.at = u.at AND i.seq = u.seq) "
			       "ORDER BY seq",
			       -1, &st, NULL) != SQLITE_OK)
		return PACED_EDB;
	sqlite3_bind_int64(st, 1, mark);
	/* Those without their entry (the mark lags behind a little) are held
	 * again, not written here: start-up writes nothing (the file may be
	 * read-only or locked for now), and the next commits write their
	 * entries as they do any others'. */
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = tail_add(t, store_col_text(st, 1),
			      sqlite3_column_int64(st, 0),
			      sqlite3_column_int64(st, 2),
			      sqlite3_column_double(st, 3));
		n++;
	}
	sqlite3_finalize(st);
	if (rc < 0)
		return rc;
	if (step != SQLITE_DONE)
		return PACED_EDB;
	tail_committed(t);
	t->mark_written = mark;
	if (t->max_seq < mark)
		t->max_seq = t->max_seq_committed = mark;
	if (n)
		log_info("updates index: %lld updates after seq %lld held "
			 "for their entries", (long long)n, (long long)mark);
	return 0;
}
