#!/bin/sh
# Make the .config of one guest kernel variant: x86_64 tinyconfig with the
# fragments merged on top, then check that every option of the fragments
# ended up as written. Does nothing when the fragments have not changed.
#
# usage: kconfig.sh KSRC KOBJ FRAGMENT...
set -eu

KSRC=$1
KOBJ=$2
shift 2

mkdir -p "$KOBJ"
stamp=$(cat "$@" "$KSRC/.ckpt/version" | md5sum | cut -d' ' -f1)
if [ -f "$KOBJ/.config" ] && [ "$(cat "$KOBJ/.ckpt-config" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

echo "  CONFIG  $KOBJ (tinyconfig + $*)"
make -s -C "$KSRC" O="$KOBJ" ARCH=x86_64 tinyconfig >/dev/null
KCONFIG_CONFIG=$KOBJ/.config "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$KOBJ" \
	"$KOBJ/.config" "$@" >/dev/null
make -s -C "$KSRC" O="$KOBJ" ARCH=x86_64 olddefconfig >/dev/null

bad=0
for frag in "$@"; do
	grep -E '^(CONFIG_[A-Z0-9_]+=|# CONFIG_[A-Z0-9_]+ is not set)' "$frag" |
	while read -r line; do
		if ! grep -qxF "$line" "$KOBJ/.config"; then
			echo "kconfig: $line (from $frag) did not take effect" >&2
			echo x
		fi
	done
done | grep -q x && bad=1
[ "$bad" -eq 0 ] || { rm -f "$KOBJ/.ckpt-config"; exit 1; }
echo "$stamp" > "$KOBJ/.ckpt-config"
