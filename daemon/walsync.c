/*
 * walsync.c - fdatasync of the -wal file on a worker thread (walsync.h).
 *
 * Why an acknowledged update still survives a power cut with the sync
 * done here rather than inside SQLite's COMMIT (`[storage] sync =
 * thread`; group.c drives it, store_begin_unsynced() sets it up):
 *
 * 1. The group's transaction runs with `PRAGMA synchronous = NORMAL`.
 *    In WAL mode that COMMIT appends the frames, commit frame last, to
 *    the -wal file without syncing it, and nothing else changes: SQLite
 *    still syncs the WAL before every checkpoint copies frames into the
 *    database, syncs the database after it, and syncs the WAL header
 *    when a checkpointed WAL starts to be reused (sqlite.org pragma.html,
 *    synchronous; wal.c: the header sync, ticket ff5be73dee, is skipped
 *    only at synchronous = OFF). So no checkpoint ever copies frames
 *    that are not on disk, and a restarted WAL never lets stale frames
 *    pass for valid ones. NORMAL is consistent; it only gives up
 *    durability of the last commits, which step 2 gives back.
 * 2. Each group's replies are held until this job's fdatasync() of the
 *    -wal file has returned 0 after the COMMIT returned. fdatasync flushes
 *    the file's (the inode's) dirty pages and the size needed to read
 *    them, whichever descriptor wrote them, so the frames SQLite wrote
 *    through its own descriptor are on disk, commit frame included: after
 *    a power cut, WAL recovery finds the transaction. (SQLite's forum
 *    confirms that flushing the journal file makes the transactions
 *    committed under NORMAL durable: forumpost d1a6bc7c4cd2baca.)
 * 3. The directory entry: SQLite creates the -wal file when the database
 *    is first opened in WAL mode and deletes it when the last connection
 *    closes, and its own first sync of a new -wal syncs the directory.
 *    Under NORMAL that sync may never happen, so whenever this job opens
 *    a -wal file it has not synced before (start-up, or the file was
 *    replaced: compared by device and inode before each sync) it fsyncs
 *    the directory too.
 * 4. Every other transaction (project definitions, deliveries, the
 *    readyz probe) stays at synchronous = FULL and syncs inside its
 *    COMMIT as before; its sync covers the frames of any group before it.
 * 5. A failed sync stops paced without answering the group (group.c,
 *    sync_failed): SQLite has committed the group and later groups build
 *    on it, so it cannot be undone, and the disk may have lost it. What
 *    is promised is that no 201 goes out before its fdatasync succeeded;
 *    systemd restarts paced on what the database holds.
 * 6. Checkpoints run on another worker with their own connection at
 *    synchronous = FULL (ckpt.c): SQLite syncs the WAL there before it
 *    copies a frame, so 1. holds for them too.
 * 7. A sync the loop must do itself while the worker's runs
 *    (walsync_now) first waits for the worker's outcome, so that its
 *    failure still stops paced before its group is answered, and then
 *    syncs through the same descriptor: Linux tells a writeback error
 *    to the descriptors open when it happened, once each, and a
 *    descriptor opened afterwards would report success over lost frames.
 *
 * Reads on the loop thread go on while this runs: the COMMIT is over,
 * the connection is free, and the worker never touches it.
 */
#include "walsync.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "paced.h"

struct walsync {
	uv_work_t work; /* first: the request's memory is the walsync's */
	uv_loop_t *loop;
	char *path;
	walsync_done_fn done;
	void *data;
	bool busy, closing;
	/* The job under way has been waited for (walsync_wait), which told
	 * its outcome, wait_rc: done hears it again, with nothing left to
	 * answer, so that its caller goes on (group.c commits the group
	 * that opened meanwhile). */
	bool waited;
	int wait_rc;
	/* Set by the job when its sync is over: err and what may be read. */
	atomic_bool job_over;
	/* The worker's, or the loop's while no job runs: the -wal file as
	 * last synced, or -1. */
	int fd;
	int err; /* errno of the last sync, read on the loop after it */
	const char *what;
};

int walsync_new(struct walsync **out, uv_loop_t *loop, const char *wal_path,
		walsync_done_fn done, void *data)
{
	struct walsync *w = calloc(1, sizeof(*w));

	if (!w || !(w->path = strdup(wal_path))) {
		free(w);
		return PACED_ENOMEM;
	}
	w->loop = loop;
	w->done = done;
	w->data = data;
	w->fd = -1;
	*out = w;
	return 0;
}

/* fsync of the directory holding path: a new file's name reaches the disk
 * (3. above). 0 or -1 with errno. */
static int sync_dir(const char *path)
{
	char *copy = strdup(path);
	int fd, rc = -1;

	if (!copy)
		return -1;
	fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(copy);
	return rc;
}

