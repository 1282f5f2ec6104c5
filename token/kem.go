package token

import (
	"bytes"
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// EncapsulateKey makes a shared secret for a public key with the
// mechanism's KEM and keeps it as a new secret key object made from tmpl
// (PKCS#11 3.2's C_EncapsulateKey). The ciphertext that carries the
// secret to the private key's holder goes into out, and its length is
// returned. A nil out asks for the length only, and a short one gets
// CKR_BUFFER_TOO_SMALL: neither creates a key, since the application
// could not decapsulate one without its ciphertext.
func (m *Module) EncapsulateKey(h ck.SessionHandle, mc Mechanism, pubKey ck.ObjectHandle, tmpl object.Template, out []byte) (ck.ObjectHandle, int, error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return 0, 0, err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_ENCAPSULATE)
	if err != nil {
		return 0, 0, err
	}
	key, err := s.keyFor(pubKey, mm, ck.CKA_ENCAPSULATE)
	if err != nil {
		return 0, 0, err
	}
	ct, secret, err := mm.Encapsulate(key.Key(), mc.Param)
	if err != nil {
		return 0, 0, err
	}
	defer clear(secret)
	// Even a length query builds the key object, so that a template it
	// cannot take is refused before the application makes its buffer.
	obj, err := encapsulatedKey(tmpl, secret, t.isSO())
	if err != nil {
		return 0, 0, err
	}
	if out == nil {
		return 0, len(ct), nil
	}
	if len(out) < len(ct) {
		return 0, len(ct), ck.CKR_BUFFER_TOO_SMALL
	}
	k, err := t.addOne(s, obj)
	if err != nil {
		return 0, 0, err
	}
	return k, copy(out, ct), nil
}

// DecapsulateKey recovers the shared secret of a ciphertext with a
// private key and the mechanism's KEM and keeps it as a new secret key
// object made from tmpl (PKCS#11 3.2's C_DecapsulateKey). Errors about
// the private key take the codes the spec lists for the function, those
// of C_UnwrapKey's unwrapping key.
func (m *Module) DecapsulateKey(h ck.SessionHandle, mc Mechanism, privKey ck.ObjectHandle, tmpl object.Template, ct []byte) (ck.ObjectHandle, error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return 0, err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_DECAPSULATE)
	if err != nil {
		return 0, err
	}
	key, err := s.keyFor(privKey, mm, ck.CKA_DECAPSULATE)
	if err != nil {
		return 0, renameKeyError(err, ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID, ck.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT)
	}
	secret, err := mm.Decapsulate(key.Key(), mc.Param, ct)
	if err != nil {
		return 0, err
	}
	defer clear(secret)
	obj, err := encapsulatedKey(tmpl, secret, t.isSO())
	if err != nil {
		return 0, err
	}
	return t.addOne(s, obj)
}

// encapsulatedKey builds the secret key object of a shared secret from
// the application's template: its value is the secret's first
// CKA_VALUE_LEN bytes, as key derivations take theirs, or the key type's
// own length (DES), or else the whole secret. As the spec has it for key
// encapsulation, CKA_EXTRACTABLE defaults to CK_TRUE, and CKA_LOCAL,
// CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE are CK_FALSE.
func encapsulatedKey(tmpl object.Template, secret []byte, so bool) (*object.Object, error) {
	n := len(secret)
	if v, ok := tmpl.ULong(ck.CKA_VALUE_LEN); ok {
		if v == 0 || v > uint(len(secret)) {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN %d: the shared secret has %d bytes", v, len(secret))
		}
		n = int(v)
	} else if kt, ok := tmpl.ULong(ck.CKA_KEY_TYPE); ok {
		if fixed, ok := object.FixedKeyLen(ck.KeyType(kt)); ok {
			if fixed > len(secret) {
				return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "a %v key is %d bytes: the shared secret has %d", ck.KeyType(kt), fixed, len(secret))
			}
			n = fixed
		}
	}
	if _, ok := tmpl.Find(ck.CKA_EXTRACTABLE); !ok {
		tmpl = append(slices.Clone(tmpl), object.Bool(ck.CKA_EXTRACTABLE, true))
	}
	material := object.Template{
		object.ULong(ck.CKA_CLASS, uint(ck.CKO_SECRET_KEY)),
		object.Bytes(ck.CKA_VALUE, bytes.Clone(secret[:n])),
	}
	return object.New(tmpl, material, object.Origin{Encapsulated: true, SO: so})
}
