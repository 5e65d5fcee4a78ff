/*
 * sdnotify.h - paced's side of the systemd service protocol: readiness,
 * reload, stop and status notifications (sd_notify), the watchdog pinged
 * from the event loop, and the listening sockets of socket activation
 * (LISTEN_FDS). Outside systemd (no NOTIFY_SOCKET, no WATCHDOG_USEC, no
 * LISTEN_FDS) every call is a no-op.
 */
#ifndef PACED_SDNOTIFY_H
#define PACED_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

/* "READY=1", with "STATUS=status" when status is not NULL. At start-up
 * once migrations ran and every listener is bound; again at the end of a
 * reload. */
void sdnotify_ready(const char *status);

/* "RELOADING=1" with MONOTONIC_USEC= (CLOCK_MONOTONIC now), at the start
 * of a reload; sdnotify_ready() ends it. */
void sdnotify_reloading(void);

/* "STOPPING=1": shutdown has begun. */
void sdnotify_stopping(void);

/* "STATUS=...": one line shown by systemctl status. */
void sdnotify_status(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

/* The watchdog: a uv_timer that sends "WATCHDOG=1" at half of
 * WATCHDOG_USEC. Storage is the caller's; it must outlive the loop. */
struct sdnotify_watchdog {
	uv_timer_t timer;
	uint64_t interval_ms; /* 0: systemd asked for no watchdog */
	bool started;
};

/* Starts pinging (the first ping at once) when systemd asked for a
 * watchdog for this process (WATCHDOG_USEC, and WATCHDOG_PID if set is
 * ours). 1 when started, 0 when no watchdog was asked for. The timer does
 * not keep the loop alive. */
int sdnotify_watchdog_start(struct sdnotify_watchdog *wd, uv_loop_t *loop);

/* Stops and closes the timer (if started); safe to call twice. */
void sdnotify_watchdog_close(struct sdnotify_watchdog *wd);

/*
 * The sockets systemd passed (socket activation): their number n, the
 * descriptors being SDNOTIFY_LISTEN_FDS_START .. + n - 1; 0 when none
 * were passed. Each must be a listening stream socket, otherwise
 * PACED_EINVAL with err naming it. LISTEN_* are removed from the
 * environment. The descriptors become the caller's.
 */
#define SDNOTIFY_LISTEN_FDS_START 3
int sdnotify_listen_fds(char *err, size_t errlen);

/* Whether a bound socket can only be reached from this machine: a unix
 * socket, or TCP on 127.0.0.0/8 or ::1 (also as ::ffff:127.x.y.z). */
bool sdnotify_fd_is_local(int fd);

/* "127.0.0.1:8080", "[::1]:8080" or "unix:/path" of a bound socket. */
void sdnotify_fd_name(int fd, char *out, size_t outlen);

#endif
