package token

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// sqliteModule opens a module on the SQLite store in dir.
func sqliteModule(t *testing.T, dir string) *Module {
	t.Helper()
	m := New(Config{Location: dir, KDF: testKDF})
	must(t, m.Initialize())
	t.Cleanup(func() { m.Finalize() })
	return m
}

func TestPersistenceAcrossInstances(t *testing.T) {
	dir := t.TempDir()
	a := sqliteModule(t, dir)
	b := sqliteModule(t, dir) // open before anything exists

	slot := readyToken(t, a, "shared")
	ha := userSession(t, a, slot)
	pub, _ := genEC(t, a, ha, "Device Priv TLS Key", true)
	point, err := a.GetAttributes(ha, pub, ck.CKA_EC_POINT)
	must(t, err)

	// b sees the new token and its objects on its next call.
	slots, err := b.GetSlotList(true)
	must(t, err)
	if len(slots) != 2 {
		t.Fatalf("b sees slots %v", slots)
	}
	hb := mustOpen(t, b, slot, true)
	if got := find(t, b, hb, object.Template{object.String(ck.CKA_LABEL, "Device Priv TLS Key")}); len(got) != 1 {
		t.Fatalf("before login b finds %d objects, want the public key only", len(got))
	}
	must(t, b.Login(hb, ck.CKU_USER, []byte(userPIN)))
	keys := find(t, b, hb, object.Template{class(ck.CKO_PRIVATE_KEY), object.String(ck.CKA_LABEL, "Device Priv TLS Key")})
	if len(keys) != 1 {
		t.Fatalf("after login b finds %d private keys", len(keys))
	}
	digest := sha256.Sum256([]byte("across instances"))
	must(t, b.SignInit(hb, Mechanism{Type: ck.CKM_ECDSA}, keys[0]))
	sig := make([]byte, 64)
	_, err = b.Sign(hb, digest[:], sig)
	must(t, err)
	must(t, a.VerifyInit(ha, Mechanism{Type: ck.CKM_ECDSA}, pub))
	must(t, a.Verify(ha, digest[:], sig))

	// Changes and deletions travel too.
	must(t, b.SetAttributeValue(hb, keys[0], object.Template{object.String(ck.CKA_LABEL, "renamed")}))
	if got := find(t, a, ha, object.Template{object.String(ck.CKA_LABEL, "renamed")}); len(got) != 1 {
		t.Errorf("a does not see b's rename: %v", got)
	}
	must(t, b.DestroyObject(hb, keys[0]))
	if got := find(t, a, ha, object.Template{class(ck.CKO_PRIVATE_KEY)}); len(got) != 0 {
		t.Errorf("a still sees the key b destroyed: %v", got)
	}

	// And everything survives C_Finalize / C_Initialize.
	must(t, a.Finalize())
	must(t, a.Initialize())
	h := mustOpen(t, a, slot, false)
	got := find(t, a, h, object.Template{class(ck.CKO_PUBLIC_KEY)})
	if len(got) != 1 {
		t.Fatalf("after re-initialization: %v", got)
	}
	again, _ := a.GetAttributes(h, got[0], ck.CKA_EC_POINT)
	if !bytes.Equal(again[0].Value, point[0].Value) {
		t.Error("public key changed across re-initialization")
	}
	info, _ := a.GetTokenInfo(slot)
	if info.Label != "shared" || info.Flags&ck.CKF_USER_PIN_INITIALIZED == 0 {
		t.Errorf("token info after re-initialization %+v", info)
	}
}

