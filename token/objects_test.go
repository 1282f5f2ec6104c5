package token

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"slices"
	"testing"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

func selfSigned(t *testing.T, key *ecdsa.PrivateKey, cn string) []byte {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestCreateObjectRules(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "objects")
	ro := mustOpen(t, m, slot, false)
	rw := mustOpen(t, m, slot, true)
	key := newECKey(t)
	cert := object.Template{class(ck.CKO_CERTIFICATE), object.ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_X_509)),
		object.Bytes(ck.CKA_VALUE, selfSigned(t, key, "Device Cert")), object.String(ck.CKA_LABEL, "Device Cert"), object.Bool(ck.CKA_TOKEN, true)}
	data := object.Template{class(ck.CKO_DATA), object.String(ck.CKA_LABEL, "note"), object.Bytes(ck.CKA_VALUE, []byte("hello"))}

	tests := []struct {
		name string
		h    ck.SessionHandle
		tmpl object.Template
		want ck.RV
	}{
		{"session data object in a read-only session", ro, data, ck.CKR_OK},
		{"token certificate in a read-only session", ro, cert, ck.CKR_SESSION_READ_ONLY},
		// The token authenticates its stored objects under the token key.
		{"token certificate before login", rw, cert, ck.CKR_TEMPLATE_INCONSISTENT},
		{"private key before login", rw, ecImportTemplate(key, "k"), ck.CKR_USER_NOT_LOGGED_IN},
		{"incomplete", rw, object.Template{class(ck.CKO_PRIVATE_KEY)}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"bad value", rw, object.Template{class(ck.CKO_DATA), object.Bytes(ck.CKA_TOKEN, []byte{1, 2})}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	}
	for _, tt := range tests {
		_, err := m.CreateObject(tt.h, tt.tmpl)
		wantRV(t, tt.name, err, tt.want)
	}
	_, err := m.CreateObject(999, data)
	wantRV(t, "CreateObject on a bad session", err, ck.CKR_SESSION_HANDLE_INVALID)

	must(t, m.Login(rw, ck.CKU_USER, []byte(userPIN)))
	_, err = m.CreateObject(rw, cert)
	must(t, err)
	priv, err := m.CreateObject(rw, ecImportTemplate(key, "Device Priv TLS Key"))
	must(t, err)
	got, err := m.GetAttributes(rw, priv, ck.CKA_LOCAL, ck.CKA_PRIVATE, ck.CKA_SENSITIVE, ck.CKA_KEY_GEN_MECHANISM)
	must(t, err)
	if !bytes.Equal(got[0].Value, []byte{0}) || !bytes.Equal(got[1].Value, []byte{1}) || !bytes.Equal(got[2].Value, []byte{1}) {
		t.Errorf("imported key attributes %v", got)
	}
	if v, _ := object.DecodeULong(got[3].Value); v != ck.CK_UNAVAILABLE_INFORMATION {
		t.Errorf("CKA_KEY_GEN_MECHANISM of an imported key = %#x", v)
	}
	size, err := m.GetObjectSize(rw, priv)
	if err != nil || size == 0 {
		t.Errorf("GetObjectSize = %d, %v", size, err)
	}
}

