package token

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// Races between this process's writes and other processes' changes,
// staged with hooks that run another module's calls at the worst moment.

// hookStore runs a hook once, just before or just after one kind of write.
type hookStore struct {
	store.Store
	mu                          sync.Mutex
	beforePut, afterPut, update func()
	generation                  func() // before a read of the generation
}

func (h *hookStore) setGeneration(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.generation = f
}

func (h *hookStore) Generation() (uint64, error) {
	if f := takeHook(&h.mu, &h.generation); f != nil {
		f()
	}
	return h.Store.Generation()
}

func takeHook(mu *sync.Mutex, f *func()) func() {
	mu.Lock()
	defer mu.Unlock()
	g := *f
	*f = nil
	return g
}

func (h *hookStore) PutObjects(objs ...store.Object) (uint64, error) {
	if f := takeHook(&h.mu, &h.beforePut); f != nil {
		f()
	}
	gen, err := h.Store.PutObjects(objs...)
	if f := takeHook(&h.mu, &h.afterPut); f != nil {
		f()
	}
	return gen, err
}

func (h *hookStore) UpdateToken(id uint, fn func(*store.Token) error) (store.Token, error) {
	if f := takeHook(&h.mu, &h.update); f != nil {
		f()
	}
	return h.Store.UpdateToken(id, fn)
}

// twoModules is two modules on one memory store, as two processes on one
// token are: a writes through a hookStore, b directly; slot is their token.
func twoModules(t *testing.T) (mem store.Store, hs *hookStore, a, b *Module, slot ck.SlotID) {
	t.Helper()
	mem = store.NewMemory()
	hs = &hookStore{Store: mem}
	a = newModule(t, hs)
	slot = readyToken(t, a, "sync")
	return mem, hs, a, newModule(t, mem), slot
}

func dataTemplate(label string, private bool) object.Template {
	return object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, private), object.String(ck.CKA_LABEL, label)}
}

// A's C_SetAttributeValue commits; before A puts it in memory, B
// destroys the object and another thread of A applies the destruction.
// The object must stay destroyed in A.
func TestSyncSetRacesRemoteDestroy(t *testing.T) {
	_, hs, a, b, slot := twoModules(t)
	ha, ha2, hb := userSession(t, a, slot), mustOpen(t, a, slot, false), userSession(t, b, slot)
	obj, err := a.CreateObject(ha, dataTemplate("victim", false))
	must(t, err)
	hs.afterPut = func() {
		must(t, b.DestroyObject(hb, find(t, b, hb, object.Template{object.String(ck.CKA_LABEL, "victim")})[0]))
		find(t, a, ha2, nil)
	}
	must(t, a.SetAttributeValue(ha, obj, object.Template{object.String(ck.CKA_APPLICATION, "x")}))
	if got := find(t, a, ha, object.Template{object.String(ck.CKA_LABEL, "victim")}); len(got) != 0 {
		t.Fatal("the destroyed object came back in A")
	}
	wantRV(t, "A's next write to the destroyed object", a.SetAttributeValue(ha, obj, object.Template{object.String(ck.CKA_APPLICATION, "y")}), ck.CKR_OBJECT_HANDLE_INVALID)
}

// A's C_SetAttributeValue of a private object commits; before A puts it
// in memory, B writes a newer version and A logs out. After A logs in
// again it must see B's version, not its own older one.
func TestSyncSetRacesLogoutAndNewerWrite(t *testing.T) {
	_, hs, a, b, slot := twoModules(t)
	ha, ha2, hb := userSession(t, a, slot), mustOpen(t, a, slot, false), userSession(t, b, slot)
	obj, err := a.CreateObject(ha, dataTemplate("p", true))
	must(t, err)
	hs.afterPut = func() {
		must(t, b.SetAttributeValue(hb, find(t, b, hb, object.Template{object.String(ck.CKA_LABEL, "p")})[0],
			object.Template{object.String(ck.CKA_APPLICATION, "from B")}))
		must(t, a.Logout(ha2))
		find(t, a, ha2, nil)
	}
	must(t, a.SetAttributeValue(ha, obj, object.Template{object.Bytes(ck.CKA_VALUE, []byte{1})}))
	must(t, a.Login(ha, ck.CKU_USER, []byte(userPIN)))
	objs := find(t, a, ha, object.Template{object.String(ck.CKA_LABEL, "p")})
	attrs, err := a.GetAttributes(ha, objs[0], ck.CKA_APPLICATION, ck.CKA_VALUE)
	must(t, err)
	if string(attrs[0].Value) != "from B" || string(attrs[1].Value) != "\x01" {
		t.Fatalf("A sees application %q and value %x, want B's and A's writes both", attrs[0].Value, attrs[1].Value)
	}
}

// B re-initializes the token while A checks the user PIN and resets its
// failure count: A must not log in with the key of the token before.
func TestSyncLoginRacesReinit(t *testing.T) {
	_, hs, a, b, slot := twoModules(t)
	ha, ha2 := mustOpen(t, a, slot, true), mustOpen(t, a, slot, false)
	wantRV(t, "a wrong PIN", a.Login(ha, ck.CKU_USER, []byte("wrong")), ck.CKR_PIN_INCORRECT)
	hs.update = func() {
		must(t, b.InitToken(slot, []byte(soPIN), "new"))
		find(t, a, ha2, nil)
	}
	wantRV(t, "the old user PIN on the re-initialized token", a.Login(ha, ck.CKU_USER, []byte(userPIN)), ck.CKR_USER_PIN_NOT_INITIALIZED)
}

