#!/usr/bin/env bash
# `make audit`: check requirements.lock against published advisories with pip-audit (scripts/audit.py
# says how, and what happens when no advisory source is reachable). pip-audit is not part of the
# project's install: it lives in its own .venv-audit, installed from the `audit` extra of
# pyproject.toml, once per change of that extra.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"

mapfile -t tools < <("$python" -c '
import tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["audit"]))')

if [ ! -x .venv-audit/bin/python ]; then
  if ! "$python" -m venv .venv-audit 2>/dev/null; then
    rm -rf .venv-audit
    echo "python3 -m venv is missing: installing Debian's python3-venv" >&2
    scripts/apt-install.sh python3-venv
    "$python" -m venv .venv-audit
  fi
fi
stamp=".venv-audit/.installed-$(printf '%s\n' "${tools[@]}" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  .venv-audit/bin/python -m pip install --quiet --upgrade pip
  .venv-audit/bin/python -m pip install --quiet "${tools[@]}"
  touch "$stamp"
fi
exec .venv-audit/bin/python scripts/audit.py
