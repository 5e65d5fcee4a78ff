/*
 * metrics.c - the in-memory counters and the text exposition of
 * /metrics. Every metric family is written whole (HELP, TYPE, then its
 * samples) so the output passes `promtool check metrics`; label values
 * are escaped; project titles are never labels (unbounded, and they
 * change), only ids, statuses, channel names, methods and codes.
 */
#include "metrics.h"
#include "metrics_internal.h"

#include <dirent.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "arr.h"
#include "ckpt.h"
#include "conf.h"
#include "group.h"
#include "log.h"
#include "notify.h"
#include "registry.h"
#include "store.h"
#include "tracker.h"

/* ---- the counters ---- */

static const char *const http_methods[] = {"GET", "HEAD",   "POST",
					   "PUT", "DELETE", "other"};
#define N_METHODS PACED_ARRAY_LEN(http_methods)
#define CODE_MIN 100
#define N_CODES 500 /* 100..599 */

/* Seconds: chat platforms answer in tens of milliseconds, a slow
 * receiver in seconds, and a channel's timeout is 10 s by default. */
static const double latency_buckets[] = {0.025, 0.05, 0.1, 0.25, 0.5, 1,
					 2.5,	5,    10,  30,	 60};
#define N_BUCKETS PACED_ARRAY_LEN(latency_buckets)

/* Seconds: a COMMIT with an fdatasync takes a fraction of a millisecond
 * on a quiet SSD and tens of milliseconds on a busy shared disk; while
 * it runs the loop serves nothing, so its tail is the answers' tail. */
static const double commit_buckets[] = {0.0005, 0.001, 0.002, 0.005, 0.01,
					0.025,	0.05,  0.1,   0.25,  1};
#define N_COMMIT_BUCKETS PACED_ARRAY_LEN(commit_buckets)

struct chan_counts {
	char *name;
	uint64_t sent, retry, dead;
	uint64_t bucket[N_BUCKETS]; /* non-cumulative; summed when shown */
	uint64_t n_latency;
	double sum_latency;
	int64_t pending; /* outbox rows, read by each scrape */
};

static struct {
	uint64_t http[N_METHODS][N_CODES];
	struct chan_counts *chans; /* by name, unsorted; few */
	size_t n_chans, cap_chans;
	uint64_t commit_bucket[N_COMMIT_BUCKETS]; /* non-cumulative */
	uint64_t n_commits;
	double sum_commits;
	size_t last_len; /* size of the previous exposition: the next one's
			    first allocation */
} m;

void metrics_http_response(const char *method, int status)
{
	size_t i;

	if (status < CODE_MIN || status >= CODE_MIN + N_CODES)
		return;
	for (i = 0; i < N_METHODS - 1; i++)
		if (method && strcmp(method, http_methods[i]) == 0)
			break;
	m.http[i][status - CODE_MIN]++;
}

/* The counters of a channel, made on first use; NULL on ENOMEM (the
 * observation is then lost, which is all a counter can do). */
static struct chan_counts *chan_counts(const char *name)
{
	struct chan_counts *c;

	for (size_t i = 0; i < m.n_chans; i++)
		if (strcmp(m.chans[i].name, name) == 0)
			return &m.chans[i];
	if (arr_grow(&m.chans, &m.cap_chans, m.n_chans + 1, sizeof(*m.chans),
		     8))
		return NULL;
	c = &m.chans[m.n_chans];
	memset(c, 0, sizeof(*c));
	if (!(c->name = strdup(name)))
		return NULL;
	m.n_chans++;
	return c;
}

/* Counts v in the first of the n bounds it does not exceed (none: only
 * in the count, which is +Inf's bucket). */
static void observe(const double *bounds, size_t n, uint64_t *bucket,
		    uint64_t *count, double *sum, double v)
{
	size_t i;

	if (!(v >= 0))
		v = 0;
	for (i = 0; i < n && v > bounds[i]; i++)
		;
	if (i < n)
		bucket[i]++;
	(*count)++;
	*sum += v;
}

