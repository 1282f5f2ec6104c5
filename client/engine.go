package client

import (
	"os"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/token"
)

// engine is corepkcs11's engine, in this process.
type engine struct{ m *token.Module }

func openEngine(cfg token.Config) (Provider, error) {
	m := token.New(cfg)
	if err := m.Initialize(); err != nil {
		return nil, err
	}
	return engine{m}, nil
}

func (e engine) Name() string { return "corepkcs11 (in-process)" }

func (e engine) Close() error { return e.m.Finalize() }

func (e engine) Slots() ([]Slot, error) {
	ids, err := e.m.GetSlotList(false)
	if err != nil {
		return nil, err
	}
	var slots []Slot
	for _, id := range ids {
		si, err := e.m.GetSlotInfo(id)
		if err != nil {
			return nil, err
		}
		s := Slot{ID: id, TokenPresent: si.Flags&ck.CKF_TOKEN_PRESENT != 0}
		if s.TokenPresent {
			ti, err := e.m.GetTokenInfo(id)
			if err != nil {
				return nil, err
			}
			s.Token = TokenInfo{Label: ti.Label, Manufacturer: ti.ManufacturerID, Model: ti.Model, Serial: ti.SerialNumber, Flags: ti.Flags,
				MinPIN: ti.MinPinLen, MaxPIN: ti.MaxPinLen}
		}
		slots = append(slots, s)
	}
	return slots, nil
}

// InitToken takes the cost of the token's PINs from $COREPKCS11_KDF, as
// corepkcs11's module does at C_InitToken.
func (e engine) InitToken(slot ck.SlotID, soPIN []byte, label string) error {
	kdf, err := token.KDFFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	return e.m.InitTokenKDF(slot, soPIN, label, kdf)
}

func (e engine) OpenSession(slot ck.SlotID, rw bool) (Session, error) {
	flags := ck.Flags(ck.CKF_SERIAL_SESSION)
	if rw {
		flags |= ck.CKF_RW_SESSION
	}
	h, err := e.m.OpenSession(slot, flags)
	if err != nil {
		return nil, err
	}
	return engineSession{e.m, h}, nil
}

type engineSession struct {
	m *token.Module
	h ck.SessionHandle
}

func (s engineSession) Login(u ck.UserType, pin []byte) error { return s.m.Login(s.h, u, pin) }
func (s engineSession) Logout() error                         { return s.m.Logout(s.h) }
func (s engineSession) InitPIN(pin []byte) error              { return s.m.InitPIN(s.h, pin) }
func (s engineSession) SetPIN(oldPIN, newPIN []byte) error    { return s.m.SetPIN(s.h, oldPIN, newPIN) }
func (s engineSession) Close() error                          { return s.m.CloseSession(s.h) }
func (s engineSession) DestroyObject(o ck.ObjectHandle) error { return s.m.DestroyObject(s.h, o) }

func (s engineSession) CreateObject(tmpl object.Template) (ck.ObjectHandle, error) {
	return s.m.CreateObject(s.h, tmpl)
}

func (s engineSession) SetAttributes(o ck.ObjectHandle, tmpl object.Template) error {
	return s.m.SetAttributeValue(s.h, o, tmpl)
}

func (s engineSession) FindObjects(tmpl object.Template) ([]ck.ObjectHandle, error) {
	if err := s.m.FindObjectsInit(s.h, tmpl); err != nil {
		return nil, err
	}
	defer s.m.FindObjectsFinal(s.h)
	var all []ck.ObjectHandle
	for {
		hs, err := s.m.FindObjects(s.h, 256)
		if err != nil {
			return nil, err
		}
		if len(hs) == 0 {
			return all, nil
		}
		all = append(all, hs...)
	}
}

func (s engineSession) Attributes(o ck.ObjectHandle, types ...ck.AttributeType) (object.Template, error) {
	var out object.Template
	for _, t := range types {
		got, err := s.m.GetAttributes(s.h, o, t)
		switch ck.ToRV(err) {
		case ck.CKR_OK:
			out = append(out, got...)
		case ck.CKR_ATTRIBUTE_SENSITIVE, ck.CKR_ATTRIBUTE_TYPE_INVALID:
		default:
			return nil, err
		}
	}
	return out, nil
}

func (s engineSession) GenerateKeyPair(m Mechanism, pub, priv object.Template) (ck.ObjectHandle, ck.ObjectHandle, error) {
	return s.m.GenerateKeyPair(s.h, m, pub, priv)
}

func (s engineSession) GenerateKey(m Mechanism, tmpl object.Template) (ck.ObjectHandle, error) {
	return s.m.GenerateKey(s.h, m, tmpl)
}

func (s engineSession) Sign(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error) {
	if err := s.m.SignInit(s.h, m, key); err != nil {
		return nil, err
	}
	return twoCalls(func(out []byte) (int, error) { return s.m.Sign(s.h, data, out) })
}

func (s engineSession) Verify(m Mechanism, key ck.ObjectHandle, data, sig []byte) error {
	if err := s.m.VerifyInit(s.h, m, key); err != nil {
		return err
	}
	return s.m.Verify(s.h, data, sig)
}

func (s engineSession) Digest(m Mechanism, data []byte) ([]byte, error) {
	if err := s.m.DigestInit(s.h, m); err != nil {
		return nil, err
	}
	return twoCalls(func(out []byte) (int, error) { return s.m.Digest(s.h, data, out) })
}

func (s engineSession) Encrypt(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error) {
	if err := s.m.EncryptInit(s.h, m, key); err != nil {
		return nil, err
	}
	return twoCalls(func(out []byte) (int, error) { return s.m.Encrypt(s.h, data, out) })
}

func (s engineSession) Decrypt(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error) {
	if err := s.m.DecryptInit(s.h, m, key); err != nil {
		return nil, err
	}
	return twoCalls(func(out []byte) (int, error) { return s.m.Decrypt(s.h, data, out) })
}

func (s engineSession) Random(n int) ([]byte, error) {
	b := make([]byte, n)
	return b, s.m.GenerateRandom(s.h, b)
}

// twoCalls runs a single-part call with output as clients do: a length
// query, then the call with a buffer of that length.
func twoCalls(call func(out []byte) (int, error)) ([]byte, error) {
	n, err := call(nil)
	if err != nil {
		return nil, err
	}
	out := make([]byte, n)
	n, err = call(out)
	if err != nil {
		return nil, err
	}
	return out[:n], nil
}
