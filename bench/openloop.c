/*
 * openloop - an open-loop HTTP/1.1 load generator. Requests fall due on a
 * fixed schedule, RATE per second, whatever the server answers; a request
 * waits for a free keep-alive connection when all are busy, and its latency
 * counts from when it fell due, not from when it went out. A server that
 * stalls thus shows the stall in every request that queued behind it,
 * instead of slowing the generator down and hiding it (coordinated
 * omission, which a closed loop like wrk's suffers from). wrk2 does this,
 * but Debian does not ship it.
 *
 *   openloop -p PORT -r RATE -d SECONDS [-w WARMUP] [-c CONNS] [-n IDS]
 *            [-m METHOD] [-u PATH] [-b BODY] [-v LO-HI] [-t TRACE]
 *
 * PATH and BODY may hold {i} (a random integer below IDS, default 1000) and
 * {v} (a random integer from LO to HI, default 0-999). Requests due in the
 * first WARMUP seconds are sent but not counted. Prints one line of key=value
 * figures (latencies in milliseconds) and one line per HTTP status seen.
 * With -t, each counted request also appends "due latency" (seconds since
 * the first request fell due, milliseconds) to the file TRACE, after a
 * first line "# t0 SECONDS" giving that instant on CLOCK_MONOTONIC, to see
 * when in a run the slow ones fell due and what the server did then.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNS 1024
#define HEAD_MAX 16384
#define OUT_MAX 4096
/* After the last request fell due, answers are awaited this long. */
#define DRAIN_S 10.0

struct conn {
	int fd;
	bool busy;
	double due;	   /* when the request in flight fell due */
	bool counted;	   /* ... after the warm-up */
	char out[OUT_MAX]; /* the request being written */
	size_t out_len, out_off;
	char head[HEAD_MAX]; /* the response head being read */
	size_t head_len;
	bool in_body;
	long long body_left;
	int status;
	bool closing; /* the server said Connection: close */
};

struct opts {
	int port, conns, ids;
	long v_lo, v_hi;
	double rate, secs, warm;
	const char *method, *path, *body, *trace;
};

static struct opts o = {.conns = 32,
			.ids = 1000,
			.v_hi = 999,
			.secs = 10,
			.method = "POST",
			.path = "/v1/projects/p{i}/updates",
			.body = "{\"value\": {v}}"};
static struct conn conns[MAX_CONNS];
static int ep;
static uint64_t rng = 0x9e3779b97f4a7c15u;

/* Latencies of the counted requests, and the statuses they got. */
static double *lat;
static size_t n_lat, cap_lat;
static FILE *trace;
static double t_first;
static long long statuses[600], failures, sent, unanswered;

/* Requests due but waiting for a connection: a ring of due instants. */
static double *queue;
static size_t q_head, q_len, q_cap;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void *grow(void *p, size_t *cap, size_t elem)
{
	*cap = *cap ? *cap * 2 : 1024;
	p = realloc(p, *cap * elem);
	if (!p)
		die("realloc");
	return p;
}

static void queue_push(double due)
{
	if (q_len == q_cap) {
		size_t old = q_cap;
		double *n = grow(NULL, &q_cap, sizeof(double));

		for (size_t i = 0; i < q_len; i++)
			n[i] = queue[(q_head + i) % old];
		free(queue);
		queue = n;
		q_head = 0;
	}
	queue[(q_head + q_len++) % q_cap] = due;
}

static double queue_pop(void)
{
	double d = queue[q_head];

	q_head = (q_head + 1) % q_cap;
	q_len--;
	return d;
}

/* A random integer from lo to hi. */
static long long random_in(long long lo, long long hi)
{
	return lo + (long long)(next_rand() % (uint64_t)(hi - lo + 1));
}

/* Copies tmpl into out with {i} and {v} replaced by random numbers. */
static size_t expand(const char *tmpl, char *out, size_t cap)
{
	size_t n = 0;

	for (const char *s = tmpl; *s && n + 24 < cap; s++) {
		bool id = strncmp(s, "{i}", 3) == 0;

		if (id || strncmp(s, "{v}", 3) == 0) {
			long long r = id ? random_in(0, o.ids - 1)
					 : random_in(o.v_lo, o.v_hi);

			n += (size_t)snprintf(out + n, cap - n, "%lld", r);
			s += 2;
		} else {
			out[n++] = *s;
		}
	}
	out[n] = '\0';
	return n;
}

