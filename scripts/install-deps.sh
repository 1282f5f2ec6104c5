#!/usr/bin/env bash
# Installs the Debian packages the interoperability tests drive: the real
# PKCS#11 consumers (opensc's pkcs11-tool, gnutls' p11tool and certtool,
# OpenSSL and its pkcs11 engine, OpenSSH's ssh-keygen, p11-kit, PyKCS11,
# Java's keytool) and SoftHSMv2 to compare with. Does nothing when they are
# all present.
set -euo pipefail
packages=(opensc gnutls-bin openssl libengine-pkcs11-openssl openssh-client p11-kit softhsm2 python3-pykcs11 gcc libc6-dev)
# Any JDK or JRE with keytool will do; install one only if there is none.
command -v keytool >/dev/null 2>&1 || packages+=(openjdk-17-jre-headless)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
