# Counting one test project's results for tests/test.sh (sourced; kept apart so it can be tried on
# fabricated TRX files). Only a project that ran every test it discovered, and all of them passed,
# counts as clean: a filter or a discovery problem that runs nothing, tests left not executed, TRX
# error/timeout/aborted counts, a test host that died or hung: each is a failure, named on stderr.

# trx_count NAME TRX_FILE DOTNET_OK [CONSOLE_LOG]: prints "PASSED FAILED" for the project.
trx_count() {
  local name=$1 trx=$2 ok=$3 log=${4:-}
  local counters total executed passed failed error timeout aborted not_executed outcome problems=0
  if [ ! -f "$trx" ]; then
    echo "$name: no TRX result (the test host did not start, or died before writing one)" >&2
    echo "0 1"
    return
  fi
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  total=$(_trx_attr total "$counters"); executed=$(_trx_attr executed "$counters")
  passed=$(_trx_attr passed "$counters"); failed=$(_trx_attr failed "$counters")
  error=$(_trx_attr error "$counters"); timeout=$(_trx_attr timeout "$counters")
  aborted=$(_trx_attr aborted "$counters"); not_executed=$(_trx_attr notExecuted "$counters")
  outcome=$(grep -o '<ResultSummary outcome="[A-Za-z]*"' "$trx" | head -1 | sed 's/.*outcome="\(.*\)"/\1/')
  for v in total executed passed failed error timeout aborted not_executed; do
    [ -n "${!v}" ] || printf -v "$v" 0
  done
  if [ "$executed" -eq 0 ]; then
    echo "$name: no test executed (a filter that matches nothing, or discovery found none)" >&2
    problems=$((problems + 1))
  fi
  if [ "$executed" -ne "$total" ] || [ "$not_executed" -gt 0 ]; then
    echo "$name: $executed of $total discovered tests executed ($not_executed not executed)" >&2
    problems=$((problems + 1))
  fi
  if [ $((error + timeout + aborted)) -gt 0 ]; then
    echo "$name: $error errors, $timeout timeouts, $aborted aborted in the TRX" >&2
    problems=$((problems + error + timeout + aborted))
  fi
  if [ "$outcome" = Aborted ]; then
    echo "$name: the test run was aborted (a crashed or hung test host)" >&2
    problems=$((problems + 1))
  elif [ "$ok" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$problems" -eq 0 ]; then
    echo "$name: dotnet test failed without a failed test result (outcome ${outcome:-unknown}): the test host aborted?" >&2
    problems=$((problems + 1))
  fi
  # Name what did not pass: each result that is not Passed, and what blame saw hanging.
  grep -o '<UnitTestResult [^>]*>' "$trx" | grep -v 'outcome="Passed"' |
    sed -n 's/.*testName="\([^"]*\)".*outcome="\([A-Za-z]*\)".*/  \2: \1/p' >&2 || true
  # --blame-hang-timeout cuts a hung test host and the console names the test that was running.
  if [ -n "$log" ] && [ -f "$log" ] && grep -q 'inactivity time of' "$log"; then
    echo "$name: a test hung and was cut by --blame-hang-timeout: $(grep -A1 'test running when' "$log" | tail -1)" >&2
    problems=$((problems + 1))
  fi
  echo "$passed $((failed + problems))"
}

# _trx_attr NAME COUNTERS_ELEMENT: one numeric attribute of the TRX <Counters> element (empty if absent).
_trx_attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2"; }

# trx_failures TRX_FILE: each result that did not pass, with its message's first lines and the last lines
# of its output (a live test's log). test.sh prints these again just above its last line, because CI
# keeps only the tail of a run's output.
trx_failures() {
  awk '
    function unxml(s) { gsub(/&quot;/, "\"", s); gsub(/&apos;/, "\x27", s); gsub(/&lt;/, "<", s); gsub(/&gt;/, ">", s); gsub(/&amp;/, "\\&", s); return s }
    function flush() { if (name != "") { printf "  %s: %s\n", outcome, name; for (i = 1; i <= nm && i <= 4; i++) printf "      %s\n", msg[i]; for (i = (no > 10 ? no - 9 : 1); i <= no; i++) printf "      | %s\n", out[i] } name = ""; nm = 0; no = 0 }
    /<UnitTestResult / {
      flush()
      if ($0 !~ /outcome="Passed"/) {
        name = $0; sub(/.*testName="/, "", name); sub(/".*/, "", name); name = unxml(name)
        outcome = $0; sub(/.*outcome="/, "", outcome); sub(/".*/, "", outcome)
      }
      next
    }
    name == "" { next }
    /<StdOut>/ { inout = 1; sub(/.*<StdOut>/, "") }
    /<Message>/ { inmsg = 1; sub(/.*<Message>/, "") }
    inmsg { line = $0; end = sub(/<\/Message>.*/, "", line); if (line != "") msg[++nm] = unxml(line); if (end) inmsg = 0; next }
    inout { line = $0; end = sub(/<\/StdOut>.*/, "", line); if (line != "") out[++no] = unxml(line); if (end) inout = 0; next }
    END { flush() }
  ' "$1"
}
