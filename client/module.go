package client

import (
	"errors"
	"fmt"

	"github.com/miekg/pkcs11"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// module is a PKCS#11 module loaded through its C ABI.
type module struct {
	path string
	c    *pkcs11.Ctx
}

func openModule(path string) (Provider, error) {
	c := pkcs11.New(path)
	if c == nil {
		return nil, fmt.Errorf("cannot load the PKCS#11 module %s: %s", path, dlopenError(path))
	}
	if err := c.Initialize(); err != nil {
		c.Destroy()
		err = rvError(err)
		if ck.ToRV(err) == ck.CKR_DEVICE_ERROR {
			// The module cannot reach its storage; corepkcs11's says why
			// in its log.
			return nil, fmt.Errorf("%s: C_Initialize: %w: the module cannot open its storage (for corepkcs11's module: is the store directory, $COREPKCS11_STORE, writable? its log, $COREPKCS11_LOG_FILE or stderr, says)", path, err)
		}
		return nil, fmt.Errorf("%s: C_Initialize: %w", path, err)
	}
	return &module{path: path, c: c}, nil
}

func (p *module) Name() string { return p.path }

func (p *module) Close() error {
	err := p.c.Finalize()
	p.c.Destroy()
	return rvError(err)
}

func (p *module) Slots() ([]Slot, error) {
	ids, err := p.c.GetSlotList(false)
	if err != nil {
		return nil, rvError(err)
	}
	var slots []Slot
	for _, id := range ids {
		si, err := p.c.GetSlotInfo(id)
		if err != nil {
			return nil, rvError(err)
		}
		s := Slot{ID: ck.SlotID(id), TokenPresent: si.Flags&pkcs11.CKF_TOKEN_PRESENT != 0}
		if s.TokenPresent {
			ti, err := p.c.GetTokenInfo(id)
			if err != nil {
				return nil, rvError(err)
			}
			s.Token = TokenInfo{Label: ti.Label, Manufacturer: ti.ManufacturerID, Model: ti.Model, Serial: ti.SerialNumber, Flags: ck.Flags(ti.Flags),
				MinPIN: ti.MinPinLen, MaxPIN: ti.MaxPinLen}
		}
		slots = append(slots, s)
	}
	return slots, nil
}

func (p *module) InitToken(slot ck.SlotID, soPIN []byte, label string) error {
	return rvError(p.c.InitToken(uint(slot), string(soPIN), label))
}

func (p *module) OpenSession(slot ck.SlotID, rw bool) (Session, error) {
	flags := uint(pkcs11.CKF_SERIAL_SESSION)
	if rw {
		flags |= pkcs11.CKF_RW_SESSION
	}
	h, err := p.c.OpenSession(uint(slot), flags)
	if err != nil {
		return nil, rvError(err)
	}
	return moduleSession{p.c, h}, nil
}

type moduleSession struct {
	c *pkcs11.Ctx
	h pkcs11.SessionHandle
}

func (s moduleSession) Login(u ck.UserType, pin []byte) error {
	return rvError(s.c.Login(s.h, uint(u), string(pin)))
}
func (s moduleSession) Logout() error            { return rvError(s.c.Logout(s.h)) }
func (s moduleSession) InitPIN(pin []byte) error { return rvError(s.c.InitPIN(s.h, string(pin))) }
func (s moduleSession) SetPIN(oldPIN, newPIN []byte) error {
	return rvError(s.c.SetPIN(s.h, string(oldPIN), string(newPIN)))
}
func (s moduleSession) Close() error { return rvError(s.c.CloseSession(s.h)) }
func (s moduleSession) DestroyObject(o ck.ObjectHandle) error {
	return rvError(s.c.DestroyObject(s.h, pkcs11.ObjectHandle(o)))
}

func (s moduleSession) CreateObject(tmpl object.Template) (ck.ObjectHandle, error) {
	o, err := s.c.CreateObject(s.h, attributes(tmpl))
	return ck.ObjectHandle(o), rvError(err)
}

func (s moduleSession) SetAttributes(o ck.ObjectHandle, tmpl object.Template) error {
	return rvError(s.c.SetAttributeValue(s.h, pkcs11.ObjectHandle(o), attributes(tmpl)))
}

func (s moduleSession) FindObjects(tmpl object.Template) ([]ck.ObjectHandle, error) {
	if err := s.c.FindObjectsInit(s.h, attributes(tmpl)); err != nil {
		return nil, rvError(err)
	}
	defer s.c.FindObjectsFinal(s.h)
	var all []ck.ObjectHandle
	for {
		hs, _, err := s.c.FindObjects(s.h, 256)
		if err != nil {
			return nil, rvError(err)
		}
		if len(hs) == 0 {
			return all, nil
		}
		for _, h := range hs {
			all = append(all, ck.ObjectHandle(h))
		}
	}
}

// Attributes asks for one attribute at a time: a module answers a
// template with a missing or sensitive attribute with an error, and
// github.com/miekg/pkcs11 then returns none of the others.
func (s moduleSession) Attributes(o ck.ObjectHandle, types ...ck.AttributeType) (object.Template, error) {
	var out object.Template
	for _, t := range types {
		got, err := s.c.GetAttributeValue(s.h, pkcs11.ObjectHandle(o), []*pkcs11.Attribute{pkcs11.NewAttribute(uint(t), nil)})
		switch ck.ToRV(rvError(err)) {
		case ck.CKR_OK:
			out = append(out, object.Attribute{Type: t, Value: got[0].Value})
		case ck.CKR_ATTRIBUTE_SENSITIVE, ck.CKR_ATTRIBUTE_TYPE_INVALID:
		default:
			return nil, rvError(err)
		}
	}
	return out, nil
}

func (s moduleSession) GenerateKeyPair(m Mechanism, pub, priv object.Template) (ck.ObjectHandle, ck.ObjectHandle, error) {
	mm, err := mechanismOf(m)
	if err != nil {
		return 0, 0, err
	}
	a, b, err := s.c.GenerateKeyPair(s.h, mm, attributes(pub), attributes(priv))
	return ck.ObjectHandle(a), ck.ObjectHandle(b), rvError(err)
}

func (s moduleSession) GenerateKey(m Mechanism, tmpl object.Template) (ck.ObjectHandle, error) {
	mm, err := mechanismOf(m)
	if err != nil {
		return 0, err
	}
	o, err := s.c.GenerateKey(s.h, mm, attributes(tmpl))
	return ck.ObjectHandle(o), rvError(err)
}

func (s moduleSession) Sign(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error) {
	mm, err := mechanismOf(m)
	if err != nil {
		return nil, err
	}
	if err := s.c.SignInit(s.h, mm, pkcs11.ObjectHandle(key)); err != nil {
		return nil, rvError(err)
	}
	sig, err := s.c.Sign(s.h, data)
	return sig, rvError(err)
}

func (s moduleSession) Verify(m Mechanism, key ck.ObjectHandle, data, sig []byte) error {
	mm, err := mechanismOf(m)
	if err != nil {
		return err
	}
	if err := s.c.VerifyInit(s.h, mm, pkcs11.ObjectHandle(key)); err != nil {
		return rvError(err)
	}
	return rvError(s.c.Verify(s.h, data, sig))
}

func (s moduleSession) Digest(m Mechanism, data []byte) ([]byte, error) {
	mm, err := mechanismOf(m)
	if err != nil {
		return nil, err
	}
	if err := s.c.DigestInit(s.h, mm); err != nil {
		return nil, rvError(err)
	}
	d, err := s.c.Digest(s.h, data)
	return d, rvError(err)
}

func (s moduleSession) Encrypt(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error) {
	mm, err := mechanismOf(m)
	if err != nil {
		return nil, err
	}
	if err := s.c.EncryptInit(s.h, mm, pkcs11.ObjectHandle(key)); err != nil {
		return nil, rvError(err)
	}
	out, err := s.c.Encrypt(s.h, data)
	return out, rvError(err)
}

func (s moduleSession) Decrypt(m Mechanism, key ck.ObjectHandle, data []byte) ([]byte, error) {
	mm, err := mechanismOf(m)
	if err != nil {
		return nil, err
	}
	if err := s.c.DecryptInit(s.h, mm, pkcs11.ObjectHandle(key)); err != nil {
		return nil, rvError(err)
	}
	out, err := s.c.Decrypt(s.h, data)
	return out, rvError(err)
}

func (s moduleSession) Random(n int) ([]byte, error) {
	b, err := s.c.GenerateRandom(s.h, n)
	return b, rvError(err)
}

// attributes is a template as github.com/miekg/pkcs11 takes it.
func attributes(tmpl object.Template) []*pkcs11.Attribute {
	out := make([]*pkcs11.Attribute, len(tmpl))
	for i, a := range tmpl {
		out[i] = &pkcs11.Attribute{Type: uint(a.Type), Value: a.Value}
	}
	return out
}

// mechanismOf is a mechanism as github.com/miekg/pkcs11 takes it, its
// parameter in the C layout.
func mechanismOf(m Mechanism) ([]*pkcs11.Mechanism, error) {
	var param any
	switch p := m.Param.(type) {
	case nil:
	case []byte:
		param = p
	case uint:
		param = object.EncodeULong(p)
	case mech.PSSParams:
		param = pkcs11.NewPSSParams(uint(p.Hash), uint(p.MGF), p.SaltLen)
	case mech.OAEPParams:
		param = pkcs11.NewOAEPParams(uint(p.Hash), uint(p.MGF), p.Source, p.Label)
	case mech.GCMParams:
		param = pkcs11.NewGCMParams(p.IV, p.AAD, int(p.TagBits))
	case mech.CTRParams:
		param = append(object.EncodeULong(p.CounterBits), p.Block[:]...)
	case mech.EdDSAParams:
		// CK_EDDSA_PARAMS holds a pointer, which miekg/pkcs11 cannot pass
		// in its parameter bytes: only its empty form, plain Ed25519,
		// goes through, as no parameter at all.
		if p.Prehash || len(p.Context) > 0 {
			return nil, fmt.Errorf("client: %v with prehash or a context cannot be passed to a module through miekg/pkcs11", m.Type)
		}
	default:
		return nil, fmt.Errorf("client: %v parameter of type %T", m.Type, m.Param)
	}
	return []*pkcs11.Mechanism{pkcs11.NewMechanism(uint(m.Type), param)}, nil
}

// rvError gives a module's error its ck.RV, so that callers test codes
// the same way whichever Provider they use.
func rvError(err error) error {
	var e pkcs11.Error
	if errors.As(err, &e) {
		return ck.RV(e)
	}
	return err
}
