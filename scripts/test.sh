#!/usr/bin/env bash
# Set up, then run the whole test suite. pytest's "no tests collected" (exit 5) is a failure here.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
export PATH="$PWD/.venv/bin:$PATH"   # nbgrader calls alembic from the virtualenv
python -m pytest -q "$@"
status=$?
if [[ $status -eq 5 ]]; then
  echo "test: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit $status
