/*
 * fuzz_daemon.h - paced's request path in-process for the fuzz targets:
 * the real HTTP server (http*.c) with the real router and handlers
 * (api*.c) over an in-memory database, on a private libuv loop and a
 * private unix socket. Each input is the whole byte stream one client
 * sends on one connection; what paced answers is read and dropped.
 */
#ifndef PACED_FUZZ_DAEMON_H
#define PACED_FUZZ_DAEMON_H

#include <stddef.h>
#include <stdint.h>

/* Bearer tokens of the [token.*] sections the fuzzed daemon runs with
 * (tests/fuzz/README.md lists them for seeds and dictionaries). */
#define FUZZ_TOKEN_ADMIN \
	"pcd_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FUZZ_TOKEN_REPORTER \
	"pcd_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FUZZ_TOKEN_READER \
	"pcd_cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/*
 * Starts the daemon on the first call (aborting with a message when it
 * cannot: a broken harness, not a finding). Then opens a connection,
 * sends data (whole, or in pieces paced reads one by one, depending on
 * data), closes the sending half, reads every response until paced
 * closes, and runs the loop until the connection's handles are gone:
 * nothing of one input's connection is left for the next. What inputs
 * store accumulates until every 2000th input, when the database and the
 * projects start afresh from the same seed. Aborts when paced neither
 * answers nor closes within 10 s (a hang).
 */
void fuzz_daemon_exchange(const uint8_t *data, size_t len);

#endif
