#!/bin/sh
# Kernel-style checks over the repo's kernel files and patches:
# checkpatch --strict, sparse (C=2), W=1 and kernel-doc. Any finding fails.
#
# usage: lint.sh REPO KSRC KOBJ   (KOBJ: a configured, built kernel)
set -u

REPO=$1
KSRC=$2
KOBJ=$3
rc=0
cd "$REPO" || exit 1

KFILES=$(find checkpoint arch/x86/checkpoint -name '*.[ch]' | sort)
KFILES="$KFILES include/linux/checkpoint.h include/uapi/linux/checkpoint.h"
CP="perl $KSRC/scripts/checkpatch.pl --strict --no-tree --quiet --show-types"

echo "  LINT    checkpatch --strict (files)"
# shellcheck disable=SC2086
$CP --terse -f $KFILES checkpoint/Kconfig checkpoint/Makefile \
	arch/x86/checkpoint/Makefile || rc=1

echo "  LINT    checkpatch --strict (patches/)"
for p in $(grep -v '^#' patches/series); do
	# on stdin: checkpatch reads a git-tracked file as source, not a patch
	$CP - < "patches/$p" || { echo "  in patches/$p"; rc=1; }
done

echo "  LINT    kernel-doc"
# shellcheck disable=SC2086
out=$(perl "$KSRC/scripts/kernel-doc" -none -Wall $KFILES 2>&1)
[ -z "$out" ] || { echo "$out"; rc=1; }

echo "  LINT    sparse and W=1"
# Rebuild our objects only, with sparse and extra warnings
touch $(find "$KSRC/checkpoint" "$KSRC/arch/x86/checkpoint" -name '*.c')
out=$(make -s -C "$KSRC" O="$KOBJ" ARCH=x86_64 C=1 W=1 \
	checkpoint/ arch/x86/checkpoint/ 2>&1 | grep -v '^make')
# the objects now carry W=1 flags: let the next normal build redo them
touch $(find "$KSRC/checkpoint" "$KSRC/arch/x86/checkpoint" -name '*.c')
[ -z "$out" ] || { echo "$out"; rc=1; }

[ "$rc" -eq 0 ] && echo "lint: clean" || echo "lint: FAILED"
exit "$rc"
