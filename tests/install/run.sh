#!/usr/bin/env bash
# Install haze into a temporary prefix, then build and run an out-of-tree
# program against haze-udp and one against haze-crypto using nothing but pkg-config, linked both
# dynamically and statically.
set -euo pipefail
build=${1:?usage: run.sh BUILDDIR}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

meson install -C "$build" --destdir "$tmp/root" --quiet >/dev/null
pcdir=$(dirname "$(find "$tmp/root" -name haze-udp.pc | head -n1)")
[ -n "$pcdir" ] || { echo "FAIL: haze-udp.pc not installed"; exit 1; }
export PKG_CONFIG_PATH="$pcdir" PKG_CONFIG_SYSROOT_DIR="$tmp/root" PKG_CONFIG_LIBDIR=
echo "pkg-config haze-udp: $(pkg-config --cflags --libs haze-udp | sed "s#$tmp/root##g")"
pkg-config --print-requires haze-udp | grep -q haze-core || { echo "FAIL: haze-udp.pc does not require haze-core"; exit 1; }

cc=${CC:-cc}
# Shared: the run-time linker finds the libraries through LD_LIBRARY_PATH.
# shellcheck disable=SC2046
"$cc" -o "$tmp/prog" "$here/prog.c" $(pkg-config --cflags --libs haze-udp)
# The library directory is the one holding the installed .pc folder
# (pkgconf prefixes --variable output with the sysroot, pkg-config does not).
libdir=$(dirname "$pcdir")
LD_LIBRARY_PATH="$libdir" "$tmp/prog"
LD_LIBRARY_PATH="$libdir" ldd "$tmp/prog" | grep -q "$libdir/libhaze-udp.so" || { LD_LIBRARY_PATH="$libdir" ldd "$tmp/prog"; echo "libdir=$libdir"; } ||
	{ echo "FAIL: not linked against the installed shared haze-udp"; exit 1; }
# Static: pkg-config --static gives the whole chain.
# shellcheck disable=SC2046
"$cc" -static -o "$tmp/prog-static" "$here/prog.c" $(pkg-config --static --cflags --libs haze-udp)
"$tmp/prog-static"
echo "PASS install: out-of-tree program built against haze-udp (shared and static)"

# crypto: its area headers install under haze/crypto/.
pkg-config --print-requires haze-crypto | grep -q haze-core || { echo "FAIL: haze-crypto.pc does not require haze-core"; exit 1; }
# shellcheck disable=SC2046
"$cc" -o "$tmp/prog-crypto" "$here/prog-crypto.c" $(pkg-config --cflags --libs haze-crypto)
LD_LIBRARY_PATH="$libdir" "$tmp/prog-crypto"
# shellcheck disable=SC2046
"$cc" -static -o "$tmp/prog-crypto-static" "$here/prog-crypto.c" $(pkg-config --static --cflags --libs haze-crypto)
"$tmp/prog-crypto-static"
echo "PASS install: out-of-tree program built against haze-crypto (shared and static)"
