#!/bin/sh
# Runs each cmocka unit-test binary and fails if any of them fails, after
# running them all so one failure does not hide another. A program that
# runs past UNIT_TIMEOUT seconds (default 600) is stopped and counted as
# failed, so that a test stuck in its event loop fails the run instead of
# holding it up.
failed=0
limit=${UNIT_TIMEOUT:-600}
for t in "$@"; do
	echo "== $t"
	timeout "$limit" "$t"
	rc=$?
	if [ "$rc" -eq 124 ]; then
		echo "$t: stopped after $limit s" >&2
	fi
	if [ "$rc" -ne 0 ]; then
		failed=$((failed + 1))
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "unit: $failed test program(s) failed" >&2
	exit 1
fi
