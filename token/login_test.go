package token

import (
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/store"
)

// TestKDFChosenAtInitToken: the cost of a token's PINs is chosen when it
// is initialized, and the PINs set later keep it, whatever the module's
// default.
func TestKDFChosenAtInitToken(t *testing.T) {
	m := newModuleWith(t, Config{KDF: DefaultKDF})
	slots, err := m.GetSlotList(false)
	must(t, err)
	slot := slots[len(slots)-1]
	must(t, m.InitTokenKDF(slot, []byte(soPIN), "fast", FastKDF))
	h := mustOpen(t, m, slot, true)
	must(t, m.Login(h, ck.CKU_SO, []byte(soPIN)))
	must(t, m.InitPIN(h, []byte(userPIN)))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	must(t, m.SetPIN(h, []byte(userPIN), []byte("new-user-pin")))
	tok, err := m.token(slot)
	must(t, err)
	tok.mu.RLock()
	env := tok.env
	tok.mu.RUnlock()
	if env.SO.KDF != FastKDF || env.User == nil || env.User.KDF != FastKDF {
		t.Fatalf("the token's PINs are derived with %+v and %+v, want %+v", env.SO.KDF, env.User, FastKDF)
	}
	if _, err := KDFNamed("medium"); ck.ToRV(err) != ck.CKR_ARGUMENTS_BAD {
		t.Errorf("KDFNamed(medium): %v", err)
	}
}

// TestEnvelopeRefusesInsaneCosts: PIN derivation costs read from the
// store are bounded, so that an edited store file cannot make a login
// take the machine's memory.
func TestEnvelopeRefusesInsaneCosts(t *testing.T) {
	for _, k := range []KDF{{}, {Time: 1, MemoryKiB: 4 << 20, Threads: 1}, {Time: 1000, MemoryKiB: 64, Threads: 1}, {Time: 1, MemoryKiB: 64, Threads: 200}} {
		env := newEnvelope(FastKDF, []byte(soPIN), newTokenSecret())
		env.SO.KDF = k
		if _, err := decodeEnvelope(env.encode()); err == nil {
			t.Errorf("an envelope with cost %+v decodes", k)
		}
	}
	for _, k := range []KDF{FastKDF, DefaultKDF} {
		if _, err := decodeEnvelope(newEnvelope(k, []byte(soPIN), newTokenSecret()).encode()); err != nil {
			t.Errorf("cost %+v: %v", k, err)
		}
	}
}

// TestKDFEditedInTheStore: a PIN derivation cost edited in the store file
// does not pass to the PINs set later: they get the cost of the wrap the
// old PIN opened.
func TestKDFEditedInTheStore(t *testing.T) {
	m := newModuleWith(t, Config{KDF: DefaultKDF})
	slot := readyToken(t, m, "strong")
	tok, err := m.token(slot)
	must(t, err)
	_, err = tok.store.UpdateToken(uint(slot), func(rec *store.Token) error {
		env, err := decodeEnvelope(rec.Keys)
		if err != nil {
			return err
		}
		env.SO.KDF, env.User.KDF = FastKDF, FastKDF
		rec.Keys = env.encode()
		return nil
	})
	must(t, err)
	h := mustOpen(t, m, slot, true)
	wantRV(t, "login after the edit", m.Login(h, ck.CKU_USER, []byte(userPIN)), ck.CKR_PIN_INCORRECT)
	// Put the user's cost back, leave the SO's edited: the user changes
	// the PIN.
	_, err = tok.store.UpdateToken(uint(slot), func(rec *store.Token) error {
		env, _ := decodeEnvelope(rec.Keys)
		env.User.KDF = DefaultKDF
		rec.Keys = env.encode()
		return nil
	})
	must(t, err)
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	must(t, m.SetPIN(h, []byte(userPIN), []byte("new-user-pin")))
	tok.mu.RLock()
	got := tok.env.User.KDF
	tok.mu.RUnlock()
	if got != DefaultKDF {
		t.Fatalf("the new user PIN is derived with %+v after the SO's cost was edited to %+v", got, FastKDF)
	}
}
