package token

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// A token's objects are read from the store when a call first needs
// them, not at C_Initialize (sync.go). These tests check that a process
// that has not read them yet still sees exactly what was committed
// before each of its calls.

// readCounter counts, per token, the snapshots that read its objects.
type readCounter struct {
	store.Store
	mu    sync.Mutex
	reads map[uint]int
}

func (c *readCounter) Snapshot(objectsOf func(uint) bool) (store.Snapshot, error) {
	snap, err := c.Store.Snapshot(objectsOf)
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range snap.Objects {
		c.reads[id]++
	}
	return snap, err
}

func (c *readCounter) count(slot ck.SlotID) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reads[uint(slot)]
}

// withObjects makes a token holding public and private token objects
// labelled obj-0 … obj-(n-1) (the odd ones private) in st, through a
// module of its own, and returns its slot.
func withObjects(t *testing.T, st store.Store, n int) ck.SlotID {
	t.Helper()
	m := newModule(t, st)
	slot := readyToken(t, m, "lazy")
	h := userSession(t, m, slot)
	for i := range n {
		_, err := m.CreateObject(h, dataTemplate(fmt.Sprintf("obj-%d", i), i%2 == 1))
		must(t, err)
	}
	must(t, m.Finalize())
	return slot
}

// labels lists the labels of the objects a search with tmpl finds, sorted.
func labels(t *testing.T, m *Module, h ck.SessionHandle, tmpl object.Template) []string {
	t.Helper()
	var out []string
	for _, o := range find(t, m, h, tmpl) {
		attrs, err := m.GetAttributes(h, o, ck.CKA_LABEL)
		must(t, err)
		out = append(out, string(attrs[0].Value))
	}
	slices.Sort(out)
	return out
}

// C_Initialize, C_OpenSession, C_Login and C_Finalize read no object:
// their cost does not grow with the token's objects. The first search
// reads them, once.
func TestLazyLoginReadsNoObjects(t *testing.T) {
	mem := store.NewMemory()
	slot := withObjects(t, mem, 6)
	rc := &readCounter{Store: mem, reads: map[uint]int{}}
	m := newModule(t, rc)
	h := userSession(t, m, slot)
	if _, err := m.GetTokenInfo(slot); err != nil {
		t.Fatal(err)
	}
	if n := rc.count(slot); n != 0 {
		t.Fatalf("C_Initialize, C_OpenSession and C_Login read the token's objects %d times, want none", n)
	}
	if got := labels(t, m, h, nil); len(got) != 6 {
		t.Fatalf("after login the first search finds %v, want the 6 objects", got)
	}
	find(t, m, h, nil)
	if n := rc.count(slot); n != 1 {
		t.Fatalf("two searches read the token's objects %d times, want once", n)
	}
	must(t, m.Finalize())
	if n := rc.count(slot); n != 1 {
		t.Fatalf("C_Finalize read the token's objects")
	}
}

// Another process creates, changes and destroys objects between this
// process's C_Initialize (and login) and its first search: the search
// sees exactly the objects as they are then, private ones included.
func TestLazyRemoteChangesBeforeFirstFind(t *testing.T) {
	dir := t.TempDir()
	a := sqliteModule(t, dir)
	slot := readyToken(t, a, "lazy")
	ha := userSession(t, a, slot)
	for _, label := range []string{"kept", "doomed", "renamed", "private doomed"} {
		_, err := a.CreateObject(ha, dataTemplate(label, label == "private doomed"))
		must(t, err)
	}
	b := sqliteModule(t, dir)
	hb := userSession(t, b, slot)

	for _, label := range []string{"doomed", "private doomed"} {
		must(t, a.DestroyObject(ha, find(t, a, ha, object.Template{object.String(ck.CKA_LABEL, label)})[0]))
	}
	must(t, a.SetAttributeValue(ha, find(t, a, ha, object.Template{object.String(ck.CKA_LABEL, "renamed")})[0],
		object.Template{object.String(ck.CKA_LABEL, "new name")}))
	for _, label := range []string{"born", "private born"} {
		_, err := a.CreateObject(ha, dataTemplate(label, label == "private born"))
		must(t, err)
	}
	want := []string{"born", "kept", "new name", "private born"}
	if got := labels(t, b, hb, nil); !slices.Equal(got, want) {
		t.Fatalf("b's first search finds %v, want %v", got, want)
	}
	// And what changes after the first search still travels.
	must(t, a.DestroyObject(ha, find(t, a, ha, object.Template{object.String(ck.CKA_LABEL, "born")})[0]))
	if got := labels(t, b, hb, nil); !slices.Equal(got, want[1:]) {
		t.Fatalf("b's second search finds %v, want %v", got, want[1:])
	}
}

