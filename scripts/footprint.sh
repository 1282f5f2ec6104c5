#!/usr/bin/env bash
# Prints what build/libcorepkcs11.so is made of, as Markdown (the README's
# Footprint section): its size as make module builds it (-trimpath
# -ldflags='-s -w', the Makefile's BUILDFLAGS) and with its symbol table,
# the command's, and the bytes each dependency adds to the module.
#
# It builds the module twice into a temporary directory: as make module
# does, for the sizes, and with its symbol table, whose sized symbols
# (functions, constant and initialized data; not .bss, which takes no
# room in the file) it sums by Go package. Stripping drops only the symbol
# table and DWARF: code and data are the same bytes in both builds. Go's
# function tables (.gopclntab: names, files and lines for stack traces and
# the stack maps of the garbage collector) belong to no one package and
# have a row of their own; the last row is the rest of the file (type
# descriptors and interface tables, dynamic relocations, the dynamic
# symbol table, ELF headers, alignment).
#
# Usage: scripts/footprint.sh [TOP] — TOP is how many of the largest
# packages the second table lists (default 15). Needs Go and binutils (nm,
# readelf).
set -euo pipefail
cd "$(dirname "$0")/.."
GO=${GO:-go}
top=${1:-15}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export GOFLAGS=-buildvcs=false

$GO build -trimpath -ldflags='-s -w' -buildmode=c-shared -o "$tmp/stripped.so" ./module
$GO build -trimpath -buildmode=c-shared -o "$tmp/symbols.so" ./module
$GO build -trimpath -ldflags='-s -w' -o "$tmp/cmd-stripped" ./cmd/corepkcs11
$GO build -trimpath -o "$tmp/cmd-symbols" ./cmd/corepkcs11

