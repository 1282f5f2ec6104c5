package token

import (
	"bytes"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// genMLKEM generates an ML-KEM-768 key pair whose private key may be
// read, so that its expanded key can be checked outside the token.
func genMLKEM(t *testing.T, m *Module, h ck.SessionHandle) (pub, priv ck.ObjectHandle) {
	t.Helper()
	pub, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_ML_KEM_KEY_PAIR_GEN},
		object.Template{object.ULong(ck.CKA_PARAMETER_SET, uint(ck.CKP_ML_KEM_768))},
		object.Template{object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true)})
	must(t, err)
	return pub, priv
}

// attr reads one attribute of object oh, failing the test if it cannot.
func attr(t *testing.T, m *Module, h ck.SessionHandle, oh ck.ObjectHandle, typ ck.AttributeType) []byte {
	t.Helper()
	v, err := m.GetAttributes(h, oh, typ)
	must(t, err)
	return v[0].Value
}

func secretTemplate(kt ck.KeyType, attrs ...object.Attribute) object.Template {
	return append(object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(kt)),
		object.Bool(ck.CKA_SENSITIVE, false)}, attrs...)
}

// TestEncapsulateKey runs C_EncapsulateKey and C_DecapsulateKey with
// CKM_ML_KEM: the length query and a short buffer create no key, and the
// two keys hold the secret circl decapsulates from the ciphertext with
// the private key's expanded key.
func TestEncapsulateKey(t *testing.T) {
	m := newModule(t, nil)
	h := userSession(t, m, readyToken(t, m, "kem"))
	pub, priv := genMLKEM(t, m, h)
	p, _ := object.MLKEMParameterSet(uint(ck.CKP_ML_KEM_768))
	circlPriv, err := p.Scheme.UnmarshalBinaryPrivateKey(attr(t, m, h, priv, ck.CKA_VALUE))
	must(t, err)
	mc := Mechanism{Type: ck.CKM_ML_KEM}
	objects := func() int { return len(find(t, m, h, nil)) }
	before := objects()

	tmpl := secretTemplate(ck.CKK_AES, object.ULong(ck.CKA_VALUE_LEN, 16))
	_, n, err := m.EncapsulateKey(h, mc, pub, tmpl, nil)
	if err != nil || n != p.Scheme.CiphertextSize() {
		t.Fatalf("length query = %d, %v; want %d", n, err, p.Scheme.CiphertextSize())
	}
	_, n, err = m.EncapsulateKey(h, mc, pub, tmpl, make([]byte, n-1))
	wantRV(t, "short buffer", err, ck.CKR_BUFFER_TOO_SMALL)
	if n != p.Scheme.CiphertextSize() || objects() != before {
		t.Fatalf("short buffer: length %d, %d new objects", n, objects()-before)
	}
	ct := make([]byte, n+10)
	sent, n, err := m.EncapsulateKey(h, mc, pub, tmpl, ct)
	must(t, err)
	ct = ct[:n]
	if objects() != before+1 {
		t.Fatalf("%d new objects, want 1", objects()-before)
	}
	secret, err := p.Scheme.Decapsulate(circlPriv, ct)
	must(t, err)
	if got := attr(t, m, h, sent, ck.CKA_VALUE); !bytes.Equal(got, secret[:16]) {
		t.Errorf("the encapsulated key is not the first 16 bytes of the secret circl decapsulates")
	}
	got, err := m.DecapsulateKey(h, mc, priv, tmpl, ct)
	must(t, err)
	if v := attr(t, m, h, got, ck.CKA_VALUE); !bytes.Equal(v, secret[:16]) {
		t.Errorf("the decapsulated key is not the encapsulated one")
	}

	// The attributes the spec sets on both functions' keys, also when
	// the template makes them sensitive and not extractable.
	hidden := object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)), object.ULong(ck.CKA_VALUE_LEN, 16),
		object.Bool(ck.CKA_SENSITIVE, true), object.Bool(ck.CKA_EXTRACTABLE, false)}
	hiddenSent, _, err := m.EncapsulateKey(h, mc, pub, hidden, make([]byte, len(ct)))
	must(t, err)
	for typ, want := range map[ck.AttributeType]bool{ck.CKA_ALWAYS_SENSITIVE: false, ck.CKA_NEVER_EXTRACTABLE: false, ck.CKA_SENSITIVE: true} {
		if v := attr(t, m, h, hiddenSent, typ); !bytes.Equal(v, object.EncodeBool(want)) {
			t.Errorf("a sensitive encapsulated key: %v = %x, want %v", typ, v, want)
		}
	}
	for _, k := range []ck.ObjectHandle{sent, got} {
		for typ, want := range map[ck.AttributeType]bool{ck.CKA_LOCAL: false, ck.CKA_ALWAYS_SENSITIVE: false,
			ck.CKA_NEVER_EXTRACTABLE: false, ck.CKA_EXTRACTABLE: true} {
			if v := attr(t, m, h, k, typ); !bytes.Equal(v, object.EncodeBool(want)) {
				t.Errorf("key %d: %v = %x, want %v", k, typ, v, want)
			}
		}
		if v, _ := object.DecodeULong(attr(t, m, h, k, ck.CKA_KEY_GEN_MECHANISM)); v != ck.CK_UNAVAILABLE_INFORMATION {
			t.Errorf("key %d: CKA_KEY_GEN_MECHANISM %#x", k, v)
		}
	}

	// The key's length: the template's, the key type's, or the secret's.
	for _, tt := range []struct {
		name string
		tmpl object.Template
		want int
	}{
		{"generic secret", secretTemplate(ck.CKK_GENERIC_SECRET), 32},
		{"AES, no length", secretTemplate(ck.CKK_AES), 32},
		{"DES3", secretTemplate(ck.CKK_DES3), 24},
		{"HMAC key of 20 bytes", secretTemplate(ck.CKK_SHA_1_HMAC, object.ULong(ck.CKA_VALUE_LEN, 20)), 20},
	} {
		k, err := m.DecapsulateKey(h, mc, priv, tt.tmpl, ct)
		must(t, err)
		if v := attr(t, m, h, k, ck.CKA_VALUE); !bytes.Equal(v, secret[:tt.want]) {
			t.Errorf("%s: %d bytes, want the secret's first %d", tt.name, len(v), tt.want)
		}
	}
}