func TestGetAttributeValue(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "attrs")
	h := userSession(t, m, slot)
	_, priv := genEC(t, m, h, "key", true)
	label := make([]byte, 3)
	q := []AttributeQuery{
		{Type: ck.CKA_LABEL, Value: label},              // fits
		{Type: ck.CKA_VALUE, Value: make([]byte, 64)},   // sensitive
		{Type: ck.CKA_MODULUS, Value: make([]byte, 64)}, // not an EC attribute
		{Type: ck.CKA_EC_PARAMS},                        // length query
		{Type: ck.CKA_SIGN, Value: []byte{}},            // too small
		{Type: ck.CKA_CLASS, Value: make([]byte, object.ULongSize)},
	}
	err := m.GetAttributeValue(h, priv, q)
	wantRV(t, "GetAttributeValue", err, ck.CKR_ATTRIBUTE_SENSITIVE)
	want := []uint{3, ck.CK_UNAVAILABLE_INFORMATION, ck.CK_UNAVAILABLE_INFORMATION, uint(len(object.Curves[0].Params)), ck.CK_UNAVAILABLE_INFORMATION, uint(object.ULongSize)}
	for i := range q {
		if q[i].Len != want[i] {
			t.Errorf("%v: Len %d, want %d", q[i].Type, q[i].Len, want[i])
		}
	}
	if string(label) != "key" {
		t.Errorf("label %q", label)
	}
	if c, _ := object.DecodeULong(q[5].Value); c != uint(ck.CKO_PRIVATE_KEY) {
		t.Errorf("CKA_CLASS = %d after the failures before it", c)
	}
	wantRV(t, "type invalid alone", m.GetAttributeValue(h, priv, []AttributeQuery{{Type: ck.CKA_MODULUS}}), ck.CKR_ATTRIBUTE_TYPE_INVALID)
	wantRV(t, "too small alone", m.GetAttributeValue(h, priv, []AttributeQuery{{Type: ck.CKA_LABEL, Value: []byte{}}}), ck.CKR_BUFFER_TOO_SMALL)
	wantRV(t, "bad object", m.GetAttributeValue(h, 4242, []AttributeQuery{{Type: ck.CKA_LABEL}}), ck.CKR_OBJECT_HANDLE_INVALID)
}

func TestPrivateObjectVisibility(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "visibility")
	h := userSession(t, m, slot)
	pub, priv := genEC(t, m, h, "pair", true)
	secretData, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_PRIVATE, true), object.Bool(ck.CKA_TOKEN, false), object.String(ck.CKA_LABEL, "pair")})
	must(t, err)
	if got := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "pair")}); len(got) != 3 {
		t.Fatalf("logged in: %d objects, want 3", len(got))
	}
	must(t, m.Logout(h))
	if got := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "pair")}); !slices.Equal(got, []ck.ObjectHandle{pub}) {
		t.Errorf("logged out: found %v, want only the public key %d", got, pub)
	}
	_, err = m.GetAttributes(h, priv, ck.CKA_LABEL)
	wantRV(t, "private key attributes after logout", err, ck.CKR_OBJECT_HANDLE_INVALID)
	wantRV(t, "SignInit after logout", m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv), ck.CKR_KEY_HANDLE_INVALID)

	// After logging in again the key is back, under a new handle; the
	// private session object was destroyed by the logout.
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	got := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "pair")})
	if len(got) != 2 || slices.Contains(got, priv) || slices.Contains(got, secretData) {
		t.Errorf("after re-login: %v (old private %d, session object %d)", got, priv, secretData)
	}
}

func TestFind(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "find")
	h := userSession(t, m, slot)
	var made []ck.ObjectHandle
	for i := range 5 {
		id := []byte{byte(i % 2)}
		o, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_TOKEN, i%2 == 0),
			object.String(ck.CKA_LABEL, "data"), object.Bytes(ck.CKA_OBJECT_ID, id)})
		must(t, err)
		made = append(made, o)
	}
	pub, priv := genEC(t, m, h, "key", false)
	tests := []struct {
		name string
		tmpl object.Template
		want []ck.ObjectHandle
	}{
		{"all", nil, append(slices.Clone(made), pub, priv)},
		{"by label", object.Template{object.String(ck.CKA_LABEL, "data")}, made},
		{"token objects", object.Template{object.String(ck.CKA_LABEL, "data"), object.Bool(ck.CKA_TOKEN, true)}, []ck.ObjectHandle{made[0], made[2], made[4]}},
		{"by class", object.Template{class(ck.CKO_PRIVATE_KEY)}, []ck.ObjectHandle{priv}},
		{"class and key type", object.Template{class(ck.CKO_PUBLIC_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC))}, []ck.ObjectHandle{pub}},
		{"no match", object.Template{object.String(ck.CKA_LABEL, "nothing")}, nil},
		{"unknown attribute", object.Template{{Type: ck.AttributeType(0x7fff0), Value: []byte{1}}}, nil},
	}
	for _, tt := range tests {
		if got := find(t, m, h, tt.tmpl); !slices.Equal(got, tt.want) {
			t.Errorf("%s: found %v, want %v", tt.name, got, tt.want)
		}
	}
	must(t, m.FindObjectsInit(h, nil))
	wantRV(t, "second FindObjectsInit", m.FindObjectsInit(h, nil), ck.CKR_OPERATION_ACTIVE)
	must(t, m.FindObjectsFinal(h))
	wantRV(t, "FindObjectsFinal twice", m.FindObjectsFinal(h), ck.CKR_OPERATION_NOT_INITIALIZED)
	_, err := m.FindObjects(h, 10)
	wantRV(t, "FindObjects without init", err, ck.CKR_OPERATION_NOT_INITIALIZED)
}