size() { stat -c %s "$1"; }
# section NAME FILE: the address and size of an ELF section, in decimal.
section() {
	local hex
	hex=$(readelf -S -W "$2" | awk -v name="$1" '{ for (i = 1; i <= NF; i++) if ($i == name) print $(i + 2), $(i + 4) }')
	[ -n "$hex" ] || { echo "footprint: no $1 section in $2" >&2; exit 1; }
	set -- $hex
	echo $((16#$1)) $((16#$2))
}
read -r pcstart pcsize < <(section .gopclntab "$tmp/symbols.so")
# The same bytes in both builds: check it.
[ "$(section .text "$tmp/symbols.so")" = "$(section .text "$tmp/stripped.so")" ] &&
	[ "$(section .gopclntab "$tmp/stripped.so")" = "$pcstart $pcsize" ] ||
	{ echo "footprint: the two builds differ in more than their symbols" >&2; exit 1; }

echo "\`build/libcorepkcs11.so\` as \`make module\` builds it ($($GO env GOVERSION), $($GO env GOOS)/$($GO env GOARCH), \`-trimpath -ldflags='-s -w'\`):"
echo "$(size "$tmp/stripped.so") bytes; with its symbol table and DWARF: $(size "$tmp/symbols.so") bytes."
echo "\`build/corepkcs11\` (the command): $(size "$tmp/cmd-stripped") bytes; with its symbol table and DWARF: $(size "$tmp/cmd-symbols") bytes."
echo

# Each sized symbol outside .bss and .gopclntab, as "bytes package".
nm --radix=d -S --size-sort "$tmp/symbols.so" | awk -v pcstart="$pcstart" -v pcend="$((pcstart + pcsize))" '
	# pkg is the Go package a symbol belongs to, or "" for C symbols.
	function pkg(n,   i, base, rest, d) {
		i = index(n, "[")
		if (i > 0)
			n = substr(n, 1, i - 1) # type arguments of generic code
		base = 0
		rest = n
		while ((i = index(rest, "/")) > 0) {
			base += i
			rest = substr(rest, i + 1)
		}
		d = index(rest, ".")
		return d == 0 ? "" : substr(n, 1, base + d - 1)
	}
	$3 ~ /^[bB]$/ { next }
	{
		a = $1 + 0
		if (a >= pcstart && a < pcend)
			next
		n = $4
		for (i = 5; i <= NF; i++)
			n = n " " $i
		if (n ~ /^(go:|type:)/)
			p = "(Go metadata)"
		else if (n ~ /^\$f(32|64)\./)
			p = "(constants)"
		else {
			p = pkg(n)
			if (p == "main")
				p = "github.com/corepkcs11/corepkcs11/module"
			else if (p == "")
				p = "(C)"
		}
		print $2 + 0, ($3 ~ /^[tT]$/ ? "code" : "data"), p
	}' >"$tmp/symbols"

# The rows: package groups, largest first, each also with a share of the
# function tables in proportion to its code (an estimate: the tables
# describe each function, and grow with its code); then the function
# tables and the rest of the file.
file=$(size "$tmp/stripped.so")
echo "| part of the module | code and data | with its share of the function tables (estimate) |"
echo "| --- | ---: | ---: |"
awk -v file="$file" -v pclntab="$pcsize" '
	function group(p) {
		if (p ~ /^github\.com\/corepkcs11\/corepkcs11\// || p == "(C)")
			return "corepkcs11: its packages (token, mech, object, store, pki, ck, the C ABI), module/entry.c, cgo glue"
		if (p ~ /^modernc\.org\/sqlite(\/|$)/)
			return "modernc.org/sqlite: SQLite translated from C to Go (the store)"
		if (p ~ /^modernc\.org\//)
			return "modernc.org/libc, memory, mathutil: the C library SQLite'"'"'s translation runs on"
		if (p ~ /^golang\.org\/x\/crypto\//)
			return "golang.org/x/crypto (argon2, for the PIN key derivation)"
		if (p ~ /^golang\.org\/x\//)
			return "golang.org/x/sys"
		if (p ~ /^(crypto|vendor\/golang\.org\/x\/crypto)(\/|$)/)
			return "Go'"'"'s crypto/... (crypto/internal/fips140: ECDSA, RSA, AES, SHA-2, DRBG; x509)"
		if (p ~ /^(runtime|internal\/runtime)(\/|$)/ || p ~ /^internal\/(abi|bytealg|cpu|chacha8rand|goarch|goos|stringslite|sync|godebugs)$/ || p == "(Go metadata)" || p == "(constants)")
			return "Go runtime (runtime, internal/runtime/..., type equality functions)"
		if (p ~ /^[^\/]*\./)
			return "other third-party modules (filippo.io/bigmod, google/uuid, go-humanize, bigfft, ...)"
		return "Go standard library, the rest (database/sql, encoding/..., time, fmt, reflect, strconv, ...)"
	}
	function mb(b) { return sprintf("%.2f MB (%.1f %%)", b / 1e6, 100 * b / file) }
	{
		g = group($3)
		bytes[g] += $1
		all += $1
		if ($2 == "code") {
			code[g] += $1
			allcode += $1
		}
	}
	END {
		for (g in bytes)
			printf "%d\t| %s | %s | %s |\n", bytes[g], g, mb(bytes[g]), mb(bytes[g] + pclntab * code[g] / allcode) | "sort -t \"\t\" -k1,1nr | cut -f2-"
		close("sort -t \"\t\" -k1,1nr | cut -f2-")
		printf "| Go function tables (.gopclntab: function names, files and lines, stack maps) | %s | (in the rows above) |\n", mb(pclntab)
		rest = file - all - pclntab
		printf "| the rest: type descriptors, interface tables, dynamic relocations and symbols, ELF headers, alignment | %s | %s |\n", mb(rest), mb(rest)
		printf "| **total** | %s | %s |\n", mb(file), mb(file)
	}' "$tmp/symbols"
echo
echo "The $top largest packages (code and data, without their function tables):"
echo
echo "| package | bytes |"
echo "| --- | ---: |"
awk '{ bytes[$3] += $1 } END { for (p in bytes) printf "%d %s\n", bytes[p], p }' "$tmp/symbols" | sort -nr | head -n "$top" |
	awk '{ printf "| %s | %.2f MB |\n", $2, $1 / 1e6 }'