// Another process re-initializes the token between this process's
// C_Initialize and its first use of the objects: the old objects are
// never seen, the old login is over, and the new token's objects are.
func TestLazyReinitBeforeFirstUse(t *testing.T) {
	dir := t.TempDir()
	a := sqliteModule(t, dir)
	slot := readyToken(t, a, "lazy")
	ha := userSession(t, a, slot)
	for _, label := range []string{"old public", "old private"} {
		_, err := a.CreateObject(ha, dataTemplate(label, label == "old private"))
		must(t, err)
	}
	b := sqliteModule(t, dir)
	hb := userSession(t, b, slot)
	hbPublic := mustOpen(t, b, slot, true)

	must(t, a.CloseSession(ha))
	must(t, a.InitToken(slot, []byte(soPIN), "reborn"))
	hso := mustOpen(t, a, slot, true)
	must(t, a.Login(hso, ck.CKU_SO, []byte(soPIN)))
	const newPIN = "new-user-pin"
	must(t, a.InitPIN(hso, []byte(newPIN)))
	must(t, a.CloseSession(hso))
	ha = mustOpen(t, a, slot, true)
	must(t, a.Login(ha, ck.CKU_USER, []byte(newPIN)))
	_, err := a.CreateObject(ha, dataTemplate("new public", false))
	must(t, err)

	if got := labels(t, b, hbPublic, nil); !slices.Equal(got, []string{"new public"}) {
		t.Fatalf("b's first search after the re-initialization finds %v, want the new object only", got)
	}
	info, err := b.GetSessionInfo(hb)
	must(t, err)
	if info.State != ck.CKS_RW_PUBLIC_SESSION {
		t.Fatalf("b's session is in state %v after the re-initialization, want its login over", info.State)
	}
	_, err = b.CreateObject(hb, dataTemplate("made with the old key", true))
	wantRV(t, "b's C_CreateObject of a private object after the re-initialization", err, ck.CKR_USER_NOT_LOGGED_IN)
	wantRV(t, "b's login with the old user PIN", b.Login(hb, ck.CKU_USER, []byte(userPIN)), ck.CKR_PIN_INCORRECT)
	must(t, b.Login(hb, ck.CKU_USER, []byte(newPIN)))
	if got := labels(t, b, hb, nil); !slices.Equal(got, []string{"new public"}) {
		t.Fatalf("b finds %v after logging in to the new token, want the new object only", got)
	}
}

// A token object created before any search joins the objects read
// later once, with the handle its creation returned; handles of the
// objects read stay the same from search to search; and another
// process's destruction of the object made first is seen through its
// handle.
func TestLazyCreateBeforeFirstFind(t *testing.T) {
	mem := store.NewMemory()
	slot := withObjects(t, mem, 4)
	m := newModule(t, mem)
	h := userSession(t, m, slot)
	made, err := m.CreateObject(h, dataTemplate("made first", false))
	must(t, err)
	doomed, err := m.CreateObject(h, dataTemplate("destroyed elsewhere", false))
	must(t, err)
	other := newModule(t, mem)
	ho := userSession(t, other, slot)
	must(t, other.DestroyObject(ho, find(t, other, ho, object.Template{object.String(ck.CKA_LABEL, "destroyed elsewhere")})[0]))
	_, err = m.GetAttributes(h, doomed, ck.CKA_LABEL)
	wantRV(t, "reading an object another process destroyed", err, ck.CKR_OBJECT_HANDLE_INVALID)
	session, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.String(ck.CKA_LABEL, "session object")})
	must(t, err)
	if got := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "made first")}); !slices.Equal(got, []ck.ObjectHandle{made}) {
		t.Fatalf("the object made before the first search is found as %v, want [%d]", got, made)
	}
	if got := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "session object")}); !slices.Equal(got, []ck.ObjectHandle{session}) {
		t.Fatalf("the session object is found as %v, want [%d]", got, session)
	}
	all := find(t, m, h, nil)
	if len(all) != 6 {
		t.Fatalf("%d objects found, want 4 stored, 1 made and 1 session object", len(all))
	}
	if again := find(t, m, h, nil); !slices.Equal(again, all) {
		t.Fatalf("handles changed between two searches: %v, then %v", all, again)
	}
}

// Many threads need a token's objects first at once: they are read
// once, and every thread gets the same handles.
func TestLazyConcurrentFirstUse(t *testing.T) {
	mem := store.NewMemory()
	slot := withObjects(t, mem, 50)
	rc := &readCounter{Store: mem, reads: map[uint]int{}}
	m := newModule(t, rc)
	userSession(t, m, slot)
	const threads = 8
	sessions := make([]ck.SessionHandle, threads)
	for i := range sessions {
		sessions[i] = mustOpen(t, m, slot, false)
	}
	found := make([][]ck.ObjectHandle, threads)
	var wg sync.WaitGroup
	for i, h := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := m.FindObjectsInit(h, nil); err != nil {
				t.Error(err)
				return
			}
			defer m.FindObjectsFinal(h)
			found[i], _ = m.FindObjects(h, 100)
		}()
	}
	wg.Wait()
	for i := range found {
		if len(found[i]) != 50 || !slices.Equal(found[i], found[0]) {
			t.Fatalf("thread %d found %d objects %v, thread 0 %v", i, len(found[i]), found[i], found[0])
		}
	}
	if n := rc.count(slot); n != 1 {
		t.Fatalf("the token's objects were read %d times, want once", n)
	}
}
