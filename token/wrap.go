package token

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// WrapKey encrypts the value of key with wrappingKey (C_WrapKey) into
// out and returns the wrapped length; a nil out asks for the length. A
// secret key is wrapped as its CKA_VALUE, a private key as its PKCS#8
// encoding. Only extractable keys leave the token, and keys with
// CKA_WRAP_WITH_TRUSTED only under a CKA_TRUSTED wrapping key.
func (m *Module) WrapKey(h ck.SessionHandle, mc Mechanism, wrappingKey, key ck.ObjectHandle, out []byte) (int, error) {
	s, _, err := m.tokenSession(h)
	if err != nil {
		return 0, err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_WRAP)
	if err != nil {
		return 0, err
	}
	wk, err := s.keyFor(wrappingKey, mm, ck.CKA_WRAP)
	if err != nil {
		return 0, renameKeyError(err, ck.CKR_WRAPPING_KEY_HANDLE_INVALID, ck.CKR_WRAPPING_KEY_TYPE_INCONSISTENT)
	}
	k, err := s.visibleObject(key, ck.CKR_KEY_HANDLE_INVALID)
	if err != nil {
		return 0, err
	}
	plain, err := wrappable(k, wk, mm.WrapBlock)
	if err != nil {
		return 0, err
	}
	defer clear(plain)
	c, err := mm.NewEncrypter(wk.Key(), mc.Param)
	if err != nil {
		return 0, err
	}
	// Wrapped even for a length query: a wrap is cheap, and the length is
	// then exact, and a key the mechanism cannot wrap is refused at once.
	wrapped, err := c.Final(nil, plain)
	if err != nil {
		if ck.ToRV(err) == ck.CKR_DATA_LEN_RANGE {
			return 0, ck.Errorf(ck.CKR_KEY_SIZE_RANGE, "%v cannot wrap a key of %d bytes", mm.Type, len(plain))
		}
		return 0, err
	}
	if out == nil {
		return len(wrapped), nil
	}
	if len(out) < len(wrapped) {
		return len(wrapped), ck.CKR_BUFFER_TOO_SMALL
	}
	return copy(out, wrapped), nil
}

// wrappable checks that k may be wrapped by wk and returns the bytes to
// wrap: a secret key's value, zero-padded to whole blocks of wrapBlock
// for the block modes without padding, or a private key's PKCS#8.
func wrappable(k, wk *object.Object, wrapBlock int) ([]byte, error) {
	if c := k.Class(); c != ck.CKO_SECRET_KEY && c != ck.CKO_PRIVATE_KEY {
		return nil, ck.Errorf(ck.CKR_KEY_NOT_WRAPPABLE, "a %v cannot be wrapped", c)
	}
	if !k.Bool(ck.CKA_EXTRACTABLE) {
		return nil, ck.Errorf(ck.CKR_KEY_UNEXTRACTABLE, "the key is not extractable")
	}
	if k.Bool(ck.CKA_WRAP_WITH_TRUSTED) && !wk.Bool(ck.CKA_TRUSTED) {
		return nil, ck.Errorf(ck.CKR_KEY_NOT_WRAPPABLE, "the key has CKA_WRAP_WITH_TRUSTED and the wrapping key is not trusted")
	}
	if v, ok := wk.Value(ck.CKA_WRAP_TEMPLATE); ok {
		tmpl, err := object.DecodeTemplate(v)
		if err != nil {
			return nil, ck.Wrap(ck.CKR_GENERAL_ERROR, err)
		}
		if q, ok := object.NewQuery(tmpl); !ok || !k.Matches(q) {
			return nil, ck.Errorf(ck.CKR_KEY_NOT_WRAPPABLE, "the key does not match the wrapping key's CKA_WRAP_TEMPLATE")
		}
	}
	if k.Class() == ck.CKO_SECRET_KEY {
		v, _ := k.Key().([]byte)
		padded := make([]byte, len(v)+padLen(len(v), wrapBlock))
		copy(padded, v)
		return padded, nil
	}
	if wrapBlock > 0 {
		// Zeros after a DER encoding would have to be parsed away on
		// unwrapping, which accepts nothing but exact PKCS#8.
		return nil, ck.Errorf(ck.CKR_KEY_NOT_WRAPPABLE, "a private key is wrapped with a mechanism that pads (CBC_PAD, KWP), not with ECB or CBC")
	}
	der, err := pki.MarshalPKCS8PrivateKey(k.Key())
	if err != nil {
		return nil, ck.Errorf(ck.CKR_KEY_NOT_WRAPPABLE, "PKCS#8: %v", err)
	}
	return der, nil
}

