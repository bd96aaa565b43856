#!/usr/bin/env bash
# `npm test`: mocha in three parallel workers (each test file in one worker; the root hook in
# tests/hooks.ts runs in each; MOCHA_JOBS=N for another count), with the type-check, the lint and
# the offline plan (`npm run render`, then `npm run validate`) beside it: mocha never reads out/.
# Their output follows mocha's, each under its command; any failure fails the run. The last line is
# the plain "N passed, N failed" count.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# Every temporary folder the tests, the tools and the processes they start make (os.tmpdir(),
# mktemp) lands under this run's folder and goes with it: the tests make a few hundred a run.
export TMPDIR="$logs/tmp"
mkdir -p "$TMPDIR"
# What one mocha worker computes for the others in this run (tests/renderedPlans.ts: the committed
# stacks' render); new with each run, so never from an older source.
export THANOS_TEST_SHARED_DIR="$logs/shared"
# Node's own compile cache for the JavaScript every process loads (the SDKs), beside our compiled
# TypeScript (offline/tsRegister.cjs); both live in node_modules/.cache.
export NODE_COMPILE_CACHE="$PWD/node_modules/.cache/node-compile"

# The type-check is `npm run build` (TypeScript 7, the native compiler; tsconfig.typecheck.json).
nice -n 10 node node_modules/typescript7/bin/tsc --noEmit -p tsconfig.typecheck.json --incremental \
  --tsBuildInfoFile node_modules/.cache/tsc/typecheck.tsbuildinfo >"$logs/tsc" 2>&1 &
tsc_pid=$!
# Every TypeScript file compiled once, ahead, beside the type-check: on a fresh clone, mocha's
# workers and the render would each compile the same files at once.
node offline/tsRegister.cjs --precompile &
precompile_pid=$!
# The commands behind `npm run lint`, `render` and `validate`, without npm's own start-up. The
# type-check, the lint and the plan run at a lower priority: mocha is the longest path, and they fill
# the time its live alert test spends waiting on real servers.
(nice -n 10 node_modules/.bin/eslint --cache --cache-location node_modules/.cache/eslint/ . &&
  nice -n 10 node_modules/.bin/prettier --check --cache --log-level warn "**/*.{ts,cjs,mjs}") >"$logs/lint" 2>&1 &
lint_pid=$!
wait "$precompile_pid"
(nice -n 10 node -r ./offline/tsRegister.cjs offline/render.ts && nice -n 10 node -r ./offline/tsRegister.cjs offline/validate.ts) >"$logs/plan" 2>&1 &
plan_pid=$!

# Three workers on two cores: the live files, which mostly wait on real servers, alternate with the
# busiest ones at the head of the list (.mocharc.cjs), so that while they wait the other workers and
# the type-check, lint and plan use the CPU. A fourth worker costs more CPU (each loads the SDKs and
# keeps its own caches) than its overlap saves since the live files wait less.
node_modules/.bin/mocha --parallel --jobs "${MOCHA_JOBS:-3}" 2>&1 | tee "$logs/mocha"
mocha_rc=${PIPESTATUS[0]}
wait "$tsc_pid"; tsc_rc=$?
wait "$lint_pid"; lint_rc=$?
wait "$plan_pid"; plan_rc=$?

echo
echo "== npm run build (tsc --noEmit, TypeScript 7): exit $tsc_rc"
cat "$logs/tsc"
echo "== npm run lint (ESLint, Prettier): exit $lint_rc"
cat "$logs/lint"
echo "== npm run render && npm run validate: exit $plan_rc"
cat "$logs/plan"

count() { grep -oE "^ *[0-9]+ $1" "$logs/mocha" | tail -1 | grep -oE '[0-9]+' || echo 0; }
passed=$(count passing); failed=$(count failing); skipped=$(count pending)
# A mocha run that died before its summary has counted nothing: call that a failure.
if [ "$mocha_rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"

[ "$mocha_rc" -eq 0 ] && [ "$tsc_rc" -eq 0 ] && [ "$lint_rc" -eq 0 ] && [ "$plan_rc" -eq 0 ]
