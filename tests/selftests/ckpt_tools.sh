#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The userspace tools in the guest, against the real system calls:
# ckpt freezes (cgroup v2), checkpoints and lets go of a process, or kills
# it with -k once the image is safe, and prints the kernel's error record
# when the checkpoint is refused; ckptinfo decodes and judges images
# (complete, failed, malformed); mktree restarts an image as a process
# with the checkpointed pid (or another one, or in a new pid namespace),
# waits for it or leaves it running with -d, and reports refusals and
# restarts that failed midway. TAP output.
#
# The targets are single tasks: busybox sleep with its standard streams
# on /dev/null (a shell loop would not do: it forks). The plan is printed
# at the end.

T=$(mktemp -d /tmp/ckpt_tools.XXXXXX)
N=0
FAILED=0
PIDS=
CGROOT=/sys/fs/cgroup

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

skip() {
	N=$((N + 1))
	echo "ok $N $1 # SKIP $2"
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

# kill [-SIG] PID, for real pids only (kill 0 would hit our process group)
kill_pid() {
	sig=-TERM
	case "$1" in -*) sig=$1; shift ;; esac
	case "$1" in '' | *[!0-9]* | 0 | 1) return 1 ;; esac
	kill "$sig" "$1" 2>/dev/null
}

cleanup() {
	for p in $PIDS; do kill_pid -KILL "$p"; done
	[ -d "$CGROOT/ckpt-tools-alone" ] && {
		echo 0 > "$CGROOT/ckpt-tools-alone/cgroup.freeze"
		rmdir "$CGROOT/ckpt-tools-alone"
	} 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

state() { sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$1/status" 2>/dev/null; }
contains() { grep -q -- "$2" "$1"; }
icontains() { grep -qi -E -- "$2" "$1"; }
not_contains() { ! grep -q -- "$2" "$1"; }
# A live process (a zombie is not one)
alive() { [ -n "$(state "$1")" ] && [ "$(state "$1")" != Z ]; }
notalive() { ! alive "$1"; }
cmdline() { tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null; }
is_sleep() { case "$(cmdline "$1")" in "sleep $2 ") return 0;; esac; return 1; }

# Wait (at most 10 s) until process $1 is dead, or zombie, or in state $2
wait_state() {
	i=0
	while [ $i -lt 1000 ]; do
		s=$(state "$1")
		case "$s" in
		"" | Z) [ -z "$2" ] && return 0 ;;
		"$2") return 0 ;;
		esac
		sleep 0.01
		i=$((i + 1))
	done
	return 1
}

# Reap our child $1 once it is dead; kill it first if it is not within 10 s
reap() {
	wait_state "$1" || kill_pid -KILL "$1"
	wait "$1" 2>/dev/null
}

