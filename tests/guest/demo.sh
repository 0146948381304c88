#!/bin/sh
# What `make demo` shows inside the guest. It shows only what works: the
# system calls answering and an image decoded by ckptinfo. Restoring
# task state is not implemented yet, and mktree says so.
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "== checkpoint/restart demo on $(uname -sr), $(nproc) CPUs =="

say "sleep 1000 &"
sleep 1000 &
PID=$!
echo "[started pid $PID]"

say "ckpt $PID > /tmp/sleep.img"
ckpt "$PID" > /tmp/sleep.img
echo "[ckpt exit status $?]"

say "ckptinfo /tmp/sleep.img"
ckptinfo /tmp/sleep.img
echo "[ckptinfo exit status $?]"

say "kill -0 $PID   # the target is unharmed and running"
kill -0 "$PID" && grep State /proc/"$PID"/status

say "mktree < /tmp/sleep.img"
mktree < /tmp/sleep.img
echo "[mktree exit status $?]"

say "head -c 64 /dev/urandom | mktree   # garbage is refused"
head -c 64 /dev/urandom | mktree
echo "[mktree exit status $?]"

kill "$PID"
echo
echo "== end of demo: restoring task state comes with single-task checkpoint =="
