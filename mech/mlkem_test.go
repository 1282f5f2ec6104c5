package mech

import (
	"bytes"
	"crypto/mlkem"
	"crypto/mlkem/mlkemtest"
	"encoding/json"
	"os"
	"testing"

	"github.com/cloudflare/circl/kem"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// mlkemSet finds an ML-KEM parameter set by its FIPS 203 name.
func mlkemSet(t *testing.T, name string) object.MLKEM {
	t.Helper()
	for _, p := range object.MLKEMParameterSets {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no parameter set %q", name)
	return object.MLKEM{}
}

// mlkemKey builds an ML-KEM key object as C_CreateObject does and
// returns the key material the mechanism gets.
func mlkemKey(t *testing.T, class ck.ObjectClass, p object.MLKEM, attrs ...object.Attribute) any {
	t.Helper()
	o, err := object.New(append(object.Template{object.ULong(ck.CKA_CLASS, uint(class)),
		object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_KEM)), object.ULong(ck.CKA_PARAMETER_SET, p.Set)}, attrs...), nil, object.Origin{})
	if err != nil {
		t.Fatal(err)
	}
	return o.Key()
}

// TestMLKEMACVP runs NIST's ACVP encapsulation and decapsulation vectors
// through the keys the token makes of NIST's keys: decapsulation through
// CKM_ML_KEM, encapsulation (which needs NIST's randomness m) through
// crypto/mlkem/mlkemtest, or circl, with the key the token keeps.
func TestMLKEMACVP(t *testing.T) {
	data, err := os.ReadFile("testdata/mlkem-encapdecap-acvp.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Encapsulation []struct {
			ParameterSet string
			Ek, M, C, K  string
		}
		Decapsulation []struct {
			ParameterSet string
			Dk, C, K     string
		}
	}
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Encapsulation) != 3 || len(f.Decapsulation) != 3 {
		t.Fatalf("%d and %d vectors, want 3 of each", len(f.Encapsulation), len(f.Decapsulation))
	}
	m, err := Lookup(ck.CKM_ML_KEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range f.Decapsulation {
		p := mlkemSet(t, v.ParameterSet)
		priv := mlkemKey(t, ck.CKO_PRIVATE_KEY, p, object.Bytes(ck.CKA_VALUE, unhex(t, v.Dk)))
		k, err := m.Decapsulate(priv, nil, unhex(t, v.C))
		if err != nil || !bytes.Equal(k, unhex(t, v.K)) {
			t.Errorf("%s decapsulation: %x, %v", p.Name, k, err)
		}
	}
	for _, v := range f.Encapsulation {
		p := mlkemSet(t, v.ParameterSet)
		var k, c []byte
		switch pub := mlkemKey(t, ck.CKO_PUBLIC_KEY, p, object.Bytes(ck.CKA_VALUE, unhex(t, v.Ek))).(type) {
		case *mlkem.EncapsulationKey768:
			k, c, err = mlkemtest.Encapsulate768(pub, unhex(t, v.M))
		case *mlkem.EncapsulationKey1024:
			k, c, err = mlkemtest.Encapsulate1024(pub, unhex(t, v.M))
		case kem.PublicKey:
			c, k, err = pub.Scheme().EncapsulateDeterministically(pub, unhex(t, v.M))
		}
		if err != nil || !bytes.Equal(c, unhex(t, v.C)) || !bytes.Equal(k, unhex(t, v.K)) {
			t.Errorf("%s encapsulation: %v", p.Name, err)
		}
	}
}

