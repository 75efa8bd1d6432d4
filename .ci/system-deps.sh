#!/usr/bin/env bash
# The Debian packages Kooperation needs, installed if missing.
#
#   .ci/system-deps.sh run            # the app: WeasyPrint's Pango/HarfBuzz, gettext, a font
#   .ci/system-deps.sh test           # also the test suite's chromium, poppler-utils, qpdf, Java (vnu)
#   .ci/system-deps.sh test curl …    # further packages (CI needs curl)
#
# Checks each package with `dpkg -s`. As root it installs the missing ones with apt-get;
# otherwise it prints the `sudo apt-get install …` line and exits with 1. Without dpkg
# (not Debian) it only names the packages and carries on. KOOPERATION_SKIP_SYSTEM_DEPS=1
# skips the check altogether.
set -euo pipefail

RUNTIME_PACKAGES=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext fonts-dejavu-core)
TEST_PACKAGES=(chromium poppler-utils qpdf default-jre-headless)

usage() {
    echo "usage: $0 run|test [extra-package …]" >&2
    exit 2
}

(($#)) || usage
profile=$1
shift
case $profile in
    run) packages=("${RUNTIME_PACKAGES[@]}") ;;
    test) packages=("${RUNTIME_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
    *) usage ;;
esac
packages+=("$@")

if [[ ${KOOPERATION_SKIP_SYSTEM_DEPS:-} == 1 ]]; then
    echo "System packages: check skipped (KOOPERATION_SKIP_SYSTEM_DEPS=1)"
    exit 0
fi

if ! command -v dpkg >/dev/null 2>&1; then
    echo "System packages: no dpkg here (not Debian); make sure the equivalents of these are installed:" >&2
    echo "  ${packages[*]}" >&2
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    # `dpkg -s` also succeeds for removed packages whose configuration files remain.
    if ! dpkg -s "$package" 2>/dev/null | grep -q '^Status: install ok installed'; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "System packages ($profile): all present"
    exit 0
fi

if [[ $(id -u) != 0 ]]; then
    {
        echo "System packages ($profile) missing: ${missing[*]}"
        echo "Install them as root, then run make again:"
        echo
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
        echo
    } >&2
    exit 1
fi

echo "System packages ($profile): installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing[@]}"
