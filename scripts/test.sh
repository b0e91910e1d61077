#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs, builds and runs every test: unit (cmocka), integration (the real daemon with
# VMs in network namespaces), the unit tests again under ASan+UBSan, and a bounded
# libFuzzer run of the southbound decoder. Needs root. Ends with "N passed, M failed".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

scripts/setup.sh || exit 1
BUILD_DIR=build scripts/build.sh || exit 1
BUILD_DIR=build-asan scripts/build.sh -Db_sanitize=address,undefined -Db_lundef=false || exit 1
CC=clang BUILD_DIR=build-fuzz scripts/build.sh -Dfuzz=true || exit 1

passed=0
failed=0
# run_suite DIR SUITE: meson's own summary, then its per-test results added to the totals
run_suite() {
	local dir=$1 suite=$2 log
	echo "=== $suite ($dir)"
	meson test -C "$dir" --suite "$suite" --print-errorlogs --num-processes 1 \
		${MESON_TEST_ARGS:-}
	log="$dir/meson-logs/testlog.json"
	passed=$((passed + $(jq -s '[.[] | select(.result == "OK")] | length' "$log")))
	failed=$((failed + $(jq -s '[.[] | select(.result != "OK")] | length' "$log")))
}

# sanitizers: leaks are reported, errors abort with a non-zero status
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

run_suite build unit
run_suite build-asan unit
netns_before=$(ip netns list | grep -c '^vsit' || true)
run_suite build integration
# every test must end what it started: a leftover daemon, VM or namespace is a failure
netns_after=$(ip netns list | grep -c '^vsit' || true)
if [ "$netns_after" -gt "$netns_before" ]; then
	echo "integration tests left $((netns_after - netns_before)) network namespaces behind"
	failed=$((failed + 1))
fi
leaked=$(pgrep -af "$top/build/(vpcswitchd|tests/vm/vmnic|controller/vpc-controller)" || true)
if [ -n "$leaked" ]; then
	echo "integration tests left processes behind:"
	echo "$leaked"
	failed=$((failed + 1))
	pkill -KILL -f "$top/build/(vpcswitchd|tests/vm/vmnic|controller/vpc-controller)" || true
else
	passed=$((passed + 1))
	echo "no process left behind by the integration tests"
fi
run_suite build-fuzz fuzz

cd "$top"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
