#!/bin/sh
# What `make demo` shows inside the guest: the classic counter. A program
# appends "count N" to a file every second; it is checkpointed and killed,
# the file stops growing; it is restarted from the image and the count
# goes on in the same file with the next number, no gap and no repeat.
# The last lines check that and say so.
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

	if N=$(check_sequence "$OUT"); then
		if [ "$N" -gt "$BEFORE" ]; then
			echo "demo: counter continued without gap (counted to $BEFORE before the checkpoint, to $N after the restart)"
		else
			fail "the restarted counter wrote nothing (still $N lines)"
		fi
	else
		fail "the sequence is broken: $N"
	fi
	kill "$NEW"
else
	fail "mktree did not restart the counter"
fi

echo
if [ "$FAILED" -eq 0 ]; then
	echo "== end of demo =="
else
	echo "== end of demo: FAILED (see above) =="
fi
