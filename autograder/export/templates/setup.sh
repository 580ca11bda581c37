#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image (convkit export gradescope).
# It installs bubblewrap (the sandbox for student code) where apt-get exists, a Python >= 3.11, and a virtualenv
# at $ROOT/venv with the CPU build of torch first, then the grader's other pinned packages.
set -euo pipefail
ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$(cd "$(dirname "$0")" && pwd)"
# The CPU wheels: PyPI's Linux torch would pull several GB of CUDA packages a grader never uses.
TORCH_INDEX_URL="${TORCH_INDEX_URL:-https://download.pytorch.org/whl/cpu}"

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

if command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  apt-get install -y -qq bubblewrap || echo "setup.sh: bubblewrap could not be installed; convkit will warn"
fi
PYTHON=""
for candidate in python3.13 python3.12 python3.11 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && python_ok "$candidate"; then PYTHON="$candidate"; break; fi
done
if [[ -z "$PYTHON" ]] && command -v apt-get >/dev/null 2>&1; then
  apt-get install -y -qq python3.11 python3.11-venv && PYTHON=python3.11
fi
if [[ -z "$PYTHON" ]]; then
  echo "setup.sh: convkit needs Python 3.11 or newer" >&2
  exit 1
fi
if ! "$PYTHON" -m venv "$ROOT/venv"; then
  apt-get install -y -qq "$(basename "$PYTHON")-venv" && "$PYTHON" -m venv "$ROOT/venv"
fi
"$ROOT/venv/bin/python" -m pip install --quiet --upgrade pip
"$ROOT/venv/bin/python" -m pip install --quiet torch=={{ torch }} --index-url "$TORCH_INDEX_URL"
"$ROOT/venv/bin/python" -m pip install --quiet -r "$SOURCE/requirements.txt"
echo "setup.sh: done"
