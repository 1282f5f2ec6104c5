package interop

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestEd25519Tools: pkcs11-tool makes an Ed25519 key pair on the token
// (EC:edwards25519, which it names by a PrintableString CKA_EC_PARAMS)
// and signs with CKM_EDDSA; OpenSSL and Go's crypto/ed25519 verify the
// signature with the public key pkcs11-tool reads back, and p11tool
// lists both halves as EdDSA keys.
func TestEd25519Tools(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "eddsa")
	out := e.pkcs11Tool(t, "--login", "--pin", userPIN, "--keypairgen", "--key-type", "EC:edwards25519", "--label", "ed", "--id", "ed")
	mustContain(t, "pkcs11-tool --keypairgen EC:edwards25519", out, "EC_EDWARDS", "EC_PARAMS:  130c656477617264733235353139")
	dir := t.TempDir()
	msg, sig, pub := filepath.Join(dir, "msg"), filepath.Join(dir, "sig"), filepath.Join(dir, "pub.pem")
	// Over 1025 bytes: pkcs11-tool then signs and verifies in parts.
	if err := os.WriteFile(msg, []byte(strings.Repeat("signed by an Ed25519 token key\n", 200)), 0o600); err != nil {
		t.Fatal(err)
	}
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--sign", "--mechanism", "EDDSA", "--label", "ed", "--input-file", msg, "--output-file", sig)
	e.pkcs11Tool(t, "--read-object", "--type", "pubkey", "--label", "ed", "--output-file", pub)
	mustContain(t, "pkcs11-tool --verify", e.pkcs11Tool(t, "--verify", "--mechanism", "EDDSA", "--label", "ed", "--input-file", msg, "--signature-file", sig),
		"Signature is valid")

	if out, err := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sig).CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "Signature Verified Successfully") {
		t.Fatalf("openssl pkeyutl -verify: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(msg)
	s, _ := os.ReadFile(sig)
	p, _ := os.ReadFile(pub)
	block, _ := pem.Decode(p)
	if block == nil {
		t.Fatalf("pkcs11-tool wrote no PEM public key:\n%s", p)
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	edPub, ok := key.(ed25519.PublicKey)
	if !ok || !ed25519.Verify(edPub, data, s) {
		t.Fatalf("Go's crypto/ed25519 does not verify the signature (key %T)", key)
	}
	if ed25519.Verify(edPub, append(data, '!'), s) {
		t.Fatal("the signature verifies for another message")
	}

	t.Setenv("GNUTLS_PIN", userPIN)
	mustContain(t, "p11tool --list-all", e.run(t, "", "p11tool", "--provider", modulePath, "--login", "--list-all", "pkcs11:token=eddsa"),
		"Type: Private key (EdDSA (Ed25519))", "Type: Public key (EdDSA (Ed25519))")

	// Debian 12's OpenSSH 9.2 skips Ed25519 token keys ("skipping
	// unsupported key type"): logged, not checked.
	sshOut, _ := e.try("", "ssh-keygen", "-D", modulePath)
	t.Logf("ssh-keygen -D: %s", strings.TrimSpace(sshOut))
}

// TestEd25519CLI: corepkcs11 keygen --type ed25519, sign and verify
// (EdDSA by default for the key type), a signature OpenSSL verifies with
// the exported public key, and a self-signed certificate the token's
// Ed25519 key signs through crypto.Signer, which OpenSSL verifies.
func TestEd25519CLI(t *testing.T) {
	e := newEnv(t)
	bin := cliBinary(t)
	dir := t.TempDir()
	cli := e.cli(t, bin)
	cli("init", "--label", "ed", "--kdf", "fast", "--so-pin", soPIN, "--pin", userPIN)
	cli("keygen", "--type", "ed25519", "--label", "edkey", "--pin", userPIN)
	mustContain(t, "list", cli("list", "--pin", userPIN), `private EC_EDWARDS 255 "edkey"`, `public EC_EDWARDS 255 "edkey"`)
	file, sig, pub, cert := filepath.Join(dir, "f"), filepath.Join(dir, "f.sig"), filepath.Join(dir, "pub.pem"), filepath.Join(dir, "cert.pem")
	if err := os.WriteFile(file, []byte("firmware"), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("sign", "--key", "edkey", "--in", file, "--out", sig, "--pin", userPIN)
	mustContain(t, "verify", cli("verify", "--key", "edkey", "--in", file, "--sig", sig, "--pin", userPIN), "signature verified")
	cli("export", "edkey", "--out", pub)
	if out, err := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", file, "-sigfile", sig).CombinedOutput(); err != nil {
		t.Fatalf("openssl pkeyutl -verify: %v\n%s", err, out)
	}
	cli("selfsign", "--key", "edkey", "--subject", "/CN=ed-device", "--out", cert, "--pin", userPIN)
	if out, err := exec.Command("openssl", "verify", "-CAfile", cert, cert).CombinedOutput(); err != nil || !strings.Contains(string(out), ": OK") {
		t.Fatalf("openssl verify of the Ed25519 self-signed certificate: %v\n%s", err, out)
	}
	// provision --generate makes the device key pair Ed25519 and a CSR
	// the token's key signs.
	csr := filepath.Join(dir, "dev.csr")
	cli("provision", "--generate", "--type", "ed25519", "--csr", csr, "--subject", "/CN=ed-dev", "--pin", userPIN)
	if out, err := exec.Command("openssl", "req", "-in", csr, "-noout", "-verify", "-text").CombinedOutput(); err != nil ||
		!strings.Contains(string(out), "verify OK") || !strings.Contains(string(out), "ED25519") {
		t.Fatalf("openssl req -verify of the Ed25519 CSR: %v\n%s", err, out)
	}
}

// TestEd448CLI: corepkcs11 keygen --type ed448 makes a key list shows as
// a 448-bit Edwards key; sign (EdDSA by default: Ed448 with an empty
// context, as OpenSSL signs) makes a signature OpenSSL verifies with the
// exported public key. An Ed448 key OpenSSL generates imports from its
// PKCS#8 PEM: the token exports the public key OpenSSL derives, and
// signs as OpenSSL does with the key (Ed448 signatures are
// deterministic).
func TestEd448CLI(t *testing.T) {
	e := newEnv(t)
	bin := cliBinary(t)
	dir := t.TempDir()
	cli := e.cli(t, bin)
	openssl := func(args ...string) string {
		t.Helper()
		return e.run(t, "", "openssl", args...)
	}
	cli("init", "--label", "ed448", "--kdf", "fast", "--so-pin", soPIN, "--pin", userPIN)
	cli("keygen", "--type", "ed448", "--label", "edkey", "--pin", userPIN)
	mustContain(t, "list", cli("list", "--pin", userPIN), `private EC_EDWARDS 448 "edkey"`, `public EC_EDWARDS 448 "edkey"`)
	file, sig, pub := filepath.Join(dir, "f"), filepath.Join(dir, "f.sig"), filepath.Join(dir, "pub.pem")
	if err := os.WriteFile(file, []byte(strings.Repeat("firmware for an Ed448 key\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("sign", "--key", "edkey", "--in", file, "--out", sig, "--pin", userPIN)
	if s, _ := os.ReadFile(sig); len(s) != 114 {
		t.Fatalf("an Ed448 signature of %d bytes", len(s))
	}
	mustContain(t, "verify", cli("verify", "--key", "edkey", "--in", file, "--sig", sig, "--pin", userPIN), "signature verified")
	cli("export", "edkey", "--out", pub)
	mustContain(t, "openssl pkeyutl -verify", openssl("pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", file, "-sigfile", sig),
		"Signature Verified Successfully")

	key, keyPub, exported := filepath.Join(dir, "k.pem"), filepath.Join(dir, "kpub.pem"), filepath.Join(dir, "exported.pem")
	openssl("genpkey", "-algorithm", "ED448", "-out", key)
	openssl("pkey", "-in", key, "-pubout", "-out", keyPub)
	cli("import", "key", key, "--label", "imported", "--pin", userPIN)
	cli("export", "imported", "--out", exported)
	want, _ := os.ReadFile(keyPub)
	if got, _ := os.ReadFile(exported); string(got) != string(want) {
		t.Errorf("the imported key's public key:\n%s\nOpenSSL's:\n%s", got, want)
	}
	tokenSig, opensslSig := filepath.Join(dir, "token.sig"), filepath.Join(dir, "openssl.sig")
	cli("sign", "--key", "imported", "--in", file, "--out", tokenSig, "--pin", userPIN)
	openssl("pkeyutl", "-sign", "-inkey", key, "-rawin", "-in", file, "-out", opensslSig)
	a, _ := os.ReadFile(tokenSig)
	b, _ := os.ReadFile(opensslSig)
	if len(a) != 114 || string(a) != string(b) {
		t.Errorf("the token's Ed448 signature %x, OpenSSL's %x", a, b)
	}
}
