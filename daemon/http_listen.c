/*
 * http_listen.c - the HTTP server's listening sockets: "host:port",
 * "[v6]:port" and "unix:/path" specs, every address of a name, stale unix
 * socket files, sockets handed over by systemd, and the bound ports. Each
 * accepted stream goes to http_conn.c.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "http_conn.h"
#include "log.h"
#include "paced.h"

#define HTTP_BACKLOG 511

static void on_connection(uv_stream_t *ls, int status)
{
	struct http_listener *l = ls->data;

	if (status < 0) {
		log_warn("http: accept: %s", uv_strerror(status));
		return;
	}
	http_conn_accept(l);
}

static void on_listener_closed(uv_handle_t *h)
{
	struct http_listener *l = h->data;
	struct http_server *srv = l->srv;

	if (l->path) {
		unlink(l->path);
		free(l->path);
	}
	free(l);
	srv->open--;
	http_server_maybe_done(srv);
}

static struct http_listener *listener_new(struct http_server *srv, int is_unix)
{
	struct http_listener **v, *l;

	/* Room first, so registering a listening handle cannot fail. */
	v = realloc(srv->lst, (srv->nlst + 1) * sizeof(*v));
	if (!v)
		return NULL;
	srv->lst = v;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	l->srv = srv;
	l->is_unix = is_unix;
	if (is_unix)
		uv_pipe_init(srv->loop, &l->u.pipe, 0);
	else
		uv_tcp_init(srv->loop, &l->u.tcp);
	l->u.h.data = l;
	srv->open++;
	return l;
}

/* Starts listening (rc from the bind/open before it), or closes l. */
static int listener_start(struct http_listener *l, int rc, const char *what,
			  char *err, size_t errlen)
{
	struct http_server *srv = l->srv;
	struct sockaddr_storage ss;
	int len = sizeof(ss);

	if (!rc)
		rc = uv_listen(&l->u.s, HTTP_BACKLOG, on_connection);
	if (rc) {
		snprintf(err, errlen, "%s: %s", what, uv_strerror(rc));
		uv_close(&l->u.h, on_listener_closed);
		return PACED_EIO;
	}
	if (!l->is_unix &&
	    !uv_tcp_getsockname(&l->u.tcp, (struct sockaddr *)&ss, &len))
		l->port = ntohs(ss.ss_family == AF_INET6
			? ((struct sockaddr_in6 *)&ss)->sin6_port
			: ((struct sockaddr_in *)&ss)->sin_port);
	l->spec = srv->nspecs;
	srv->lst[srv->nlst++] = l;
	return 0;
}

/* Is someone accepting on this unix socket? Then it is not stale. */
static int unix_alive(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, ok;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static int listen_unix(struct http_server *srv, const char *spec,
		       const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct http_listener *l;
	struct stat st;
	int rc;

	if (!*path || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: bad unix socket path", spec);
		return PACED_EINVAL;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode) || unix_alive(path)) {
			snprintf(err, errlen, "%s: %s", spec,
				 S_ISSOCK(st.st_mode)
					 ? "another process listens there"
					 : "exists and is not a socket");
			return PACED_EEXIST;
		}
		unlink(path); /* stale, left by a process that died */
	}
	l = listener_new(srv, 1);
	if (!l) {
		snprintf(err, errlen, "%s: out of memory", spec);
		return PACED_ENOMEM;
	}
	rc = uv_pipe_bind(&l->u.pipe, path);
	if (!rc) {
		l->path = strdup(path); /* NULL: only the unlink is lost */
		if (chmod(path, 0660))
			log_warn("http: chmod %s: %s", path, strerror(errno));
	}
	return listener_start(l, rc, spec, err, errlen);
}

/* Splits "host:port" or "[v6]:port" into host and port; 0 or -1. */
static int split_hostport(const char *spec, char *host, size_t hostlen,
			  const char **port)
{
	const char *h = spec, *end;

	if (*h == '[') {
		h++;
		end = strchr(h, ']');
		if (!end || end[1] != ':')
			return -1;
		*port = end + 2;
	} else {
		end = strrchr(h, ':');
		if (!end || memchr(h, ':', (size_t)(end - h)))
			return -1; /* a bare IPv6 address needs brackets */
		*port = end + 1;
	}
	if ((size_t)(end - h) >= hostlen)
		return -1;
	memcpy(host, h, (size_t)(end - h));
	host[end - h] = '\0';
	return 0;
}

static void set_port(struct sockaddr *sa, int port)
{
	if (sa->sa_family == AF_INET6)
		((struct sockaddr_in6 *)(void *)sa)->sin6_port =
			htons((uint16_t)port);
	else
		((struct sockaddr_in *)(void *)sa)->sin_port =
			htons((uint16_t)port);
}