// padLen is how many zeros fill n bytes up to whole blocks of b (none
// when b is 0).
func padLen(n, b int) int {
	if b == 0 || n%b == 0 {
		return 0
	}
	return b - n%b
}

// UnwrapKey decrypts a wrapped key with unwrappingKey and creates a key
// object from it and tmpl (C_UnwrapKey): a secret key's value, or a
// private key's PKCS#8 encoding. The template is checked as
// C_CreateObject checks one, except that the key material comes from the
// wrapped key alone; the key gets CKA_LOCAL, CKA_ALWAYS_SENSITIVE and
// CKA_NEVER_EXTRACTABLE false, since its value has been outside the
// token.
func (m *Module) UnwrapKey(h ck.SessionHandle, mc Mechanism, unwrappingKey ck.ObjectHandle, wrapped []byte, tmpl object.Template) (ck.ObjectHandle, error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return 0, err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_UNWRAP)
	if err != nil {
		return 0, err
	}
	uk, err := s.keyFor(unwrappingKey, mm, ck.CKA_UNWRAP)
	if err != nil {
		return 0, renameKeyError(err, ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID, ck.CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT)
	}
	tmpl, err = withKeyTemplate(tmpl, uk, ck.CKA_UNWRAP_TEMPLATE)
	if err != nil {
		return 0, err
	}
	want, err := unwrapShape(tmpl, mm)
	if err != nil {
		return 0, err
	}
	c, err := mm.NewDecrypter(uk.Key(), mc.Param)
	if err != nil {
		return 0, err
	}
	plain, err := c.Final(nil, wrapped)
	if mm.PaddingOracle {
		plain, err = implicitRejection(plain, err, want.valueLen)
	}
	if err != nil {
		switch ck.ToRV(err) {
		case ck.CKR_ENCRYPTED_DATA_INVALID:
			return 0, ck.Errorf(ck.CKR_WRAPPED_KEY_INVALID, "%v", err)
		case ck.CKR_ENCRYPTED_DATA_LEN_RANGE:
			return 0, ck.Errorf(ck.CKR_WRAPPED_KEY_LEN_RANGE, "%v", err)
		}
		return 0, err
	}
	defer clear(plain)
	material, err := want.material(plain, mm.WrapBlock)
	if err != nil {
		return 0, err
	}
	obj, err := object.New(tmpl, material, object.Origin{Unwrapped: true, SO: t.isSO()})
	if err != nil {
		return 0, err
	}
	return t.addOne(s, obj)
}

// unwrapped is what C_UnwrapKey's template says the wrapped key is.
type unwrapped struct {
	class ck.ObjectClass
	// valueLen is a secret key's length, from CKA_VALUE_LEN or the key
	// type, or 0 when neither tells.
	valueLen int
}

