#!/usr/bin/env bash
# Every default nox session (the README's test command; .ci/run runs it too), in two lanes
# at once, since the machines have 2 cores and the container tests mostly wait on containers:
#   host lane       lint, then the host tests of every Python (tests-3.X), shown live
#   container lane  the container tests of every Python (container-3.X), shown when done
# ARGS go to pytest in every test session (nox's posargs). Exits non-zero when a lane failed.
set -uo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp "${TMPDIR:-/tmp}/test-all-container-lane.XXXXXX")
trap 'rm -f "$log"' EXIT

uv sync --frozen --quiet  # once, before two lanes would both sync the project's venv
uv run --frozen nox -t container -- "$@" >"$log" 2>&1 &
container_lane=$!

host_status=0
uv run --frozen nox -s lint && uv run --frozen nox -t tests -- "$@" || host_status=$?
[[ $host_status -ne 0 ]] && echo "[test-all] host lane failed (exit $host_status); waiting for the container lane"

container_status=0
wait "$container_lane" || container_status=$?
echo "[test-all] container lane (nox -t container):"
cat "$log"

if ((host_status || container_status)); then
    echo "[test-all] FAILED: host lane exit $host_status, container lane exit $container_status"
    exit 1
fi
echo "[test-all] every session passed"
