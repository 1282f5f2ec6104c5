package store

import (
	"bytes"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// backends runs each conformance test against every backend.
func backends(t *testing.T) map[string]func() Store {
	return map[string]func() Store{
		"memory": NewMemory,
		"sqlite": func() Store {
			s, err := OpenSQLite(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		},
	}
}

func TestConformance(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"tokens", testTokens},
		{"objects", testObjects},
		{"compare and swap", testCompareAndSwap},
		{"reset", testReset},
		{"update error keeps record", testUpdateError},
		{"snapshot of some tokens' objects", testSnapshotSelection},
	}
	for bname, open := range backends(t) {
		for _, tt := range tests {
			t.Run(bname+"/"+tt.name, func(t *testing.T) { tt.run(t, open()) })
		}
	}
}

func snapshot(t *testing.T, s Store) Snapshot {
	t.Helper()
	snap, err := s.Snapshot(AllObjects)
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func testTokens(t *testing.T, s Store) {
	if snap := snapshot(t, s); snap.NextTokenID != 0 || len(snap.Tokens) != 0 {
		t.Fatalf("empty store: %+v", snap)
	}
	var last uint64
	for _, id := range []uint{0, 1} {
		tok := must[Token](t)(s.CreateToken(Token{ID: id, Label: "t", Serial: "s", Keys: []byte{byte(id)}}))
		if tok.Version <= last {
			t.Fatalf("token version %d after %d: generations must grow", tok.Version, last)
		}
		last = tok.Version
	}
	if _, err := s.CreateToken(Token{ID: 1, Keys: []byte{}}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate CreateToken = %v, want ErrExists", err)
	}
	if snap := snapshot(t, s); snap.NextTokenID != 2 || snap.Generation != last {
		t.Fatalf("NextTokenID %d, generation %d; want 2, %d", snap.NextTokenID, snap.Generation, last)
	}
	updated := must[Token](t)(s.UpdateToken(1, func(tok *Token) error {
		tok.UserFailures++
		tok.Label = "renamed"
		return nil
	}))
	if updated.Version <= last || updated.Label != "renamed" {
		t.Fatalf("UpdateToken returned %+v", updated)
	}
	if _, err := s.UpdateToken(9, func(*Token) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("UpdateToken of a missing token = %v", err)
	}
	toks := snapshot(t, s).Tokens
	if len(toks) != 2 || toks[1].Label != "renamed" || toks[1].UserFailures != 1 || !bytes.Equal(toks[1].Keys, []byte{1}) || toks[1].Version != updated.Version {
		t.Fatalf("tokens = %+v", toks)
	}
	if err := s.DeleteToken(0); err != nil {
		t.Fatal(err)
	}
	if id := snapshot(t, s).NextTokenID; id != 2 {
		t.Fatalf("NextTokenID after delete = %d: IDs must not be reused", id)
	}
}

func testObjects(t *testing.T, s Store) {
	if _, err := s.PutObjects(Object{Token: 5, UID: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PutObject without token = %v, want ErrNotFound", err)
	}
	t0 := must[Token](t)(s.CreateToken(Token{ID: 0, Keys: []byte{}}))
	t1 := must[Token](t)(s.CreateToken(Token{ID: 1, Keys: []byte{}}))
	put := []Object{
		{Token: 0, Epoch: t0.Epoch, UID: "b", Public: []byte("pub-b"), Sealed: []byte("sealed-b")},
		{Token: 0, Epoch: t0.Epoch, UID: "a", Public: []byte("pub-a")},
		{Token: 1, Epoch: t1.Epoch, UID: "c", Sealed: []byte("sealed-c")},
	}
	gen := must[uint64](t)(s.PutObjects(put...))
	if _, err := s.PutObjects(Object{Token: 0, Epoch: t0.Epoch, UID: "z"}, Object{Token: 9, UID: "y"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PutObjects with one bad token = %v", err)
	}
	snap := snapshot(t, s)
	if objs := snap.Objects[0]; len(objs) != 2 || objs[0].Version != gen || objs[1].Version != gen {
		t.Fatalf("objects of token 0 = %+v (a failed PutObjects must store nothing)", objs)
	}
	if snap.Generation != gen {
		t.Fatalf("generation %d after a failed write, want %d", snap.Generation, gen)
	}
	must[uint64](t)(s.PutObjects(Object{Token: 0, Epoch: t0.Epoch, UID: "b", Version: gen, Public: []byte("pub-b2")}))
	objs := snapshot(t, s).Objects[0]
	if objs[0].UID != "a" || string(objs[1].Public) != "pub-b2" || len(objs[1].Sealed) != 0 || objs[1].Version <= gen {
		t.Fatalf("objects = %+v", objs)
	}
	must[uint64](t)(s.DeleteObject(0, "a"))
	if _, err := s.DeleteObject(0, "a"); !errors.Is(err, ErrConflict) {
		t.Fatalf("deleting a deleted object = %v, want ErrConflict", err)
	}
	snap = snapshot(t, s)
	if len(snap.Objects[0]) != 1 || len(snap.Objects[1]) != 1 || string(snap.Objects[1][0].Sealed) != "sealed-c" {
		t.Fatalf("after delete: %+v", snap.Objects)
	}
}

// testCompareAndSwap: a write derived from an old version, or recreating
// a deleted object, fails and changes nothing.
func testCompareAndSwap(t *testing.T, s Store) {
	tok := must[Token](t)(s.CreateToken(Token{ID: 0, Keys: []byte{}}))
	obj := func(uid string, version uint64, public string) Object {
		return Object{Token: 0, Epoch: tok.Epoch, UID: uid, Version: version, Public: []byte(public)}
	}
	v1 := must[uint64](t)(s.PutObjects(obj("k", 0, "label=a")))
	if _, err := s.PutObjects(obj("k", 0, "again")); !errors.Is(err, ErrConflict) {
		t.Fatalf("creating an existing object = %v, want ErrConflict", err)
	}
	v2 := must[uint64](t)(s.PutObjects(obj("k", v1, "label=b")))
	if _, err := s.PutObjects(obj("k", v1, "stale")); !errors.Is(err, ErrConflict) {
		t.Fatalf("a write from a stale version = %v, want ErrConflict", err)
	}
	// All or nothing: one stale object fails the pair.
	if _, err := s.PutObjects(obj("new", 0, ""), obj("k", v1, "")); !errors.Is(err, ErrConflict) {
		t.Fatalf("a pair with a stale half = %v, want ErrConflict", err)
	}
	must[uint64](t)(s.DeleteObject(0, "k"))
	if _, err := s.PutObjects(obj("k", v2, "resurrected")); !errors.Is(err, ErrConflict) {
		t.Fatalf("writing a deleted object = %v, want ErrConflict", err)
	}
	// A record made for the token before a reset is refused after it.
	must[Token](t)(s.ResetToken(Token{ID: 0, Keys: []byte{}, Version: snapshot(t, s).Tokens[0].Version}))
	if _, err := s.PutObjects(obj("made-before-reset", 0, "")); !errors.Is(err, ErrReset) {
		t.Fatalf("a record made before the reset = %v, want ErrReset", err)
	}
	if objs := snapshot(t, s).Objects[0]; len(objs) != 0 {
		t.Fatalf("objects = %+v, want none", objs)
	}
}

func testReset(t *testing.T, s Store) {
	tok := must[Token](t)(s.CreateToken(Token{ID: 0, Label: "old", Keys: []byte{1}}))
	must[uint64](t)(s.PutObjects(Object{Token: 0, Epoch: tok.Epoch, UID: "a", Public: []byte{1}}))
	stale := tok
	tok = must[Token](t)(s.ResetToken(Token{ID: 0, Label: "new", Keys: []byte{2}, Version: tok.Version}))
	snap := snapshot(t, s)
	if snap.Tokens[0].Label != "new" || snap.Tokens[0].Version != tok.Version {
		t.Fatalf("token = %+v", snap.Tokens[0])
	}
	if len(snap.Objects[0]) != 0 {
		t.Fatalf("objects survived ResetToken: %v", snap.Objects[0])
	}
	if _, err := s.ResetToken(stale); !errors.Is(err, ErrConflict) {
		t.Fatalf("ResetToken from a stale record = %v, want ErrConflict", err)
	}
	if _, err := s.ResetToken(Token{ID: 7, Keys: []byte{}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ResetToken of a missing token = %v", err)
	}
}

// testSnapshotSelection: a snapshot reads every token but only the
// objects of the tokens asked for, with an entry, empty or not, for each
// of those and none for the others.
func testSnapshotSelection(t *testing.T, s Store) {
	var toks []Token
	for id := range uint(3) {
		toks = append(toks, must[Token](t)(s.CreateToken(Token{ID: id, Keys: []byte{}})))
	}
	must[uint64](t)(s.PutObjects(Object{Token: 0, Epoch: toks[0].Epoch, UID: "a", Public: []byte{1}},
		Object{Token: 1, Epoch: toks[1].Epoch, UID: "b", Public: []byte{2}}))
	for _, tt := range []struct {
		name      string
		objectsOf func(uint) bool
		want      map[uint]int // objects by token, for the tokens read
	}{
		{"none", nil, map[uint]int{}},
		{"token 1", func(id uint) bool { return id == 1 }, map[uint]int{1: 1}},
		{"tokens 0 and 2", func(id uint) bool { return id != 1 }, map[uint]int{0: 1, 2: 0}},
		{"all", AllObjects, map[uint]int{0: 1, 1: 1, 2: 0}},
	} {
		snap, err := s.Snapshot(tt.objectsOf)
		if err != nil {
			t.Fatal(err)
		}
		if len(snap.Tokens) != 3 {
			t.Errorf("%s: %d tokens, want every one", tt.name, len(snap.Tokens))
		}
		got := map[uint]int{}
		for id, objs := range snap.Objects {
			got[id] = len(objs)
			for _, o := range objs {
				if o.Token != id {
					t.Errorf("%s: object %s of token %d listed under token %d", tt.name, o.UID, o.Token, id)
				}
			}
		}
		if !maps.Equal(got, tt.want) {
			t.Errorf("%s: objects by token %v, want %v", tt.name, got, tt.want)
		}
	}
}

func testUpdateError(t *testing.T, s Store) {
	s.CreateToken(Token{ID: 0, Label: "keep", Keys: []byte{}})
	boom := errors.New("boom")
	_, err := s.UpdateToken(0, func(tok *Token) error {
		tok.Label = "lost"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateToken = %v, want the callback's error", err)
	}
	if toks := snapshot(t, s).Tokens; toks[0].Label != "keep" {
		t.Fatal("a failed update was stored")
	}
}

func TestSQLitePersistenceAndChanges(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "store")
	a, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	before := must[uint64](t)(b.Generation())
	must[Token](t)(a.CreateToken(Token{ID: 0, Label: "shared", Keys: []byte{}}))
	if after := must[uint64](t)(b.Generation()); after <= before {
		t.Fatalf("b's generation %d did not grow past %d with a's commit", after, before)
	}
	if toks := snapshot(t, b).Tokens; len(toks) != 1 || toks[0].Label != "shared" {
		t.Fatalf("b sees %v", toks)
	}
	a.Close()
	c, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if toks := snapshot(t, c).Tokens; len(toks) != 1 {
		t.Fatal("token lost across reopen")
	}
}

// TestSQLiteKeepsWAL: the last connection to close keeps the -wal and
// -shm files, so that the next open creates none, and leaves the WAL empty
// with every commit in the database, so that the next open replays nothing.
func TestSQLiteKeepsWAL(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	must[Token](t)(s.CreateToken(Token{ID: 0, Label: "kept", Keys: []byte{}}))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	wal, err := os.Stat(filepath.Join(dir, FileName+"-wal"))
	if err != nil {
		t.Fatalf("the WAL file went with the last connection: %v", err)
	}
	if wal.Size() != 0 {
		t.Errorf("the WAL file holds %d bytes after the last close, want 0", wal.Size())
	}
	if _, err := os.Stat(filepath.Join(dir, FileName+"-shm")); err != nil {
		t.Errorf("the -shm file went with the last connection: %v", err)
	}
	// The database alone, copied elsewhere, holds the commit.
	copied := t.TempDir()
	data, err := os.ReadFile(filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(copied, FileName), data, 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := OpenSQLite(copied)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if toks := snapshot(t, c).Tokens; len(toks) != 1 || toks[0].Label != "kept" {
		t.Fatalf("the database file alone holds %v", toks)
	}
}

func TestSQLitePermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new")
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.CreateToken(Token{ID: 0, Keys: []byte{}})
	defer s.Close()
	if fi, _ := os.Stat(dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("directory mode %v, want 0700", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		fi, _ := e.Info()
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s mode %v is readable by others", e.Name(), fi.Mode().Perm())
		}
	}
}

func TestSQLiteRefusesNewerSchema(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	s.(*sqliteStore).db.Exec("PRAGMA user_version = 99")
	s.Close()
	if _, err := OpenSQLite(dir); err == nil {
		t.Fatal("opened a store with a newer schema")
	}
}

func TestLocation(t *testing.T) {
	tests := []struct {
		store, xdg, home, want string
	}{
		{"/srv/tokens", "/x", "/h", "/srv/tokens"},
		{"", "/x", "/h", "/x/corepkcs11"},
		{"", "", "/h", "/h/.local/share/corepkcs11"},
		{":memory:", "", "/h", ":memory:"},
	}
	if _, err := LocationFrom(func(string) string { return "" }); err == nil {
		t.Error("LocationFrom found a store in an empty environment")
	}
	for _, tt := range tests {
		t.Setenv("COREPKCS11_STORE", tt.store)
		t.Setenv("XDG_DATA_HOME", tt.xdg)
		t.Setenv("HOME", tt.home)
		if got, err := Location(); err != nil || got != tt.want {
			t.Errorf("Location(%+v) = %q, %v", tt, got, err)
		}
	}
}
