package interop

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestGnuTLS uses p11tool to list the token and its objects by PKCS#11
// URI, generate a key and export its public key, and certtool to make a
// self-signed certificate with that key, which Go then verifies.
func TestGnuTLS(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "gnutls")
	t.Setenv("GNUTLS_PIN", userPIN)
	tokenURI := "pkcs11:token=gnutls"
	mustContain(t, "p11tool --list-tokens", e.run(t, "", "p11tool", "--provider", modulePath, "--list-tokens"),
		"URL: pkcs11:model=software%20token;manufacturer=corepkcs11;", "token=gnutls", "Label: gnutls")
	e.run(t, "", "p11tool", "--provider", modulePath, "--login", "--generate-privkey=ECDSA", "--curve=secp256r1", "--label", "gnutls key", tokenURI)
	mustContain(t, "p11tool --list-all", e.run(t, "", "p11tool", "--provider", modulePath, "--list-all", tokenURI),
		"object=gnutls%20key;type=public", "Public key (EC/ECDSA-SECP256R1)")
	mustContain(t, "p11tool --list-all-privkeys", e.run(t, "", "p11tool", "--provider", modulePath, "--login", "--list-all-privkeys", tokenURI),
		"object=gnutls%20key;type=private")

	dir := t.TempDir()
	pubFile := filepath.Join(dir, "pub.pem")
	e.run(t, "", "p11tool", "--provider", modulePath, "--export-pubkey", "--outfile", pubFile, tokenURI+";object=gnutls%20key")
	pubPEM, _ := os.ReadFile(pubFile)
	block, _ := pem.Decode(pubPEM)
	if block == nil {
		t.Fatalf("p11tool exported no PEM public key: %q", pubPEM)
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}

	tmpl := writeFile(t, dir, "cert.tmpl", []byte("cn = \"gnutls token cert\"\nexpiration_days = 1\nsigning_key\n"))
	certFile := filepath.Join(dir, "cert.pem")
	e.run(t, "", "certtool", "--provider", modulePath, "--generate-self-signed",
		"--load-privkey", tokenURI+";object=gnutls%20key;type=private", "--template", tmpl, "--outfile", certFile)
	certPEM, _ := os.ReadFile(certFile)
	block, _ = pem.Decode(certPEM)
	if block == nil {
		t.Fatalf("certtool wrote no certificate: %q", certPEM)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if err := cert.CheckSignature(cert.SignatureAlgorithm, cert.RawTBSCertificate, cert.Signature); err != nil {
		t.Fatalf("the token-signed certificate does not verify: %v", err)
	}
	if cert.Subject.CommonName != "gnutls token cert" || !cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(pub) {
		t.Error("the certificate is not for the token's key")
	}
}

// TestGnuTLSSecretKey has p11tool list an AES key that pkcs11-tool
// generated in the token (made --private; see TestPkcs11ToolCiphers):
// logged in, as a secret key with its URI; not logged in, not at all.
func TestGnuTLSSecretKey(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "gnutls")
	t.Setenv("GNUTLS_PIN", userPIN)
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--keygen", "--key-type", "AES:32", "--label", "gnutls aes", "--id", "05", "--private")
	tokenURI := "pkcs11:token=gnutls"
	out := e.run(t, "", "p11tool", "--provider", modulePath, "--login", "--list-all", tokenURI)
	mustContain(t, "p11tool --login --list-all", out, "token=gnutls;id=%05;object=gnutls%20aes;type=secret-key",
		"Type: Secret key", "Label: gnutls aes", "CKA_PRIVATE", "ID: 05")
	// p11tool exits with status 2 when it finds nothing to list.
	out, err := e.try("", "p11tool", "--provider", modulePath, "--list-all", tokenURI)
	if strings.Contains(out, "gnutls aes") || err != nil && !strings.Contains(out, "No matching objects found") {
		t.Errorf("p11tool --list-all without a login: %v\n%s", err, out)
	}
}
