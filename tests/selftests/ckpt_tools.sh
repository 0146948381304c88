#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The userspace tools in the guest, against the real system calls:
# ckpt freezes (cgroup v2), checkpoints and lets go of a process and prints the
# kernel's error record; ckptinfo decodes and judges images (complete,
# failed, malformed); mktree hands an image to restart(2) and reports
# its refusal. TAP output.

T=$(mktemp -d /tmp/ckpt_tools.XXXXXX)
N=0
FAILED=0
PIDS=

ok() {
	N=$((N + 1))
	echo "ok $N $1"
}

not_ok() {
	N=$((N + 1))
	FAILED=$((FAILED + 1))
	echo "not ok $N $1"
	shift
	for l in "$@"; do echo "# $l"; done
}

# check NAME CONDITION-COMMAND... : one TAP result
check() {
	name=$1
	shift
	if "$@"; then
		ok "$name"
	else
		not_ok "$name" "failed: $*" "last stderr: $(cat "$T/err" 2>/dev/null)"
	fi
}

cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

state() { sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
contains() { grep -q -- "$2" "$1"; }

echo "TAP version 13"
echo "1..33"

sleep 1000 &
P=$!
PIDS="$PIDS $P"
CG_BEFORE=$(cat /proc/$P/cgroup)
CGROOT=/sys/fs/cgroup

# Ckpt on a running process: frozen in a cgroup of its own, refused,
# message printed, target let go
ckpt -v "$P" > "$T/img" 2> "$T/err"
check "ckpt_exit_status_on_refusal" [ $? -eq 1 ]
check "ckpt_froze_in_own_cgroup" contains "$T/err" "froze process $P in cgroup $CGROOT/ckpt-$P"
check "ckpt_prints_kernel_error_record" contains "$T/err" \
	"pid $P: saving task state is not supported yet"
check "ckpt_prints_errno" contains "$T/err" "Operation not supported"
check "ckpt_target_still_alive" kill -0 "$P"
check "ckpt_target_running_again" [ "$(state "$P")" = S ]
check "ckpt_target_back_in_its_cgroup" [ "$(cat /proc/$P/cgroup)" = "$CG_BEFORE" ]
check "ckpt_own_cgroup_removed" [ ! -e "$CGROOT/ckpt-$P" ]

# Ckptinfo on the image of the failed checkpoint
ckptinfo "$T/img" > "$T/info" 2>&1
check "ckptinfo_failed_image_exit_1" [ $? -eq 1 ]
check "ckptinfo_shows_error_record" contains "$T/info" "saving task state is not supported yet"
check "ckptinfo_decodes_header" contains "$T/info" "$(uname -r)"

# The same through pipes
ckpt "$P" 2>/dev/null | ckptinfo -q > "$T/info" 2>&1
check "ckpt_to_pipe_ckptinfo_from_pipe" [ $? -eq 1 ]
check "ckptinfo_quiet_verdict" contains "$T/info" "checkpoint failed"

# -o FILE keeps the image; a stopped target stays stopped
kill -STOP "$P"
ckpt -o "$T/img2" "$P" 2>/dev/null
check "ckpt_o_file_refused" [ $? -eq 1 ]
check "ckpt_stopped_target_stays_stopped" [ "$(state "$P")" = T ]
kill -CONT "$P"

# The image in the file decodes like the one on stdout
ckptinfo -q "$T/img2" > /dev/null 2>&1
check "ckptinfo_o_file_exit_1" [ $? -eq 1 ]

# A target alone in a cgroup is frozen there, and thawed after
mkdir "$CGROOT/ckpt-tools-alone"
echo "$P" > "$CGROOT/ckpt-tools-alone/cgroup.procs"
ckpt -v "$P" > /dev/null 2> "$T/err"
check "ckpt_alone_frozen_in_place" contains "$T/err" "froze process $P in cgroup $CGROOT/ckpt-tools-alone"
check "ckpt_alone_in_cgroup_thawed" [ "$(cat "$CGROOT/ckpt-tools-alone/cgroup.freeze")" = 0 ]
check "ckpt_alone_in_cgroup_stays_there" grep -q "^0::/ckpt-tools-alone$" /proc/$P/cgroup

# A target frozen already stays frozen
echo 1 > "$CGROOT/ckpt-tools-alone/cgroup.freeze"
i=0
while ! grep -q "frozen 1" "$CGROOT/ckpt-tools-alone/cgroup.events" && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
ckpt -v "$P" > /dev/null 2> "$T/err"
check "ckpt_frozen_target_left_alone" contains "$T/err" "stopped or frozen already"
check "ckpt_frozen_target_checkpointed" contains "$T/err" "not supported yet"
check "ckpt_frozen_target_stays_frozen" grep -q "frozen 1" "$CGROOT/ckpt-tools-alone/cgroup.events"
echo 0 > "$CGROOT/ckpt-tools-alone/cgroup.freeze"
echo "$P" > "$CGROOT/cgroup.procs"
rmdir "$CGROOT/ckpt-tools-alone"

# -k does not kill when the checkpoint failed
ckpt -k "$P" > /dev/null 2>&1
check "ckpt_k_failed_exit_1" [ $? -eq 1 ]
check "ckpt_k_failed_target_alive" kill -0 "$P"

# No such process
ckpt 999999 > /dev/null 2> "$T/err"
check "ckpt_no_such_pid_exit_1" [ $? -eq 1 ]
check "ckpt_no_such_pid_message" contains "$T/err" "no process 999999"

# Ckptinfo on malformed input: garbage, truncated, empty
head -c 200 /dev/urandom > "$T/garbage"
ckptinfo "$T/garbage" > /dev/null 2>&1
check "ckptinfo_garbage_exit_2" [ $? -eq 2 ]
head -c 100 "$T/img" > "$T/short"
ckptinfo "$T/short" > /dev/null 2> "$T/err"
check "ckptinfo_truncated_exit_2" [ $? -eq 2 ]
ckptinfo < /dev/null > /dev/null 2>&1
check "ckptinfo_empty_exit_2" [ $? -eq 2 ]

# A complete image (header and arch record of a real one, then a
# trailer with its id and the record count) is judged valid
head -c 416 "$T/img" > "$T/complete"
printf '\004\000\000\000\040\000\000\000ckptend\000' >> "$T/complete"
dd if="$T/img" bs=1 skip=32 count=8 2>/dev/null >> "$T/complete"
printf '\002\000\000\000\000\000\000\000' >> "$T/complete"
ckptinfo "$T/complete" > "$T/info" 2>&1
check "ckptinfo_complete_image_exit_0" [ $? -eq 0 ]

# Mktree hands images to restart(2), which refuses them all today
mktree < "$T/img" > /dev/null 2> "$T/err"
check "mktree_failed_image_exit_1" [ $? -eq 1 ]
check "mktree_reports_restart_error" contains "$T/err" "Invalid argument"
mktree -i "$T/complete" > /dev/null 2>&1
check "mktree_image_without_tasks_exit_1" [ $? -eq 1 ]

echo "# $FAILED of $N failed"
[ "$FAILED" -eq 0 ]
