#!/usr/bin/env bash
# Dependency audit: pip-audit over the pinned requirements (runtime and production), against PyPI's
# advisory data. `scripts/audit.sh --if-reachable` (CI) skips, saying so, when that data cannot be reached.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# Per-release data, as pip-audit asks for it (a mirror of the package index alone does not serve it).
advisories="https://pypi.org/pypi/Django/$(sed -n 's/^Django==//p' requirements/base.txt)/json"
if ! curl -fsS -m 10 -o /dev/null "$advisories"; then
  echo "dependency audit: PyPI's advisory data ($advisories) is unreachable from here; no audit was run." >&2
  [ "${1:-}" = "--if-reachable" ] && exit 0
  exit 1
fi
# Every requirement is pinned, so nothing is resolved or installed: the pins themselves are audited.
exec .venv/bin/pip-audit --strict --progress-spinner off --vulnerability-service pypi --no-deps --disable-pip \
  -r requirements/production.txt
