package mech

import (
	"bytes"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// secretObject makes a secret key object of type kt with value v.
func secretObject(t *testing.T, kt ck.KeyType, v []byte, extra ...object.Attribute) *object.Object {
	t.Helper()
	tmpl := object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_SECRET_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(kt)), object.Bytes(ck.CKA_VALUE, v)}
	o, err := object.New(append(tmpl, extra...), nil, object.Origin{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestHKDFVectors runs RFC 5869's test cases 1 (SHA-256), 3 (SHA-256,
// no salt, no info) and 4 (SHA-1) through each step: extract and expand
// give the OKM, extract alone the PRK, and expand alone the OKM from
// the PRK.
func TestHKDFVectors(t *testing.T) {
	for _, c := range []struct {
		name                      string
		prf                       ck.MechanismType
		ikm, salt, info, prk, okm string
	}{
		{"A.1", ck.CKM_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
			"077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
			"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"},
		{"A.3", ck.CKM_SHA256, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
			"19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
			"8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"},
		{"A.4", ck.CKM_SHA_1, "0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
			"9b6c18c432a7bf8f0e71c8eb88f4b30baa2ba243",
			"085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896"},
	} {
		m, _ := Lookup(ck.CKM_HKDF_DERIVE)
		base := secretObject(t, ck.CKK_GENERIC_SECRET, unhex(t, c.ikm))
		saltType := uint(ck.CKF_HKDF_SALT_DATA)
		if c.salt == "" {
			saltType = ck.CKF_HKDF_SALT_NULL
		}
		p := HKDFParams{Extract: true, Expand: true, PRF: c.prf, SaltType: saltType, Salt: unhex(t, c.salt), Info: unhex(t, c.info)}
		okm, prk := unhex(t, c.okm), unhex(t, c.prk)
		if got, err := m.Derive(base, p, len(okm), nil); err != nil || !bytes.Equal(got, okm) {
			t.Errorf("%s extract and expand: %x, %v", c.name, got, err)
		}
		p.Expand = false
		if got, err := m.Derive(base, p, 0, nil); err != nil || !bytes.Equal(got, prk) {
			t.Errorf("%s extract: %x, %v", c.name, got, err)
		}
		p.Extract, p.Expand = false, true
		if got, err := m.Derive(secretObject(t, ck.CKK_HKDF, prk), p, len(okm), nil); err != nil || !bytes.Equal(got, okm) {
			t.Errorf("%s expand: %x, %v", c.name, got, err)
		}
	}
}

// TestHKDFSaltKeyAndDataBase takes the salt from a key, and the input
// from a data object, which the specification allows with a salt only,
// and of the hash's length.
func TestHKDFSaltKeyAndDataBase(t *testing.T) {
	m, _ := Lookup(ck.CKM_HKDF_DATA)
	ikm, salt := unhex(t, "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b"), unhex(t, "000102030405060708090a0b0c")
	want := unhex(t, "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
	saltKey := secretObject(t, ck.CKK_GENERIC_SECRET, salt, object.Bool(ck.CKA_DERIVE, true))
	aes := secretObject(t, ck.CKK_AES, make([]byte, 16), object.Bool(ck.CKA_DERIVE, true))
	objects := func(h ck.ObjectHandle) (*object.Object, error) {
		switch h {
		case 1:
			return saltKey, nil
		case 3:
			return aes, nil
		}
		return nil, ck.CKR_MECHANISM_PARAM_INVALID
	}
	info := unhex(t, "f0f1f2f3f4f5f6f7f8f9")
	p := HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: 1, Info: info}
	if got, err := m.Derive(secretObject(t, ck.CKK_HKDF, ikm), p, len(want), objects); err != nil || !bytes.Equal(got, want) {
		t.Errorf("salt key: %x, %v", got, err)
	}
	dataObject := func(v []byte) *object.Object {
		o, err := object.New(object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_DATA)), object.Bytes(ck.CKA_VALUE, v)}, nil, object.Origin{})
		if err != nil {
			t.Fatal(err)
		}
		return o
	}
	ikm32 := bytes.Repeat([]byte{0x0b}, 32)
	data := dataObject(ikm32)
	fromKey, err := m.Derive(secretObject(t, ck.CKK_HKDF, ikm32), p, 42, objects)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Derive(data, p, 42, objects); err != nil || !bytes.Equal(got, fromKey) {
		t.Errorf("data object base: %x, %v; the same value as a key gives %x", got, err, fromKey)
	}
	key := secretObject(t, ck.CKK_HKDF, ikm32)
	for _, c := range []struct {
		name string
		base *object.Object
		p    Param
		n    int
		want ck.RV
	}{
		{"data base without salt", data, HKDFParams{Extract: true, Expand: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL}, 32, ck.CKR_MECHANISM_PARAM_INVALID},
		{"data base, expand only", data, HKDFParams{Expand: true, PRF: ck.CKM_SHA256}, 32, ck.CKR_MECHANISM_PARAM_INVALID},
		{"data base shorter than the hash", dataObject(ikm), p, 42, ck.CKR_KEY_SIZE_RANGE},
		{"expand only from a key shorter than the hash", secretObject(t, ck.CKK_HKDF, ikm32[:31]), HKDFParams{Expand: true, PRF: ck.CKM_SHA256}, 32, ck.CKR_KEY_SIZE_RANGE},
		{"AES salt key", key, HKDFParams{Extract: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: 3}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"unknown salt key", key, HKDFParams{Extract: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_KEY, SaltKey: 9}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"empty salt data", key, HKDFParams{Extract: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_DATA}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"bad salt type", key, HKDFParams{Extract: true, PRF: ck.CKM_SHA256, SaltType: 8}, 0, ck.CKR_MECHANISM_PARAM_INVALID},
		{"neither step", key, HKDFParams{PRF: ck.CKM_SHA256}, 32, ck.CKR_MECHANISM_PARAM_INVALID},
		{"not a hash", key, HKDFParams{Expand: true, PRF: ck.CKM_AES_ECB}, 32, ck.CKR_MECHANISM_PARAM_INVALID},
		{"expand without a length", key, HKDFParams{Expand: true, PRF: ck.CKM_SHA256}, 0, ck.CKR_TEMPLATE_INCOMPLETE},
		{"extract to another length", key, HKDFParams{Extract: true, PRF: ck.CKM_SHA256, SaltType: ck.CKF_HKDF_SALT_NULL}, 16, ck.CKR_TEMPLATE_INCONSISTENT},
		{"expand too long", key, HKDFParams{Expand: true, PRF: ck.CKM_SHA256}, 255*32 + 1, ck.CKR_TEMPLATE_INCONSISTENT},
		{"not HKDF params", key, ECDH1Params{}, 32, ck.CKR_MECHANISM_PARAM_INVALID},
	} {
		if _, err := m.Derive(c.base, c.p, c.n, objects); ck.ToRV(err) != c.want {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}
