package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// testKDF keeps PIN derivation cheap in tests; the cost parameters are
// recorded with each wrapped key, so nothing else differs.
var testKDF = FastKDF

const (
	soPIN   = "so-secret"
	userPIN = "user-1234"
)

// newModule returns an initialized module on st (a fresh memory store if nil).
func newModule(t testing.TB, st store.Store) *Module {
	t.Helper()
	return newModuleWith(t, Config{Store: st})
}

// newModuleWith returns an initialized module configured by cfg, with a
// fresh memory store, the cheap test KDF and 3 PIN tries unless cfg says.
func newModuleWith(t testing.TB, cfg Config) *Module {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = store.NewMemory()
	}
	if cfg.KDF == (KDF{}) {
		cfg.KDF = testKDF
	}
	if cfg.MaxPINFailures == 0 {
		cfg.MaxPINFailures = 3
	}
	m := New(cfg)
	if err := m.Initialize(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Finalize() })
	return m
}

// readyToken initializes the token in the empty slot with both PINs set
// and returns its slot.
func readyToken(t testing.TB, m *Module, label string) ck.SlotID {
	t.Helper()
	slots, err := m.GetSlotList(false)
	if err != nil {
		t.Fatal(err)
	}
	slot := slots[len(slots)-1]
	if err := m.InitToken(slot, []byte(soPIN), label); err != nil {
		t.Fatal(err)
	}
	h := mustOpen(t, m, slot, true)
	must(t, m.Login(h, ck.CKU_SO, []byte(soPIN)))
	must(t, m.InitPIN(h, []byte(userPIN)))
	must(t, m.CloseSession(h))
	return slot
}

func mustOpen(t testing.TB, m *Module, slot ck.SlotID, rw bool) ck.SessionHandle {
	t.Helper()
	flags := ck.Flags(ck.CKF_SERIAL_SESSION)
	if rw {
		flags |= ck.CKF_RW_SESSION
	}
	h, err := m.OpenSession(slot, flags)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// userSession opens a read/write session logged in as the user.
func userSession(t testing.TB, m *Module, slot ck.SlotID) ck.SessionHandle {
	t.Helper()
	h := mustOpen(t, m, slot, true)
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	return h
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantRV(t *testing.T, what string, err error, want ck.RV) {
	t.Helper()
	if got := ck.ToRV(err); got != want {
		t.Errorf("%s = %v (%v), want %v", what, got, err, want)
	}
}

func class(c ck.ObjectClass) object.Attribute { return object.ULong(ck.CKA_CLASS, uint(c)) }

func ecGenTemplates(label string, token bool) (pub, priv object.Template) {
	pub = object.Template{
		object.Bytes(ck.CKA_EC_PARAMS, object.Curves[0].Params),
		object.Bool(ck.CKA_TOKEN, token), object.String(ck.CKA_LABEL, label), object.Bool(ck.CKA_VERIFY, true),
	}
	priv = object.Template{
		object.Bool(ck.CKA_TOKEN, token), object.String(ck.CKA_LABEL, label), object.Bool(ck.CKA_SIGN, true),
		object.Bool(ck.CKA_PRIVATE, true), object.Bool(ck.CKA_SENSITIVE, true),
	}
	return pub, priv
}

func genEC(t *testing.T, m *Module, h ck.SessionHandle, label string, token bool) (pub, priv ck.ObjectHandle) {
	t.Helper()
	pt, st := ecGenTemplates(label, token)
	pub, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, pt, st)
	if err != nil {
		t.Fatal(err)
	}
	return pub, priv
}

func ecImportTemplate(key *ecdsa.PrivateKey, label string) object.Template {
	d := make([]byte, 32)
	key.D.FillBytes(d)
	return object.Template{
		class(ck.CKO_PRIVATE_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC)),
		object.Bytes(ck.CKA_EC_PARAMS, object.Curves[0].Params), object.Bytes(ck.CKA_VALUE, d),
		object.String(ck.CKA_LABEL, label), object.Bool(ck.CKA_TOKEN, true),
	}
}

func newECKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func find(t *testing.T, m *Module, h ck.SessionHandle, tmpl object.Template) []ck.ObjectHandle {
	t.Helper()
	must(t, m.FindObjectsInit(h, tmpl))
	var all []ck.ObjectHandle
	for {
		got, err := m.FindObjects(h, 2)
		must(t, err)
		if len(got) == 0 {
			break
		}
		all = append(all, got...)
	}
	must(t, m.FindObjectsFinal(h))
	return all
}
