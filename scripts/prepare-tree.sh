#!/bin/sh
# Extract the Debian 6.12 kernel source once under build/, apply the
# patches/ series idempotently, and sync the repo's own kernel files into
# the tree, copying only those that changed so that an edit rebuilds what
# depends on it and nothing else.
#
# usage: prepare-tree.sh REPO KSRC
set -eu

REPO=$1
KSRC=$2
TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
STATE=$KSRC/.ckpt
EXPECTED=$(cat "$REPO/patches/KERNEL_VERSION")

die() { echo "prepare-tree: $*" >&2; exit 1; }

[ -f "$TARBALL" ] || die "$TARBALL not found (Debian package linux-source-6.12)"

# 1. Extract, again whenever the tarball changes
tarid=$(stat -c '%s %Y' "$TARBALL")
if [ ! -f "$STATE/tarball" ] || [ "$(cat "$STATE/tarball")" != "$tarid" ]; then
	echo "  EXTRACT $TARBALL"
	rm -rf "$KSRC" "$KSRC.tmp"
	mkdir -p "$KSRC.tmp"
	tar -xf "$TARBALL" -C "$KSRC.tmp" --strip-components=1
	mkdir -p "$KSRC.tmp/.ckpt/applied"
	echo "$tarid" > "$KSRC.tmp/.ckpt/tarball"
	: > "$KSRC.tmp/.ckpt/order"
	mv "$KSRC.tmp" "$KSRC"
fi

version=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p;s/^SUBLEVEL = //p' "$KSRC/Makefile" |
	  paste -sd.)
echo "$version" > "$STATE/version"
[ "$version" = "$EXPECTED" ] ||
	echo "prepare-tree: note: patches were made against $EXPECTED, the tree is $version"

# 2. Patches: keep the applied prefix that is unchanged, undo the rest in
#    reverse order, then apply what the series wants from there on.
set -- $(grep -v '^#' "$REPO/patches/series")
i=0
keep=0
while read -r name; do
	i=$((i + 1))
	eval "want=\${$i:-}"
	if [ "$keep" -eq $((i - 1)) ] && [ "$want" = "$name" ] &&
	   cmp -s "$STATE/applied/$name" "$REPO/patches/$name"; then
		keep=$i
	fi
done < "$STATE/order"

tac "$STATE/order" | head -n $(($(wc -l < "$STATE/order") - keep)) |
while read -r name; do
	echo "  UNPATCH $name"
	patch -d "$KSRC" -p1 -R -s --no-backup-if-mismatch < "$STATE/applied/$name" ||
		die "cannot undo $name: remove $KSRC to start over"
	rm -f "$STATE/applied/$name"
done
head -n "$keep" "$STATE/order" > "$STATE/order.new"
mv "$STATE/order.new" "$STATE/order"

shift "$keep"
for name in "$@"; do
	if ! patch -d "$KSRC" -p1 -s -f --dry-run < "$REPO/patches/$name" >/dev/null; then
		die "patches/$name does not apply to linux $version (made against $EXPECTED)"
	fi
	echo "  PATCH   $name"
	patch -d "$KSRC" -p1 -s -f --no-backup-if-mismatch < "$REPO/patches/$name" >/dev/null
	cp "$REPO/patches/$name" "$STATE/applied/$name"
	echo "$name" >> "$STATE/order"
done

# 3. The repo's own files: copy what differs (unchanged files keep their
#    time, so an edit rebuilds one object), and drop files the repo no
#    longer has from the directories it owns.
cd "$REPO"
OWNED_DIRS="checkpoint arch/x86/checkpoint Documentation/checkpoint"
OWNED_FILES="include/linux/checkpoint.h include/uapi/linux/checkpoint.h"
for f in $(find $OWNED_DIRS -type f) $OWNED_FILES; do
	if ! cmp -s "$f" "$KSRC/$f"; then
		mkdir -p "$KSRC/$(dirname "$f")"
		# the time of the copy: newer than whatever the old contents
		# built, even if the repo's file was edited before that build
		cp "$f" "$KSRC/$f"
	fi
done
for d in $OWNED_DIRS; do
	[ -d "$KSRC/$d" ] || continue
	(cd "$KSRC" && find "$d" -type f) | while read -r f; do
		[ -e "$REPO/$f" ] || rm -f "$KSRC/$f"
	done
done
