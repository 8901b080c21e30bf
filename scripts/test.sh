#!/usr/bin/env bash
# One command on a fresh machine: set up ./.venv with the dev tools, lint, type-check, test.
EXTRAS="dev" source "$(dirname "$0")/_venv.sh"
echo "== ruff" && .venv/bin/ruff check . && .venv/bin/ruff format --check .
echo "== mypy" && .venv/bin/mypy
echo "== pytest"
workers=$(.venv/bin/python -c 'import os; print(min(4, os.cpu_count() or 1))')
exec .venv/bin/pytest -n "$workers" "$@"
