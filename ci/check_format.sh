#!/bin/bash
# Checks that every C/C++ file git tracks is laid out as .clang-format says
# (clang-format 14): lists the files that would change and fails if any
# would. `ci/check_format.sh --fix` reformats them in place instead.
set -euo pipefail
cd "$(dirname "$0")/.."
CLANG_FORMAT=${CLANG_FORMAT:-clang-format-14}

# testdata/ holds fixtures (a copied system header, sources of test binaries):
# data, not code of ours to lay out.
mapfile -t files < <(git ls-files '*.c' '*.cc' '*.h' ':!:*/testdata/*')
if [ "${1:-}" = "--fix" ]; then
  "$CLANG_FORMAT" -i "${files[@]}"
  exit 0
fi
unformatted=()
for f in "${files[@]}"; do
  "$CLANG_FORMAT" --dry-run --Werror "$f" 2>/dev/null || unformatted+=("$f")
done
if [ "${#unformatted[@]}" -ne 0 ]; then
  printf '%s\n' "${unformatted[@]}"
  echo "check_format: ${#unformatted[@]} of ${#files[@]} files are not formatted (ci/check_format.sh --fix)"
  exit 1
fi
echo "check_format: all ${#files[@]} files formatted"