// TestTwoProcesses runs a second OS process on the same store: it
// creates a key pair and signs; this process, already initialized,
// finds the key on its next call and checks the signature, then the
// child finds an object this process made.
func TestTwoProcesses(t *testing.T) {
	if os.Getenv("COREPKCS11_TEST_CHILD") != "" {
		return
	}
	dir := t.TempDir()
	m := sqliteModule(t, dir)
	slot := readyToken(t, m, "processes")
	h := userSession(t, m, slot)

	out := runChild(t, dir, "create", slot)
	var sig []byte
	if _, err := fmt.Sscanf(out, "sig=%x", &sig); err != nil {
		t.Fatalf("child output %q: %v", out, err)
	}
	pubs := find(t, m, h, object.Template{class(ck.CKO_PUBLIC_KEY), object.String(ck.CKA_LABEL, "from-child")})
	if len(pubs) != 1 {
		t.Fatalf("the parent sees %d keys from the child", len(pubs))
	}
	digest := sha256.Sum256([]byte("two processes"))
	if !verifyECDSA(t, m, h, pubs[0], digest[:], sig) {
		t.Fatal("the child's signature does not verify")
	}
	_, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_TOKEN, true), object.String(ck.CKA_LABEL, "from-parent")})
	must(t, err)
	if out := runChild(t, dir, "find", slot); strings.TrimSpace(out) != "found=1" {
		t.Fatalf("child output %q", out)
	}
}

func runChild(t *testing.T, dir, mode string, slot ck.SlotID) string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$", "-test.v=false")
	cmd.Env = append(os.Environ(), "COREPKCS11_TEST_CHILD="+mode, "COREPKCS11_TEST_DIR="+dir, "COREPKCS11_TEST_SLOT="+strconv.Itoa(int(slot)))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", mode, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "sig=") || strings.HasPrefix(line, "found=") {
			return line
		}
	}
	t.Fatalf("child %s printed no result:\n%s", mode, out)
	return ""
}

// TestChildProcess is the second process of TestTwoProcesses.
func TestChildProcess(t *testing.T) {
	mode := os.Getenv("COREPKCS11_TEST_CHILD")
	if mode == "" {
		t.Skip("run by TestTwoProcesses")
	}
	m := sqliteModule(t, os.Getenv("COREPKCS11_TEST_DIR"))
	slotNum, _ := strconv.Atoi(os.Getenv("COREPKCS11_TEST_SLOT"))
	h := userSession(t, m, ck.SlotID(slotNum))
	switch mode {
	case "create":
		_, priv := genEC(t, m, h, "from-child", true)
		digest := sha256.Sum256([]byte("two processes"))
		must(t, m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv))
		sig := make([]byte, 64)
		_, err := m.Sign(h, digest[:], sig)
		must(t, err)
		fmt.Printf("sig=%x\n", sig)
	case "find":
		fmt.Printf("found=%d\n", len(find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "from-parent")})))
	}
}

// TestNoKeyMaterialInStoreFiles writes private keys, a secret key and a
// private data object to a SQLite store and scans every file of the
// store, while open and after closing, for their secret bytes.
func TestNoKeyMaterialInStoreFiles(t *testing.T) {
	dir := t.TempDir()
	m := sqliteModule(t, dir)
	slot := readyToken(t, m, "scan")
	h := userSession(t, m, slot)

	ec := newECKey(t)
	_, err := m.CreateObject(h, ecImportTemplate(ec, "ec"))
	must(t, err)
	_, _, rk := importRSA(t, m, h)
	aesKey := bytes.Repeat([]byte{0xA5, 0x17, 0x3C}, 11)[:32]
	_, err = m.CreateObject(h, object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)),
		object.Bytes(ck.CKA_VALUE, aesKey), object.Bool(ck.CKA_TOKEN, true)})
	must(t, err)
	privateData := []byte("private-data-object-value-0123456789")
	_, err = m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, true), object.Bytes(ck.CKA_VALUE, privateData)})
	must(t, err)
	// A generated key too, whose material nobody outside the token ever saw.
	genEC(t, m, h, "generated", true)

	d := make([]byte, 32)
	ec.D.FillBytes(d)
	secrets := map[string][]byte{
		"EC private scalar":    d,
		"RSA private exponent": rk.D.Bytes(),
		"RSA prime 1":          rk.Primes[0].Bytes(),
		"RSA prime 2":          rk.Primes[1].Bytes(),
		"AES key":              aesKey,
		"private data value":   privateData,
	}
	scan := func(when string) {
		entries, err := os.ReadDir(dir)
		must(t, err)
		scanned := 0
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			must(t, err)
			scanned += len(b)
			for name, secret := range secrets {
				// 16 bytes of a secret are enough to recognize it.
				if bytes.Contains(b, secret[:16]) {
					t.Errorf("%s: %s found in clear in %s", when, name, e.Name())
				}
			}
		}
		if scanned == 0 {
			t.Fatalf("%s: nothing to scan", when)
		}
	}
	scan("store open")
	must(t, m.Finalize())
	scan("store closed")

	// The scan can fail: the same check finds the label, stored in clear.
	b, _ := os.ReadFile(filepath.Join(dir, "corepkcs11.db"))
	if !bytes.Contains(b, []byte("generated")) {
		t.Error("the scan does not see clear attributes either; it proves nothing")
	}
}