// A login with no failure count to reset writes nothing, having checked
// that no process wrote since A read the token's state: B re-initializes
// the token between that read and the check, and A must not log in with
// the key of the token before.
func TestSyncLoginRacesReinitWithoutWrite(t *testing.T) {
	_, hs, a, b, slot := twoModules(t)
	ha := mustOpen(t, a, slot, true)
	// The login's first read of the generation is its refresh; the next
	// is the check after the PIN opened the key.
	hs.setGeneration(func() {
		hs.setGeneration(func() { must(t, b.InitToken(slot, []byte(soPIN), "new")) })
	})
	wantRV(t, "the old user PIN on the token re-initialized meanwhile", a.Login(ha, ck.CKU_USER, []byte(userPIN)), ck.CKR_USER_PIN_NOT_INITIALIZED)
}

// B locks the user PIN with wrong PINs while A's login derives its key:
// A's right PIN comes after the lock and must not log in.
func TestSyncLoginRacesLockout(t *testing.T) {
	_, hs, a, b, slot := twoModules(t)
	ha, hb := mustOpen(t, a, slot, true), mustOpen(t, b, slot, true)
	hs.setGeneration(func() {
		hs.setGeneration(func() {
			for b.Login(hb, ck.CKU_USER, []byte("wrong")) != ck.CKR_PIN_LOCKED {
			}
		})
	})
	wantRV(t, "the right PIN after another process locked it", a.Login(ha, ck.CKU_USER, []byte(userPIN)), ck.CKR_PIN_LOCKED)
}

// B enters a wrong PIN while A's login derives its key: A's right PIN
// comes after it and resets the count.
func TestSyncLoginResetsRacingFailure(t *testing.T) {
	mem, hs, a, b, slot := twoModules(t)
	ha, hb := mustOpen(t, a, slot, true), mustOpen(t, b, slot, true)
	hs.setGeneration(func() {
		hs.setGeneration(func() {
			wantRV(t, "B's wrong PIN", b.Login(hb, ck.CKU_USER, []byte("wrong")), ck.CKR_PIN_INCORRECT)
		})
	})
	must(t, a.Login(ha, ck.CKU_USER, []byte(userPIN)))
	snap, err := mem.Snapshot(store.AllObjects)
	must(t, err)
	for _, rec := range snap.Tokens {
		if rec.UserFailures != 0 {
			t.Errorf("the user PIN's failure count is %d after A's login, want 0", rec.UserFailures)
		}
	}
}

// B re-initializes the token while A creates an object: the new token
// must not get an object made for the old one.
func TestSyncCreateRacesReinit(t *testing.T) {
	mem, hs, a, b, slot := twoModules(t)
	ha := userSession(t, a, slot)
	hs.beforePut = func() { must(t, b.InitToken(slot, []byte(soPIN), "new")) }
	_, err := a.CreateObject(ha, dataTemplate("made for the old token", false))
	wantRV(t, "C_CreateObject across a re-initialization", err, ck.CKR_USER_NOT_LOGGED_IN)
	if snap, _ := mem.Snapshot(store.AllObjects); len(snap.Objects[uint(slot)]) != 0 {
		t.Fatal("the re-initialized token holds an object made for the one before")
	}
}

// Two threads set different attributes of one session object at once:
// both changes must stay.
func TestSyncSessionObjectNoLostUpdate(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "sync")
	h := userSession(t, m, slot)
	for range 100 {
		o, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.String(ck.CKA_LABEL, "s")})
		must(t, err)
		var wg sync.WaitGroup
		for _, typ := range []ck.AttributeType{ck.CKA_LABEL, ck.CKA_APPLICATION} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				must(t, m.SetAttributeValue(h, o, object.Template{object.String(typ, "set")}))
			}()
		}
		wg.Wait()
		attrs, err := m.GetAttributes(h, o, ck.CKA_LABEL, ck.CKA_APPLICATION)
		must(t, err)
		if string(attrs[0].Value) != "set" || string(attrs[1].Value) != "set" {
			t.Fatal("one of two concurrent C_SetAttributeValue was lost")
		}
	}
}

// countingStore counts snapshots.
type countingStore struct {
	store.Store
	snaps atomic.Int64
}

func (c *countingStore) Snapshot(objectsOf func(uint) bool) (store.Snapshot, error) {
	c.snaps.Add(1)
	return c.Store.Snapshot(objectsOf)
}

// A writer killed between raising the change signal and committing must
// not leave every later call taking a snapshot.
func TestSyncSignalAheadAfterCrash(t *testing.T) {
	dir := t.TempDir()
	st, err := store.OpenSQLite(dir)
	must(t, err)
	t.Cleanup(func() { st.Close() })
	cs := &countingStore{Store: st}
	m := newModule(t, cs)
	slot := readyToken(t, m, "sync")
	h := userSession(t, m, slot)
	_, priv := genEC(t, m, h, "k", true)
	gen, err := st.Generation()
	must(t, err)
	b := make([]byte, 8)
	binary.NativeEndian.PutUint64(b, gen+1) // what the killed writer raised
	must(t, os.WriteFile(filepath.Join(dir, store.SignalName), b, 0o600))
	before := cs.snaps.Load()
	sig := make([]byte, 64)
	for range 100 {
		must(t, m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv))
		_, err := m.Sign(h, make([]byte, 32), sig)
		must(t, err)
	}
	if n := cs.snaps.Load() - before; n > 1 {
		t.Fatalf("100 signatures took %d snapshots after the signal ran ahead, want 1", n)
	}
}
