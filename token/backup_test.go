package token

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// A backup restored as a new store directory is the token: the user PIN
// opens it, its key signs, and its records are the stored bytes.
func TestBackupRestores(t *testing.T) {
	dir := t.TempDir()
	m := sqliteModule(t, dir)
	slot := readyToken(t, m, "backed up")
	h := userSession(t, m, slot)
	pub, _ := genEC(t, m, h, "device key", true)
	_, err := m.CreateObject(h, object.Template{
		class(ck.CKO_DATA), object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, true),
		object.String(ck.CKA_LABEL, "secret data"), object.Bytes(ck.CKA_VALUE, []byte("secret value")),
	})
	must(t, err)

	path := filepath.Join(t.TempDir(), "backup.db")
	must(t, m.Backup(path))
	rdir := filepath.Join(t.TempDir(), "restored")
	must(t, os.Mkdir(rdir, 0o700))
	b, err := os.ReadFile(path)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(rdir, store.FileName), b, 0o600))

	r := sqliteModule(t, rdir)
	hr := mustOpen(t, r, slot, true)
	wantRV(t, "Login with a wrong PIN", r.Login(hr, ck.CKU_USER, []byte("wrong")), ck.CKR_PIN_INCORRECT)
	if got := find(t, r, hr, object.Template{object.String(ck.CKA_LABEL, "secret data")}); len(got) != 0 {
		t.Fatal("the private data object is visible before login")
	}
	must(t, r.Login(hr, ck.CKU_USER, []byte(userPIN)))
	data := find(t, r, hr, object.Template{object.String(ck.CKA_LABEL, "secret data")})
	if len(data) != 1 {
		t.Fatalf("the restored token has %d data objects", len(data))
	}
	if v, err := r.GetAttributes(hr, data[0], ck.CKA_VALUE); err != nil || string(v[0].Value) != "secret value" {
		t.Fatalf("restored data value %v, %v", v, err)
	}
	keys := find(t, r, hr, object.Template{class(ck.CKO_PRIVATE_KEY), object.String(ck.CKA_LABEL, "device key")})
	if len(keys) != 1 {
		t.Fatalf("the restored token has %d private keys", len(keys))
	}
	digest := sha256.Sum256([]byte("restored"))
	must(t, r.SignInit(hr, Mechanism{Type: ck.CKM_ECDSA}, keys[0]))
	sig := make([]byte, 64)
	_, err = r.Sign(hr, digest[:], sig)
	must(t, err)
	must(t, m.VerifyInit(h, Mechanism{Type: ck.CKM_ECDSA}, pub))
	must(t, m.Verify(h, digest[:], sig))

	// The restored records are the original's bytes: sealed parts stay
	// sealed, under the same token key.
	orig, err := store.OpenSQLite(dir)
	must(t, err)
	defer orig.Close()
	copied, err := store.OpenSQLite(rdir)
	must(t, err)
	defer copied.Close()
	a, err := orig.Snapshot(store.AllObjects)
	must(t, err)
	c, err := copied.Snapshot(store.AllObjects)
	must(t, err)
	if len(a.Tokens) != 1 || len(c.Tokens) != 1 || !bytes.Equal(a.Tokens[0].Keys, c.Tokens[0].Keys) {
		t.Fatal("the restored token's key envelope differs")
	}
	ao, co := a.Objects[a.Tokens[0].ID], c.Objects[c.Tokens[0].ID]
	if len(ao) != 3 || len(co) != len(ao) {
		t.Fatalf("%d objects stored, %d restored", len(ao), len(co))
	}
	for i := range ao {
		if ao[i].UID != co[i].UID || !bytes.Equal(ao[i].Public, co[i].Public) || !bytes.Equal(ao[i].Sealed, co[i].Sealed) || !bytes.Equal(ao[i].MAC, co[i].MAC) {
			t.Errorf("object %s is not restored byte for byte", ao[i].UID)
		}
	}
}

func TestBackupErrors(t *testing.T) {
	existing := filepath.Join(t.TempDir(), "existing")
	must(t, os.WriteFile(existing, nil, 0o600))
	finalized := New(Config{Store: store.NewMemory(), KDF: testKDF})
	tests := []struct {
		name string
		m    *Module
		path string
		want ck.RV
	}{
		{"memory store", newModule(t, nil), filepath.Join(t.TempDir(), "b.db"), ck.CKR_FUNCTION_NOT_SUPPORTED},
		{"existing file", sqliteModule(t, t.TempDir()), existing, ck.CKR_ARGUMENTS_BAD},
		{"no such directory", sqliteModule(t, t.TempDir()), filepath.Join(t.TempDir(), "none", "b.db"), ck.CKR_DEVICE_ERROR},
		{"not initialized", finalized, filepath.Join(t.TempDir(), "b.db"), ck.CKR_CRYPTOKI_NOT_INITIALIZED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.m.Backup(tt.path)
			wantRV(t, "Backup", err, tt.want)
			if tt.want == ck.CKR_ARGUMENTS_BAD && !errors.Is(err, fs.ErrExist) {
				t.Errorf("Backup of an existing file = %v, want it to match fs.ErrExist", err)
			}
		})
	}
}

// blockingStore's backup lasts until release is closed.
type blockingStore struct {
	store.Store
	started, release chan struct{}
}

func (b *blockingStore) Backup(string) error {
	close(b.started)
	<-b.release
	return nil
}

// The copy is disk work: the module's lock is not held across it, so
// even C_Finalize, which takes it exclusively, goes on meanwhile.
func TestBackupHoldsNoModuleLock(t *testing.T) {
	bs := &blockingStore{Store: store.NewMemory(), started: make(chan struct{}), release: make(chan struct{})}
	m := New(Config{Store: bs, KDF: testKDF})
	must(t, m.Initialize())
	slot := readyToken(t, m, "busy")
	backedUp := make(chan error, 1)
	go func() { backedUp <- m.Backup(filepath.Join(t.TempDir(), "b.db")) }()
	<-bs.started
	// Were the lock held, these calls would wait for the backup, which
	// the watchdog ends after 10 s.
	watchdog := time.AfterFunc(10*time.Second, func() { close(bs.release) })
	h := userSession(t, m, slot)
	genEC(t, m, h, "during the backup", true)
	must(t, m.Finalize())
	if !watchdog.Stop() {
		t.Fatal("the module was blocked while the backup was written")
	}
	close(bs.release)
	must(t, <-backedUp)
}