/* Opens path and syncs its directory: a descriptor of the current -wal
 * file, or -1 with errno and *what. */
static int open_synced(const char *path, const char **what)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		*what = "open";
		return -1;
	}
	if (sync_dir(path)) {
		int e = errno;

		close(fd);
		errno = e;
		*what = "fsync of its directory";
		return -1;
	}
	return fd;
}

/*
 * Whether fd is still the file at path. Asked for the inode number alone
 * (statx's STATX_INO), not with stat()/fstat(): on Linux 6.13 and later a
 * query of the timestamps makes the next write stamp the file with a
 * fine-grained time, so every write after one changes the inode, and on
 * ext4 the following fdatasync then writes the inode too. Measured on
 * this machine's disk (ext4 without a journal, Linux 6.18), 2000 4 KiB
 * writes each followed by fdatasync: 2.0 block requests and 0.165 ms per
 * fdatasync, 3.0 and 0.220 ms with an fstat() before each write, 2.0 and
 * 0.153 ms with statx(STATX_INO). (dev and ino are filled whatever the
 * mask.)
 */
static bool same_file(const char *path, int fd)
{
	struct statx now, held;

	return statx(AT_FDCWD, path, 0, STATX_INO, &now) == 0 &&
	       statx(fd, "", AT_EMPTY_PATH, STATX_INO, &held) == 0 &&
	       now.stx_dev_major == held.stx_dev_major &&
	       now.stx_dev_minor == held.stx_dev_minor &&
	       now.stx_ino == held.stx_ino;
}

/* The descriptor must be the file now at path, so that a -wal file
 * replaced behind paced's back is the one synced. Always the one
 * descriptor, kept open: a descriptor opened later would not hear of a
 * writeback error from before it was opened. */
static void sync_fd(struct walsync *w)
{
	w->err = 0;
	if (w->fd >= 0 && !same_file(w->path, w->fd)) {
		close(w->fd);
		w->fd = -1;
	}
	if (w->fd < 0) {
		w->fd = open_synced(w->path, &w->what);
		if (w->fd < 0) {
			w->err = errno;
			return;
		}
	}
	if (fdatasync(w->fd)) {
		w->err = errno;
		w->what = "fdatasync";
	}
}

/* On the worker. */
static void sync_job(uv_work_t *req)
{
	struct walsync *w = (struct walsync *)req;

	sync_fd(w);
	atomic_store_explicit(&w->job_over, true, memory_order_release);
}

static int sync_result(const struct walsync *w, int err, const char *what)
{
	if (!err)
		return 0;
	log_err("%s of %s failed: %s", what, w->path, strerror(err));
	switch (err) {
	case ENOSPC:
	case EDQUOT:
		return PACED_ENOSPC;
	case EROFS:
		return PACED_EROFS;
	default:
		return PACED_EIO;
	}
}

static void free_walsync(struct walsync *w)
{
	if (w->fd >= 0)
		close(w->fd);
	free(w->path);
	free(w);
}

static void sync_after(uv_work_t *req, int status)
{
	struct walsync *w = (struct walsync *)req;

	w->busy = false;
	if (w->closing) {
		free_walsync(w);
		return;
	}
	if (w->waited) {
		w->done(w->wait_rc, w->data);
		return;
	}
	if (status < 0)
		w->done(PACED_EIO, w->data); /* cancelled: never synced */
	else
		w->done(sync_result(w, w->err, w->what), w->data);
}

int walsync_start(struct walsync *w)
{
	int rc;

	if (w->busy)
		return PACED_EBUSY;
	w->waited = false;
	atomic_store_explicit(&w->job_over, false, memory_order_relaxed);
	rc = uv_queue_work(w->loop, &w->work, sync_job, sync_after);
	if (rc < 0) {
		log_err("cannot queue the WAL sync: %s", uv_strerror(rc));
		return PACED_EIO;
	}
	w->busy = true;
	return 0;
}

bool walsync_busy(const struct walsync *w)
{
	return w->busy;
}

int walsync_wait(struct walsync *w)
{
	const struct timespec nap = {0, 20000}; /* an fdatasync is ~0.1 ms */

	if (!w->busy || w->waited)
		return 0;
	while (!atomic_load_explicit(&w->job_over, memory_order_acquire))
		nanosleep(&nap, NULL);
	w->waited = true;
	w->wait_rc = sync_result(w, w->err, w->what);
	return w->wait_rc;
}

int walsync_now(struct walsync *w)
{
	int rc = walsync_wait(w);

	if (rc < 0)
		return rc;
	/* The worker is done with the descriptor. */
	sync_fd(w);
	return sync_result(w, w->err, w->what);
}

void walsync_close(struct walsync *w)
{
	if (!w)
		return;
	if (w->busy)
		w->closing = true;
	else
		free_walsync(w);
}
