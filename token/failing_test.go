package token

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// failingStore is a store whose write number failAt fails, as a full or
// broken disk makes it: the one place a mock stands in for the real part.
type failingStore struct {
	store.Store
	writes, failAt int
}

var errDisk = errors.New("disk failure")

func (f *failingStore) fail() bool {
	f.writes++
	return f.writes == f.failAt
}

func (f *failingStore) CreateToken(t store.Token) (store.Token, error) {
	if f.fail() {
		return t, errDisk
	}
	return f.Store.CreateToken(t)
}

func (f *failingStore) UpdateToken(id uint, fn func(*store.Token) error) (store.Token, error) {
	if f.fail() {
		return store.Token{}, errDisk
	}
	return f.Store.UpdateToken(id, fn)
}

func (f *failingStore) ResetToken(t store.Token) (store.Token, error) {
	if f.fail() {
		return t, errDisk
	}
	return f.Store.ResetToken(t)
}

func (f *failingStore) PutObjects(objs ...store.Object) (uint64, error) {
	if f.fail() {
		return 0, errDisk
	}
	return f.Store.PutObjects(objs...)
}

func (f *failingStore) DeleteObject(token uint, uid string) (uint64, error) {
	if f.fail() {
		return 0, errDisk
	}
	return f.Store.DeleteObject(token, uid)
}

// TestFailingWrites runs one workload again and again, failing each of its
// writes in turn: the failed call returns an error (CKR_DEVICE_ERROR for
// the disk's failure), and what the module then shows is exactly what a
// fresh module reads from the store — nothing half-written, nothing only
// in memory.
func TestFailingWrites(t *testing.T) {
	workload := func(m *Module, slot ck.SlotID) error {
		h, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION)
		if err != nil {
			return err
		}
		if err := m.Login(h, ck.CKU_USER, []byte(userPIN)); err != nil {
			return err
		}
		pt, st := ecGenTemplates("pair", true)
		_, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, pt, st)
		if err != nil {
			return err
		}
		data, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_TOKEN, true), object.String(ck.CKA_LABEL, "data")})
		if err != nil {
			return err
		}
		if err := m.SetAttributeValue(h, priv, object.Template{object.String(ck.CKA_LABEL, "renamed")}); err != nil {
			return err
		}
		if _, err := m.CopyObject(h, data, object.Template{object.String(ck.CKA_LABEL, "copy")}); err != nil {
			return err
		}
		if err := m.DestroyObject(h, data); err != nil {
			return err
		}
		return m.SetPIN(h, []byte(userPIN), []byte(userPIN))
	}
	// A clean run counts the writes.
	mem := store.NewMemory()
	counter := &failingStore{Store: mem}
	m := newModule(t, counter)
	slot := readyToken(t, m, "disk")
	setup := counter.writes
	must(t, workload(m, slot))
	total := counter.writes - setup
	if total < 6 {
		t.Fatalf("the workload made only %d writes", total)
	}
	for failAt := 1; failAt <= total; failAt++ {
		mem := store.NewMemory()
		f := &failingStore{Store: mem}
		m := newModule(t, f)
		slot := readyToken(t, m, "disk")
		f.failAt = f.writes + failAt
		err := workload(m, slot)
		if ck.ToRV(err) != ck.CKR_DEVICE_ERROR || !errors.Is(err, errDisk) {
			t.Fatalf("write %d failed: the workload returned %v, want CKR_DEVICE_ERROR", failAt, err)
		}
		if got, want := view(t, m, slot), view(t, newModule(t, mem), slot); !slices.Equal(got, want) {
			t.Errorf("write %d failed: the module shows %v, the store holds %v", failAt, got, want)
		}
	}
}

// view lists a token's objects as class/label strings, after a login.
func view(t *testing.T, m *Module, slot ck.SlotID) []string {
	t.Helper()
	h := mustOpen(t, m, slot, true)
	defer m.CloseSession(h)
	if err := m.Login(h, ck.CKU_USER, []byte(userPIN)); err != nil && ck.ToRV(err) != ck.CKR_USER_ALREADY_LOGGED_IN {
		t.Fatal(err)
	}
	var out []string
	for _, o := range find(t, m, h, nil) {
		attrs, err := m.GetAttributes(h, o, ck.CKA_CLASS, ck.CKA_LABEL)
		must(t, err)
		c, _ := object.DecodeULong(attrs[0].Value)
		out = append(out, fmt.Sprintf("%v/%s", ck.ObjectClass(c), attrs[1].Value))
	}
	slices.Sort(out)
	return out
}
