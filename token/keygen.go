package token

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// GenerateKeyPair generates a key pair (C_GenerateKeyPair) and stores
// both halves, or neither.
func (m *Module) GenerateKeyPair(h ck.SessionHandle, mc Mechanism, pubTmpl, privTmpl object.Template) (pub, priv ck.ObjectHandle, err error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return 0, 0, err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_GENERATE_KEY_PAIR)
	if err != nil {
		return 0, 0, err
	}
	// Reject what the templates get wrong before spending time on the key.
	for _, tmpl := range []object.Template{pubTmpl, privTmpl} {
		if kt, ok := tmpl.ULong(ck.CKA_KEY_TYPE); ok && !mm.Accepts(ck.KeyType(kt)) {
			return 0, 0, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v makes %v keys, not %v", mm.Type, mm.KeyTypes[0], ck.KeyType(kt))
		}
	}
	pubMat, privMat, err := mm.GenerateKeyPair(mc.Param, pubTmpl, privTmpl)
	if err != nil {
		return 0, 0, err
	}
	origin := object.Origin{Generated: true, Mechanism: mm.Type, SO: t.isSO()}
	pubObj, err := object.New(pubTmpl, pubMat, origin)
	if err != nil {
		return 0, 0, err
	}
	privObj, err := object.New(privTmpl, privMat, origin)
	if err != nil {
		return 0, 0, err
	}
	handles, err := t.add(s, pubObj, privObj)
	if err != nil {
		return 0, 0, err
	}
	return handles[0], handles[1], nil
}

// GenerateKey generates a secret key (C_GenerateKey).
func (m *Module) GenerateKey(h ck.SessionHandle, mc Mechanism, tmpl object.Template) (ck.ObjectHandle, error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return 0, err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_GENERATE)
	if err != nil {
		return 0, err
	}
	material, err := mm.GenerateKey(mc.Param, tmpl)
	if err != nil {
		return 0, err
	}
	obj, err := object.New(tmpl, material, object.Origin{Generated: true, Mechanism: mm.Type, SO: t.isSO()})
	if err != nil {
		return 0, err
	}
	return t.addOne(s, obj)
}
