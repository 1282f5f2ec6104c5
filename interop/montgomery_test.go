package interop

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudflare/circl/dh/x448"
	"github.com/cloudflare/circl/sign/ed448"
)

// TestMontgomeryCLI: corepkcs11 keygen --type x25519 and x448 make key
// agreement keys (CKA_DERIVE, not CKA_SIGN) that list shows with their
// sizes; X25519 and X448 keys OpenSSL generates import from their PKCS#8
// PEM, and the token exports the public keys OpenSSL derives from them.
// sign refuses them.
func TestMontgomeryCLI(t *testing.T) {
	e := newEnv(t)
	bin := cliBinary(t)
	dir := t.TempDir()
	cli := e.cli(t, bin)
	cli("init", "--label", "mont", "--kdf", "fast", "--so-pin", soPIN, "--pin", userPIN)
	cli("keygen", "--type", "x25519", "--label", "x25519key", "--pin", userPIN)
	cli("keygen", "--type", "x448", "--label", "x448key", "--pin", userPIN)
	for _, alg := range []string{"X25519", "X448"} {
		key, keyPub, exported := filepath.Join(dir, alg+".pem"), filepath.Join(dir, alg+"pub.pem"), filepath.Join(dir, alg+"exported.pem")
		e.run(t, "", "openssl", "genpkey", "-algorithm", alg, "-out", key)
		e.run(t, "", "openssl", "pkey", "-in", key, "-pubout", "-out", keyPub)
		label := "imported " + alg
		cli("import", "key", key, "--label", label, "--pin", userPIN)
		cli("export", label, "--out", exported)
		want, _ := os.ReadFile(keyPub)
		if got, _ := os.ReadFile(exported); string(got) != string(want) {
			t.Errorf("%s: the imported key's public key:\n%s\nOpenSSL's:\n%s", alg, got, want)
		}
	}
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := e.try("", bin, "sign", "--key", "x25519key", "--in", file, "--out", file+".sig", "--pin", userPIN); err == nil ||
		!strings.Contains(out, "do not sign") {
		t.Errorf("sign with an X25519 key: %v\n%s", err, out)
	}
	var list []cliObject
	if err := json.Unmarshal([]byte(cli("list", "--pin", userPIN, "--json")), &list); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, o := range list {
		bits := map[string]int{"x25519key": 255, "imported X25519": 255, "x448key": 448, "imported X448": 448}[o.Label]
		if bits == 0 {
			t.Errorf("list shows an object %q", o.Label)
			continue
		}
		found++
		if o.KeyType != "EC_MONTGOMERY" || o.Bits != bits {
			t.Errorf("%s %q: %s %d bits, want EC_MONTGOMERY %d", o.Class, o.Label, o.KeyType, o.Bits, bits)
		}
		if o.Class == "private" && (!o.has("derive") || o.has("sign")) {
			t.Errorf("private key %q: flags %v, want derive and not sign", o.Label, o.Flags)
		}
	}
	if found != 8 {
		t.Errorf("list shows %d of the 4 key pairs' 8 keys", found)
	}
}

