#!/usr/bin/env bash
# Runs every fuzz target of the project for the given -fuzztime each: a
# count of inputs (10000x, the default) or a duration. `make test` runs them
# briefly, `make soak` for long. Counts rather than durations keep a short
# run free of `go test`'s "context deadline exceeded" when the time ends
# while a slow input (an RSA signature) is running. Crashers the fuzzer
# finds are written to the package's testdata/fuzz, where `go test` keeps
# replaying them as regression cases.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-10000x}
targets=(
	"object FuzzDecode"
	"object FuzzNew"
	"pki FuzzParse"
	"pki FuzzECDSASignature"
	"mech FuzzSignerInput"
	"mech FuzzCipher"
	"mech/libcrypto FuzzSign"
	"token FuzzDecodeRecord"
)
for t in "${targets[@]}"; do
	set -- $t
	echo "fuzz $1 $2 for $time"
	go test -run='^$' -fuzz="^$2\$" -fuzztime="$time" -fuzzminimizetime=5s "./$1" >/tmp/corepkcs11-fuzz.log 2>&1 || {
		cat /tmp/corepkcs11-fuzz.log
		exit 1
	}
	grep '^fuzz: elapsed' /tmp/corepkcs11-fuzz.log | tail -1
done
