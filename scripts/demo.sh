#!/usr/bin/env bash
# ESC Fleet: run the demo site on this machine (broker, simulated printers, an agent,
# the collector with its status page and /metrics). Ctrl-C stops everything; the history,
# configurations and logs stay in ./demo-state (git-ignored), where the commands the demo
# prints still find them. Options: --fresh (start over, said), --state DIR, --embedded-broker.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

ensure_debian_packages "$DEMO_DEB_PACKAGES"
ensure_venv demo
exec "$VENV/bin/esc-collector" demo "$@"
