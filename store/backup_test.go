package store

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// restore makes a new store directory holding the backup at path, the
// way the README says, and returns it; stale, when set, is a signal file
// to leave there too (a restore into a directory that was a store).
func restore(t *testing.T, path string, stale []byte) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "restored")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, FileName), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if stale != nil {
		if err := os.WriteFile(filepath.Join(dir, SignalName), stale, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// pairObjects are the two records of write i: a key pair, stored in one
// transaction. Each record's three parts name the write and the record's
// revision, so a torn record shows.
func pairObjects(i int, rev int, epoch uint64, versions [2]uint64) []Object {
	objs := make([]Object, 2)
	for k, half := range []string{"priv", "pub"} {
		tag := fmt.Sprintf("%s-%d-rev%d", half, i, rev)
		objs[k] = Object{
			Token: 0, UID: fmt.Sprintf("%s-%05d", half, i), Version: versions[k], Epoch: epoch,
			Public: []byte("public " + tag), Sealed: []byte("sealed " + tag), MAC: []byte("mac " + tag),
		}
	}
	return objs
}

// TestBackupWhileWriting takes backups while a writer stores key pairs
// (and rewrites each once): every pair committed before the backup
// began is in it, the pairs in it are a prefix of the writes, none is
// half there, no record is torn, and the backup opens as a store that
// takes new writes. The writer uses the store the backup is taken from,
// or another handle on its directory (as another process would).
func TestBackupWhileWriting(t *testing.T) {
	tests := []struct {
		name       string
		sameHandle bool
		stale      []byte // signal file left in the restore directory
	}{
		{"writer on the same handle", true, nil},
		{"writer on another handle", false, nil},
		{"restored over a stale signal ahead", false, []byte{0xff, 0xff, 0, 0, 0, 0, 0, 0}},
		{"restored over a stale signal behind", true, []byte{1, 0, 0, 0, 0, 0, 0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			src, err := OpenSQLite(dir)
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			w := src
			if !tt.sameHandle {
				if w, err = OpenSQLite(dir); err != nil {
					t.Fatal(err)
				}
				defer w.Close()
			}
			tok := must[Token](t)(w.CreateToken(Token{ID: 0, Label: "backup", Keys: []byte("keys")}))

			var committed atomic.Int64 // pairs whose PutObjects returned
			stop, done := make(chan struct{}), make(chan struct{})
			var werr error // the writer's, read after done
			go func() {
				defer close(done)
				var gens []uint64 // the version pair i was last written at
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					gen, err := w.PutObjects(pairObjects(i, 0, tok.Epoch, [2]uint64{})...)
					if err != nil {
						werr = err
						return
					}
					gens = append(gens, gen)
					if i > 0 {
						// Rewrite the previous pair: replaced records must
						// not tear either.
						v := gens[i-1]
						if gens[i-1], err = w.PutObjects(pairObjects(i-1, 1, tok.Epoch, [2]uint64{v, v})...); err != nil {
							werr = err
							return
						}
					}
					committed.Store(int64(i + 1))
				}
			}()
			// waitFor waits until the writer has committed n pairs.
			waitFor := func(n int) {
				for committed.Load() < int64(n) {
					select {
					case <-done:
						t.Fatalf("writer: %v", werr)
					case <-time.After(time.Millisecond):
					}
				}
			}
			waitFor(20)
			path := filepath.Join(t.TempDir(), "backup.db")
			before := int(committed.Load())
			if err := Backup(src, path); err != nil {
				t.Fatal(err)
			}
			after := int(committed.Load())
			waitFor(after + 5) // the store stays writable
			close(stop)
			<-done
			if werr != nil {
				t.Fatalf("writer: %v", werr)
			}

			info, err := InspectBackup(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 || info.Bytes != fi.Size() {
				t.Errorf("backup mode %v, size %d; InspectBackup says %d bytes", fi.Mode().Perm(), fi.Size(), info.Bytes)
			}
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
				t.Errorf("the backup's directory holds %d files, want the backup only", len(entries))
			}

			rdir := restore(t, path, tt.stale)
			r, err := OpenSQLite(rdir)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			snap := snapshot(t, r)
			if len(snap.Tokens) != 1 || snap.Tokens[0].Label != "backup" || string(snap.Tokens[0].Keys) != "keys" {
				t.Fatalf("restored tokens %+v", snap.Tokens)
			}
			objs := snap.Objects[0]
			if info.Tokens != 1 || info.Objects != len(objs) || info.Generation > snap.Generation {
				t.Errorf("InspectBackup %+v; the restored store has %d objects at generation %d", info, len(objs), snap.Generation)
			}
			// Objects sort by UID: priv-00000…, then pub-00000…
			pairs := len(objs) / 2
			if len(objs)%2 != 0 || pairs < before || pairs > after+1 {
				t.Fatalf("backup holds %d objects; want the pairs of a prefix of %d to %d writes", len(objs), before, after+1)
			}
			for i := range pairs {
				for k, half := range []string{"priv", "pub"} {
					o := objs[k*pairs+i]
					if o.UID != fmt.Sprintf("%s-%05d", half, i) {
						t.Fatalf("object %d of the backup is %s: not a prefix of whole pairs", k*pairs+i, o.UID)
					}
					if o.Version > snap.Generation {
						t.Errorf("%s has version %d past the generation %d", o.UID, o.Version, snap.Generation)
					}
					matched := false
					for rev := range 2 {
						want := pairObjects(i, rev, 0, [2]uint64{})[k]
						if bytes.Equal(o.Public, want.Public) && bytes.Equal(o.Sealed, want.Sealed) && bytes.Equal(o.MAC, want.MAC) {
							matched = true
						}
					}
					if !matched {
						t.Fatalf("%s is torn: %q %q %q", o.UID, o.Public, o.Sealed, o.MAC)
					}
				}
				// Both halves of a pair were rewritten together.
				if objs[i].Version != objs[pairs+i].Version {
					t.Fatalf("pair %d: versions %d and %d", i, objs[i].Version, objs[pairs+i].Version)
				}
			}

			// The restored store is a store: it takes writes, and another
			// handle on it sees them.
			r2, err := OpenSQLite(rdir)
			if err != nil {
				t.Fatal(err)
			}
			defer r2.Close()
			gen := must[uint64](t)(r.PutObjects(pairObjects(pairs, 0, snap.Tokens[0].Epoch, [2]uint64{})...))
			if gen <= snap.Generation {
				t.Errorf("a write to the restored store got generation %d, not past %d", gen, snap.Generation)
			}
			if now := must[uint64](t)(r2.Generation()); now < gen {
				t.Errorf("another handle's generation stayed %d after a write at %d", now, gen)
			}
			if n := len(snapshot(t, r2).Objects[0]); n != len(objs)+2 {
				t.Errorf("another handle on the restored store sees %d objects, want %d", n, len(objs)+2)
			}
		})
	}
}

func TestBackupRefusals(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenSQLite(dir)
	if err != nil {
		t.Fatal(err)
	}
	must[Token](t)(s.CreateToken(Token{ID: 0, Keys: []byte{}}))
	existing := filepath.Join(t.TempDir(), "existing")
	if err := os.WriteFile(existing, []byte("keep me"), 0o600); err != nil {
		t.Fatal(err)
	}
	closed, err := OpenSQLite(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	closed.Close()
	defer s.Close()
	tests := []struct {
		name string
		s    Store
		path string
		want error // nil: any error
	}{
		{"existing file", s, existing, fs.ErrExist},
		{"the store itself", s, filepath.Join(dir, FileName), fs.ErrExist},
		{"no such directory", s, filepath.Join(t.TempDir(), "missing", "backup.db"), nil},
		{"memory store", NewMemory(), filepath.Join(t.TempDir(), "backup.db"), ErrNoBackup},
		{"closed store", closed, filepath.Join(t.TempDir(), "backup.db"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Backup(tt.s, tt.path)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Backup = %v, want %v", err, tt.want)
			}
		})
	}
	if b, _ := os.ReadFile(existing); string(b) != "keep me" {
		t.Error("a refused backup changed the existing file")
	}
	if snap := snapshot(t, s); len(snap.Tokens) != 1 {
		t.Error("a refused backup changed the store")
	}
}

func TestInspectBackupRefuses(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, bytes.Repeat([]byte("not a database "), 512), 0o600)
	s, err := OpenSQLite(filepath.Join(dir, "newer"))
	if err != nil {
		t.Fatal(err)
	}
	s.(*sqliteStore).db.Exec("PRAGMA user_version = 99")
	newer := filepath.Join(dir, "newer.db")
	if err := Backup(s, newer); err != nil {
		t.Fatal(err)
	}
	s.Close()
	for _, path := range []string{garbage, newer, filepath.Join(dir, "missing"), dir} {
		if info, err := InspectBackup(path); err == nil {
			t.Errorf("InspectBackup(%s) = %+v, want an error", filepath.Base(path), info)
		}
	}
}
