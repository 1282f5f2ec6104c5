#!/usr/bin/env bash
# Installs the Debian packages the interoperability tests drive: the real
# PKCS#11 consumers (opensc's pkcs11-tool, gnutls' p11tool and certtool,
# OpenSSL and its pkcs11 engine, OpenSSH's ssh-keygen, p11-kit, PyKCS11,
# Java's keytool), SoftHSMv2 to compare with, and gcc for cgo. make test and
# make soak run it first. When all are present it does nothing, quickly (one
# dpkg-query, no apt-get); otherwise it prints one line naming what it
# installs and installs it with apt-get, through sudo when not root.
set -euo pipefail
packages=(opensc gnutls-bin openssl libengine-pkcs11-openssl openssh-client p11-kit softhsm2 python3-pykcs11 gcc libc6-dev)
# Any JDK or JRE with keytool will do; install the distribution's default
# one only if there is none.
command -v keytool >/dev/null 2>&1 || packages+=(default-jre-headless)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "install-deps: not a Debian or Ubuntu system (no dpkg-query or apt-get); the tests need the equivalents of: ${packages[*]}" >&2
	exit 0
fi

declare -A installed=()
while read -r name status; do
	[ "$status" = "install ok installed" ] && installed[$name]=1
done < <(dpkg-query -W -f='${Package} ${Status}\n' "${packages[@]}" 2>/dev/null || true)
missing=()
for p in "${packages[@]}"; do
	[ -n "${installed[$p]:-}" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		echo "install-deps: the tests need ${missing[*]}; run as root (apt-get install ${missing[*]}) or install sudo" >&2
		exit 1
	fi
	sudo="sudo"
fi
echo "install-deps: installing ${missing[*]} with ${sudo:+sudo }apt-get"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
