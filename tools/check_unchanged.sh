#!/usr/bin/env bash
# usage: check_unchanged.sh DIR -- COMMAND...
# Runs COMMAND and fails if it changed anything under DIR (the same verdict as `COMMAND; git diff --exit-code DIR`
# on a clean clone, but also right in a working tree with uncommitted edits).
set -euo pipefail
dir=$1; shift; [ "$1" = "--" ] && shift
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
cp -a "$dir" "$snap/before"
"$@" >/dev/null
if ! diff -r -x __pycache__ "$snap/before" "$dir" > "$snap/diff"; then
  echo "FAILED: '$*' changed $dir/ — run it and commit the result:" >&2
  head -40 "$snap/diff" >&2
  exit 1
fi
echo "ok: '$*' leaves $dir/ unchanged"
