#!/usr/bin/env bash
# Run the inhibition end-to-end tests RUNS times in a row while two busy loops keep the CPUs loaded,
# and count the runs in which a warning leaked past its page. Not part of CI: it takes minutes.
#
#   tests/e2e/stress_inhibition.sh            # 20 runs, both inhibition tests
#   RUNS=5 LOOPS=2 tests/e2e/stress_inhibition.sh 'tests/e2e/test_real_servers.py::test_the_same_incidents_warning_is_inhibited_not_delivered'
#
# Exit status: 0 when every run passed, 1 otherwise. Logs of failed runs are kept under $LOG_DIR.
set -u
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-20}
LOOPS=${LOOPS:-2}
PYTHON=${PYTHON:-.venv/bin/python}
LOG_DIR=${LOG_DIR:-$(mktemp -d -t obsc-stress-XXXXXX)}
mkdir -p "$LOG_DIR"
if [ "$#" -gt 0 ]; then
  TESTS=("$@")
else
  TESTS=(tests/test_alertmanager_inhibition.py
         "tests/e2e/test_real_servers.py::test_the_same_incidents_warning_is_inhibited_not_delivered")
fi

busy=()
stop_busy() {
  # Only the loops this script started, by their own process ids.
  for pid in "${busy[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${busy[@]}"; do wait "$pid" 2>/dev/null; done
}
trap stop_busy EXIT INT TERM
for _ in $(seq "$LOOPS"); do
  ( while :; do :; done ) &
  busy+=("$!")
done

failed=0
started=$(date +%s)
for run in $(seq "$RUNS"); do
  log="$LOG_DIR/run-$run.log"
  if CI=true "$PYTHON" -m pytest -q -p no:cacheprovider "${TESTS[@]}" >"$log" 2>&1; then
    echo "run $run/$RUNS: passed ($(tail -n 1 "$log"))"
    rm -f "$log"
  else
    failed=$((failed + 1))
    echo "run $run/$RUNS: FAILED, log kept at $log ($(tail -n 1 "$log"))"
  fi
done
echo "$((RUNS - failed))/$RUNS runs passed under $LOOPS busy loops in $(( $(date +%s) - started ))s (load: $(cut -d' ' -f1-3 /proc/loadavg))"
[ "$failed" -eq 0 ]
