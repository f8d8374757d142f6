#!/usr/bin/env bash
# The checks `npm test` runs before vitest: the typecheck, ESLint and the build. ESLint (typed rules)
# takes longer than the typecheck and the build together, and each of them keeps one core busy, so
# ESLint runs alongside the other two (those two one after the other, as before). Each one's output is
# shown whole once all have ended, in the order typecheck, lint, build; the script fails if any failed,
# and the build does not run when the typecheck failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

npm run lint --silent >"$out/lint" 2>&1 &
lint_pid=$!

npm run typecheck --silent >"$out/typecheck" 2>&1
typecheck=$?
build=0
if [ "$typecheck" -eq 0 ]; then
  npm run build --silent >"$out/build" 2>&1
  build=$?
fi

wait "$lint_pid"
lint=$?

status=0
for step in typecheck lint build; do
  [ -s "$out/$step" ] && cat "$out/$step"
  if [ "${!step}" -ne 0 ]; then
    echo "npm test: $step failed (exit ${!step})" >&2
    status=1
  fi
done
exit "$status"