// TestMLKEMRoundTrip generates key pairs with CKM_ML_KEM_KEY_PAIR_GEN and
// has the other library decapsulate what CKM_ML_KEM encapsulates, and
// the reverse: circl with the expanded keys of the objects against
// crypto/mlkem in the token for ML-KEM-768 and ML-KEM-1024. ML-KEM-512,
// which only circl has, rests on the ACVP vectors and on the token's
// own round trip.
func TestMLKEMRoundTrip(t *testing.T) {
	gen, err := Lookup(ck.CKM_ML_KEM_KEY_PAIR_GEN)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Lookup(ck.CKM_ML_KEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range object.MLKEMParameterSets {
		pubTmpl := object.Template{object.ULong(ck.CKA_PARAMETER_SET, p.Set)}
		pubMat, privMat, err := gen.GenerateKeyPair(nil, pubTmpl, nil)
		if err != nil {
			t.Fatal(err)
		}
		pubObj, err := object.New(pubTmpl, pubMat, object.Origin{Generated: true})
		if err != nil {
			t.Fatal(err)
		}
		privObj, err := object.New(object.Template{object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true)},
			privMat, object.Origin{Generated: true})
		if err != nil {
			t.Fatal(err)
		}
		ek, _ := pubObj.Attribute(ck.CKA_VALUE)
		dk, _ := privObj.Attribute(ck.CKA_VALUE)
		circlPub, err := p.Scheme.UnmarshalBinaryPublicKey(ek)
		if err != nil {
			t.Fatal(err)
		}
		circlPriv, err := p.Scheme.UnmarshalBinaryPrivateKey(dk)
		if err != nil {
			t.Fatal(err)
		}

		ct, secret, err := m.Encapsulate(pubObj.Key(), nil)
		if err != nil || len(ct) != p.Scheme.CiphertextSize() || len(secret) != mlkem.SharedKeySize {
			t.Fatalf("%s: Encapsulate: %d-byte ciphertext, %d-byte secret, %v", p.Name, len(ct), len(secret), err)
		}
		if got, err := p.Scheme.Decapsulate(circlPriv, ct); err != nil || !bytes.Equal(got, secret) {
			t.Errorf("%s: circl does not decapsulate the token's ciphertext to its secret: %v", p.Name, err)
		}
		got, err := m.Decapsulate(privObj.Key(), nil, ct)
		if err != nil || !bytes.Equal(got, secret) {
			t.Errorf("%s: the token does not decapsulate its own ciphertext: %v", p.Name, err)
		}

		ct2, secret2, err := p.Scheme.Encapsulate(circlPub)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := m.Decapsulate(privObj.Key(), nil, ct2); err != nil || !bytes.Equal(got, secret2) {
			t.Errorf("%s: the token does not decapsulate circl's ciphertext: %v", p.Name, err)
		}

		tampered := bytes.Clone(ct)
		tampered[0] ^= 1
		if got, err := m.Decapsulate(privObj.Key(), nil, tampered); err != nil || bytes.Equal(got, secret) {
			t.Errorf("%s: a tampered ciphertext gives %x, %v; want another secret (implicit rejection)", p.Name, got, err)
		}
		if _, err := m.Decapsulate(privObj.Key(), nil, ct[1:]); ck.ToRV(err) != ck.CKR_WRAPPED_KEY_LEN_RANGE {
			t.Errorf("%s: a short ciphertext: %v, want CKR_WRAPPED_KEY_LEN_RANGE", p.Name, err)
		}
		if _, _, err := m.Encapsulate(privObj.Key(), nil); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
			t.Errorf("%s: encapsulating with the private key: %v", p.Name, err)
		}
		if _, err := m.Decapsulate(pubObj.Key(), nil, ct); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
			t.Errorf("%s: decapsulating with the public key: %v", p.Name, err)
		}
	}
}

// TestMLKEMKeyPairGenErrors checks the public template's parameter set.
func TestMLKEMKeyPairGenErrors(t *testing.T) {
	gen, err := Lookup(ck.CKM_ML_KEM_KEY_PAIR_GEN)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		pub  object.Template
		want ck.RV
	}{
		{"no parameter set", nil, ck.CKR_TEMPLATE_INCOMPLETE},
		{"unknown parameter set", object.Template{object.ULong(ck.CKA_PARAMETER_SET, 4)}, ck.CKR_PARAMETER_SET_NOT_SUPPORTED},
	} {
		if _, _, err := gen.GenerateKeyPair(nil, tt.pub, nil); ck.ToRV(err) != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}
