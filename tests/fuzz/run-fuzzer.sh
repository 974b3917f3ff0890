#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# run-fuzzer.sh FUZZER CORPUS WORKDIR SECONDS: a time-boxed libFuzzer run. New inputs go to
# WORKDIR (the committed seed corpus is only read); a crash leaves its input in WORKDIR and
# fails the test. Exit 77 (ctest: skipped) when the fuzz preset was not built.
set -eu
fuzzer=$1 corpus=$2 work=$3 seconds=$4
if [ ! -x "$fuzzer" ]; then
    echo "fuzzer $fuzzer not built (cmake --preset fuzz && cmake --build build-fuzz --target tidings_fuzzers)"
    exit 77
fi
mkdir -p "$work/new" "$work/artifacts"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
# By default libFuzzer exits with 77 on a crash or a leak (-error_exitcode; 70 on a timeout,
# 71 on an out-of-memory), and ctest reads 77 as "skipped" (SKIP_RETURN_CODE, meant for "not
# built" above): a crash would pass unnoticed. Crashes, leaks and timeouts exit 1 here, so
# every finding fails the test.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -error_exitcode=1 -timeout_exitcode=1 \
    -artifact_prefix="$work/artifacts/" "$work/new" "$corpus" 2>"$work/log" || {
    status=$?
    tail -50 "$work/log"
    exit $status
}
grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' "$work/log" || tail -3 "$work/log"
