/*
 * fuzz_daemon.c - the daemon of main.c cut down to what serves requests:
 * configuration, store, registry and HTTP server, with no scheduler, no
 * delivery worker and no signals, all on one private loop that only the
 * fuzz input drives (UV_RUN_NOWAIT between reads of the client socket).
 */
#include "fuzz_daemon.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "api.h"
#include "app.h"
#include "auth.h"
#include "conf.h"
#include "conf_text.h"
#include "http.h"
#include "log.h"
#include "registry.h"
#include "store.h"

/* Everything a client stores goes into the in-memory database and the
 * registry; starting both afresh this often keeps the process's memory
 * bounded over millions of inputs (libFuzzer's -rss_limit_mb). */
#define FUZZ_RESET_EVERY 2000
/* An exchange that has not ended by then is a hang. */
#define FUZZ_HANG_NS (10ull * 1000 * 1000 * 1000)

/* The one daemon of the process, started by the first input. */
static struct {
	bool started;
	uv_loop_t loop;
	struct app app;
	struct http_server *http;
	struct sockaddr_un addr;
	unsigned handles; /* with no connection open */
	unsigned long exchanges;
	bool show; /* PACED_FUZZ_SHOW set: responses go to stderr */
} st;

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "fuzz_daemon: %s: %s\n", what, detail);
	abort();
}

/* The [token.*] of the three roles (only their hashes go in the file),
 * a webhook channel so events get deliveries in the outbox (never sent:
 * there is no delivery worker), and the database in memory. The limits
 * are low enough for inputs of libFuzzer's usual sizes (-max_len 4096)
 * to pass them: 413, 431 and the last request of a connection. */
static struct conf *make_conf(void)
{
	static const struct {
		const char *name, *token, *role, *projects, *rate;
	} toks[] = {
		/* Past any rate the fuzzer reaches: the seeding uses it. */
		{"admin", FUZZ_TOKEN_ADMIN, "admin", "*", "1000000/1s"},
		{"reporter", FUZZ_TOKEN_REPORTER, "reporter",
		 "parking-*, demolition", "1000000/1s"},
		/* Low, so 429 and Retry-After are reached too. */
		{"reader", FUZZ_TOKEN_READER, "reader", "*", "5/1s"},
	};
	char text[2048], err[512], hash[AUTH_HASH_SIZE];
	struct conf *c;
	int n;

	n = snprintf(text, sizeof(text),
		     "[server]\ntimezone = UTC\nmax_body = 2k\n"
		     "max_header = 1k\nmax_requests_per_connection = 100\n"
		     "[storage]\npath = :memory:\ndurability = normal\n"
		     "[alerts]\nlanguage = en\n"
		     "[channel.ops]\ntype = webhook\n"
		     "url = http://127.0.0.1:9/hook\n");
	for (size_t i = 0; i < PACED_ARRAY_LEN(toks); i++) {
		if (auth_sha256_hex(toks[i].token, strlen(toks[i].token),
				    hash) < 0)
			die("sha256", toks[i].name);
		n += snprintf(text + n, sizeof(text) - (size_t)n,
			      "[token.%s]\nsha256 = %s\nrole = %s\n"
			      "projects = %s\nrate = %s\n",
			      toks[i].name, hash, toks[i].role,
			      toks[i].projects, toks[i].rate);
	}
	if (conf_text_load(text, (size_t)n, &c, err, sizeof(err)) < 0)
		die("configuration", err);
	return c;
}

static void count_handle(uv_handle_t *h, void *arg)
{
	(void)h;
	++*(unsigned *)arg;
}

static unsigned handles_now(void)
{
	unsigned n = 0;

	uv_walk(&st.loop, count_handle, &n);
	return n;
}

static int client_open(void)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			0);

	if (fd < 0)
		die("socket", strerror(errno));
	/* A unix socket connects at once while the backlog has room, and
	 * it always has: one connection at a time. */
	if (connect(fd, (struct sockaddr *)&st.addr, sizeof(st.addr)) < 0)
		die("connect", strerror(errno));
	return fd;
}

static void check_hang(uint64_t t0, const char *what)
{
	if (uv_hrtime() - t0 > FUZZ_HANG_NS)
		die("hang", what);
}

/* How much to send per turn of the loop, which paced then reads as one
 * piece: a quarter of the inputs arrive whole, the others in pieces of
 * 1 to 97 bytes, so that a request line, a header or a body is also split
 * across reads as real clients split them. Taken from a hash (FNV-1a) of
 * the input, so an input always arrives the same way. */
static size_t piece_size(const uint8_t *data, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++) {
		h ^= data[i];
		h *= 16777619u;
	}
	return h % 4 == 0 ? len : 1 + (h >> 2) % 97;
}