func TestSetCopyDestroy(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "modify")
	h := userSession(t, m, slot)
	ro := mustOpen(t, m, slot, false)
	pub, priv := genEC(t, m, h, "old", true)
	must(t, m.SetAttributeValue(h, priv, object.Template{object.String(ck.CKA_LABEL, "new"), object.Bytes(ck.CKA_ID, []byte{9})}))
	if got := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "new")}); !slices.Equal(got, []ck.ObjectHandle{priv}) {
		t.Errorf("find by the new label: %v", got)
	}
	if got := find(t, m, h, object.Template{object.String(ck.CKA_LABEL, "old")}); !slices.Equal(got, []ck.ObjectHandle{pub}) {
		t.Errorf("find by the old label: %v", got)
	}
	wantRV(t, "SetAttributeValue in a read-only session", m.SetAttributeValue(ro, priv, object.Template{object.String(ck.CKA_LABEL, "x")}), ck.CKR_SESSION_READ_ONLY)
	wantRV(t, "un-sensitive", m.SetAttributeValue(h, priv, object.Template{object.Bool(ck.CKA_SENSITIVE, false)}), ck.CKR_ATTRIBUTE_READ_ONLY)
	wantRV(t, "change class", m.SetAttributeValue(h, priv, object.Template{class(ck.CKO_DATA)}), ck.CKR_ATTRIBUTE_READ_ONLY)

	cp, err := m.CopyObject(h, pub, object.Template{object.Bool(ck.CKA_TOKEN, false), object.String(ck.CKA_LABEL, "copy")})
	must(t, err)
	got, _ := m.GetAttributes(h, cp, ck.CKA_EC_POINT, ck.CKA_TOKEN)
	orig, _ := m.GetAttributes(h, pub, ck.CKA_EC_POINT)
	if !bytes.Equal(got[0].Value, orig[0].Value) || got[1].Value[0] != 0 {
		t.Error("copy differs from its original")
	}
	_, err = m.CopyObject(h, pub, object.Template{object.Bytes(ck.CKA_EC_POINT, []byte{4})})
	wantRV(t, "copy changing the key", err, ck.CKR_ATTRIBUTE_READ_ONLY)

	fixed, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA), object.Bool(ck.CKA_DESTROYABLE, false), object.Bool(ck.CKA_MODIFIABLE, false)})
	must(t, err)
	wantRV(t, "modify an unmodifiable object", m.SetAttributeValue(h, fixed, object.Template{object.String(ck.CKA_LABEL, "x")}), ck.CKR_ACTION_PROHIBITED)
	wantRV(t, "destroy an undestroyable object", m.DestroyObject(h, fixed), ck.CKR_ACTION_PROHIBITED)
	wantRV(t, "destroy a token object read-only", m.DestroyObject(ro, pub), ck.CKR_SESSION_READ_ONLY)
	must(t, m.DestroyObject(h, pub))
	wantRV(t, "destroy twice", m.DestroyObject(h, pub), ck.CKR_OBJECT_HANDLE_INVALID)

	// Session objects die with their session.
	s2 := mustOpen(t, m, slot, true)
	tmp, err := m.CreateObject(s2, object.Template{class(ck.CKO_DATA), object.String(ck.CKA_LABEL, "tmp")})
	must(t, err)
	if _, err := m.GetAttributes(h, tmp, ck.CKA_LABEL); err != nil {
		t.Errorf("session object not visible to the application's other session: %v", err)
	}
	must(t, m.CloseSession(s2))
	_, err = m.GetAttributes(h, tmp, ck.CKA_LABEL)
	wantRV(t, "session object after its session closed", err, ck.CKR_OBJECT_HANDLE_INVALID)
}
