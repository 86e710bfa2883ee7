#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a bounded time each.
# Usage: scripts/fuzz.sh [FUZZTIME]   (default 10s)
#
# A run that fails without a failing input (the fuzzing engine's own
# "context deadline exceeded" when a worker is slow to stop on a loaded
# machine) is run once more; a failing input always fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-10s}"
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
while IFS= read -r pkg; do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u); do
    for attempt in 1 2; do
      echo "fuzz $pkg $target ($fuzztime)"
      if go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" 2>&1 | tee "$log"; [ "${PIPESTATUS[0]}" -eq 0 ]; then
        break
      fi
      if grep -q 'Failing input written to' "$log" || [ "$attempt" -eq 2 ]; then
        status=1
        break
      fi
      echo "fuzz $pkg $target: the engine failed without a failing input; once more"
    done
  done
done < <(go list ./...)
exit $status