void metrics_delivery(const char *channel, const char *state)
{
	struct chan_counts *c = chan_counts(channel);

	if (!c)
		return;
	if (strcmp(state, "sent") == 0)
		c->sent++;
	else if (strcmp(state, "dead") == 0)
		c->dead++;
	else
		c->retry++;
}

void metrics_delivery_latency(const char *channel, double seconds)
{
	struct chan_counts *c = chan_counts(channel);

	if (c)
		observe(latency_buckets, N_BUCKETS, c->bucket, &c->n_latency,
			&c->sum_latency, seconds);
}

void metrics_commit(double seconds)
{
	observe(commit_buckets, N_COMMIT_BUCKETS, m.commit_bucket,
		&m.n_commits, &m.sum_commits, seconds);
}

void metrics_reset(void)
{
	for (size_t i = 0; i < m.n_chans; i++)
		free(m.chans[i].name);
	free(m.chans);
	memset(&m, 0, sizeof(m));
}

/* ---- writing the exposition ---- */

void metrics_put(struct metrics_out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (arr_grow(&o->p, &o->cap, o->len + n + 1, 1, 4096)) {
		o->oom = true;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
	o->p[o->len] = '\0';
}

static void puts_(struct metrics_out *o, const char *s)
{
	metrics_put(o, s, strlen(s));
}

/* A sample value: shortest round-tripping decimal, and Prometheus's own
 * spellings of the special values. */
static void put_value(struct metrics_out *o, double v)
{
	char buf[40];

	if (isnan(v)) {
		puts_(o, "NaN");
		return;
	}
	if (isinf(v)) {
		puts_(o, v > 0 ? "+Inf" : "-Inf");
		return;
	}
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	puts_(o, buf);
}

/* A label value in quotes, with \, " and newline escaped. */
static void put_label_value(struct metrics_out *o, const char *v)
{
	const char *run = v;

	metrics_put(o, "\"", 1);
	for (; *v; v++) {
		const char *esc = *v == '\\'   ? "\\\\"
				  : *v == '"'  ? "\\\""
				  : *v == '\n' ? "\\n"
					       : NULL;

		if (!esc)
			continue;
		metrics_put(o, run, (size_t)(v - run));
		puts_(o, esc);
		run = v + 1;
	}
	metrics_put(o, run, (size_t)(v - run));
	metrics_put(o, "\"", 1);
}

void metrics_family(struct metrics_out *o, const char *name, const char *type,
		    const char *help)
{
	/* In pieces, so that no length of help text can fail the scrape. */
	puts_(o, "# HELP ");
	puts_(o, name);
	puts_(o, " ");
	puts_(o, help);
	puts_(o, "\n# TYPE ");
	puts_(o, name);
	puts_(o, " ");
	puts_(o, type);
	puts_(o, "\n");
}

/* name{k1="v1",k2="v2"} value; labels: key, value, ..., NULL. */
void metrics_sample(struct metrics_out *o, const char *name,
		    const char *const *labels, double v)
{
	puts_(o, name);
	if (labels && labels[0]) {
		metrics_put(o, "{", 1);
		for (size_t i = 0; labels[i]; i += 2) {
			if (i)
				metrics_put(o, ",", 1);
			puts_(o, labels[i]);
			metrics_put(o, "=", 1);
			put_label_value(o, labels[i + 1]);
		}
		metrics_put(o, "}", 1);
	}
	metrics_put(o, " ", 1);
	put_value(o, v);
	metrics_put(o, "\n", 1);
}

/* ---- the database and the delivery worker ---- */

/* A histogram's samples (its family already written): cumulative
 * buckets of the non-cumulative counts, +Inf, sum and count; labelled
 * channel="..." when channel is not NULL. */
static void put_histogram(struct metrics_out *o, const char *name,
			  const char *channel, const double *bounds, size_t n,
			  const uint64_t *bucket, uint64_t count, double sum)
{
	char bucket_name[64], sum_name[64], count_name[64], le[32];
	uint64_t cum = 0;
	const char *labels[] = {"channel", channel, "le", NULL, NULL};
	/* The le label alone, or after the channel. */
	const char **with_le = channel ? labels : labels + 2;
	const char *const *plain = channel ? labels : NULL;

	snprintf(bucket_name, sizeof(bucket_name), "%s_bucket", name);
	snprintf(sum_name, sizeof(sum_name), "%s_sum", name);
	snprintf(count_name, sizeof(count_name), "%s_count", name);
	for (size_t k = 0; k <= n; k++) {
		if (k < n) {
			cum += bucket[k];
			snprintf(le, sizeof(le), "%g", bounds[k]);
		}
		labels[3] = k < n ? le : "+Inf";
		metrics_sample(o, bucket_name, with_le,
			       (double)(k < n ? cum : count));
	}
	labels[2] = NULL; /* the channel alone */
	metrics_sample(o, sum_name, plain, sum);
	metrics_sample(o, count_name, plain, (double)count);
}

static int note_pending(const char *channel, int64_t pending, void *data)
{
	struct chan_counts *c = chan_counts(channel);

	(void)data;
	if (c)
		c->pending = pending;
	return 0;
}

/* Makes sure every configured channel has counters, so its series exist
 * (at 0) from the first scrape on. */
static void touch_channels(const struct conf *conf)
{
	for (size_t i = 0; i < conf->n_channels; i++)
		chan_counts(conf->channels[i].name);
}

static void put_deliveries(struct metrics_out *o, struct app *app)
{
	static const char *const results[] = {"sent", "retry", "dead"};
	int rc;

	/* First, as it may add a channel that left the configuration with
	 * rows still pending. */
	for (size_t i = 0; i < m.n_chans; i++)
		m.chans[i].pending = 0;
	rc = store_pending_by_channel(app->store, note_pending, NULL);
	if (rc < 0)
		log_warn("metrics: cannot read the outbox: %s",
			 paced_strerror(rc));

	metrics_family(
	    o, "paced_deliveries_total", "counter",
	    "Delivery attempts of outbox rows by channel and outcome "
	    "since paced started (a summary counts each event it "
	    "carries).");
	for (size_t i = 0; i < m.n_chans; i++) {
		const struct chan_counts *c = &m.chans[i];
		const uint64_t v[] = {c->sent, c->retry, c->dead};

		for (size_t k = 0; k < 3; k++)
			metrics_sample(o, "paced_deliveries_total",
				       METRICS_LABELS("channel", c->name,
						      "result", results[k]),
				       (double)v[k]);
	}
	metrics_family(o, "paced_delivery_duration_seconds", "histogram",
		       "Time from the start of a request to a channel to its "
		       "answer (or failure).");
	for (size_t i = 0; i < m.n_chans; i++) {
		const struct chan_counts *c = &m.chans[i];

		put_histogram(o, "paced_delivery_duration_seconds", c->name,
			      latency_buckets, N_BUCKETS, c->bucket,
			      c->n_latency, c->sum_latency);
	}
	metrics_family(o, "paced_deliveries_in_flight", "gauge",
		       "Requests to channels under way now.");
	metrics_sample(o, "paced_deliveries_in_flight", NULL,
		       app->notify ? (double)notify_in_flight(app->notify) : 0);
	if (rc < 0)
		return;
	metrics_family(
	    o, "paced_deliveries_pending", "gauge",
	    "Outbox rows waiting to be delivered (due or backing off), "
	    "by channel.");
	for (size_t i = 0; i < m.n_chans; i++)
		metrics_sample(o, "paced_deliveries_pending",
			       METRICS_LABELS("channel", m.chans[i].name),
			       (double)m.chans[i].pending);
}

static void put_store_counts(struct metrics_out *o, struct app *app)
{
	int64_t updates = 0, events = 0;
	int rc = store_counts(app->store, &updates, &events);

	if (rc < 0) {
		log_warn("metrics: cannot read the update count: %s",
			 paced_strerror(rc));
		return;
	}
	metrics_family(o, "paced_updates_total", "counter",
		       "Progress updates ever stored (from the database, so it "
		       "survives restarts).");
	metrics_sample(o, "paced_updates_total", NULL, (double)updates);
	metrics_family(
	    o, "paced_events_total", "counter",
	    "Events (status changes, reminders) ever recorded (from the "
	    "database).");
	metrics_sample(o, "paced_events_total", NULL, (double)events);
}

/* How well group commit shares its fsyncs: writes per commit. */
static void put_group(struct metrics_out *o, struct app *app)
{
	unsigned long long writes, commits;

	group_stats(app->group, &writes, &commits);
	metrics_family(
	    o, "paced_group_commits_total", "counter",
	    "Transactions committed for the update requests of one loop "
	    "turn and the few polls without wait after it, or with sync = "
	    "thread also of one fsync's time (one fsync each with "
	    "durability full).");
	metrics_sample(o, "paced_group_commits_total", NULL, (double)commits);
	metrics_family(o, "paced_group_writes_total", "counter",
		       "Update requests that joined a group commit.");
	metrics_sample(o, "paced_group_writes_total", NULL, (double)writes);
}

/* How long the loop stood in COMMIT: the disk's share of the answers'
 * latency, which an operator otherwise cannot tell from the rest. */
static void put_commits(struct metrics_out *o)
{
	metrics_family(o, "paced_commit_duration_seconds", "histogram",
		       "Time each database COMMIT took on the loop thread, "
		       "its fsync included when it had one (durability = "
		       "full with sync = loop); the loop answers nothing "
		       "meanwhile.");
	put_histogram(o, "paced_commit_duration_seconds", NULL,
		      commit_buckets, N_COMMIT_BUCKETS, m.commit_bucket,
		      m.n_commits, m.sum_commits);
}

/* Whether the WAL's checkpoints keep up off the loop (ckpt.h). */
static void put_checkpoints(struct metrics_out *o, struct app *app)
{
	struct ckpt_stats st;

	ckpt_stats(app->ckpt, &st);
	metrics_family(
	    o, "paced_wal_checkpoints_total", "counter",
	    "Checkpoints of the database's write-ahead log, by the thread "
	    "that ran them: the worker, or the event loop when the worker "
	    "had fallen behind.");
	metrics_sample(o, "paced_wal_checkpoints_total",
		       METRICS_LABELS("thread", "worker"), (double)st.worker);
	metrics_sample(o, "paced_wal_checkpoints_total",
		       METRICS_LABELS("thread", "loop"), (double)st.loop);
}

/* Whether the updates' index entries keep up (store_tail.h). */
static void put_index_held(struct metrics_out *o, struct app *app)
{
	metrics_family(
	    o, "paced_updates_index_held", "gauge",
	    "Updates whose updates_idx entry is held in memory, to be written "
	    "with a later commit (about a second's worth under load).");
	metrics_sample(o, "paced_updates_index_held", NULL,
		       (double)store_updates_held(app->store));
}

/* ---- HTTP ---- */

static void put_http(struct metrics_out *o)
{
	char code[16];

	metrics_family(o, "paced_http_requests_total", "counter",
		       "HTTP responses by request method and status code since "
		       "paced started.");
	for (size_t i = 0; i < N_METHODS; i++)
		for (int k = 0; k < N_CODES; k++) {
			if (!m.http[i][k])
				continue;
			snprintf(code, sizeof(code), "%d", k + CODE_MIN);
			metrics_sample(o, "paced_http_requests_total",
				       METRICS_LABELS("method", http_methods[i],
						      "code", code),
				       (double)m.http[i][k]);
		}
}

/* ---- the process, from /proc/self ---- */

/* Fields 14 (utime), 15 (stime), 22 (starttime), 23 (vsize) and 24 (rss)
 * of /proc/self/stat; false when it cannot be read. */
static bool proc_stat(unsigned long long f[5])
{
	static const int want[5] = {14, 15, 22, 23, 24};
	char buf[1024], *p, *end;
	FILE *fp = fopen("/proc/self/stat", "re");
	size_t n;
	int field = 3, k = 0;

	if (!fp)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	/* The command name (field 2) is in parentheses and may hold
	 * anything, spaces and ')' included: count from the last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return false;
	p++;
	while (k < 5 && *p) {
		while (*p == ' ')
			p++;
		if (field == want[k]) {
			f[k++] = strtoull(p, &end, 10);
			if (end == p)
				return false;
			p = end;
		} else {
			p += strcspn(p, " ");
		}
		field++;
	}
	return k == 5;
}

/* Entries in /proc/self/fd, not counting the one reading it. */
static long open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;
}

static void put_process(struct metrics_out *o)
{
	unsigned long long f[5];
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE), fds;
	struct rlimit rl;
	struct timespec real, boot;

	if (tck > 0 && page > 0 && proc_stat(f)) {
		metrics_family(
		    o, "process_cpu_seconds_total", "counter",
		    "Total user and system CPU time spent in seconds.");
		metrics_sample(o, "process_cpu_seconds_total", NULL,
			       (double)(f[0] + f[1]) / (double)tck);
		metrics_family(o, "process_virtual_memory_bytes", "gauge",
			       "Virtual memory size in bytes.");
		metrics_sample(o, "process_virtual_memory_bytes", NULL,
			       (double)f[3]);
		metrics_family(o, "process_resident_memory_bytes", "gauge",
			       "Resident memory size in bytes.");
		metrics_sample(o, "process_resident_memory_bytes", NULL,
			       (double)f[4] * (double)page);
		/* starttime counts clock ticks since boot; the boot instant
		 * comes from the clocks rather than /proc/stat, which a
		 * sandbox (ProcSubset=pid) hides. */
		if (clock_gettime(CLOCK_REALTIME, &real) == 0 &&
		    clock_gettime(CLOCK_BOOTTIME, &boot) == 0) {
			double booted =
			    (double)real.tv_sec - (double)boot.tv_sec +
			    (double)(real.tv_nsec - boot.tv_nsec) / 1e9;

			metrics_family(
			    o, "process_start_time_seconds", "gauge",
			    "Start time of the process since unix epoch "
			    "in seconds.");
			metrics_sample(
			    o, "process_start_time_seconds", NULL,
			    floor((booted + (double)f[2] / (double)tck) * 100) /
				100);
		}
	}
	fds = open_fds();
	if (fds >= 0) {
		metrics_family(o, "process_open_fds", "gauge",
			       "Number of open file descriptors.");
		metrics_sample(o, "process_open_fds", NULL, (double)fds);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur != RLIM_INFINITY) {
		metrics_family(o, "process_max_fds", "gauge",
			       "Maximum number of open file descriptors.");
		metrics_sample(o, "process_max_fds", NULL, (double)rl.rlim_cur);
	}
}

