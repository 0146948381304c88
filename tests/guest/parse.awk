# Judge a guest console log (see run.sh).
#
# KUnit results are the cases of the boot-time KTAP report: "ok"/"not ok"
# lines indented one level. Selftest results are the top-level TAP lines
# a test binary prints between "ckpt-test: begin NAME" and "ckpt-test:
# end NAME rc=N". A binary that exits non-zero without a failed case, or
# prints no result, counts as a failure of its own. So do a guest that
# does not reach "ckpt-guest: done" and any kernel splat. A demo passes
# when it prints its last line with no "demo: FAILED" before it; a
# benchmark when it prints "bench: done" with no "bench: FAILED".

function fail(what) {
	failed++
	printf "FAIL: %s\n", what
}

{
	line = $0
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
}

# Kernel splats, wherever they appear
line ~ /(BUG:|WARNING:|Oops|general protection fault|Kernel panic|UBSAN:|KASAN:|unreferenced object|suspected memory leaks|Call Trace:|detected stall|blocked for more than)/ {
	if (nsplat < 20)
		splat[++nsplat] = line
}

line ~ /^ckpt-guest: start/ { started = 1 }
line ~ /^demo: FAILED/ { fail(line) }
line ~ /^== end of demo ==$/ { demo_ok = 1 }
line ~ /^bench: FAILED/ { fail(line) }
line ~ /^bench: done/ { bench_ok = 1 }
line ~ /^ckpt-guest: done/ { done = 1 }

line ~ /^ckpt-test: begin / {
	intest = $0; sub(/.*begin /, "", intest)
	tpass = tfail = tplan = 0
	next
}
line ~ /^ckpt-test: end / {
	rc = line; sub(/.*rc=/, "", rc)
	if (tpass + tfail == 0)
		fail(intest ": no test result (exit status " rc ")")
	else if (rc != 0 && tfail == 0)
		fail(intest ": exit status " rc " with no failed case")
	else if (tplan && tplan != tpass + tfail)
		fail(intest ": " tpass + tfail " results for a plan of " tplan)
	ran[intest] = 1
	intest = ""
	next
}

intest != "" && line ~ /^1\.\.[0-9]+/ { tplan = substr(line, 4) + 0 }
intest != "" && line ~ /^(not )?ok [0-9]+ / {
	if (line ~ /# SKIP/) { skipped++; tpass++ }
	else if (line ~ /^ok/) { passed++; tpass++ }
	else { tfail++; fail(intest ": " line) }
	next
}

# KUnit cases (before the tests start)
!started && line ~ /^    (not )?ok [0-9]+ / {
	kunit++
	if (line ~ /# SKIP/) skipped++
	else if (line ~ /^    ok/) passed++
	else fail("kunit: " substr(line, 5))
}

END {
	if (!done)
		fail("guest did not finish (timeout, panic or crash): see the log")
	if (mode == "demo" && !demo_ok)
		fail("the demo did not finish successfully")
	if (mode == "bench" && !bench_ok)
		fail("the benchmark did not finish")
	if (mode == "check" && only == "" && kunit == 0)
		fail("no KUnit result in the log")
	if (nsplat) {
		fail("kernel splat on the console")
		for (i = 1; i <= nsplat; i++)
			printf "  %s\n", splat[i]
	}
	if (mode == "check")
		printf "KUnit cases: %d\n", kunit
	if (skipped)
		printf "%d passed, %d failed, %d skipped\n", passed - 0, failed - 0, skipped
	else
		printf "%d passed, %d failed\n", passed - 0, failed - 0
	exit (failed > 0)
}
