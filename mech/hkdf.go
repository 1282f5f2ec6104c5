package mech

import (
	"crypto"
	"crypto/hkdf"
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// HKDF (RFC 5869, PKCS#11 3.0 section 2.43): CKM_HKDF_DERIVE makes a
// secret key and CKM_HKDF_DATA a data object from a generic secret or
// HKDF key, through HKDF's extract step, its expand step, or both;
// CKM_HKDF_KEY_GEN makes HKDF keys.
func init() {
	register(&Mechanism{
		Type:     ck.CKM_HKDF_KEY_GEN,
		Packages: "crypto/rand",
		Info:     Info{8 * minGenericSecret, 8 * maxGenericSecret, ck.CKF_GENERATE},
		KeyTypes: []ck.KeyType{ck.CKK_HKDF},
		GenerateKey: secretKeyGenerator(ck.CKK_HKDF, func(n uint) bool {
			return n >= minGenericSecret && n <= maxGenericSecret
		}),
	})
	for _, t := range []ck.MechanismType{ck.CKM_HKDF_DERIVE, ck.CKM_HKDF_DATA} {
		register(&Mechanism{
			Type:        t,
			Packages:    "crypto/hkdf",
			Info:        Info{Flags: ck.CKF_DERIVE},
			KeyTypes:    hkdfKeyTypes,
			Param:       HKDFParam,
			DataBase:    true,
			DerivesData: t == ck.CKM_HKDF_DATA,
			Derive: func(base *object.Object, p Param, n int, objects Objects) ([]byte, error) {
				return deriveHKDF(t, base, p, n, objects)
			},
		})
	}
}

// hkdfKeyTypes are the keys HKDF takes as its input, and as its salt.
var hkdfKeyTypes = []ck.KeyType{ck.CKK_GENERIC_SECRET, ck.CKK_HKDF}

// deriveHKDF runs the HKDF steps the parameter selects on the value of
// base and returns n bytes (the expand step) or the pseudorandom key
// (the extract step alone).
func deriveHKDF(t ck.MechanismType, base *object.Object, p Param, n int, objects Objects) ([]byte, error) {
	params, err := paramAs[HKDFParams](t, p)
	if err != nil {
		return nil, err
	}
	h, ok := digestHash(params.PRF)
	switch {
	case !ok:
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: prfHashMechanism %v is not a hash HKDF runs on", t, params.PRF)
	case !params.Extract && !params.Expand:
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: neither bExtract nor bExpand is set", t)
	case params.Expand && n == 0:
		return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "%v: the expand step needs CKA_VALUE_LEN", t)
	case !params.Expand && n != 0 && n != h.Size():
		return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v: the extract step alone gives %d bytes, not %d", t, h.Size(), n)
	case params.Expand && n > 255*h.Size():
		return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v: HKDF over %v expands to at most %d bytes", t, h, 255*h.Size())
	}
	var salt []byte
	if params.Extract {
		if salt, err = hkdfSalt(t, params, objects); err != nil {
			return nil, err
		}
	}
	secret, err := hkdfInput(t, base, h, params.Extract, salt != nil)
	if err != nil {
		return nil, err
	}
	prk := secret
	if params.Extract {
		if prk, err = hkdf.Extract(h.New, secret, salt); err != nil {
			return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
		}
		if !params.Expand {
			return prk, nil
		}
		defer clear(prk)
	}
	out, err := hkdf.Expand(h.New, prk, string(params.Info), n)
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return out, nil
}

// hkdfInput is the input keying material of hash h's HKDF: a key's
// value, or a data object's. The specification takes a data object only
// for an extract step with a salt (a data object is no secret the token
// guards), and of the hash's length. The expand step alone needs a
// pseudorandom key of at least the hash's length (RFC 5869 section 2.3);
// an extract step takes a key of any length, so that the secret of an
// ECDH on one curve can feed HKDF over any hash.
func hkdfInput(t ck.MechanismType, base *object.Object, h crypto.Hash, extract, salted bool) ([]byte, error) {
	var v []byte
	if base.Class() == ck.CKO_DATA {
		if !extract || !salted {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v from a data object needs the extract step with a salt", t)
		}
		if v, _ = base.Value(ck.CKA_VALUE); len(v) != h.Size() {
			return nil, ck.Errorf(ck.CKR_KEY_SIZE_RANGE, "%v: a data object of %d bytes, not the %d of %v", t, len(v), h.Size(), h)
		}
		return v, nil
	}
	v, ok := base.Key().([]byte)
	switch {
	case !ok:
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v needs a secret key", t)
	case !extract && len(v) < h.Size():
		return nil, ck.Errorf(ck.CKR_KEY_SIZE_RANGE, "%v: the expand step alone needs a key of at least %d bytes for %v, not %d", t, h.Size(), h, len(v))
	}
	return v, nil
}

// hkdfSalt is the extract step's salt: nil for none (HKDF then uses a
// hash length of zeros), the parameter's bytes, or a key's value.
func hkdfSalt(t ck.MechanismType, params HKDFParams, objects Objects) ([]byte, error) {
	switch params.SaltType {
	case ck.CKF_HKDF_SALT_NULL:
		return nil, nil
	case ck.CKF_HKDF_SALT_DATA:
		if len(params.Salt) == 0 {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: CKF_HKDF_SALT_DATA with no salt", t)
		}
		return params.Salt, nil
	case ck.CKF_HKDF_SALT_KEY:
		k, err := objects(params.SaltKey)
		if err != nil {
			return nil, err
		}
		v, ok := k.Key().([]byte)
		if k.Class() != ck.CKO_SECRET_KEY || !ok || !slices.Contains(hkdfKeyTypes, k.KeyType()) {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: hSaltKey is not a generic secret or HKDF key", t)
		}
		return v, nil
	}
	return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: ulSaltType %#x is not a CKF_HKDF_SALT_* value", t, params.SaltType)
}
