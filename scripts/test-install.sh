#!/usr/bin/env bash
# Checks make install and make uninstall, into a temporary directory (make
# test runs it):
#  1. make install DESTDIR=$tmp/dest PREFIX=/usr puts exactly the command,
#     the module and a p11-kit module file naming the installed module, in a
#     directory p11-kit reads; make uninstall takes them all away again.
#  2. make install PREFIX=$HOME/.local, with HOME a temporary directory,
#     writes the module file into the user's p11-kit directory, and then
#     p11-kit list-modules lists corepkcs11 with no other configuration.
#     p11-kit reads no user configuration for root, so as root that run is
#     done as nobody (setpriv); the store is in memory.
set -euo pipefail
cd "$(dirname "$0")/.."
make=${MAKE:-make}
# Only the defaults under test: no locations from the caller's environment
# or make command line.
unset MAKEFLAGS MAKELEVEL MFLAGS DESTDIR PREFIX BINDIR MODULEDIR P11_MODULE_CONFIGS XDG_CONFIG_HOME
export GO=${GO:-go}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
	echo "test-install: $*" >&2
	exit 1
}
files() { (cd "$1" && find . -type f | sed 's|^\.||' | sort); }

# 1. A packager's install, as DESTDIR.
dest=$tmp/dest
$make -s module command >/dev/null
$make -s install DESTDIR="$dest" PREFIX=/usr >/dev/null
configs=$(pkg-config --variable=p11_module_configs p11-kit-1 2>/dev/null || true)
configs=${configs:-/usr/share/p11-kit/modules}
want=$(printf '%s\n' /usr/bin/corepkcs11 /usr/lib/corepkcs11/libcorepkcs11.so "$configs/corepkcs11.module" | sort)
have=$(files "$dest")
[ "$have" = "$want" ] || fail "make install DESTDIR=… PREFIX=/usr installed:
$have
instead of:
$want"
[ -x "$dest/usr/bin/corepkcs11" ] || fail "/usr/bin/corepkcs11 is not executable"
if command -v nm >/dev/null 2>&1; then
	syms=$(nm -D --defined-only "$dest/usr/lib/corepkcs11/libcorepkcs11.so")
	grep -qw C_GetFunctionList <<<"$syms" ||
		fail "the installed module does not export C_GetFunctionList"
fi
if command -v readelf >/dev/null 2>&1; then
	# make module strips the symbol table and DWARF (BUILDFLAGS).
	sections=$(readelf -S -W "$dest/usr/lib/corepkcs11/libcorepkcs11.so")
	! grep -qE ' \.(symtab|debug_info) ' <<<"$sections" ||
		fail "the installed module has a symbol table or DWARF: build/libcorepkcs11.so was built with other BUILDFLAGS than the Makefile's (make -B module command rebuilds it)"
fi
module=$(sed -n 's/^module: *//p' "$dest$configs/corepkcs11.module")
[ "$module" = /usr/lib/corepkcs11/libcorepkcs11.so ] || fail "the module file names '$module', not /usr/lib/corepkcs11/libcorepkcs11.so"
grep -qx 'critical: no' "$dest$configs/corepkcs11.module" || fail "the module file has no 'critical: no'"
if command -v p11-kit >/dev/null 2>&1; then
	# The directory is one p11-kit reads module files from (if its debug
	# output says which).
	dirs=$(P11_KIT_DEBUG=conf p11-kit list-modules 2>&1 >/dev/null | sed -n 's/.*loading module configs in: //p' || true)
	[ -z "$dirs" ] || grep -qxF "$configs" <<<"$dirs" || fail "p11-kit reads module files from $dirs, not $configs"
fi
$make -s uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null
have=$(files "$dest")
[ -z "$have" ] || fail "make uninstall left: $have"
[ ! -e "$dest/usr/lib/corepkcs11" ] || fail "make uninstall left /usr/lib/corepkcs11"

# 2. A user's install, seen by p11-kit.
home=$tmp/home
mkdir -p "$home"
HOME=$home $make -s install PREFIX="$home/.local" >/dev/null
file=$home/.config/pkcs11/modules/corepkcs11.module
[ -f "$file" ] || fail "make install PREFIX=\$HOME/.local wrote no $file"
[ "$(sed -n 's/^module: *//p' "$file")" = "$home/.local/lib/corepkcs11/libcorepkcs11.so" ] ||
	fail "$file names $(sed -n 's/^module: *//p' "$file")"
if ! command -v p11-kit >/dev/null 2>&1; then
	echo "test-install: no p11-kit, so p11-kit list-modules was not tried" >&2
else
	run=()
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null 2>&1 || fail "running as root without setpriv, so p11-kit would not read the user's module file"
		chmod -R a+rX "$tmp"
		run=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	out=$(${run[@]+"${run[@]}"} env HOME="$home" COREPKCS11_STORE=:memory: p11-kit list-modules 2>&1) ||
		fail "p11-kit list-modules failed: $out"
	grep -qxF "corepkcs11: $home/.local/lib/corepkcs11/libcorepkcs11.so" <<<"$out" &&
		grep -qF 'library-manufacturer: corepkcs11' <<<"$out" ||
		fail "p11-kit list-modules does not list corepkcs11 from $file:
$out"
fi
HOME=$home $make -s uninstall PREFIX="$home/.local" >/dev/null
have=$(files "$home")
[ -z "$have" ] || fail "make uninstall PREFIX=\$HOME/.local left: $have"
echo "test-install: ok"
