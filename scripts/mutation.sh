#!/usr/bin/env bash
# Mutation campaign over the pure core, on demand (never in CI): see docs/testing.md.
#   scripts/mutation.sh [--only bodies|tables] [--keep] [--report] [module ...]
# One module at a time, one mutmut worker, at the lowest priority: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/.."
exec nice -n 19 .venv/bin/python -m benchmarks.mutation "$@"
