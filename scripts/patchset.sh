#!/bin/sh
# Write the project as a numbered git format-patch series with a cover
# letter into build/patchset/, then check that it applies in order to a
# pristine tree from the same tarball.
#
# usage: patchset.sh REPO BUILD
set -eu

REPO=$1
BUILD=$2
TARBALL=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
WORK=$BUILD/patchset-git
OUT=$BUILD/patchset
VERIFY=$BUILD/patchset-verify
AUTHOR="Checkpoint/restart developers <ckpt@localhost>"

rm -rf "$WORK" "$OUT" "$VERIFY"
mkdir -p "$WORK" "$OUT" "$VERIFY"
git_() { git -C "$WORK" -c user.name="${AUTHOR% <*}" -c user.email=ckpt@localhost \
	-c commit.gpgsign=false "$@"; }

# The pristine versions of the kernel files the patches touch
touched=$(sed -n 's|^--- a/||p' $(sed 's|^|'"$REPO"'/patches/|' "$REPO/patches/series") | sort -u)
tar -xf "$TARBALL" -C "$VERIFY" --strip-components=1
for f in $touched; do
	mkdir -p "$WORK/$(dirname "$f")"
	cp "$VERIFY/$f" "$WORK/$f"
done
git_ init -q
git_ add -A
git_ commit -q -m "linux $(cat "$REPO/patches/KERNEL_VERSION") (files touched by the series)"
base=$(git_ rev-parse HEAD)

# commit SUBJECT BODY PATH...: copy the repo's files and commit them
commit() {
	subject=$1
	body=$2
	shift 2
	for f in "$@"; do
		(cd "$REPO" && find "$f" -type f) | while read -r g; do
			mkdir -p "$WORK/$(dirname "$g")"
			cp "$REPO/$g" "$WORK/$g"
		done
	done
	git_ add -A
	git_ commit -q -m "$subject" -m "$body" -m "Signed-off-by: $AUTHOR"
}

commit "checkpoint: add the image format" \
"Define the records of a checkpoint image and the flags of the two system
calls in a uapi header shared with the userspace tools." \
	include/uapi/linux/checkpoint.h

commit "checkpoint: add the core: context, records, object hash" \
"The operation context, a stream-only record reader and writer that
validate type and length before use, the object hash that lets shared
objects be saved once, the checkpoint and restart orchestrators and the
system calls, with KUnit tests of the object hash and the records." \
	include/linux/checkpoint.h checkpoint

commit "x86/checkpoint: add the architecture header" \
"Record the XSAVE features and area size of the writer, and refuse an
image that needs features the restarting CPU lacks." \
	arch/x86/checkpoint

if [ -n "$(ls "$REPO/Documentation/checkpoint" 2>/dev/null)" ]; then
	commit "Documentation/checkpoint: describe checkpoint/restart" \
"What works, how to use the system calls and the tools, and the image
format." \
		Documentation/checkpoint
fi

for p in $(grep -v '^#' "$REPO/patches/series"); do
	subject=$(sed -n 's/^Subject: \(\[PATCH[^]]*\] \)\{0,1\}//p' "$REPO/patches/$p" | head -n 1)
	body=$(sed -n '/^Subject:/,/^---$/p' "$REPO/patches/$p" | sed '1d;$d' |
	       grep -v '^Signed-off-by:' || true)
	(cd "$WORK" && patch -p1 -s --no-backup-if-mismatch < "$REPO/patches/$p")
	git_ add -A
	git_ commit -q -m "$subject" -m "$body" -m "Signed-off-by: $AUTHOR"
done

git_ format-patch -q --cover-letter -o "$OUT" "$base..HEAD"
cover=$(ls "$OUT"/0000-*.patch)
subject=$(head -n 1 "$REPO/patches/cover-letter")
awk -v subj="$subject" -v blurb="$REPO/patches/cover-letter" '
	/\*\*\* SUBJECT HERE \*\*\*/ { sub(/\*\*\* SUBJECT HERE \*\*\*/, subj) }
	/\*\*\* BLURB HERE \*\*\*/ {
		n = 0
		while ((getline l < blurb) > 0) if (n++ > 1) print l
		next
	}
	{ print }' "$cover" > "$cover.new"
mv "$cover.new" "$cover"

# Check: the series applies, in order, to the pristine tree
for p in "$OUT"/0*.patch; do
	case "$p" in */0000-*) continue;; esac
	git -C "$VERIFY" apply --whitespace=error "$p" ||
		{ echo "patchset: $(basename "$p") does not apply" >&2; exit 1; }
done
rm -rf "$VERIFY" "$WORK"
echo "patchset: $(ls "$OUT" | wc -l) files in $OUT, applies to linux $(cat "$REPO/patches/KERNEL_VERSION")"