static void exchange(const uint8_t *data, size_t len)
{
	static char sink[65536];
	uint64_t t0 = uv_hrtime();
	size_t off = 0, piece = piece_size(data, len);
	bool shut = false, eof = false;
	int fd = client_open();

	while (!eof) {
		ssize_t n;

		if (off < len) {
			n = send(fd, data + off,
				 len - off < piece ? len - off : piece,
				 MSG_NOSIGNAL);
			if (n > 0)
				off += (size_t)n;
			else if (errno != EAGAIN && errno != EWOULDBLOCK)
				off = len; /* paced closed: it answered */
		}
		if (off == len && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		uv_run(&st.loop, UV_RUN_NOWAIT);
		while ((n = read(fd, sink, sizeof(sink))) > 0)
			if (st.show)
				fwrite(sink, 1, (size_t)n, stderr);
		eof = n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
		check_hang(t0, "paced did not close the connection");
	}
	close(fd);
	/* paced lingers until it reads our end's close, then closes the
	 * connection's two handles. */
	while (handles_now() > st.handles) {
		uv_run(&st.loop, UV_RUN_NOWAIT);
		check_hang(t0, "the connection's handles stay open");
	}
}

/* Sends one JSON request as the admin, to seed the database. */
static void seed_request(const char *method, const char *path,
			 const char *body)
{
	char req[2048];
	int n = snprintf(req, sizeof(req),
			 "%s %s HTTP/1.1\r\nHost: paced\r\n"
			 "Authorization: Bearer " FUZZ_TOKEN_ADMIN "\r\n"
			 "Content-Type: application/json\r\n"
			 "Content-Length: %zu\r\n\r\n%s",
			 method, path, strlen(body), body);

	if (n < 0 || (size_t)n >= sizeof(req))
		die("seed", path);
	exchange((const uint8_t *)req, (size_t)n);
}

/* Projects of each kind the API knows (burn-up, burn-down, milestones
 * with a pause, not started yet), updates, and a silence: what the
 * inputs can read, replace, update and archive. */
static void seed(void)
{
	seed_request("PUT", "/v1/projects/parking-2022",
		     "{\"title\":\"新增公共停车泊位\",\"unit\":\"个\","
		     "\"target\":350,\"start\":\"2024-01-01\","
		     "\"due\":\"2030-12-31\",\"tags\":[\"亚运\"],"
		     "\"report_every\":\"7d\",\"owner\":\"区建设局\"}");
	seed_request("PUT", "/v1/projects/demolition",
		     "{\"title\":\"拆除违法建筑\",\"baseline\":495,"
		     "\"target\":0,\"start\":\"2024-01-01\","
		     "\"due\":\"2030-06-30T16:00:00Z\"}");
	seed_request("PUT", "/v1/projects/schools",
		     "{\"title\":\"新开办中小学\",\"unit\":\"所\","
		     "\"target\":14,\"start\":\"2024-01-01\","
		     "\"due\":\"2030-12-31\",\"curve\":\"milestones\","
		     "\"milestones\":[{\"at\":\"2026-01-01\",\"value\":5},"
		     "{\"at\":\"2028-01-01\",\"value\":10}],"
		     "\"pauses\":[{\"from\":\"2025-01-01\","
		     "\"to\":\"2025-03-01\",\"reason\":\"春节\"}],"
		     "\"thresholds\":{\"at_risk\":0.02,\"behind\":0.08}}");
	seed_request("PUT", "/v1/projects/future",
		     "{\"title\":\"future\",\"target\":10,"
		     "\"start\":\"2099-01-01\",\"due\":\"2099-12-31\"}");
	seed_request("POST", "/v1/projects/parking-2022/updates",
		     "{\"value\":120,\"note\":\"第一季度\",\"id\":\"q1\"}");
	seed_request("POST", "/v1/updates",
		     "{\"updates\":[{\"project\":\"demolition\","
		     "\"delta\":-40},{\"project\":\"schools\",\"value\":3}]}");
	seed_request("POST", "/v1/silences",
		     "{\"tag\":\"亚运\",\"until\":\"2099-01-01T00:00:00Z\","
		     "\"reason\":\"seed\"}");
	if (registry_count(st.app.reg) != 4)
		die("seed", "the seed projects were not all created");
}

static void data_open(void)
{
	char err[512];

	if (store_open(":memory:", STORE_DURABILITY_NORMAL, &st.app.store,
		       err, sizeof(err)) < 0)
		die("store_open", err);
	st.app.reg = registry_new();
	if (!st.app.reg)
		die("registry_new", "out of memory");
}

static void data_close(void)
{
	registry_free(st.app.reg);
	st.app.reg = NULL;
	free(st.app.waking);
	st.app.waking = NULL;
	st.app.n_waking = st.app.cap_waking = 0;
	store_close(st.app.store);
	st.app.store = NULL;
}

/* The listener is never closed (libFuzzer exits from anywhere), so its
 * socket file is removed here. */
static void remove_socket(void)
{
	unlink(st.addr.sun_path);
}

static void start(void)
{
	struct http_limits limits;
	char spec[128], err[512];
	const struct conf *c;

	if (st.started)
		return;
	st.started = true;
	st.show = getenv("PACED_FUZZ_SHOW") != NULL;
	/* Errors only: a log line per request would cost more than the
	 * request. */
	log_set_level(LOG_LVL_ERR);
	setenv("TZ", "UTC", 1);
	tzset();
	uv_loop_init(&st.loop);
	st.app.loop = &st.loop;
	st.app.conf = make_conf();
	c = st.app.conf;
	data_open();
	st.app.ready = true;
	http_limits_default(&limits);
	limits.max_body = c->max_body;
	limits.max_header = c->max_header;
	limits.max_requests = (unsigned)c->max_requests_per_conn;
	if (http_server_new(&st.http, &st.loop, &limits, api_handle,
			    &st.app) < 0)
		die("http_server_new", "failed");
	st.addr.sun_family = AF_UNIX;
	snprintf(st.addr.sun_path, sizeof(st.addr.sun_path),
		 "/tmp/paced-fuzz-%ld.sock", (long)getpid());
	snprintf(spec, sizeof(spec), "unix:%s", st.addr.sun_path);
	if (http_server_listen(st.http, spec, err, sizeof(err)) < 0)
		die("listen", err);
	atexit(remove_socket);
	st.handles = handles_now();
	seed();
}

void fuzz_daemon_exchange(const uint8_t *data, size_t len)
{
	start();
	/* Between two inputs nothing is in progress: the data can be
	 * replaced under the server. */
	if (++st.exchanges % FUZZ_RESET_EVERY == 0) {
		data_close();
		data_open();
		seed();
	}
	exchange(data, len);
}
