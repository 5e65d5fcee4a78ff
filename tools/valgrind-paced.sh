#!/bin/sh
# valgrind-paced.sh - runs build/paced under valgrind's memcheck, for
# `make valgrind` (PACED_BIN points the black-box harness here). Each error,
# a definite leak included, is wrapped in VALGRIND-ERROR-BEGIN/END lines in
# paced's stderr, which the harness turns into a failure of the test that
# caused it; the exit status is 99 after any error.
here=$(cd "$(dirname "$0")/.." && pwd)
exec valgrind -q --leak-check=full --errors-for-leak-kinds=definite \
	--show-leak-kinds=definite --error-exitcode=99 \
	--error-markers=VALGRIND-ERROR-BEGIN,VALGRIND-ERROR-END \
	"${PACED_VALGRIND_BIN:-$here/build/paced}" "$@"
