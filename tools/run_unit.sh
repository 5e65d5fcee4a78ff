#!/bin/sh
# Runs each cmocka unit-test binary and fails if any of them fails, after
# running them all so one failure does not hide another.
failed=0
for t in "$@"; do
	echo "== $t"
	if ! "$t"; then
		failed=$((failed + 1))
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "unit: $failed test program(s) failed" >&2
	exit 1
fi
