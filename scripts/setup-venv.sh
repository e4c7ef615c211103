#!/usr/bin/env bash
# Create .venv and install the project with the extras named in $1 (e.g. "test"), once per
# change of pyproject.toml. Works on a fresh Debian with only Python 3.11: installs python3-venv
# through apt when the interpreter lacks it.
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

stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-${extras:-base}"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  spec="."
  [ -n "$extras" ] && spec=".[${extras}]"
  .venv/bin/python -m pip install --quiet -e "$spec"
  touch "$stamp"
fi
