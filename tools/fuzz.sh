#!/bin/sh
# Runs libFuzzer targets built by `make fuzz-build`, one after the other:
#   sh tools/fuzz.sh SECONDS "EXTRA LIBFUZZER FLAGS" TARGET...
# Each target reads its seeds from tests/fuzz/corpus/TARGET and writes
# what it finds to build/fuzz/corpus/TARGET (libFuzzer adds new inputs to
# the first directory only, so the repository's seeds stay as they are).
# Crash, leak and timeout inputs go to build/fuzz/artifacts/. The output
# of a run is in build/fuzz/TARGET.log; its last lines are shown. Fails
# as soon as a target fails.
set -eu

seconds=$1
extra=$2
shift 2

mkdir -p build/fuzz/artifacts
for t in "$@"; do
	work=build/fuzz/corpus/$t
	mkdir -p "$work"
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"
	echo "fuzz_$t: ${seconds}s, corpus $work, log build/fuzz/$t.log"
	# shellcheck disable=SC2086
	if ! UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"build/fuzz/fuzz_$t" -max_total_time="$seconds" -timeout=30 \
		-print_final_stats=1 \
		-artifact_prefix="build/fuzz/artifacts/$t-" $dict $extra \
		"$work" "tests/fuzz/corpus/$t" >"build/fuzz/$t.log" 2>&1; then
		tail -n 60 "build/fuzz/$t.log"
		echo "fuzz_$t: FAILED; the input is in build/fuzz/artifacts/" >&2
		exit 1
	fi
	grep -E '^#[0-9]+[[:space:]]+DONE|^Done|stat::number_of_executed_units' \
		"build/fuzz/$t.log" || true
	echo "fuzz_$t: $(ls "$work" | wc -l) inputs in $work"
done
