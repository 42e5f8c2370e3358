# Shared by scripts/test.sh and scripts/demo.sh (sourced, not run).

# Debian packages: the real components the tests start (docs/design.md §6).
TEST_DEB_PACKAGES="python3 python3-venv mosquitto mosquitto-clients prometheus prometheus-alertmanager snmp chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core cups-ipp-utils dbus avahi-daemon dnsmasq-base iproute2 victoria-metrics"
# The demo runs without Mosquitto too (embedded broker), but uses it where present.
DEMO_DEB_PACKAGES="python3 python3-venv mosquitto libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"
# The virtual environment is built from Debian's own python3: the SNMP simulator drops
# to user 'nobody' when run as root, and nobody must be able to read the interpreter.
VENV="${ESC_VENV:-$PWD/.venv}"
PYTHON="${ESC_PYTHON:-/usr/bin/python3}"

ensure_debian_packages() {
    local missing=() pkg
    for pkg in $1; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "== installing Debian packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then sudo="sudo"; else
            echo "error: missing Debian packages (${missing[*]}) and no root: install them first" >&2
            return 1
        fi
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

ensure_venv() {
    local extra="$1" stamp
    stamp="$VENV/.esc-fleet-$extra-$(sha1sum pyproject.toml | cut -c1-12)"
    [ -f "$stamp" ] && return 0
    echo "== preparing the Python environment in $VENV ($extra)"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e ".[$extra]"
    touch "$stamp"
}

# Grafana's own data library for tests/test_dashboards.py, installed beside the Python environment
# (outside the source tree) from tests/grafana/package-lock.json.
ensure_grafana_data() {
    local dir="$VENV/grafana" stamp
    command -v npm >/dev/null || ensure_debian_packages "nodejs npm"
    stamp="$dir/.esc-fleet-$(sha1sum tests/grafana/package-lock.json | cut -c1-12)"
    [ -f "$stamp" ] && return 0
    echo "== installing Grafana's data library into $dir"
    mkdir -p "$dir"
    cp tests/grafana/package.json tests/grafana/package-lock.json "$dir/"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    touch "$stamp"
}
