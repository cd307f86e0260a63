#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script for haze.
#
# Uses the service's variables: $CC, $CFLAGS (sanitizer and
# -fsanitize=fuzzer-no-link, so every library is instrumented),
# $LIB_FUZZING_ENGINE (linked into each harness instead of a main),
# $SRC (the checkout is $SRC/haze unless HAZE_SRC says otherwise),
# $WORK (scratch) and $OUT (where binaries, seed corpora and dictionaries
# go). Produces, for each harness <h> listed in fuzz/harnesses:
#   $OUT/fuzz-<h>                  the fuzzer
#   $OUT/fuzz-<h>_seed_corpus.zip  fuzz/corpus/<h> and fuzz/regressions/<h>
#   $OUT/fuzz-<h>.dict             its dictionary
# fuzz/oss-fuzz/check-local.sh runs this script outside the service.
src=${HAZE_SRC:-$SRC/haze}
build=$WORK/haze-build

# meson passes CFLAGS to compiles only: the sanitizer runtimes must be
# linked too, so the same flags go to the link.
rm -rf "$build"
meson setup "$build" "$src" \
	-Dfuzzing=libfuzzer -Dfuzzing_engine="$LIB_FUZZING_ENGINE" \
	-Dtests=false -Dexamples=false -Dbenchmarks=false \
	-Ddefault_library=static -Db_lundef=false --buildtype=plain \
	-Dc_link_args="$CFLAGS"
ninja -C "$build"

zipdir() { # zipfile dir...
	local z=$1
	shift
	rm -f "$z"
	python3 - "$z" "$@" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for d in sys.argv[2:]:
        if os.path.isdir(d):
            for f in sorted(os.listdir(d)):
                if not f.startswith("."):
                    z.write(os.path.join(d, f), "%s-%s" % (os.path.basename(d), f))
PY
}

n=0
while read -r h dict _; do
	case "$h" in '' | '#'*) continue ;; esac
	bin=$build/fuzz/fuzz-$h
	if [ ! -x "$bin" ]; then
		echo "haze: fuzz-$h not built (library missing); skipped" >&2
		continue
	fi
	cp "$bin" "$OUT/fuzz-$h"
	cp "$src/fuzz/dict/$dict" "$OUT/fuzz-$h.dict"
	zipdir "$OUT/fuzz-${h}_seed_corpus.zip" "$src/fuzz/corpus/$h" "$src/fuzz/regressions/$h"
	n=$((n + 1))
done <"$src/fuzz/harnesses"
echo "haze: $n fuzzers in $OUT"
