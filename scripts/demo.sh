#!/usr/bin/env bash
# Set up, then grade the reference, the untouched stubs and the sample buggy submissions, and show the report.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
rm -rf demo-out
convkit grade solutions/conv_layer.py exercises/conv_layer.py examples --out demo-out --no-progress
echo
echo "Per-student results: demo-out/<student>/results.json (Gradescope format); class grades: demo-out/grades.csv"
[[ -f demo-out/report.html ]] && echo "Class report: demo-out/report.html"
echo
echo "The reference's self-check (what a student sees):"
convkit check solutions/conv_layer.py
