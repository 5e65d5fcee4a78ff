/*
 * fuzz_http.c - libFuzzer target: the input is everything one client
 * sends on one connection (request heads, bodies, pipelined requests,
 * garbage), through http_parser, the limits, the router, authorization
 * and the handlers, against the seeded in-memory database of
 * fuzz_daemon.c.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_daemon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_daemon_exchange(data, size);
	return 0;
}
