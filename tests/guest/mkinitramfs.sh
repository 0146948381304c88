#!/bin/sh
# Build the guest initramfs: busybox, /init, the tools, the tests and the
# example programs (in /examples: not tests, the guest does not run them)
# and the benchmarks (in /bench, run by `make bench` only; with CRIU set
# to a criu binary, that too, to compare with).
# The archive is made by the kernel's own gen_init_cpio from a list, so
# device nodes need no root and the result does not depend on the host.
#
# usage: [CRIU=/usr/sbin/criu] mkinitramfs.sh REPO BUILD OUT.cpio
set -eu

REPO=$1
BUILD=$2
OUT=$3
KSRC=$BUILD/linux
GEN=$BUILD/gen_init_cpio
LIST=$BUILD/initramfs.list
BUSYBOX=${BUSYBOX:-/bin/busybox}

[ -x "$BUSYBOX" ] || { echo "mkinitramfs: $BUSYBOX missing (busybox-static)" >&2; exit 1; }
if [ ! -x "$GEN" ] || [ "$KSRC/usr/gen_init_cpio.c" -nt "$GEN" ]; then
	gcc -O2 -o "$GEN" "$KSRC/usr/gen_init_cpio.c"
fi

{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /proc /sys /dev /tmp /root \
		 /etc /tests /examples /bench /run /var; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "file /bin/busybox $BUSYBOX 0755 0 0"
	for app in $("$BUSYBOX" --list-full); do
		[ "$app" = bin/busybox ] || echo "slink /$app /bin/busybox 0777 0 0"
	done
	echo "file /init $REPO/tests/guest/init 0755 0 0"
	echo "file /tests/demo.sh $REPO/tests/guest/demo.sh 0755 0 0"
	echo "file /etc/passwd $REPO/tests/guest/passwd 0644 0 0"
	for t in "$BUILD"/tools/ckpt "$BUILD"/tools/mktree "$BUILD"/tools/ckptinfo; do
		echo "file /usr/bin/$(basename "$t") $t 0755 0 0"
	done
	: > "$BUILD/tests.list.new"
	for t in "$BUILD"/tests/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		echo "file /tests/$(basename "$t") $t 0755 0 0"
		basename "$t" >> "$BUILD/tests.list.new"
	done
	echo "file /tests/list $BUILD/tests.list 0644 0 0"
	for e in "$BUILD"/tests/examples/*; do
		[ -f "$e" ] && [ -x "$e" ] || continue
		echo "file /examples/$(basename "$e") $e 0755 0 0"
	done
	# CRIU for make bench (CRIU=/usr/sbin/criu): the binary, its
	# libraries where Debian's loader looks without a cache, the loader
	if [ -n "${CRIU:-}" ]; then
		echo "dir /usr/lib 0755 0 0"
		echo "dir /usr/lib/x86_64-linux-gnu 0755 0 0"
		echo "dir /lib64 0755 0 0"
		echo "file /usr/sbin/criu $CRIU 0755 0 0"
		echo "file /lib64/ld-linux-x86-64.so.2 $(readlink -f /lib64/ld-linux-x86-64.so.2) 0755 0 0"
		ldd "$CRIU" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }' |
		while read -r so path; do
			echo "file /usr/lib/x86_64-linux-gnu/$so $(readlink -f "$path") 0755 0 0"
		done
	fi
	for b in "$BUILD"/bench/*; do
		[ -f "$b" ] && [ -x "$b" ] || continue
		echo "file /bench/$(basename "$b") $b 0755 0 0"
	done
} > "$LIST.new"
cmp -s "$BUILD/tests.list.new" "$BUILD/tests.list" ||
	mv "$BUILD/tests.list.new" "$BUILD/tests.list"
rm -f "$BUILD/tests.list.new"

# Rebuild only when the list or a file in it changed
fresh() {
	[ -f "$OUT" ] && cmp -s "$LIST.new" "$LIST" || return 1
	for f in $(awk '$1 == "file" { print $3 }' "$LIST.new"); do
		[ "$f" -nt "$OUT" ] && return 1
	done
	return 0
}
if fresh; then
	rm -f "$LIST.new"
	exit 0
fi
mv "$LIST.new" "$LIST"
echo "  CPIO    $OUT"
"$GEN" "$LIST" > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