static int listen_tcp(struct http_server *srv, const char *spec, char *err,
		      size_t errlen)
{
	struct addrinfo hints = {0}, *res = NULL, *ai;
	char host[256], addr[64], what[384], e1[512] = "", ebuf[512];
	const char *port;
	struct http_listener *l;
	int rc, bound = 0, first = 0;
	long pn;
	char *pe;

	errno = 0;
	if (split_hostport(spec, host, sizeof(host), &port) ||
	    *port < '0' || *port > '9' ||
	    (pn = strtol(port, &pe, 10)) > 65535 || *pe || errno) {
		snprintf(err, errlen, "%s: expected host:port, [v6]:port or "
			 "unix:/path", spec);
		return PACED_EINVAL;
	}
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%s: %s", spec, gai_strerror(rc));
		return PACED_EINVAL;
	}
	/* Every address of the name, e.g. ::1 and 127.0.0.1 for localhost;
	 * with port 0 the later ones take the port the first one got. */
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (first)
			set_port(ai->ai_addr, first);
		if (uv_ip_name(ai->ai_addr, addr, sizeof(addr)))
			snprintf(addr, sizeof(addr), "?");
		snprintf(what, sizeof(what), "%s (%s)", spec, addr);
		l = listener_new(srv, 0);
		if (!l) {
			freeaddrinfo(res);
			snprintf(err, errlen, "%s: out of memory", spec);
			return PACED_ENOMEM;
		}
		rc = uv_tcp_bind(&l->u.tcp, ai->ai_addr,
				 ai->ai_family == AF_INET6 ? UV_TCP_IPV6ONLY
							   : 0);
		if (listener_start(l, rc, what, ebuf, sizeof(ebuf))) {
			if (!e1[0])
				snprintf(e1, sizeof(e1), "%s", ebuf);
			continue;
		}
		if (!bound++ && pn == 0)
			first = l->port;
	}
	freeaddrinfo(res);
	if (bound && e1[0])
		log_warn("http: %s (listening on the other addresses)", e1);
	if (bound) {
		srv->nspecs++;
		return 0;
	}
	snprintf(err, errlen, "%s", e1[0] ? e1 : "no usable address");
	return PACED_EIO;
}

/* ---- public ---- */

int http_server_listen(struct http_server *srv, const char *spec, char *err,
		       size_t errlen)
{
	int rc;

	if (srv->closing) {
		snprintf(err, errlen, "%s: server is closing", spec);
		return PACED_ECLOSED;
	}
	if (strncmp(spec, "unix:", 5) != 0)
		return listen_tcp(srv, spec, err, errlen);
	rc = listen_unix(srv, spec, spec + 5, err, errlen);
	if (!rc)
		srv->nspecs++;
	return rc;
}

int http_server_listen_fd(struct http_server *srv, int fd, char *err,
			  size_t errlen)
{
	struct sockaddr_storage ss = {0};
	socklen_t len = sizeof(ss);
	struct http_listener *l;
	char what[32];
	int rc;

	snprintf(what, sizeof(what), "fd %d", fd);
	if (getsockname(fd, (struct sockaddr *)&ss, &len)) {
		snprintf(err, errlen, "%s: %s", what, strerror(errno));
		return PACED_EINVAL;
	}
	if (ss.ss_family != AF_UNIX && ss.ss_family != AF_INET &&
	    ss.ss_family != AF_INET6) {
		snprintf(err, errlen, "%s: not a TCP or unix socket", what);
		return PACED_EINVAL;
	}
	l = listener_new(srv, ss.ss_family == AF_UNIX);
	if (!l) {
		snprintf(err, errlen, "%s: out of memory", what);
		return PACED_ENOMEM;
	}
	/* Both set the descriptor non-blocking. The fd is ours from here
	 * on, so it is closed on failure like any other listener. */
	rc = l->is_unix ? uv_pipe_open(&l->u.pipe, fd)
			: uv_tcp_open(&l->u.tcp, fd);
	if (rc)
		close(fd);
	if (listener_start(l, rc, what, err, errlen))
		return PACED_EIO;
	srv->nspecs++;
	return 0;
}

int http_server_port(const struct http_server *srv, size_t i)
{
	/* All the addresses of one call share its port. */
	for (size_t k = 0; k < srv->nlst; k++)
		if (srv->lst[k]->spec == i)
			return srv->lst[k]->port;
	return 0;
}

int http_server_spec_fd(const struct http_server *srv, size_t i, size_t k)
{
	uv_os_fd_t fd;

	for (size_t n = 0; n < srv->nlst; n++)
		if (srv->lst[n]->spec == i && k-- == 0)
			return uv_fileno(&srv->lst[n]->u.h, &fd) ? -1 : fd;
	return -1;
}

void http_listen_close_all(struct http_server *srv)
{
	for (size_t i = 0; i < srv->nlst; i++)
		uv_close(&srv->lst[i]->u.h, on_listener_closed);
	srv->nlst = 0;
}