// TestLegacyStore opens a store written by corepkcs11 before objects were
// stored whole (testdata/legacy-store.db: token "legacy", user PIN
// "legacy-user", a generated P-256 pair "legacy ec" and a public generic
// secret "legacy secret" whose value was sealed apart from its clear
// attributes): every object is read after a login, usable, and rewritten
// in today's form when it changes.
func TestLegacyStore(t *testing.T) {
	dir := t.TempDir()
	fixture, err := os.ReadFile("testdata/legacy-store.db")
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "corepkcs11.db"), fixture, 0o600))
	m := sqliteModule(t, dir)
	slots, err := m.GetSlotList(true)
	must(t, err)
	h := mustOpen(t, m, slots[0], true)
	must(t, m.Login(h, ck.CKU_USER, []byte("legacy-user")))
	ecs := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "legacy ec")})
	secrets := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "legacy secret")})
	if len(ecs) != 2 || len(secrets) != 1 {
		t.Fatalf("found %d EC keys and %d secrets, want 2 and 1", len(ecs), len(secrets))
	}
	priv := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "legacy ec"), class(ck.CKO_PRIVATE_KEY)})[0]
	pub := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "legacy ec"), class(ck.CKO_PUBLIC_KEY)})[0]
	digest := sha256.Sum256([]byte("legacy"))
	must(t, m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv))
	sig := make([]byte, 64)
	_, err = m.Sign(h, digest[:], sig)
	must(t, err)
	must(t, m.VerifyInit(h, Mechanism{Type: ck.CKM_ECDSA}, pub))
	must(t, m.Verify(h, digest[:], sig))
	must(t, m.DigestInit(h, Mechanism{Type: ck.CKM_SHA256}))
	must(t, m.DigestKey(h, secrets[0]))
	out := make([]byte, 32)
	_, err = m.DigestFinal(h, out)
	if want := sha256.Sum256([]byte("legacy public secret")); err != nil || !bytes.Equal(out, want[:]) {
		t.Fatalf("C_DigestKey of the legacy secret = %x, %v", out, err)
	}
	// Attributes the schema gained since have their defaults, for
	// reading and for searching.
	if v := attr(t, m, h, priv, ck.CKA_DECAPSULATE); !bytes.Equal(v, []byte{0}) {
		t.Errorf("the legacy private key's CKA_DECAPSULATE = %x", v)
	}
	if v := attr(t, m, h, pub, ck.CKA_ENCAPSULATE); !bytes.Equal(v, []byte{0}) {
		t.Errorf("the legacy public key's CKA_ENCAPSULATE = %x", v)
	}
	if n := len(find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "legacy ec"), object.Bool(ck.CKA_DECAPSULATE, false)})); n != 1 {
		t.Errorf("a search for CKA_DECAPSULATE false finds %d legacy keys, want 1", n)
	}
	// A change rewrites the private key in today's form, which a new
	// instance reads.
	must(t, m.SetAttributeValue(h, priv, object.Template{object.String(ck.CKA_LABEL, "renewed ec")}))
	must(t, m.Finalize())
	m2 := sqliteModule(t, dir)
	h2 := mustOpen(t, m2, slots[0], true)
	must(t, m2.Login(h2, ck.CKU_USER, []byte("legacy-user")))
	if n := len(find(t, m2, h2, object.Template{object.String(ck.CKA_LABEL, "renewed ec")})); n != 1 {
		t.Fatalf("the rewritten key is found %d times", n)
	}
}
