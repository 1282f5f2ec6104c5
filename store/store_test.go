package store

import (
	"bytes"
	"errors"
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
		{"reset", testReset},
		{"update error keeps record", testUpdateError},
	}
	for bname, open := range backends(t) {
		for _, tt := range tests {
			t.Run(bname+"/"+tt.name, func(t *testing.T) { tt.run(t, open()) })
		}
	}
}

func testTokens(t *testing.T, s Store) {
	if id, err := s.NextTokenID(); err != nil || id != 0 {
		t.Fatalf("NextTokenID of an empty store = %d, %v", id, err)
	}
	for _, id := range []uint{0, 1} {
		if err := s.CreateToken(Token{ID: id, Label: "t", Serial: "s", Keys: []byte{byte(id)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CreateToken(Token{ID: 1, Keys: []byte{}}); !errors.Is(err, ErrExists) {
		t.Fatalf("duplicate CreateToken = %v, want ErrExists", err)
	}
	if id, _ := s.NextTokenID(); id != 2 {
		t.Fatalf("NextTokenID = %d, want 2", id)
	}
	err := s.UpdateToken(1, func(tok *Token) error {
		tok.UserFailures++
		tok.Label = "renamed"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateToken(9, func(*Token) error { return nil }); !errors.Is(err, ErrNotFound) {
		t.Fatalf("UpdateToken of a missing token = %v", err)
	}
	toks, err := s.Tokens()
	if err != nil || len(toks) != 2 {
		t.Fatalf("Tokens = %v, %v", toks, err)
	}
	if toks[1].Label != "renamed" || toks[1].UserFailures != 1 || !bytes.Equal(toks[1].Keys, []byte{1}) {
		t.Fatalf("token 1 = %+v", toks[1])
	}
	if err := s.DeleteToken(0); err != nil {
		t.Fatal(err)
	}
	if id, _ := s.NextTokenID(); id != 2 {
		t.Fatalf("NextTokenID after delete = %d: IDs must not be reused", id)
	}
}

func testObjects(t *testing.T, s Store) {
	if err := s.PutObjects(Object{Token: 5, UID: "x"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PutObject without token = %v, want ErrNotFound", err)
	}
	s.CreateToken(Token{ID: 0, Keys: []byte{}})
	s.CreateToken(Token{ID: 1, Keys: []byte{}})
	put := []Object{
		{Token: 0, UID: "b", Public: []byte("pub-b"), Sealed: []byte("sealed-b")},
		{Token: 0, UID: "a", Public: []byte("pub-a")},
		{Token: 1, UID: "c", Sealed: []byte("sealed-c")},
	}
	if err := s.PutObjects(put...); err != nil {
		t.Fatal(err)
	}
	if err := s.PutObjects(Object{Token: 0, UID: "z"}, Object{Token: 9, UID: "y"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("PutObjects with one bad token = %v", err)
	}
	if objs, _ := s.Objects(0); len(objs) != 2 {
		t.Fatalf("a failed PutObjects stored part of its objects: %v", objs)
	}
	s.PutObjects(Object{Token: 0, UID: "b", Public: []byte("pub-b2")})
	objs, err := s.Objects(0)
	if err != nil || len(objs) != 2 {
		t.Fatalf("Objects = %v, %v", objs, err)
	}
	if objs[0].UID != "a" || string(objs[1].Public) != "pub-b2" || len(objs[1].Sealed) != 0 {
		t.Fatalf("objects = %+v", objs)
	}
	if err := s.DeleteObject(0, "a"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteObject(0, "missing"); err != nil {
		t.Fatal(err)
	}
	if objs, _ := s.Objects(0); len(objs) != 1 {
		t.Fatalf("after delete: %v", objs)
	}
	if objs, _ := s.Objects(1); len(objs) != 1 || string(objs[0].Sealed) != "sealed-c" {
		t.Fatalf("token 1 objects = %v", objs)
	}
}

func testReset(t *testing.T, s Store) {
	s.CreateToken(Token{ID: 0, Label: "old", Keys: []byte{1}})
	s.PutObjects(Object{Token: 0, UID: "a", Public: []byte{1}})
	if err := s.ResetToken(Token{ID: 0, Label: "new", Keys: []byte{2}}); err != nil {
		t.Fatal(err)
	}
	toks, _ := s.Tokens()
	if toks[0].Label != "new" {
		t.Fatalf("label = %q", toks[0].Label)
	}
	if objs, _ := s.Objects(0); len(objs) != 0 {
		t.Fatalf("objects survived ResetToken: %v", objs)
	}
	if err := s.ResetToken(Token{ID: 7, Keys: []byte{}}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("ResetToken of a missing token = %v", err)
	}
}

func testUpdateError(t *testing.T, s Store) {
	s.CreateToken(Token{ID: 0, Label: "keep", Keys: []byte{}})
	boom := errors.New("boom")
	err := s.UpdateToken(0, func(tok *Token) error {
		tok.Label = "lost"
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("UpdateToken = %v, want the callback's error", err)
	}
	if toks, _ := s.Tokens(); toks[0].Label != "keep" {
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
	if changed, _ := b.Changed(); changed {
		t.Fatal("Changed before anything happened")
	}
	a.CreateToken(Token{ID: 0, Label: "shared", Keys: []byte{}})
	if changed, _ := a.Changed(); changed {
		t.Fatal("a store reports its own commit as another's")
	}
	if changed, _ := b.Changed(); !changed {
		t.Fatal("b did not see a's commit")
	}
	if changed, _ := b.Changed(); changed {
		t.Fatal("Changed reported the same commit twice")
	}
	toks, _ := b.Tokens()
	if len(toks) != 1 || toks[0].Label != "shared" {
		t.Fatalf("b sees %v", toks)
	}
	a.Close()
	c, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if toks, _ := c.Tokens(); len(toks) != 1 {
		t.Fatal("token lost across reopen")
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