static void conn_open(struct conn *c)
{
	struct sockaddr_in a = {.sin_family = AF_INET,
				.sin_port = htons((uint16_t)o.port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM, 0);
	if (c->fd < 0)
		die("socket");
	if (connect(c->fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die("connect");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl");
	c->busy = c->closing = c->in_body = false;
	c->head_len = 0;
}

static void conn_reopen(struct conn *c)
{
	close(c->fd);
	conn_open(c);
}

static void want_write(struct conn *c, bool on)
{
	struct epoll_event ev = {.events = EPOLLIN | (on ? EPOLLOUT : 0),
				 .data.ptr = c};

	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void conn_flush(struct conn *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w =
		    write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

		if (w < 0 && errno == EAGAIN) {
			want_write(c, true);
			return;
		}
		if (w <= 0) {
			failures++;
			c->busy = false;
			conn_reopen(c);
			return;
		}
		c->out_off += (size_t)w;
	}
	want_write(c, false);
}

static void conn_send(struct conn *c, double due, double t_count)
{
	char path[1024], body[1024];
	size_t blen = expand(o.body, body, sizeof(body));
	bool has_body = strcmp(o.method, "GET") && strcmp(o.method, "HEAD");
	int n;

	expand(o.path, path, sizeof(path));
	n = snprintf(c->out, sizeof(c->out),
		     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", o.method, path);
	if (has_body)
		n += snprintf(c->out + n, sizeof(c->out) - (size_t)n,
			      "Content-Type: application/json\r\n"
			      "Content-Length: %zu\r\n\r\n%s",
			      blen, body);
	else
		n += snprintf(c->out + n, sizeof(c->out) - (size_t)n, "\r\n");
	c->out_len = (size_t)n;
	c->out_off = 0;
	c->busy = true;
	c->due = due;
	c->counted = due >= t_count;
	c->head_len = 0;
	c->in_body = false;
	sent++;
	conn_flush(c);
}

static void finish(struct conn *c, double now)
{
	if (c->counted) {
		if (n_lat == cap_lat)
			lat = grow(lat, &cap_lat, sizeof(double));
		lat[n_lat++] = (now - c->due) * 1000.0;
		if (trace)
			fprintf(trace, "%.6f %.3f\n", c->due - t_first,
				lat[n_lat - 1]);
		statuses[c->status >= 100 && c->status < 600 ? c->status : 0]++;
	}
	c->busy = false;
	if (c->closing)
		conn_reopen(c);
}

/* The head is complete: its status, length and whether the server
 * closes after it. Returns the length of the body. */
static long long parse_head(struct conn *c, size_t head_end)
{
	long long len = 0;
	char *line = c->head, *eol;

	c->head[head_end] = '\0';
	c->status = (int)strtol(c->head + 9, NULL, 10);
	c->closing = false;
	for (; line; line = eol ? eol + 2 : NULL) {
		eol = strstr(line, "\r\n");
		if (eol)
			*eol = '\0';
		if (strncasecmp(line, "content-length:", 15) == 0)
			len = strtoll(line + 15, NULL, 10);
		else if (strncasecmp(line, "connection:", 11) == 0 &&
			 strcasestr(line + 11, "close"))
			c->closing = true;
	}
	return len;
}

static void conn_read(struct conn *c, double now)
{
	char buf[65536];
	ssize_t r;

	while ((r = read(c->fd, buf, sizeof(buf))) > 0) {
		size_t off = 0;

		if (!c->busy)
			continue; /* nothing asked: ignore */
		if (!c->in_body) {
			size_t take = (size_t)r;
			char *end;

			if (take > HEAD_MAX - 1 - c->head_len)
				take = HEAD_MAX - 1 - c->head_len;
			memcpy(c->head + c->head_len, buf, take);
			c->head_len += take;
			c->head[c->head_len] = '\0';
			end = strstr(c->head, "\r\n\r\n");
			if (!end) {
				if (c->head_len == HEAD_MAX - 1)
					goto broken;
				continue;
			}
			off =
			    take - (c->head_len - (size_t)(end + 4 - c->head));
			c->body_left = parse_head(c, (size_t)(end - c->head));
			c->in_body = true;
		}
		c->body_left -= (long long)((size_t)r - off);
		if (c->body_left <= 0) {
			finish(c, now);
			if (c->closing)
				return;
		}
	}
	if (r == 0 || errno != EAGAIN)
		goto broken;
	return;
broken:
	if (c->busy) {
		failures++;
		c->busy = false;
	}
	conn_reopen(c);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(double p)
{
	size_t i;

	if (!n_lat)
		return 0;
	i = (size_t)(p / 100.0 * (double)n_lat);
	return lat[i < n_lat ? i : n_lat - 1];
}

static void usage(void)
{
	fprintf(stderr,
		"usage: openloop -p PORT -r RATE -d SECONDS [-w WARMUP] "
		"[-c CONNS] [-n IDS] [-m METHOD] [-u PATH] "
		"[-b BODY] [-v LO-HI] [-t TRACE]\n");
	exit(2);
}

static void parse_args(int argc, char **argv)
{
	char *end;
	int ch;

	while ((ch = getopt(argc, argv, "p:r:d:w:c:n:m:u:b:v:t:")) != -1) {
		switch (ch) {
		case 'p': o.port = (int)strtol(optarg, NULL, 10); break;
		case 'r': o.rate = strtod(optarg, NULL); break;
		case 'd': o.secs = strtod(optarg, NULL); break;
		case 'w': o.warm = strtod(optarg, NULL); break;
		case 'c': o.conns = (int)strtol(optarg, NULL, 10); break;
		case 'n': o.ids = (int)strtol(optarg, NULL, 10); break;
		case 'm': o.method = optarg; break;
		case 'u': o.path = optarg; break;
		case 'b': o.body = optarg; break;
		case 't': o.trace = optarg; break;
		case 'v':
			o.v_lo = strtol(optarg, &end, 10);
			o.v_hi = *end == '-' ? strtol(end + 1, NULL, 10) : -1;
			break;
		default: usage();
		}
	}
	if (o.port <= 0 || o.rate <= 0 || o.secs <= 0 || o.conns < 1 ||
	    o.conns > MAX_CONNS || o.ids < 1 || o.warm < 0 || o.v_hi < o.v_lo)
		usage();
}

int main(int argc, char **argv)
{
	struct epoll_event evs[64];
	double t0, t_count, t_end, next_due, now;
	long long k = 0;
	size_t idle_from = 0;

	parse_args(argc, argv);
	rng ^= (uint64_t)getpid() << 32;
	ep = epoll_create1(0);
	if (ep < 0)
		die("epoll_create1");
	for (int i = 0; i < o.conns; i++)
		conn_open(&conns[i]);
	if (o.trace && !(trace = fopen(o.trace, "w"))) {
		perror(o.trace);
		return 2;
	}
	t0 = now_s();
	t_first = t0;
	if (trace)
		fprintf(trace, "# t0 %.6f (CLOCK_MONOTONIC)\n", t0);
	t_count = t0 + o.warm;
	t_end = t_count + o.secs;
	next_due = t0;
	for (;;) {
		struct timespec ts;
		double wait;
		int n;

		now = now_s();
		while (next_due <= now && next_due < t_end) {
			queue_push(next_due);
			next_due = t0 + (double)++k / o.rate;
		}
		/* Each queued request goes out on the next idle connection;
		 * the search starts where the last one ended, so every
		 * connection carries its share. */
		for (int i = 0; i < o.conns && q_len; i++) {
			struct conn *c =
			    &conns[(idle_from + (size_t)i) % (size_t)o.conns];

			if (!c->busy) {
				conn_send(c, queue_pop(), t_count);
				idle_from = (size_t)(c - conns) + 1;
			}
		}
		if (now >= t_end) {
			int busy = 0;

			for (int i = 0; i < o.conns; i++)
				busy += conns[i].busy;
			if ((!busy && !q_len) || now >= t_end + DRAIN_S) {
				unanswered = busy + (long long)q_len;
				break;
			}
			wait = 0.01;
		} else {
			wait = next_due - now;
		}
		if (wait < 0)
			wait = 0;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		n = epoll_pwait2(ep, evs, 64, &ts, NULL);
		if (n < 0 && errno != EINTR)
			die("epoll_pwait2");
		now = now_s();
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (evs[i].events & EPOLLOUT)
				conn_flush(c);
			if (evs[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				conn_read(c, now);
		}
	}
	if (trace && fclose(trace) != 0)
		perror(o.trace);
	qsort(lat, n_lat, sizeof(double), cmp_double);
	printf("openloop rate=%.1f achieved=%.1f counted=%zu failures=%lld "
	       "unanswered=%lld p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f "
	       "p999_ms=%.3f max_ms=%.3f\n",
	       o.rate, (double)n_lat / o.secs, n_lat, failures, unanswered,
	       pct(50), pct(90), pct(99), pct(99.9),
	       n_lat ? lat[n_lat - 1] : 0.0);
	for (int s = 0; s < 600; s++)
		if (statuses[s])
			printf("openloop status=%d count=%lld\n", s,
			       statuses[s]);
	printf("openloop sent=%lld\n", sent);
	return 0;
}
