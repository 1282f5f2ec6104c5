// Package client is a PKCS#11 client: one API over corepkcs11's engine
// in-process, or over any PKCS#11 module loaded through its C ABI
// (corepkcs11's own .so, SoftHSMv2, a TPM's or an HSM's module). The
// corepkcs11 command provisions and manages tokens through it, whatever
// module holds them.
package client

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/token"
)

// Mechanism is a mechanism and its parameter, as the engine's Go API
// takes it.
type Mechanism = token.Mechanism

// Slot is a slot and, when one is present, its token.
type Slot struct {
	ID           ck.SlotID
	TokenPresent bool
	Token        TokenInfo
}

// TokenInfo is what CK_TOKEN_INFO says of a token.
type TokenInfo struct {
	Label, Manufacturer, Model, Serial string
	Flags                              ck.Flags
	MinPIN, MaxPIN                     uint // PIN lengths in bytes
}

// Initialized reports CKF_TOKEN_INITIALIZED.
func (t TokenInfo) Initialized() bool { return t.Flags&ck.CKF_TOKEN_INITIALIZED != 0 }

// Provider is a loaded and initialized PKCS#11 module.
type Provider interface {
	// Name says which module this is, for messages.
	Name() string
	Slots() ([]Slot, error)
	InitToken(slot ck.SlotID, soPIN []byte, label string) error
	OpenSession(slot ck.SlotID, rw bool) (Session, error)
	// Close finalizes the module (C_Finalize).
	Close() error
}

// Session is an open session with a token. Errors carry the module's
// CK_RV (ck.ToRV).
type Session interface {
	Login(user ck.UserType, pin []byte) error
	Logout() error
	InitPIN(pin []byte) error
	SetPIN(oldPIN, newPIN []byte) error
	CreateObject(tmpl object.Template) (ck.ObjectHandle, error)
	FindObjects(tmpl object.Template) ([]ck.ObjectHandle, error)
	// Attributes reads attributes of an object; those it does not have
	// or hides (sensitive values) are left out of the result.
	Attributes(o ck.ObjectHandle, types ...ck.AttributeType) (object.Template, error)
	SetAttributes(o ck.ObjectHandle, tmpl object.Template) error
	DestroyObject(o ck.ObjectHandle) error
	GenerateKeyPair(m Mechanism, pub, priv object.Template) (pubKey, privKey ck.ObjectHandle, err error)
	GenerateKey(m Mechanism, tmpl object.Template) (ck.ObjectHandle, error)
	Sign(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error)
	Verify(m Mechanism, key ck.ObjectHandle, data, sig []byte) error
	Digest(m Mechanism, data []byte) ([]byte, error)
	Encrypt(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error)
	Decrypt(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error)
	Random(n int) ([]byte, error)
	Close() error
}

// Open loads the PKCS#11 module at path and initializes it; an empty
// path opens corepkcs11's engine in-process on the store cfg names.
func Open(path string, cfg token.Config) (Provider, error) {
	if path == "" {
		return openEngine(cfg)
	}
	return openModule(path)
}
