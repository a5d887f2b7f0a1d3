#!/usr/bin/env bash
# `make test`'s Swift part: runs every Swift test, keeps the output in .build/swift-test.log, and on failure prints
# the failed tests and their issues together at the end (where a CI log's tail shows them). A failed test is then run
# once more on its own: if it passes alone it is reported loudly as FLAKY (with its first failure above) and the run
# counts as passed; if it fails again the run fails.
set -uo pipefail
cd "$(dirname "$0")/.."
swift=${SWIFT:-swift}
log=.build/swift-test.log
mkdir -p .build
"$swift" test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] && exit 0

failed=$(sed -n 's/^.*✘ Test \([A-Za-z0-9_]*\)(.*) failed after.*$/\1/p' "$log" | sort -u)
echo
echo "==================== failed Swift tests ===================="
grep -E "✘ Test .*(recorded an issue|failed after)|Fatal error|error:" "$log" | cut -c1-400 | tail -80
echo "============================================================="
if [ -z "$failed" ]; then
  echo "swift test failed (exit $status) without a failed test (a crash or a build error): see above" >&2
  exit "$status"
fi
filter=$(printf '%s\n' "$failed" | paste -sd'|')
echo "running the failed tests again, alone: $filter"
if "$swift" test --skip-build --filter "($filter)\\(" 2>&1 | tee .build/swift-test-rerun.log | tail -40; [ "${PIPESTATUS[0]}" -eq 0 ]; then
  echo
  echo "FLAKY: these tests failed in the full run and passed alone: $(printf '%s ' $failed)" >&2
  echo "       (their first failure is listed above; see docs in README 'Tests')" >&2
  exit 0
fi
echo "the failed tests failed again alone" >&2
exit 1
