#!/bin/sh
# What `make bench` runs inside the guest (see ckpt_bench.c for what each
# figure means). /tmp is a tmpfs; it gets room for the largest image next
# to the largest workload.
set -u
MIB=${CKPT_BENCH_MIB:-64 256 1024}

mount -o remount,size=75% /tmp
echo "bench: guest $(uname -r), $(nproc) CPUs, $(awk '/^MemTotal/ { printf "%d MiB", $2 / 1024 }' /proc/meminfo)"

# CRIU, when the initramfs has it (make bench puts it there), on the same
# workloads. It needs the loopback up, and its first run of a boot probes
# the kernel (cached in /run), which `criu check` does here, out of the
# figures. Its verdict is only shown: it checks features (a socket's bound
# device, say) that this guest lacks and the workload does not use; a
# dump or restore that fails fails the benchmark.
CRIU=
if [ -x /usr/sbin/criu ]; then
	ip link set lo up
	/usr/sbin/criu check > /tmp/criu-check.log 2>&1
	echo "bench: $(/usr/sbin/criu -V | head -1 | sed 's/Version: /criu /'), criu check: $(tail -1 /tmp/criu-check.log | sed 's/.*): //')"
	CRIU="-c /usr/sbin/criu"
fi

# Word splitting of $MIB and $CRIU is wanted
# shellcheck disable=SC2086
/bench/ckpt_bench -r 5 $CRIU $MIB || exit 1
# A tree of 100 processes and a process of 64 threads, restarted by mktree
# shellcheck disable=SC2086
/bench/ckpt_bench -r 5 $CRIU -t 100 -T 64 || exit 1
echo "bench: done"
