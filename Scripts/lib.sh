# Shared by the scripts in this folder: install the Debian packages clinic needs, if missing.

# libedit-dev, libsqlite3-dev and libpq-dev (PostgreSQL's client library) to build; sqlite3, tmux,
# a C compiler, python3, headless Chromium (the printed report is rendered in it) and a PostgreSQL
# server (each test that needs one starts its own cluster) for the tests.
CLINIC_BUILD_PACKAGES=(libedit-dev libsqlite3-dev libpq-dev pkg-config)
CLINIC_TEST_PACKAGES=(sqlite3 tmux gcc python3 chromium postgresql)

# ensure_packages PKG...: apt-get install the ones not installed (as root, or through sudo).
ensure_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing ${missing[*]}" >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "error: need root or sudo to install ${missing[*]}" >&2; return 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

require_swift() {
    command -v swift >/dev/null || { echo "error: swift is not on PATH (Swift 6 is needed: https://swift.org/install)" >&2; return 1; }
}
