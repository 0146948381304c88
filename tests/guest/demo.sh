#!/bin/sh
# What `make demo` shows inside the guest: the classic counter. A program
# appends "count N" to a file every second; it is checkpointed and killed,
# the file stops growing; it is restarted from the image and the count
# goes on in the same file with the next number, no gap and no repeat.
# Then the same with a tree of three processes and a pipe between two of
# them, which come back with their pids. The last lines check that and
# say so.
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
fail() { echo "demo: FAILED: $*"; FAILED=1; }

COUNTER=/examples/counter
OUT=/tmp/counter.txt
IMG=/tmp/counter.img
FAILED=0
rm -f "$OUT" "$IMG"

# The file is "count 1" ... "count N", one line each: prints N, or fails
check_sequence() {
	awk '$0 != "count " NR {
		printf "line %d is \"%s\", expected \"count %d\"\n", NR, $0, NR
		bad = 1
		exit
	}
	END { if (!bad) print NR; exit bad }' "$1"
}

# FILE went on from BEFORE lines with no gap: says so as WHAT, or fails
check_goes_on() {
	if N=$(check_sequence "$1"); then
		if [ "$N" -gt "$2" ]; then
			echo "demo: $3 without gap (to $2 before the checkpoint, to $N after the restart)"
		else
			fail "$3: nothing written after the restart (still $N lines)"
		fi
	else
		fail "the sequence is broken: $N"
	fi
}

echo "== checkpoint/restart demo on $(uname -sr), $(nproc) CPUs =="

say "$COUNTER $OUT < /dev/null &"
"$COUNTER" "$OUT" < /dev/null &
PID=$!
echo "[started pid $PID; it writes one line a second, and sleeps in nanosleep(2) in between]"
sleep 3

say "ckpt -v -k -o $IMG $PID"
ckpt -v -k -o "$IMG" "$PID"
RC=$?
echo "[ckpt exit status $RC]"
if [ "$RC" -ne 0 ]; then
	# A failed checkpoint leaves the target running
	kill "$PID"
	wait "$PID" 2>/dev/null
	fail "ckpt could not checkpoint the counter"
	echo
	echo "== end of demo: FAILED (see above) =="
	exit 1
fi
# Reap it, so that its pid is free again for the restart
wait "$PID" 2>/dev/null

say "ckptinfo -s $IMG"
ckptinfo -s "$IMG"
echo "[ckptinfo exit status $?]"

say "cat $OUT"
cat "$OUT"
BEFORE=$(wc -l < "$OUT")

say "sleep 2; wc -l < $OUT   # the counter is gone: the file does not grow"
sleep 2
AFTER=$(wc -l < "$OUT")
echo "$AFTER"
[ "$AFTER" -eq "$BEFORE" ] || fail "the file grew from $BEFORE to $AFTER lines while no counter ran"

say "mktree -d -i $IMG"
NEW=$(mktree -d -i "$IMG")
RC=$?
echo "$NEW"
echo "[mktree exit status $RC]"

if [ -n "$NEW" ] && [ -d "/proc/$NEW" ]; then
	if [ "$NEW" = "$PID" ]; then
		echo "[restarted with the pid it had, $PID]"
	else
		echo "[restarted as pid $NEW, it was $PID]"
	fi
	say "grep -E '^(Name|State|Pid):' /proc/$NEW/status"
	grep -E '^(Name|State|Pid):' "/proc/$NEW/status"

	say "sleep 3; cat $OUT"
	sleep 3
	cat "$OUT"

	check_goes_on "$OUT" "$BEFORE" "counter continued"
	kill "$NEW"
else
	fail "mktree did not restart the counter"
fi

# ---------------------------------------------------------------------
# A process tree with a pipe: the parent appends to a file what its child
# writes into a pipe; the child has a child of its own. The three are
# checkpointed together, killed, and restarted with their pids.

PIPELINE=/examples/pipeline
OUT2=/tmp/pipeline.txt
IMG2=/tmp/pipeline.img
rm -f "$OUT2" "$IMG2"

# ROOT and its descendants, parents first
tree_pids() {
	echo "$1"
	for p in /proc/[0-9]*; do
		p=${p#/proc/}
		pp=$(awk '{ sub(/^.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null)
		[ "$pp" = "$1" ] && tree_pids "$p"
	done
}

# pid, parent, process group, session and name of each process of the tree
show_tree() {
	echo "  PID  PPID  PGID   SID  NAME"
	for p in $(tree_pids "$1"); do
		awk '{ name = $2; sub(/^.*\) /, "");
		       printf "%5d %5d %5d %5d  %s\n", '"$p"', $2, $3, $4, name }' \
			"/proc/$p/stat"
	done
}

# Without the root's parent, which is the shell before and init after
tree_ids() {
	for p in $(tree_pids "$1"); do
		awk '{ sub(/^.*\) /, ""); print '"$p"', ('"$p"' == '"$1"' ? "-" : $2), $3, $4 }' \
			"/proc/$p/stat"
	done
}

echo
echo "== a process tree with a pipe =="

say "$PIPELINE $OUT2 < /dev/null > /dev/null 2>&1 &"
"$PIPELINE" "$OUT2" < /dev/null > /dev/null 2>&1 &
ROOT=$!
sleep 3
show_tree "$ROOT"
IDS_BEFORE=$(tree_ids "$ROOT")
PIDS_BEFORE=$(tree_pids "$ROOT")
NPROC=$(echo "$PIDS_BEFORE" | wc -l)

say "ckpt -v -k -o $IMG2 $ROOT"
ckpt -v -k -o "$IMG2" "$ROOT"
RC=$?
echo "[ckpt exit status $RC]"
wait "$ROOT" 2>/dev/null
if [ "$RC" -ne 0 ]; then
	fail "ckpt could not checkpoint the tree"
else
	# ckpt -k killed them all; once reaped, their pids are free again
	i=0
	for p in $PIDS_BEFORE; do
		while [ -e "/proc/$p" ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	done
	say "ckptinfo -s $IMG2"
	ckptinfo -s "$IMG2"
	BEFORE=$(wc -l < "$OUT2")

	say "mktree -d -i $IMG2"
	NEW=$(mktree -d -i "$IMG2")
	RC=$?
	echo "$NEW"
	echo "[mktree exit status $RC]"
	if [ "$RC" -eq 0 ] && [ "$NEW" = "$ROOT" ]; then
		show_tree "$ROOT"
		IDS_AFTER=$(tree_ids "$ROOT")
		if [ "$IDS_AFTER" = "$IDS_BEFORE" ] &&
		   [ "$(tree_pids "$ROOT" | wc -l)" -eq "$NPROC" ]; then
			echo "[the $NPROC processes are back with their pids, parents, groups and sessions]"
		else
			fail "the tree came back different: before: $IDS_BEFORE; after: $IDS_AFTER"
		fi
		say "sleep 3; cat $OUT2"
		sleep 3
		cat "$OUT2"
		check_goes_on "$OUT2" "$BEFORE" "the tree went on through its pipe"
	else
		fail "mktree did not restart the tree as pid $ROOT"
	fi
	for p in $(tree_pids "$ROOT"); do kill -9 "$p" 2>/dev/null; done
fi

echo
if [ "$FAILED" -eq 0 ]; then
	echo "== end of demo =="
else
	echo "== end of demo: FAILED (see above) =="
fi
