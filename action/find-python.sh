#!/usr/bin/env bash
# Finds the Python that builds publish-action's environment: the NEWEST Python 3.10+ that has
# the venv and ensurepip modules, among every python3.N / python3 / python on PATH and in the
# runner's tool cache — not the first one on PATH, which is often an old actions/setup-python
# (3.7-3.9) an earlier step of the job put there, while a newer one sits further down (the
# image's /usr/bin/python3, the tool cache's other versions). The job's own Python is not
# changed: nothing is added to PATH.
#
# Prints the interpreter's path and exits 0; otherwise prints what it found (path and version,
# or why it is unusable) and exits 1. Equal versions: the first found wins (PATH order).
set -uo pipefail

posix_path() { if command -v cygpath >/dev/null 2>&1; then cygpath -u "$1"; else printf '%s\n' "$1"; fi; }

PROBE='import sys
from importlib.util import find_spec
if find_spec("venv") and find_spec("ensurepip"):
    print("%d %d" % sys.version_info[:2])'
best="" best_version=0
found=()
seen=$'\n'

consider() {
  local candidate=$1 answer
  [ -f "$candidate" ] && [ -x "$candidate" ] || return 0
  # One probe per interpreter, not per name: python, python3 and python3.N (and /bin beside
  # /usr/bin) are often one file, and each probe starts a Python (~30 ms).
  local real
  real="$(realpath "$candidate" 2>/dev/null)" || real=$candidate
  case "$seen" in *$'\n'"$real"$'\n'*) return 0 ;; esac
  seen+="$real"$'\n'
  # -I: the job's PYTHONPATH, PYTHONHOME and user site cannot change the answer. -S and
  # find_spec: the modules are looked up, not imported (a third of the time: ~15 ms, not ~50).
  if ! answer="$("$candidate" -I -S -c "$PROBE" 2>/dev/null)" \
    || ! [[ "$answer" =~ ^([0-9]+)\ ([0-9]+)$ ]]; then
    found+=("$candidate (no venv/ensurepip module, or not a working Python)")
    return 0
  fi
  local major=${BASH_REMATCH[1]} minor=${BASH_REMATCH[2]}
  local version=$((major * 1000 + minor))
  found+=("$candidate ($major.$minor)")
  if [ "$version" -ge 3010 ] && [ "$version" -gt "$best_version" ]; then
    best=$candidate best_version=$version
  fi
}

IFS=: read -r -a dirs <<<"${PATH:-}"
for dir in "${dirs[@]}"; do
  [ -n "$dir" ] || continue
  for name in python3 python python3.exe python.exe; do
    consider "$dir/$name"
  done
  for versioned in "$dir"/python3.[0-9] "$dir"/python3.[0-9][0-9]; do
    consider "$versioned"
  done
done

# GitHub-hosted runners keep several Pythons here (Python/<version>/<arch>/...), also when
# none of them is on PATH.
if [ -n "${RUNNER_TOOL_CACHE:-}" ]; then
  cache="$(posix_path "$RUNNER_TOOL_CACHE")"
  for candidate in "$cache"/Python/*/*/bin/python3 "$cache"/Python/*/*/python.exe; do
    consider "$candidate"
  done
fi

if [ -n "$best" ]; then
  printf '%s\n' "$best"
  exit 0
fi
if [ "${#found[@]}" -eq 0 ]; then
  echo "no python3 or python at all"
else
  printf 'found only: %s' "${found[0]}"
  printf '; %s' "${found[@]:1}"
  echo
fi
exit 1
