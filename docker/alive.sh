#!/bin/sh
# Liveness of a role without an API: its loop touches ${LIVENESS_DIR}/ROLE (payproc.processes.Pulse)
# each time it turns; fails when the file is missing or older than MAX_AGE seconds (default 120).
# Usage: alive.sh ROLE [MAX_AGE]. Plain sh, no Python start-up: a probe runs every few seconds.
set -eu
file="${LIVENESS_DIR:-${TMPDIR:-/tmp}/payproc-liveness}/$1"  # LIVENESS_DIR's default, as Python's tempfile finds it
[ -f "$file" ] || { echo "$1: no pulse yet ($file)" >&2; exit 1; }
age=$(( $(date +%s) - $(stat -c %Y "$file") ))
[ "$age" -le "${2:-120}" ] || { echo "$1: last pulse ${age} s ago" >&2; exit 1; }