// TestCurvesTools: what pkcs11-tool and p11tool of Debian 12 make of
// Ed448, X25519 and X448 keys. pkcs11-tool 0.23 lists them with their
// curves' OIDs. It cannot generate them: it knows no Ed448 or X448, and
// for EC:curve25519 sends a malformed CKA_EC_PARAMS (a PrintableString
// whose length says 11 bytes and holds 10), which the token refuses;
// both are logged, not checked. GnuTLS 3.7.9's p11tool knows Ed448
// public keys, names every CKK_EC_EDWARDS private key Ed25519 (it does
// not read a private key's curve), lists Montgomery private keys without
// an algorithm and skips Montgomery public keys.
func TestCurvesTools(t *testing.T) {
	e := newEnv(t)
	bin := cliBinary(t)
	e.run(t, "", bin, "init", "--label", "curves", "--kdf", "fast", "--so-pin", soPIN, "--pin", userPIN)
	for _, kind := range []string{"ed448", "x25519", "x448"} {
		e.run(t, "", bin, "keygen", "--type", kind, "--label", kind, "--pin", userPIN)
	}
	out := e.pkcs11Tool(t, "--login", "--pin", userPIN, "--list-objects")
	mustContain(t, "pkcs11-tool --list-objects", out, "Public Key Object; EC_EDWARDS", "EC_PARAMS:  06032b6571 (OID 1.3.101.113)",
		"Public Key Object; EC_MONTGOMERY", "EC_PARAMS:  06032b656e (OID 1.3.101.110)", "EC_PARAMS:  06032b656f (OID 1.3.101.111)",
		"Private Key Object; EC_MONTGOMERY")
	if n := strings.Count(out, "Private Key Object; EC_MONTGOMERY"); n != 2 {
		t.Errorf("pkcs11-tool lists %d Montgomery private keys, not 2:\n%s", n, out)
	}
	for _, kt := range []string{"EC:curve25519", "EC:edwards448", "EC:curve448"} {
		out, err := e.try("", "pkcs11-tool", "--module", modulePath, "--login", "--pin", userPIN, "--keypairgen", "--key-type", kt, "--label", kt)
		t.Logf("pkcs11-tool --keypairgen --key-type %s (err %v): %s", kt, err, strings.TrimSpace(out))
	}

	t.Setenv("GNUTLS_PIN", userPIN)
	out = e.run(t, "", "p11tool", "--provider", modulePath, "--login", "--list-all", "pkcs11:token=curves")
	mustContain(t, "p11tool --list-all", out, "Type: Public key (EdDSA (Ed448))\n\tLabel: ed448", "Type: Private key (EdDSA (Ed25519))\n\tLabel: ed448",
		"Type: Private key\n\tLabel: x25519", "Type: Private key\n\tLabel: x448")
}

// TestCurvesCABI compiles testdata/curves.c and runs it against the
// module: RFC 8032's Ed448 and Ed448ph vectors through C_Sign and
// C_Verify with CK_EDDSA_PARAMS, and key pairs of Ed448, X25519 and X448
// from C_GenerateKeyPair, whose public keys Go's crypto/ecdh and circl
// derive again from the private keys the program prints, each in both
// halves' CKA_PUBLIC_KEY_INFO under its RFC 8410 OID, and an Ed448ph
// signature with a context that circl verifies.
func TestCurvesCABI(t *testing.T) {
	out := runChecks(t, newEnv(t), "testdata/curves.c")
	keys, sigs := 0, 0
	for _, line := range strings.Split(out, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) == 5 && fields[0] == "KEY":
			keys++
			value, point, spki := unhexString(t, fields[2]), unhexString(t, fields[3]), unhexString(t, fields[4])
			var want []byte
			switch fields[1] {
			case "Ed448":
				want = ed448.NewKeyFromSeed(value).Public().(ed448.PublicKey)
			case "X25519":
				k, err := ecdh.X25519().NewPrivateKey(value)
				if err != nil {
					t.Fatal(err)
				}
				want = k.PublicKey().Bytes()
			case "X448":
				var pub, secret x448.Key
				copy(secret[:], value)
				x448.KeyGen(&pub, &secret)
				want = pub[:]
			}
			if len(point) != len(want)+2 || !bytes.Equal(point[2:], want) {
				t.Errorf("%s: CKA_EC_POINT %x, the private key's public key %x", fields[1], point, want)
			}
			if oid, key := spkiKey(t, spki); oid != rfc8410OIDs[fields[1]] || !bytes.Equal(key, want) {
				t.Errorf("%s: CKA_PUBLIC_KEY_INFO names %s and holds %x; want %s and %x", fields[1], oid, key, rfc8410OIDs[fields[1]], want)
			}
		case len(fields) == 4 && fields[0] == "SIG":
			sigs++
			pub, ctx, sig := unhexString(t, fields[1]), unhexString(t, fields[2]), unhexString(t, fields[3])
			if len(pub) != 59 || !ed448.VerifyPh(pub[2:], []byte("a message from the C ABI"), sig, string(ctx)) {
				t.Errorf("circl does not verify the Ed448ph signature %x of key %x", sig, pub)
			}
		}
	}
	if keys != 3 || sigs != 1 || !strings.Contains(out, "PASS CKA_DERIVE as asked") {
		t.Fatalf("the checks did not run to the end (%d keys, %d signatures):\n%s", keys, sigs, out)
	}
}

// rfc8410OIDs are the algorithm OIDs RFC 8410 gives the curves' keys.
var rfc8410OIDs = map[string]string{"Ed448": "1.3.101.113", "X25519": "1.3.101.110", "X448": "1.3.101.111"}

func unhexString(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
