# Shared by the system-test scripts (source it): named checks that count
# passes and failures, and greps over the serial log in $log.
#   check DESCRIPTION COMMAND...   runs COMMAND; prints ok/FAIL and counts it
#   has REGEX / lacks REGEX        whether $log has (lacks) a matching line
# The script ends with: echo "$((checks - failures)) passed, ..."; [ "$failures" -eq 0 ]
failures=0
checks=0

check() {
  local what="$1"; shift
  checks=$((checks + 1))
  if "$@"; then
    echo "ok:   $what"
  else
    echo "FAIL: $what"
    failures=$((failures + 1))
  fi
}
has() { grep -qE -- "$1" "$log"; }
lacks() { ! grep -qE -- "$1" "$log"; }
