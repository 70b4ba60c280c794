#!/usr/bin/env bash
# Runs the whole vitest suite, then prints `tests: N passed, N failed, N skipped` from its
# JSON report; exits non-zero when anything failed or the run itself broke.
set -uo pipefail
cd "$(dirname "$0")/.."
report=.vitest-report.json
rm -f "$report"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
if [ ! -s "$report" ]; then echo "tests: no report written (vitest exit $status)" >&2; exit 1; fi
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numFailedTests > 0 || r.numFailedTestSuites > 0 || r.numTotalTests === 0) process.exit(1);
' "$report" || exit 1
exit $status