// TestEncapsulateKeyErrors checks the keys, templates and ciphertexts the
// two functions refuse, and that none of them leaves an object behind.
func TestEncapsulateKeyErrors(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "kem")
	h := userSession(t, m, slot)
	pub, priv := genMLKEM(t, m, h)
	ecPub, ecPriv := genEC(t, m, h, "ec", false)
	noEncaps, err := m.CopyObject(h, pub, object.Template{object.Bool(ck.CKA_ENCAPSULATE, false)})
	must(t, err)
	noDecaps, err := m.CopyObject(h, priv, object.Template{object.Bool(ck.CKA_DECAPSULATE, false)})
	must(t, err)
	mc := Mechanism{Type: ck.CKM_ML_KEM}
	generic := secretTemplate(ck.CKK_GENERIC_SECRET)
	ct := make([]byte, 1088)
	_, _, err = m.EncapsulateKey(h, mc, pub, generic, ct)
	must(t, err)
	before := len(find(t, m, h, nil))

	encaps := []struct {
		name string
		mc   Mechanism
		key  ck.ObjectHandle
		tmpl object.Template
		want ck.RV
	}{
		{"key generation mechanism", Mechanism{Type: ck.CKM_ML_KEM_KEY_PAIR_GEN}, pub, generic, ck.CKR_MECHANISM_INVALID},
		{"signature mechanism", Mechanism{Type: ck.CKM_ECDSA}, pub, generic, ck.CKR_MECHANISM_INVALID},
		{"CKA_ENCAPSULATE false", mc, noEncaps, generic, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"the private key", mc, priv, generic, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"an EC key", mc, ecPub, generic, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"no such key", mc, 99999, generic, ck.CKR_KEY_HANDLE_INVALID},
		{"template gives CKA_VALUE", mc, pub, append(secretTemplate(ck.CKK_GENERIC_SECRET), object.Bytes(ck.CKA_VALUE, make([]byte, 32))), ck.CKR_TEMPLATE_INCONSISTENT},
		{"template of a data object", mc, pub, object.Template{class(ck.CKO_DATA)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"longer than the secret", mc, pub, secretTemplate(ck.CKK_GENERIC_SECRET, object.ULong(ck.CKA_VALUE_LEN, 33)), ck.CKR_TEMPLATE_INCONSISTENT},
		{"AES of 20 bytes", mc, pub, secretTemplate(ck.CKK_AES, object.ULong(ck.CKA_VALUE_LEN, 20)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"no key type", mc, pub, object.Template{class(ck.CKO_SECRET_KEY)}, ck.CKR_TEMPLATE_INCOMPLETE},
	}
	for _, tt := range encaps {
		_, _, err := m.EncapsulateKey(h, tt.mc, tt.key, tt.tmpl, make([]byte, 1088))
		wantRV(t, "EncapsulateKey: "+tt.name, err, tt.want)
	}
	decaps := []struct {
		name string
		key  ck.ObjectHandle
		tmpl object.Template
		ct   []byte
		want ck.RV
	}{
		{"CKA_DECAPSULATE false", noDecaps, generic, ct, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"the public key", pub, generic, ct, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"an EC key", ecPriv, generic, ct, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"no such key", 99999, generic, ct, ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID},
		{"short ciphertext", priv, generic, ct[:1087], ck.CKR_WRAPPED_KEY_LEN_RANGE},
		{"no ciphertext", priv, generic, nil, ck.CKR_WRAPPED_KEY_LEN_RANGE},
		{"template gives CKA_VALUE", priv, append(secretTemplate(ck.CKK_GENERIC_SECRET), object.Bytes(ck.CKA_VALUE, make([]byte, 32))), ct, ck.CKR_TEMPLATE_INCONSISTENT},
	}
	for _, tt := range decaps {
		_, err := m.DecapsulateKey(h, mc, tt.key, tt.tmpl, tt.ct)
		wantRV(t, "DecapsulateKey: "+tt.name, err, tt.want)
	}
	if n := len(find(t, m, h, nil)); n != before {
		t.Errorf("%d objects left behind", n-before)
	}

	ro := mustOpen(t, m, slot, false)
	_, _, err = m.EncapsulateKey(ro, mc, pub, append(secretTemplate(ck.CKK_GENERIC_SECRET), object.Bool(ck.CKA_TOKEN, true)), make([]byte, 1088))
	wantRV(t, "a token key in a read-only session", err, ck.CKR_SESSION_READ_ONLY)
}
