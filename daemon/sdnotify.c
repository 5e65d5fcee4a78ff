/*
 * sdnotify.c - sd_notify messages, the loop's watchdog timer and the
 * sockets of socket activation, through libsystemd.
 */
#include "sdnotify.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "log.h"
#include "paced.h"

/* One message; a failure to reach systemd is logged, never fatal. */
static void send_state(const char *state)
{
	int rc = sd_notify(0, state);

	if (rc < 0)
		log_warn("sd_notify: %s", strerror(-rc));
}

void sdnotify_ready(const char *status)
{
	char msg[512];

	if (status)
		snprintf(msg, sizeof(msg), "READY=1\nSTATUS=%s", status);
	else
		snprintf(msg, sizeof(msg), "READY=1");
	send_state(msg);
}

void sdnotify_reloading(void)
{
	struct timespec ts;
	char msg[128];

	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof(msg),
		 "RELOADING=1\nSTATUS=reloading the configuration\n"
		 "MONOTONIC_USEC=%llu",
		 (unsigned long long)ts.tv_sec * 1000000ULL +
			 (unsigned long long)ts.tv_nsec / 1000ULL);
	send_state(msg);
}

void sdnotify_stopping(void)
{
	send_state("STOPPING=1\nSTATUS=stopping: finishing requests in "
		   "progress");
}

void sdnotify_status(const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	n = snprintf(msg, sizeof(msg), "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/* STATUS= is one line. */
	msg[strcspn(msg, "\n")] = '\0';
	send_state(msg);
}

/* ---- watchdog ---- */

static void on_watchdog(uv_timer_t *t)
{
	(void)t;
	send_state("WATCHDOG=1");
}

int sdnotify_watchdog_start(struct sdnotify_watchdog *wd, uv_loop_t *loop)
{
	uint64_t usec = 0;
	int rc;

	memset(wd, 0, sizeof(*wd));
	/* > 0 only if WATCHDOG_USEC is set and WATCHDOG_PID, when set, is
	 * this process. */
	rc = sd_watchdog_enabled(0, &usec);
	if (rc < 0)
		log_warn("watchdog: %s; not pinging systemd", strerror(-rc));
	if (rc <= 0 || usec == 0)
		return 0;
	/* Half the interval, as sd_watchdog_enabled(3) recommends. */
	wd->interval_ms = usec / 2000;
	if (wd->interval_ms == 0)
		wd->interval_ms = 1;
	uv_timer_init(loop, &wd->timer);
	uv_timer_start(&wd->timer, on_watchdog, 0, wd->interval_ms);
	uv_unref((uv_handle_t *)&wd->timer);
	wd->started = true;
	log_info("watchdog: pinging systemd every %llu ms",
		 (unsigned long long)wd->interval_ms);
	return 1;
}

void sdnotify_watchdog_close(struct sdnotify_watchdog *wd)
{
	if (!wd->started)
		return;
	wd->started = false;
	uv_close((uv_handle_t *)&wd->timer, NULL);
}

/* ---- socket activation ---- */

int sdnotify_listen_fds(char *err, size_t errlen)
{
	/* 1: unset LISTEN_PID/LISTEN_FDS so nothing started later sees
	 * them. sd_listen_fds checks LISTEN_PID is this process. */
	int n = sd_listen_fds(1);

	if (n < 0) {
		snprintf(err, errlen, "LISTEN_FDS: %s", strerror(-n));
		return PACED_EINVAL;
	}
	for (int i = 0; i < n; i++) {
		int fd = SDNOTIFY_LISTEN_FDS_START + i;

		if (sd_is_socket(fd, AF_UNSPEC, SOCK_STREAM, 1) <= 0) {
			snprintf(err, errlen,
				 "socket %d passed by systemd (fd %d) is not "
				 "a listening stream socket (use ListenStream= "
				 "in the .socket unit)",
				 i + 1, fd);
			return PACED_EINVAL;
		}
	}
	return n;
}

bool sdnotify_fd_is_local(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len))
		return false;
	if (ss.ss_family == AF_UNIX)
		return true;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&ss;

		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (ss.ss_family == AF_INET6) {
		const struct in6_addr *a =
			&((const struct sockaddr_in6 *)(const void *)&ss)
				 ->sin6_addr;

		return IN6_IS_ADDR_LOOPBACK(a) ||
		       (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return false;
}

void sdnotify_fd_name(int fd, char *out, size_t outlen)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];

	memset(&ss, 0, sizeof(ss));
	if (getsockname(fd, (struct sockaddr *)&ss, &len)) {
		snprintf(out, outlen, "fd %d", fd);
		return;
	}
	if (ss.ss_family == AF_UNIX) {
		const struct sockaddr_un *u = (const void *)&ss;

		snprintf(out, outlen, "unix:%s",
			 u->sun_path[0] ? u->sun_path : "(abstract)");
	} else if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof(ip));
		snprintf(out, outlen, "%s:%u", ip, ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
		snprintf(out, outlen, "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		snprintf(out, outlen, "fd %d", fd);
	}
}
