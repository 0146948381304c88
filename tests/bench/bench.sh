#!/bin/sh
# What `make bench` runs inside the guest (see ckpt_bench.c for what each
# figure means). /tmp is a tmpfs; it gets room for the largest image next
# to the largest workload.
set -u
MIB=${CKPT_BENCH_MIB:-64 256 1024}

mount -o remount,size=75% /tmp
echo "bench: guest $(uname -r), $(nproc) CPUs, $(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"

# Word splitting of $MIB is wanted
# shellcheck disable=SC2086
/bench/ckpt_bench -r 5 $MIB || exit 1
echo "bench: done"