// unwrapShape reads the class and length of the key to unwrap from its
// template, before anything is decrypted.
func unwrapShape(tmpl object.Template, mm *mech.Mechanism) (unwrapped, error) {
	class, ok := tmpl.ULong(ck.CKA_CLASS)
	if !ok {
		return unwrapped{}, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "the template needs CKA_CLASS")
	}
	u := unwrapped{class: ck.ObjectClass(class)}
	switch u.class {
	case ck.CKO_SECRET_KEY:
		if n, ok := tmpl.ULong(ck.CKA_VALUE_LEN); ok && n <= maxKeyLen {
			u.valueLen = int(n)
		} else if kt, ok := tmpl.ULong(ck.CKA_KEY_TYPE); ok {
			u.valueLen, _ = object.FixedKeyLen(ck.KeyType(kt))
		}
		if mm.PaddingOracle && u.valueLen == 0 {
			return u, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "unwrapping with %v needs the key's CKA_VALUE_LEN: a failed decryption must look like a key", mm.Type)
		}
	case ck.CKO_PRIVATE_KEY:
		if mm.PaddingOracle || mm.WrapBlock > 0 {
			return u, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v does not unwrap private keys", mm.Type)
		}
	default:
		return u, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "a %v cannot be unwrapped", u.class)
	}
	return u, nil
}

// maxKeyLen bounds a CKA_VALUE_LEN worth reading: no secret key is longer.
const maxKeyLen = 1 << 16

// material turns the plaintext of the wrapped key into the attributes it
// gives the new object. The block modes without padding fill a secret
// key's value with zeros to whole blocks of wrapBlock: those, and only
// those, are taken off again.
func (u unwrapped) material(plain []byte, wrapBlock int) (object.Template, error) {
	if u.class == ck.CKO_PRIVATE_KEY {
		key, err := pki.ParsePKCS8PrivateKey(plain)
		if err != nil {
			return nil, ck.Errorf(ck.CKR_WRAPPED_KEY_INVALID, "the wrapped key is not a PKCS#8 private key: %v", err)
		}
		material, err := pki.PrivateKeyTemplate(key)
		if err != nil {
			return nil, ck.Errorf(ck.CKR_WRAPPED_KEY_INVALID, "%v", err)
		}
		return material, nil
	}
	if n := u.valueLen; n != 0 && n != len(plain) {
		if n > len(plain) || padLen(n, wrapBlock) != len(plain)-n || bytes.Count(plain[n:], []byte{0}) != len(plain)-n {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "the template's key length %d does not fit the %d bytes unwrapped", n, len(plain))
		}
		plain = plain[:n]
	}
	return object.Template{object.Bytes(ck.CKA_VALUE, bytes.Clone(plain))}, nil
}

// implicitRejection hides whether a padding-oracle decryption of a
// secret key of n bytes failed: a failure, or a plaintext of another
// length, becomes n random bytes, selected in constant time, so that the
// unwrapped key is of no use but the call succeeds all the same
// (RFC 5246 section 7.4.7.1 does this for TLS's premaster secret).
func implicitRejection(plain []byte, err error, n int) ([]byte, error) {
	key := make([]byte, n)
	rand.Read(key)
	ok := 0
	if err == nil && len(plain) == n {
		ok = 1
	}
	if len(plain) >= n {
		subtle.ConstantTimeCopy(ok, key, plain[:n])
	}
	clear(plain)
	return key, nil
}

// renameKeyError gives keyFor's errors about the key the codes C_WrapKey
// and C_UnwrapKey use for their wrapping key.
func renameKeyError(err error, handleInvalid, typeInconsistent ck.RV) error {
	switch ck.ToRV(err) {
	case ck.CKR_KEY_HANDLE_INVALID:
		return ck.Errorf(handleInvalid, "%v", err)
	case ck.CKR_KEY_TYPE_INCONSISTENT:
		return ck.Errorf(typeInconsistent, "%v", err)
	}
	return err
}

// visibleObject returns object h if the session's application can see
// it, or the error code notFound.
func (s *Session) visibleObject(h ck.ObjectHandle, notFound ck.RV) (*object.Object, error) {
	t := s.token
	t.mu.RLock()
	e, err := t.objectLocked(h)
	t.mu.RUnlock()
	if err != nil {
		return nil, ck.Errorf(notFound, "object %d", h)
	}
	return e.obj, nil
}