# $1 in [$2, $3]
between() { [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

# A pid mktree printed, or 0
pid_from() {
	r=$(cat "$1" 2>/dev/null)
	case "$r" in '' | *[!0-9]*) r=0 ;; esac
	echo "$r"
}

# A single-task sleep of $1 seconds with stdio on /dev/null; sets P
start_sleep() {
	# shellcheck disable=SC2217 # no fd of the target may be a pipe or a tty
	sleep "$1" </dev/null >/dev/null 2>&1 &
	P=$!
	PIDS="$PIDS $P"
	wait_state "$P" S
}

echo "TAP version 13"

# ---------------------------------------------------------------------
# ckpt on a running single task: frozen in a cgroup of its own,
# checkpointed, let go

start_sleep 1000
CG_BEFORE=$(cat /proc/$P/cgroup)

ckpt -v "$P" > "$T/img" 2> "$T/err"
check "ckpt_exit_status_0" [ $? -eq 0 ]
check "ckpt_froze_in_own_cgroup" contains "$T/err" "froze process $P in cgroup $CGROOT/ckpt-$P"
check "ckpt_verbose_prints_checkpoint_id" contains "$T/err" "checkpoint id [1-9]"
check "ckpt_verbose_says_how_long_kept_still" grep -q -E \
	"kept still for [0-9.]+ ms: freezing [0-9.]+ ms, checkpoint [0-9.]+ ms, thawing [0-9.]+ ms" "$T/err"
check "ckpt_image_written" [ -s "$T/img" ]
check "ckpt_target_still_alive" alive "$P"
check "ckpt_target_running_again" [ "$(state "$P")" = S ]
check "ckpt_target_back_in_its_cgroup" [ "$(cat /proc/$P/cgroup)" = "$CG_BEFORE" ]
check "ckpt_own_cgroup_removed" [ ! -e "$CGROOT/ckpt-$P" ]

# ckptinfo decodes and validates the complete image
ckptinfo "$T/img" > "$T/info" 2>&1
check "ckptinfo_complete_image_exit_0" [ $? -eq 0 ]
check "ckptinfo_verdict_valid" contains "$T/info" "valid image"
check "ckptinfo_decodes_header" contains "$T/info" "$(uname -r)"
check "ckptinfo_lists_tree_record" grep -q -E "^ *[0-9]+ +TREE +len" "$T/info"
check "ckptinfo_lists_task_record" grep -q -E "^ *[0-9]+ +TASK +len" "$T/info"
check "ckptinfo_lists_memory_records" grep -q -E "^ *[0-9]+ +PAGES +len" "$T/info"
check "ckptinfo_counts_one_task" contains "$T/info" " 1 task"

# The same through pipes
ckpt "$P" 2>/dev/null | ckptinfo -q > "$T/info" 2>&1
check "ckpt_to_pipe_ckptinfo_from_pipe_exit_0" [ $? -eq 0 ]
check "ckptinfo_quiet_verdict" contains "$T/info" "valid image"

# -o FILE keeps the image; a stopped target stays stopped
kill -STOP "$P"
wait_state "$P" T
ckpt -o "$T/img2" "$P" 2> "$T/err"
check "ckpt_o_file_exit_0" [ $? -eq 0 ]
check "ckpt_stopped_target_stays_stopped" [ "$(state "$P")" = T ]
kill -CONT "$P"
ckptinfo -q "$T/img2" > /dev/null 2>&1
check "ckptinfo_o_file_exit_0" [ $? -eq 0 ]

# A target alone in a cgroup is frozen there, and thawed after
mkdir "$CGROOT/ckpt-tools-alone"
echo "$P" > "$CGROOT/ckpt-tools-alone/cgroup.procs"
ckpt -v "$P" > /dev/null 2> "$T/err"
check "ckpt_alone_exit_0" [ $? -eq 0 ]
check "ckpt_alone_frozen_in_place" contains "$T/err" "froze process $P in cgroup $CGROOT/ckpt-tools-alone"
check "ckpt_alone_in_cgroup_thawed" [ "$(cat "$CGROOT/ckpt-tools-alone/cgroup.freeze")" = 0 ]
check "ckpt_alone_in_cgroup_stays_there" grep -q "^0::/ckpt-tools-alone$" /proc/$P/cgroup

# A target frozen already is checkpointed and stays frozen
echo 1 > "$CGROOT/ckpt-tools-alone/cgroup.freeze"
i=0
while ! grep -q "frozen 1" "$CGROOT/ckpt-tools-alone/cgroup.events" && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
ckpt -v "$P" > "$T/img3" 2> "$T/err"
check "ckpt_frozen_target_exit_0" [ $? -eq 0 ]
check "ckpt_frozen_target_left_alone" contains "$T/err" "stopped or frozen already"
check "ckpt_frozen_target_not_kept_still_by_ckpt" not_contains "$T/err" "kept still"
check "ckpt_frozen_target_stays_frozen" grep -q "frozen 1" "$CGROOT/ckpt-tools-alone/cgroup.events"
ckptinfo -q "$T/img3" > /dev/null 2>&1
check "ckptinfo_frozen_target_image_exit_0" [ $? -eq 0 ]
echo 0 > "$CGROOT/ckpt-tools-alone/cgroup.freeze"
echo "$P" > "$CGROOT/cgroup.procs"
rmdir "$CGROOT/ckpt-tools-alone"

# ckpt | mktree -d: the original keeps its pid and runs on; the copy is
# restarted under another pid, which mktree prints
ckpt "$P" 2>/dev/null | mktree -d > "$T/out" 2> "$T/err"
check "ckpt_pipe_mktree_d_exit_0" [ $? -eq 0 ]
R=$(pid_from "$T/out")
PIDS="$PIDS $R"
check "mktree_d_prints_a_pid" [ "$R" -gt 1 ]
check "mktree_copy_has_another_pid" [ "$R" != "$P" ]
check "mktree_copy_sleeps" wait_state "$R" S
check "mktree_copy_is_the_sleep" is_sleep "$R" 1000
check "mktree_original_still_runs" [ "$(state "$P")" = S ]
kill_pid "$R"
check "mktree_copy_ends_on_sigterm" wait_state "$R"

# ---------------------------------------------------------------------
# Refusal: a task with a pipe on its standard output (the sleep in
# `sleep | cat`), whose other end cat holds, outside the image. ckpt
# prints the kernel's error record, the target runs on.

sh -c 'echo $$ > "$1"; exec sleep 1000' sh "$T/pipepid" </dev/null 2>/dev/null | cat > /dev/null &
CATP=$!
PIDS="$PIDS $CATP"
i=0
while [ ! -s "$T/pipepid" ] && [ $i -lt 500 ]; do
	sleep 0.01
	i=$((i + 1))
done
SP=$(cat "$T/pipepid")
PIDS="$PIDS $SP"
wait_state "$SP" S

ckpt "$SP" > "$T/imgpipe" 2> "$T/err"
check "ckpt_refusal_exit_1" [ $? -eq 1 ]
check "ckpt_refusal_prints_kernel_error_record" contains "$T/err" "pipe:\[.*also held by pid $CATP"
check "ckpt_refusal_names_the_pid" contains "$T/err" "pid $SP"
check "ckpt_refusal_prints_errno" contains "$T/err" "Operation not supported"
check "ckpt_refused_target_still_alive" alive "$SP"
check "ckpt_refused_target_running_again" [ "$(state "$SP")" = S ]

ckptinfo "$T/imgpipe" > "$T/info" 2>&1
check "ckptinfo_failed_image_exit_1" [ $? -eq 1 ]
check "ckptinfo_shows_error_record" contains "$T/info" "pipe:\["

mktree -i "$T/imgpipe" > /dev/null 2> "$T/err"
check "mktree_failed_image_exit_1" [ $? -eq 1 ]
check "mktree_reports_restart_error" contains "$T/err" "Invalid argument"

# -k does not kill when the checkpoint failed
ckpt -k "$SP" > /dev/null 2>&1
check "ckpt_k_failed_exit_1" [ $? -eq 1 ]
check "ckpt_k_failed_target_alive" alive "$SP"
kill_pid "$SP"
kill_pid "$CATP"
reap "$SP"
reap "$CATP"

# ---------------------------------------------------------------------
# Another user's process, as an unprivileged user: EPERM

if su -s /bin/sh nobody -c true > /dev/null 2>&1; then
	kill_pid -STOP "$P"
	wait_state "$P" T
	su -s /bin/sh nobody -c "/usr/bin/ckpt $P" > "$T/imgperm" 2> "$T/err"
	check "ckpt_other_user_exit_1" [ $? -eq 1 ]
	check "ckpt_other_user_eperm" contains "$T/err" "Operation not permitted"
	check "ckpt_other_user_wrote_nothing" [ ! -s "$T/imgperm" ]
	check "ckpt_other_user_target_stays_stopped" [ "$(state "$P")" = T ]
	kill_pid -CONT "$P"
else
	for t in exit_1 eperm wrote_nothing target_stays_stopped; do
		skip "ckpt_other_user_$t" "su cannot run a command as nobody"
	done
fi

# No such process
ckpt 999999 > /dev/null 2> "$T/err"
check "ckpt_no_such_pid_exit_1" [ $? -eq 1 ]
check "ckpt_no_such_pid_message" contains "$T/err" "no process 999999"

# ---------------------------------------------------------------------
# ckpt -k, then mktree: the task comes back with its own pid

kill_pid "$P"
reap "$P"
start_sleep 1000
K=$P
ckpt -k "$K" > "$T/imgk" 2> "$T/err"
check "ckpt_k_exit_0" [ $? -eq 0 ]
check "ckpt_k_killed_the_target" wait_state "$K"
reap "$K"
ckptinfo -q "$T/imgk" > /dev/null 2>&1
check "ckpt_k_image_valid" [ $? -eq 0 ]

mktree -d < "$T/imgk" > "$T/out" 2> "$T/err"
check "mktree_d_stdin_exit_0" [ $? -eq 0 ]
R=$(pid_from "$T/out")
PIDS="$PIDS $R"
check "mktree_d_restarts_with_the_original_pid" [ "$R" = "$K" ]
check "restarted_task_sleeps" wait_state "$K" S
check "restarted_task_is_the_sleep" is_sleep "$K" 1000
kill_pid "$K"
check "restarted_task_ends_on_sigterm" wait_state "$K"

# In a new pid namespace: the task has its own pid there
mktree -d --pidns -i "$T/imgk" > "$T/out" 2> "$T/err"
check "mktree_pidns_exit_0" [ $? -eq 0 ]
R=$(pid_from "$T/out")
PIDS="$PIDS $R"
check "mktree_pidns_task_sleeps" wait_state "$R" S
check "mktree_pidns_task_has_its_pid_inside" \
	grep -q -E "^NSpid:.*[[:space:]]$K\$" "/proc/$R/status"
kill_pid "$R"
check "mktree_pidns_task_ends_on_sigterm" wait_state "$R"

# mktree waits for the restarted task, which sleeps what was left of its
# sleep and exits 0
start_sleep 3
S3=$P
sleep 1
ckpt -k "$S3" > "$T/img3s" 2> "$T/err"
check "ckpt_k_short_sleep_exit_0" [ $? -eq 0 ]
reap "$S3"
t0=$(date +%s)
timeout 30 mktree -i "$T/img3s" > /dev/null 2> "$T/err"
rc=$?
t1=$(date +%s)
check "mktree_exits_with_the_task_status" [ $rc -eq 0 ]
check "restarted_sleep_slept_the_rest" between $((t1 - t0)) 1 10

# ---------------------------------------------------------------------
# Damaged images

# mktree: an image cut before its memory is refused by restart(2)...
head -c 1000 "$T/img3s" > "$T/short"
mktree -i "$T/short" > /dev/null 2> "$T/err"
check "mktree_truncated_exit_1" [ $? -eq 1 ]
check "mktree_truncated_message" contains "$T/err" "restart failed: Invalid argument"

# ...and one cut in its trailer, after the memory was replaced, is killed
SIZE=$(wc -c < "$T/img3s")
head -c $((SIZE - 16)) "$T/img3s" > "$T/short2"
timeout 30 mktree -i "$T/short2" > /dev/null 2> "$T/err"
rc=$?
check "mktree_truncated_in_trailer_fails" [ $rc -ne 0 ]
check "mktree_truncated_in_trailer_message" icontains "$T/err" "SIGKILL|restart failed"

# An image with no task state: header, arch and tree records of a real
# image (392 + 24 + 72 bytes: a tree of one task), then a trailer with its
# id and the record count
head -c 488 "$T/img" > "$T/notask"
printf '\004\000\000\000\040\000\000\000ckptend\000' >> "$T/notask"
dd if="$T/img" bs=1 skip=32 count=8 2>/dev/null >> "$T/notask"
printf '\003\000\000\000\000\000\000\000' >> "$T/notask"
mktree -i "$T/notask" > /dev/null 2> "$T/err"
check "mktree_image_without_tasks_exit_1" [ $? -eq 1 ]

# ckptinfo on malformed input: garbage, truncated, empty
head -c 200 /dev/urandom > "$T/garbage"
ckptinfo "$T/garbage" > /dev/null 2>&1
check "ckptinfo_garbage_exit_2" [ $? -eq 2 ]
ckptinfo "$T/short" > /dev/null 2> "$T/err"
check "ckptinfo_truncated_exit_2" [ $? -eq 2 ]
check "ckptinfo_truncated_message" contains "$T/err" "truncated"
ckptinfo "$T/short2" > /dev/null 2> "$T/err"
check "ckptinfo_truncated_in_trailer_exit_2" [ $? -eq 2 ]
ckptinfo < /dev/null > /dev/null 2>&1
check "ckptinfo_empty_exit_2" [ $? -eq 2 ]

echo "1..$N"
echo "# $FAILED of $N failed"
[ "$FAILED" -eq 0 ]
