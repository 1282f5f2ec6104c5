package token

import (
	"errors"
	"io/fs"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/store"
)

// Backup writes a consistent copy of the module's whole store — every
// token and object, as other processes committed them too — to a new
// file at path, while this and other processes go on using the store
// (store.Backup). The copy holds the stored bytes: private objects and
// key material stay encrypted under the token keys, which only the PINs
// unwrap. To restore, make the copy the database of a new store
// directory (see store.Backuper).
//
// It is not a PKCS#11 function, but answers like one: CKR_ARGUMENTS_BAD
// (matching fs.ErrExist) if path exists, CKR_FUNCTION_NOT_SUPPORTED for
// a store that cannot be backed up (the in-memory one), CKR_DEVICE_ERROR
// if the copy fails. No lock of the module is held while it is written.
func (m *Module) Backup(path string) error {
	m.mu.RLock()
	st, ok := m.store, m.initialized
	m.mu.RUnlock()
	if !ok {
		return ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	err := store.Backup(st, path)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNoBackup):
		return ck.Wrap(ck.CKR_FUNCTION_NOT_SUPPORTED, err)
	case errors.Is(err, fs.ErrExist):
		return ck.Wrap(ck.CKR_ARGUMENTS_BAD, err)
	}
	return m.storeFailed(st, err)
}
