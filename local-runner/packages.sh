# Debian packages the project needs at build, test and run time. Sourced by local-runner/run,
# local-runner/test and .ci/run; installs what is missing when running as root.
CCR_PACKAGES=(postgresql redis-server libpq-dev libhiredis-dev libssl-dev zlib1g-dev pkg-config)

ccr_ensure_packages() {
    local missing=()
    for package in "${CCR_PACKAGES[@]}" "$@"; do
        dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "local-runner: missing Debian packages: ${missing[*]} (install them with: sudo apt-get install -y ${missing[*]})" >&2
        exit 1
    fi
    echo "local-runner: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# swift build with the per-file progress lines filtered out; exits with the build's status.
ccr_build() {
    set +e
    swift build "$@" 2>&1 | grep -vE "^\[[0-9]+/[0-9]+\] |unhandled; explicitly declare|^Building for|^Build complete" >&2
    local status=${PIPESTATUS[0]}
    set -e
    if [ "$status" -ne 0 ]; then
        echo "local-runner: swift build $* failed (status $status)" >&2
        exit "$status"
    fi
}
