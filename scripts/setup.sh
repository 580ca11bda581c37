#!/usr/bin/env bash
# Set up convkit on a fresh machine with Python 3.11 and pip: a virtualenv in .venv with the CPU build of torch,
# convkit itself (editable), and bubblewrap for the sandbox where the system can install it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [[ ! -x .venv/bin/python ]]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch first, pinned: an unpinned torch would pull several GB of CUDA packages
.venv/bin/python -m pip install --quiet torch==2.13.0
.venv/bin/python -m pip install --quiet -e .

if ! command -v bwrap >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing bubblewrap (the sandbox for student code)"
    apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null || echo "setup: could not install bubblewrap"
  else
    echo "setup: bubblewrap (bwrap) is not installed; convkit will run student code with resource limits only." \
         "Install it (Debian/Ubuntu: sudo apt-get install bubblewrap) for full isolation."
  fi
fi
echo "setup: done (.venv)"
