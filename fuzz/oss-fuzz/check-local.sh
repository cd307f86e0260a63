#!/usr/bin/env bash
# Run fuzz/oss-fuzz/build.sh here as OSS-Fuzz would (libFuzzer + ASan),
# check that every harness, seed corpus and dictionary landed in $OUT, and
# run one produced fuzzer briefly with its seeds and dictionary.
#
#   fuzz/oss-fuzz/check-local.sh [HARNESS] [SECONDS]    (default: stack 10)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd -L)
top=$(cd "$here/../.." && pwd -L)
h=${1:-stack}
secs=${2:-10}
scratch=$(mktemp -d /tmp/haze-ossfuzz.XXXXXX)
trap 'rm -rf "$scratch"' EXIT

export CC=clang
export CFLAGS="-fsanitize=address,fuzzer-no-link -O1 -g"
export LIB_FUZZING_ENGINE=-fsanitize=fuzzer
export OUT=$scratch/out WORK=$scratch/work SRC=$scratch/src
export HAZE_SRC=$top
mkdir -p "$OUT" "$WORK" "$SRC"
bash "$here/build.sh"

fail=0
while read -r name _; do
	case "$name" in '' | '#'*) continue ;; esac
	for f in "fuzz-$name" "fuzz-${name}_seed_corpus.zip" "fuzz-$name.dict"; do
		if [ ! -s "$OUT/$f" ]; then
			echo "missing: \$OUT/$f" >&2
			fail=1
		fi
	done
done <"$top/fuzz/harnesses"

mkdir -p "$scratch/corpus"
(cd "$scratch/corpus" && python3 -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extractall()" \
	"$OUT/fuzz-${h}_seed_corpus.zip")
ASAN_OPTIONS=abort_on_error=1:detect_leaks=0 "$OUT/fuzz-$h" -max_total_time="$secs" -print_final_stats=1 \
	-dict="$OUT/fuzz-$h.dict" -artifact_prefix="$scratch/" "$scratch/corpus" 2>&1 |
	grep -E 'INFO: seed corpus|DONE|stat::average_exec_per_sec|ERROR' || true
if ls "$scratch"/crash-* >/dev/null 2>&1; then
	echo "fuzz-$h crashed" >&2
	fail=1
fi
[ $fail -eq 0 ] && echo "check-local: OK"
exit $fail
