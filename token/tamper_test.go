package token

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
	"github.com/corepkcs11/corepkcs11/store"
)

// TestTamperedRecordsRefused edits the store file directly, as an
// attacker who can write it would: a public key's clear attributes, a
// stripped MAC, a sealed private key's bytes. After a login, the token
// refuses every edited record; before one, nothing can tell, and the
// public objects are taken as they are (README, "Reliability").
func TestTamperedRecordsRefused(t *testing.T) {
	dir, slot := tamperedStore(t)
	m2 := sqliteModule(t, dir)
	h2 := mustOpen(t, m2, slot, true)
	byLabel := func(label string) int {
		return len(find(t, m2, h2, object.Template{object.String(ck.CKA_LABEL, label)}))
	}
	if byLabel("Code Verify Kez") != 1 || byLabel("Stripped Key") != 1 {
		t.Fatal("before login, public records are taken as stored")
	}
	edited := find(t, m2, h2, object.Template{object.String(ck.CKA_LABEL, "Code Verify Kez")})[0]
	must(t, m2.Login(h2, ck.CKU_USER, []byte(userPIN)))
	for label, want := range tamperedAfterLogin {
		if got := byLabel(label); got != want {
			t.Errorf("after login, %d objects labelled %q, want %d", got, label, want)
		}
	}
	_, err := m2.GetAttributes(h2, edited, ck.CKA_LABEL)
	wantRV(t, "after login, reading the edited key found before", err, ck.CKR_OBJECT_HANDLE_INVALID)
}

// TestTamperedRecordsRefusedFirstReadAfterLogin: a process that logs in
// before it first needs the objects reads them with the token key at
// hand, and refuses the edited records at once.
func TestTamperedRecordsRefusedFirstReadAfterLogin(t *testing.T) {
	dir, slot := tamperedStore(t)
	m := sqliteModule(t, dir)
	h := userSession(t, m, slot)
	for label, want := range tamperedAfterLogin {
		if got := len(find(t, m, h, object.Template{object.String(ck.CKA_LABEL, label)})); got != want {
			t.Errorf("%d objects labelled %q, want %d", got, label, want)
		}
	}
}

// tamperedAfterLogin is what a logged-in search finds in tamperedStore,
// by label.
var tamperedAfterLogin = map[string]int{"Code Verify Kez": 0, "Code Verify Key": 0, "Stripped Key": 0, "Device Priv TLS Key": 0, "Untouched Key": 1}

// tamperedStore makes a SQLite store whose token holds four keys, three
// of them then edited in the file: a public key's label ("Code Verify
// Key" becomes "Code Verify Kez"), the MAC of "Stripped Key", one bit of
// the sealed "Device Priv TLS Key"; "Untouched Key" is left as it was.
func tamperedStore(t *testing.T) (string, ck.SlotID) {
	t.Helper()
	dir := t.TempDir()
	m := sqliteModule(t, dir)
	slot := readyToken(t, m, "tamper")
	h := userSession(t, m, slot)
	key := newECKey(t)
	pubTmpl, err := pki.PublicKeyTemplate(&key.PublicKey)
	must(t, err)
	for _, label := range []string{"Code Verify Key", "Stripped Key", "Untouched Key"} {
		_, err := m.CreateObject(h, append(pubTmpl, object.String(ck.CKA_LABEL, label), object.Bool(ck.CKA_TOKEN, true)))
		must(t, err)
	}
	_, err = m.CreateObject(h, ecImportTemplate(newECKey(t), "Device Priv TLS Key"))
	must(t, err)
	must(t, m.Finalize())

	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, store.FileName))
	must(t, err)
	defer db.Close()
	rows, err := db.Query("SELECT uid, public, sealed FROM objects")
	must(t, err)
	type row struct {
		uid            string
		public, sealed []byte
	}
	var all []row
	for rows.Next() {
		var r row
		must(t, rows.Scan(&r.uid, &r.public, &r.sealed))
		all = append(all, r)
	}
	rows.Close()
	edited := 0
	for _, r := range all {
		switch {
		case bytes.Contains(r.public, []byte("Code Verify Key")):
			// The smallest edit: one letter of the label.
			_, err = db.Exec("UPDATE objects SET public = ? WHERE uid = ?", bytes.Replace(r.public, []byte("Code Verify Key"), []byte("Code Verify Kez"), 1), r.uid)
		case bytes.Contains(r.public, []byte("Stripped Key")):
			_, err = db.Exec("UPDATE objects SET mac = x'' WHERE uid = ?", r.uid)
		case len(r.sealed) > 0:
			flipped := bytes.Clone(r.sealed)
			flipped[len(flipped)/2] ^= 1
			_, err = db.Exec("UPDATE objects SET sealed = ? WHERE uid = ?", flipped, r.uid)
		default:
			continue
		}
		must(t, err)
		edited++
	}
	if edited != 3 {
		t.Fatalf("edited %d records, want 3", edited)
	}
	return dir, slot
}
