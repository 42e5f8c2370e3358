#!/usr/bin/env bash
# ESC Fleet: run the demo site on this machine (broker, simulated printers, an agent,
# the collector with its status page and /metrics). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_debian_packages "$DEMO_DEB_PACKAGES"
ensure_venv demo
exec "$VENV/bin/esc-collector" demo "$@"
