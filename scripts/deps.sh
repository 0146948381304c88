#!/bin/sh
# Install the Debian packages the build and the guest need, when missing.
# As root it installs them; otherwise it prints the one command to run.
# Packages only some targets need are given as arguments (make bench: criu).
#
# usage: deps.sh [PACKAGE...]
set -eu

PKGS="linux-source-6.12 qemu-system-x86 busybox-static sparse flex bison bc
cpio libelf-dev libssl-dev ccache gcc libc6-dev make patch xz-utils perl git
$*"

missing=
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages:$missing" >&2
	echo "run as root:  apt-get install -y$missing" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
