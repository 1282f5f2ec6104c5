package token

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// TestConcurrentUse signs, verifies, searches, creates and destroys from
// many goroutines at once, each with its own session, on one token. Run
// with -race.
func TestConcurrentUse(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "busy")
	setup := userSession(t, m, slot)
	pub, priv := genEC(t, m, setup, "shared key", true)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- worker(m, slot, w, rounds, pub, priv)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// Each worker destroyed all but one of its objects.
	if got := find(t, m, setup, object.Template{class(ck.CKO_DATA)}); len(got) != workers {
		t.Errorf("%d data objects left, want %d", len(got), workers)
	}
}

func worker(m *Module, slot ck.SlotID, w, rounds int, pub, priv ck.ObjectHandle) error {
	h, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
	if err != nil {
		return err
	}
	defer m.CloseSession(h)
	label := fmt.Sprintf("worker %d", w)
	var last ck.ObjectHandle
	for i := range rounds {
		digest := sha256.Sum256([]byte(fmt.Sprintf("%d/%d", w, i)))
		if err := m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv); err != nil {
			return fmt.Errorf("worker %d SignInit: %w", w, err)
		}
		sig := make([]byte, 64)
		if _, err := m.Sign(h, digest[:], sig); err != nil {
			return fmt.Errorf("worker %d Sign: %w", w, err)
		}
		if err := m.VerifyInit(h, Mechanism{Type: ck.CKM_ECDSA}, pub); err != nil {
			return err
		}
		if err := m.Verify(h, digest[:], sig); err != nil {
			return fmt.Errorf("worker %d Verify: %w", w, err)
		}
		o, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_TOKEN, true), object.String(ck.CKA_LABEL, label)})
		if err != nil {
			return fmt.Errorf("worker %d CreateObject: %w", w, err)
		}
		if last != 0 {
			if err := m.DestroyObject(h, last); err != nil {
				return fmt.Errorf("worker %d DestroyObject: %w", w, err)
			}
		}
		last = o
		if err := m.FindObjectsInit(h, object.Template{object.String(ck.CKA_LABEL, label)}); err != nil {
			return err
		}
		found, err := m.FindObjects(h, 10)
		if err != nil {
			return err
		}
		if err := m.FindObjectsFinal(h); err != nil {
			return err
		}
		if len(found) != 1 || found[0] != o {
			return fmt.Errorf("worker %d found %v, want [%d]", w, found, o)
		}
	}
	return nil
}

// TestLoginDuringRefresh logs the SO in and out in one module while
// another module on the same store rewraps the user PIN again and again,
// and a second goroutine of the first keeps applying the new token
// records. Run with -race: the PIN check must read the envelope it copied.
func TestLoginDuringRefresh(t *testing.T) {
	st := store.NewMemory()
	a := newModule(t, st)
	slot := readyToken(t, a, "race")
	b := newModule(t, st)
	hb := mustOpen(t, b, slot, true)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	changes := 0
	go func() {
		defer wg.Done()
		pins := []string{userPIN, "other-pin"}
		for ; ; changes++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := b.SetPIN(hb, []byte(pins[changes%2]), []byte(pins[(changes+1)%2])); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			a.GetTokenInfo(slot)
		}
	}()
	ha := mustOpen(t, a, slot, true)
	for range 50 {
		must(t, a.Login(ha, ck.CKU_SO, []byte(soPIN)))
		must(t, a.Logout(ha))
	}
	close(stop)
	wg.Wait()
	// The other module's last PIN change reached this one.
	last := []string{userPIN, "other-pin"}[changes%2]
	if err := a.Login(ha, ck.CKU_USER, []byte(last)); err != nil {
		t.Fatalf("the last user PIN does not log in here: %v", err)
	}
}

// TestCloseWhileCreating: session objects made while their session
// closes go with it; none is left that no session owns. An unwrap with
// RSA decrypts for a while between finding its session and adding the
// key, which makes the race easy to hit.
func TestCloseWhileCreating(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "close race")
	keep := userSession(t, m, slot)
	_, priv, key := importRSA(t, m, keep)
	oaep := Mechanism{Type: ck.CKM_RSA_PKCS_OAEP, Param: mech.OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256}}
	wrapped, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, &key.PublicKey, make([]byte, 16), nil)
	must(t, err)
	tmpl := object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)), object.String(ck.CKA_LABEL, "orphan?")}
	for range 20 {
		h := mustOpen(t, m, slot, true)
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					if _, err := m.UnwrapKey(h, oaep, priv, wrapped, tmpl); err != nil {
						return
					}
				}
			}()
		}
		time.Sleep(2 * time.Millisecond)
		must(t, m.CloseSession(h))
		wg.Wait()
	}
	if got := find(t, m, keep, object.Template{object.String(ck.CKA_LABEL, "orphan?")}); len(got) != 0 {
		t.Fatalf("%d session objects outlived their closed sessions", len(got))
	}
}
