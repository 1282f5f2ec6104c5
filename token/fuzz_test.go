package token

import (
	"testing"

	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// FuzzDecodeRecord feeds the token's record decoding what an edited store
// file may hold, sealed and authenticated with the real token key so that
// every layer past the cryptography is reached: never a panic.
func FuzzDecodeRecord(f *testing.F) {
	m := newModule(f, nil)
	slot := readyToken(f, m, "fuzz")
	userSession(f, m, slot) // the login unlocks the token key
	tok, err := m.token(slot)
	must(f, err)
	o, err := object.New(ecImportTemplate(newECKey(f), "k"), nil, object.Origin{})
	must(f, err)
	f.Add(o.Encode(), false)
	f.Add(o.Encode(), true)
	f.Fuzz(func(t *testing.T, b []byte, sealed bool) {
		tok.mu.Lock()
		defer tok.mu.Unlock()
		rec := store.Object{Token: uint(slot), UID: "fuzz"}
		if sealed {
			rec.Sealed = tok.sealer.seal(tok.rec.Serial, rec.UID, b)
		} else {
			rec.Public = b
			rec.MAC = tok.sealer.sum(tok.rec.Serial, rec.UID, b)
		}
		obj, err := tok.decode(rec)
		if err == nil && obj == nil {
			t.Fatal("a record decoded to nothing, with the token key at hand")
		}
	})
}
