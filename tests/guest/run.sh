#!/bin/sh
# Boot the guest kernel in QEMU with the initramfs, stream its serial
# console, keep it under build/logs/ and judge the run: every test result
# (KUnit and selftests), a guest that did not finish, and any kernel
# splat. Closes with "N passed, N failed".
#
# usage: run.sh BZIMAGE INITRD check|demo|bench|shell [TEST]
set -u

KERNEL=$1
INITRD=$2
MODE=$3
ONLY=${4:-}
HERE=$(cd "$(dirname "$0")" && pwd)
LOGDIR=$(dirname "$INITRD")/logs
LOG=$LOGDIR/$MODE${ONLY:+-$ONLY}.log
MEM=${GUEST_MEM:-2G}
TIMEOUT=${GUEST_TIMEOUT:-2400}

mkdir -p "$LOGDIR"

# KVM only where the CPU really offers it; TCG otherwise
if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	ACCEL="-accel kvm -cpu host"
else
	ACCEL="-accel tcg,thread=multi -cpu max"
fi

APPEND="console=ttyS0 panic=-1 ckpt.mode=$MODE${ONLY:+ ckpt.test=$ONLY}"
set -- qemu-system-x86_64 $ACCEL -smp 2 -m "$MEM" -no-reboot \
	-kernel "$KERNEL" -initrd "$INITRD" -append "$APPEND"

if [ "$MODE" = shell ]; then
	exec "$@" -nographic
fi

echo "  QEMU    $MODE${ONLY:+ $ONLY} ($ACCEL), log in $LOG"
timeout -k 10 "$TIMEOUT" "$@" -display none -monitor none -serial stdio \
	</dev/null 2>&1 | tr -d '\r' | tee "$LOG"
awk -v mode="$MODE" -v only="$ONLY" -f "$HERE/parse.awk" "$LOG"
