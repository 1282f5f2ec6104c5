package interop

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeriveCABI runs testdata/derive.c with a P-256 and an X25519 key
// and the other party's public key made here, and recomputes each value
// it derived through the C ABI with crypto/ecdh, crypto/hkdf, and
// OpenSSL's X963KDF and SSKDF (SP 800-56A's one-step KDF).
func TestDeriveCABI(t *testing.T) {
	for name, curve := range map[string]ecdh.Curve{"p256": ecdh.P256(), "x25519": ecdh.X25519()} {
		t.Run(name, func(t *testing.T) {
			mine, _ := curve.GenerateKey(rand.Reader)
			peer, _ := curve.GenerateKey(rand.Reader)
			out := runChecks(t, newEnv(t), "testdata/derive.c", name, hex.EncodeToString(mine.Bytes()), hex.EncodeToString(peer.PublicKey().Bytes()))
			got := map[string]string{}
			for _, line := range strings.Split(out, "\n") {
				if f := strings.Fields(line); len(f) == 3 && f[0] == "VALUE" {
					got[f[1]] = f[2]
				}
			}
			z, err := peer.ECDH(mine.PublicKey())
			if err != nil {
				t.Fatal(err)
			}
			okm, err := hkdf.Key(sha256.New, z, []byte("salt"), "info", 42)
			if err != nil {
				t.Fatal(err)
			}
			x963, err := exec.Command("openssl", "kdf", "-keylen", "40", "-kdfopt", "digest:SHA256", "-kdfopt", "hexsecret:"+hex.EncodeToString(z),
				"-kdfopt", "hexinfo:"+hex.EncodeToString([]byte("corepkcs11")), "X963KDF").Output()
			if err != nil {
				t.Fatalf("openssl kdf X963KDF: %v", err)
			}
			sp800, err := exec.Command("openssl", "kdf", "-keylen", "40", "-kdfopt", "digest:SHA256", "-kdfopt", "hexkey:"+hex.EncodeToString(z),
				"-kdfopt", "hexinfo:"+hex.EncodeToString([]byte("corepkcs11")), "SSKDF").Output()
			if err != nil {
				t.Fatalf("openssl kdf SSKDF: %v", err)
			}
			hkdfKey, _ := hex.DecodeString(got["hkdf-key"])
			expanded, err := hkdf.Expand(sha256.New, hkdfKey, "info", 40)
			if len(hkdfKey) != 32 || err != nil {
				t.Fatalf("CKM_HKDF_KEY_GEN made %x (%v)", hkdfKey, err)
			}
			wants := map[string][]byte{
				"z":            z,
				"z16":          z[len(z)-16:], // truncation removes bytes from the leading end
				"x963":         unhexColons(t, string(x963)),
				"sp800":        unhexColons(t, string(sp800)),
				"hkdf":         okm,
				"hkdf-saltkey": okm,
				"hkdf-data":    okm,
				"hkdf-expand":  expanded,
			}
			if name == "p256" {
				wants["z-cofactor"] = z
			}
			for name, want := range wants {
				if got[name] != hex.EncodeToString(want) {
					t.Errorf("%s: the module derived %s, want %x", name, got[name], want)
				}
			}
		})
	}
}

// unhexColons decodes OpenSSL's AA:BB:… output.
func unhexColons(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(strings.TrimSpace(s), ":", ""))
	if err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return b
}

// TestECDHTools: pkcs11-tool derives a shared secret with an EC key the
// token generated and an OpenSSL key's public half; OpenSSL derives the
// same secret from the other side.
func TestECDHTools(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "ecdh")
	dir := t.TempDir()
	peer, peerPub, tokPub, secret := filepath.Join(dir, "peer.pem"), filepath.Join(dir, "peer.der"), filepath.Join(dir, "tok.der"), filepath.Join(dir, "z")
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--keypairgen", "--key-type", "EC:prime256v1", "--id", "0e", "--label", "ecdh", "--usage-derive")
	e.run(t, "", "openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", peer)
	e.run(t, "", "openssl", "pkey", "-in", peer, "-pubout", "-outform", "DER", "-out", peerPub)
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--derive", "--mechanism", "ECDH1-DERIVE", "--id", "0e", "--input-file", peerPub, "--output-file", secret)
	e.pkcs11Tool(t, "--read-object", "--type", "pubkey", "--id", "0e", "--output-file", tokPub)
	want, err := exec.Command("openssl", "pkeyutl", "-derive", "-inkey", peer, "-peerkey", tokPub, "-peerform", "DER").Output()
	if err != nil {
		t.Fatalf("openssl pkeyutl -derive: %v", err)
	}
	got, _ := os.ReadFile(secret)
	if len(want) != 32 || !bytes.Equal(got, want) {
		t.Fatalf("pkcs11-tool derived %x, OpenSSL %x", got, want)
	}
}
