package token

import (
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// DeriveKey makes a secret key, or for CKM_HKDF_DATA a data object,
// from baseKey and the mechanism's parameter (C_DeriveKey). The value's
// length is the template's CKA_VALUE_LEN, or the key type's, or else
// what the mechanism gives. The new key gets CKA_LOCAL false and, from
// its base, CKA_ALWAYS_SENSITIVE and CKA_NEVER_EXTRACTABLE (see
// object.Origin.Base).
func (m *Module) DeriveKey(h ck.SessionHandle, mc Mechanism, baseKey ck.ObjectHandle, tmpl object.Template) (ck.ObjectHandle, error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return 0, err
	}
	mm, err := m.mechanism(mc.Type, ck.CKF_DERIVE)
	if err != nil {
		return 0, err
	}
	base, err := s.deriveBase(baseKey, mm)
	if err != nil {
		return 0, err
	}
	tmpl, err = withKeyTemplate(tmpl, base, ck.CKA_DERIVE_TEMPLATE)
	if err != nil {
		return 0, err
	}
	class, n, err := deriveShape(tmpl, mm)
	if err != nil {
		return 0, err
	}
	value, err := mm.Derive(base, mc.Param, n, s.paramKey(mm))
	if err != nil {
		return 0, err
	}
	material := object.Template{object.ULong(ck.CKA_CLASS, uint(class)), object.Bytes(ck.CKA_VALUE, value)}
	if class == ck.CKO_DATA {
		// CKA_VALUE_LEN said how long the data is; a data object has no
		// such attribute. The value is as secret as a key's, so the
		// object is private unless the template says otherwise.
		tmpl = slices.DeleteFunc(slices.Clone(tmpl), func(a object.Attribute) bool { return a.Type == ck.CKA_VALUE_LEN })
		if _, ok := tmpl.Find(ck.CKA_PRIVATE); !ok {
			tmpl = append(tmpl, object.Bool(ck.CKA_PRIVATE, true))
		}
	} else if _, ok := tmpl.ULong(ck.CKA_KEY_TYPE); !ok {
		material = append(material, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET)))
	}
	obj, err := object.New(tmpl, material, object.Origin{Base: base, SO: t.isSO()})
	if err != nil {
		clear(value)
		return 0, err
	}
	return t.addOne(s, obj)
}

// deriveBase returns the base object of a derivation: a key that allows
// it (CKA_DERIVE), or a data object for the mechanisms that take one.
func (s *Session) deriveBase(h ck.ObjectHandle, mm *mech.Mechanism) (*object.Object, error) {
	if mm.DataBase {
		obj, err := s.visibleObject(h, ck.CKR_KEY_HANDLE_INVALID)
		if err != nil {
			return nil, err
		}
		if obj.Class() == ck.CKO_DATA {
			return obj, nil
		}
	}
	return s.keyFor(h, mm, ck.CKA_DERIVE)
}

// paramKey is how a derivation's parameter reaches the keys it names
// (HKDF's salt key): a key the session sees, which allows derivation and
// the mechanism.
func (s *Session) paramKey(mm *mech.Mechanism) mech.Objects {
	return func(h ck.ObjectHandle) (*object.Object, error) {
		k, err := s.visibleObject(h, ck.CKR_MECHANISM_PARAM_INVALID)
		if err != nil {
			return nil, err
		}
		if !k.Bool(ck.CKA_DERIVE) {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "key %d in the parameter does not have CKA_DERIVE", h)
		}
		if allowed, _ := k.Value(ck.CKA_ALLOWED_MECHANISMS); len(allowed) > 0 && !mechanismAllowed(allowed, mm.Type) {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "key %d in the parameter does not allow %v", h, mm.Type)
		}
		return k, nil
	}
}

// deriveShape reads the class of the object to derive and its length in
// bytes (0: the mechanism's own length) from the template.
func deriveShape(tmpl object.Template, mm *mech.Mechanism) (ck.ObjectClass, int, error) {
	class := ck.CKO_SECRET_KEY
	if mm.DerivesData {
		class = ck.CKO_DATA
	}
	if c, ok := tmpl.ULong(ck.CKA_CLASS); ok && ck.ObjectClass(c) != class {
		return 0, 0, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v makes a %v, not a %v", mm.Type, class, ck.ObjectClass(c))
	}
	if n, ok := tmpl.ULong(ck.CKA_VALUE_LEN); ok {
		if n == 0 || n > maxKeyLen {
			return 0, 0, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE_LEN %d", n)
		}
		return class, int(n), nil
	}
	if kt, ok := tmpl.ULong(ck.CKA_KEY_TYPE); ok {
		n, _ := object.FixedKeyLen(ck.KeyType(kt))
		return class, n, nil
	}
	return class, 0, nil
}
