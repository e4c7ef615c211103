#!/usr/bin/env bash
# Create .venv and install the project with the extras named in $1 (e.g. "test"), with
# requirements.lock as constraints (the resolved, audited set: docs/DEPENDENCIES.md), once per
# change of pyproject.toml or requirements.lock. Works on a fresh Debian with only Python 3.11:
# installs python3-venv through apt when the interpreter lacks it.
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-}"
python="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    echo "python3 -m venv is missing: installing Debian's python3-venv" >&2
    scripts/apt-install.sh python3-venv
    "$python" -m venv .venv
  fi
fi

stamp=".venv/.installed-$(cat pyproject.toml requirements.lock | sha1sum | cut -c1-12)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  spec="."
  [ -n "$extras" ] && spec=".[${extras}]"
  if ! .venv/bin/python -m pip install --quiet -c requirements.lock -e "$spec"; then
    echo "pip could not install $spec within requirements.lock: if pyproject.toml changed a pin," \
      "run 'make lock' (docs/DEPENDENCIES.md)" >&2
    exit 1
  fi
  touch "$stamp"
fi
