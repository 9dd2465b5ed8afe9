#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian (bookworm) machine, as root:
# i386 oracles (busybox-static:i386, gcc -m32 static libs), strace, qemu-user, the
# arm32/aarch64 cross compilers and kernel headers for the struct oracle, then fexlite
# itself with its test extras. Packages already present are not touched.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_FIRST=(gcc-12-arm-linux-gnueabihf gcc-12-aarch64-linux-gnu)   # apt's resolver needs these named first
APT=(busybox-static:i386 strace qemu-user libc6-dev-i386 lib32gcc-12-dev linux-libc-dev
     gcc-arm-linux-gnueabihf gcc-aarch64-linux-gnu linux-libc-dev-armhf-cross
     linux-libc-dev-arm64-cross)

missing=()
for pkg in "${APT_FIRST[@]}" "${APT[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    dpkg --print-foreign-architectures | grep -qx i386 || dpkg --add-architecture i386
    # a mirror mid-sync can fail one index; the others are still usable
    apt-get update -qq || apt-get update -qq || true
    apt-get install -y -qq --no-install-recommends "${APT_FIRST[@]}" >/dev/null
    apt-get install -y -qq --no-install-recommends "${APT[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -e '.[test]'
