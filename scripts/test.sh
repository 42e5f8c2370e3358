#!/usr/bin/env bash
# ESC Fleet: run the whole test suite on a fresh Debian/Ubuntu machine.
#
# Installs what is missing (Debian packages for the real services the tests start, and
# the Python dependencies into .venv), then runs ruff, mypy, the promtool rule tests and pytest.
# Any failure, including "pytest collected no tests" (exit 5), fails the script.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_debian_packages "$TEST_DEB_PACKAGES"
ensure_venv test
ensure_grafana_data

echo "== ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
echo "== mypy"
"$VENV/bin/mypy"
echo "== promtool test rules"
promtool test rules alerts/tests/esc.rules.test.yml
echo "== pytest"
mkdir -p test-artifacts
# In parallel (pytest-xdist): most tests wait on real processes rather than compute, so more
# workers than the two cores pay off; the longest tests are dealt out first (tests/helpers/schedule.py,
# laid out for --dist worksteal). docs/testing.md "Suite speed" has the measurements behind the count.
# ESC_TEST_WORKERS=0 runs everything in this one process; arguments are passed on to pytest.
"$VENV/bin/pytest" -n "${ESC_TEST_WORKERS:-4}" --dist worksteal --durations=25 "$@"