void metrics_put_head(struct metrics_out *o, struct app *app)
{
	metrics_family(o, "paced_build_info", "gauge",
		       "Always 1; the labels say which paced this is.");
	metrics_sample(o, "paced_build_info",
		       METRICS_LABELS("version", PACED_VERSION), 1);
	if (app->conf)
		touch_channels(app->conf);
}

void metrics_put_tail(struct metrics_out *o, struct app *app)
{
	put_store_counts(o, app);
	put_group(o, app);
	put_commits(o);
	put_checkpoints(o, app);
	put_index_held(o, app);
	put_deliveries(o, app);
	put_http(o);
	put_process(o);
}

int metrics_render(struct app *app, paced_ms now, char **out, size_t *len)
{
	struct metrics_out o = {0};

	*out = NULL;
	*len = 0;
	o.cap = m.last_len + m.last_len / 4 + 1;
	if (!(o.p = malloc(o.cap)))
		return PACED_ENOMEM;
	o.p[0] = '\0';
	metrics_put_head(&o, app);
	metrics_put_projects(&o, app, now);
	metrics_put_tail(&o, app);
	if (o.oom) {
		free(o.p);
		return PACED_ENOMEM;
	}
	m.last_len = o.len;
	*out = o.p;
	*len = o.len;
	return 0;
}
