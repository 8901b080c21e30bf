#!/usr/bin/env bash
# One command on a fresh machine: set up ./.venv and run the demo on the embedded store.
EXTRAS="" source "$(dirname "$0")/_venv.sh"
exec .venv/bin/scoring demo "$@"
