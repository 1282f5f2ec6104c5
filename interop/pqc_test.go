package interop

import (
	"crypto"
	"crypto/mlkem"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/slhdsa"
)

// spkiKey reads a SubjectPublicKeyInfo with encoding/asn1 alone, apart
// from the module's own code: the algorithm OID (dotted) and the key.
func spkiKey(t *testing.T, der []byte) (string, []byte) {
	t.Helper()
	var info struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if rest, err := asn1.Unmarshal(der, &info); err != nil || len(rest) != 0 {
		t.Fatalf("not a SubjectPublicKeyInfo: %v", err)
	}
	if len(info.Algorithm.Parameters.FullBytes) != 0 {
		t.Errorf("the AlgorithmIdentifier has parameters: %x", info.Algorithm.Parameters.FullBytes)
	}
	return info.Algorithm.Algorithm.String(), info.PublicKey.Bytes
}

// TestPQSignCABI compiles testdata/pqsign.c and runs it against the
// module: ML-DSA-65 and SLH-DSA-SHA2-128f key pairs, signatures with a
// context (pure, and HashSLH-DSA over SHA-256), deterministic and hedged,
// in one part and in two, and the parameter errors. circl verifies the
// deterministic signatures the program wrote with the CKA_PUBLIC_KEY_INFO
// it read, under the NIST OIDs.
func TestPQSignCABI(t *testing.T) {
	dir := t.TempDir()
	out := runChecks(t, newEnv(t), "testdata/pqsign.c", dir)
	if !strings.Contains(out, "PASS the checks ran to the end") {
		t.Fatalf("the checks did not run to the end:\n%s", out)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	oid, raw := spkiKey(t, read("mldsa65.spki"))
	if oid != "2.16.840.1.101.3.4.3.18" {
		t.Errorf("ML-DSA-65 key under OID %s", oid)
	}
	var mlPub mldsa65.PublicKey
	if err := mlPub.UnmarshalBinary(raw); err != nil {
		t.Fatal(err)
	}
	msg, ctx := read("mldsa65.msg"), read("mldsa65.ctx")
	if !mldsa65.Verify(&mlPub, msg, ctx, read("mldsa65.sig")) {
		t.Error("circl does not verify the module's ML-DSA-65 signature")
	}
	if mldsa65.Verify(&mlPub, msg, nil, read("mldsa65.sig")) {
		t.Error("the ML-DSA-65 signature verifies without its context")
	}
	oid, raw = spkiKey(t, read("slhdsa128f.spki"))
	if oid != "2.16.840.1.101.3.4.3.21" {
		t.Errorf("SLH-DSA-SHA2-128f key under OID %s", oid)
	}
	slhPub := slhdsa.PublicKey{ID: slhdsa.SHA2_128f}
	if err := slhPub.UnmarshalBinary(raw); err != nil {
		t.Fatal(err)
	}
	if !slhdsa.Verify(&slhPub, slhdsa.NewMessage(read("slhdsa128f.msg")), read("slhdsa128f.sig"), read("slhdsa128f.ctx")) {
		t.Error("circl does not verify the module's SLH-DSA signature")
	}
	_, raw = spkiKey(t, read("hashslhdsa128f.spki"))
	hashPub := slhdsa.PublicKey{ID: slhdsa.SHA2_128f}
	if err := hashPub.UnmarshalBinary(raw); err != nil {
		t.Fatal(err)
	}
	ph, err := slhdsa.NewPreHashWithHash(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	ph.Write(read("hashslhdsa128f.msg"))
	hashed, err := ph.BuildMessage()
	if err != nil {
		t.Fatal(err)
	}
	sig, ctx := read("hashslhdsa128f.sig"), read("hashslhdsa128f.ctx")
	if !slhdsa.Verify(&hashPub, hashed, sig, ctx) {
		t.Error("circl does not verify the module's HashSLH-DSA (SHA-256) signature")
	}
	if slhdsa.Verify(&hashPub, slhdsa.NewMessage(read("hashslhdsa128f.msg")), sig, ctx) {
		t.Error("the HashSLH-DSA signature verifies as pure SLH-DSA")
	}
}

// TestPQCLI: corepkcs11 keygen --type ml-dsa-44 and slh-dsa-shake-128f,
// list with the parameter sets, sign and verify with the default
// mechanisms, and export: circl verifies the ML-DSA signature with the
// exported public key.
func TestPQCLI(t *testing.T) {
	e := newEnv(t)
	bin := cliBinary(t)
	dir := t.TempDir()
	cli := e.cli(t, bin)
	cli("init", "--label", "pq", "--kdf", "fast", "--so-pin", soPIN, "--pin", userPIN)
	cli("keygen", "--type", "ml-dsa-44", "--label", "ml", "--pin", userPIN)
	cli("keygen", "--type", "slh-dsa-shake-128f", "--label", "slh", "--pin", userPIN)
	mustContain(t, "list", cli("list", "--pin", userPIN), `private ML_DSA ML-DSA-44 "ml"`, `public ML_DSA ML-DSA-44 "ml"`,
		`private SLH_DSA SLH-DSA-SHAKE-128f "slh"`, `public SLH_DSA SLH-DSA-SHAKE-128f "slh"`)
	file, pub := filepath.Join(dir, "f"), filepath.Join(dir, "ml.pem")
	if err := os.WriteFile(file, []byte("firmware image"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"ml", "slh"} {
		sig := filepath.Join(dir, key+".sig")
		cli("sign", "--key", key, "--in", file, "--out", sig, "--pin", userPIN)
		mustContain(t, "verify "+key, cli("verify", "--key", key, "--in", file, "--sig", sig), "signature verified")
	}
	cli("export", "ml", "--out", pub)
	p, _ := os.ReadFile(pub)
	block, _ := pem.Decode(p)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("export wrote no PEM public key:\n%s", p)
	}
	oid, raw := spkiKey(t, block.Bytes)
	if oid != "2.16.840.1.101.3.4.3.17" {
		t.Errorf("ML-DSA-44 key exported under OID %s", oid)
	}
	var k mldsa44.PublicKey
	if err := k.UnmarshalBinary(raw); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	sig, _ := os.ReadFile(filepath.Join(dir, "ml.sig"))
	if !mldsa44.Verify(&k, data, nil, sig) {
		t.Error("circl does not verify corepkcs11 sign's ML-DSA-44 signature with the exported key")
	}
	if out, err := e.try("", bin, "verify", "--key", "ml", "--in", pub, "--sig", filepath.Join(dir, "ml.sig")); err == nil {
		t.Errorf("verify accepted the signature for another file:\n%s", out)
	}
}

// TestMLKEMCLI: corepkcs11 keygen --type ml-kem-768 makes an ML-KEM key
// pair that encapsulates and decapsulates and neither signs nor
// derives; list shows its parameter set, sign refuses it, export writes
// an encapsulation key crypto/mlkem takes, and import reads it back.
func TestMLKEMCLI(t *testing.T) {
	e := newEnv(t)
	bin := cliBinary(t)
	dir := t.TempDir()
	cli := e.cli(t, bin)
	cli("init", "--label", "kem", "--kdf", "fast", "--so-pin", soPIN, "--pin", userPIN)
	cli("keygen", "--type", "ml-kem-768", "--label", "kem", "--pin", userPIN)
	list := cli("list", "--pin", userPIN)
	mustContain(t, "list", list, `private ML_KEM ML-KEM-768 "kem"`, `public ML_KEM ML-KEM-768 "kem"`, "decapsulate]", "encapsulate]")
	if strings.Contains(list, " sign ") || strings.Contains(list, "derive") {
		t.Errorf("an ML-KEM key signs or derives:\n%s", list)
	}
	file, pub := filepath.Join(dir, "f"), filepath.Join(dir, "kem.pem")
	if err := os.WriteFile(file, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := e.try("", bin, "sign", "--key", "kem", "--in", file, "--out", filepath.Join(dir, "sig"), "--pin", userPIN); err == nil ||
		!strings.Contains(out, "do not sign") {
		t.Errorf("sign with an ML-KEM key: %v\n%s", err, out)
	}
	cli("export", "kem", "--out", pub)
	p, _ := os.ReadFile(pub)
	block, _ := pem.Decode(p)
	if block == nil || block.Type != "PUBLIC KEY" {
		t.Fatalf("export wrote no PEM public key:\n%s", p)
	}
	oid, raw := spkiKey(t, block.Bytes)
	if oid != "2.16.840.1.101.3.4.4.2" {
		t.Errorf("ML-KEM-768 key exported under OID %s", oid)
	}
	if _, err := mlkem.NewEncapsulationKey768(raw); err != nil {
		t.Errorf("crypto/mlkem does not take the exported key: %v", err)
	}
	cli("import", "pubkey", pub, "--label", "kem-copy", "--pin", userPIN)
	mustContain(t, "list after import", cli("list", "--pin", userPIN), `public ML_KEM ML-KEM-768 "kem-copy"`)
}
