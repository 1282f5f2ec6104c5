package object

import (
	"bytes"
	"crypto/mlkem"
	"encoding/hex"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/cloudflare/circl/kem"

	"github.com/corepkcs11/corepkcs11/ck"
)

// acvpMLKEMKeyGen is a NIST ACVP ML-KEM keyGen test case: the seeds d and
// z, and the keys FIPS 203's ML-KEM.KeyGen_internal makes of them.
type acvpMLKEMKeyGen struct {
	TcID         int    `json:"tcId"`
	ParameterSet string `json:"parameterSet"`
	D, Z, Ek, Dk string
	seed, ek, dk []byte // D||Z, Ek and Dk decoded
	set          MLKEM
}

func readMLKEMKeyGen(t *testing.T) []acvpMLKEMKeyGen {
	t.Helper()
	data, err := os.ReadFile("testdata/mlkem-keygen-acvp.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Tests []acvpMLKEMKeyGen }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Tests) != len(MLKEMParameterSets) {
		t.Fatalf("%d vectors, want one per parameter set", len(f.Tests))
	}
	for i := range f.Tests {
		v := &f.Tests[i]
		d, err1 := hex.DecodeString(v.D)
		z, err2 := hex.DecodeString(v.Z)
		ek, err3 := hex.DecodeString(v.Ek)
		dk, err4 := hex.DecodeString(v.Dk)
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			t.Fatalf("tcId %d: bad hex", v.TcID)
		}
		v.seed, v.ek, v.dk = append(d, z...), ek, dk
		i := slices.IndexFunc(MLKEMParameterSets, func(p MLKEM) bool { return p.Name == v.ParameterSet })
		if i < 0 {
			t.Fatalf("tcId %d: parameter set %q", v.TcID, v.ParameterSet)
		}
		v.set = MLKEMParameterSets[i]
	}
	return f.Tests
}

func mlkemTemplate(class ck.ObjectClass, p MLKEM, attrs ...Attribute) Template {
	return append(Template{ULong(ck.CKA_CLASS, uint(class)), ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_KEM)),
		ULong(ck.CKA_PARAMETER_SET, p.Set)}, attrs...)
}

// TestMLKEMKeyGenACVP creates keys from NIST's keyGen vectors. A private
// key given by its seed d||z gets NIST's expanded key in CKA_VALUE and
// NIST's encapsulation key in CKA_PUBLIC_KEY_INFO; one given by its
// expanded key alone, or by both, is the same key; a public key given by
// NIST's encapsulation key has that CKA_PUBLIC_KEY_INFO too. The key the
// token keeps encapsulates to NIST's key: crypto/mlkem's for ML-KEM-768
// and ML-KEM-1024.
func TestMLKEMKeyGenACVP(t *testing.T) {
	for _, v := range readMLKEMKeyGen(t) {
		p := v.set
		spki := RawPublicKeyInfo(p.OID, v.ek)
		for _, given := range []struct {
			name string
			tmpl Template
		}{
			{"seed", Template{Bytes(ck.CKA_SEED, v.seed)}},
			{"expanded key", Template{Bytes(ck.CKA_VALUE, v.dk)}},
			{"both", Template{Bytes(ck.CKA_SEED, v.seed), Bytes(ck.CKA_VALUE, v.dk)}},
		} {
			o, err := New(mlkemTemplate(ck.CKO_PRIVATE_KEY, p, append(given.tmpl, Bool(ck.CKA_SENSITIVE, false), Bool(ck.CKA_EXTRACTABLE, true))...), nil, Origin{})
			if err != nil {
				t.Fatalf("tcId %d, %s: %v", v.TcID, given.name, err)
			}
			if got, _ := o.Attribute(ck.CKA_VALUE); !bytes.Equal(got, v.dk) {
				t.Errorf("tcId %d, %s: CKA_VALUE is not NIST's dk", v.TcID, given.name)
			}
			if got, _ := o.Attribute(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
				t.Errorf("tcId %d, %s: CKA_PUBLIC_KEY_INFO does not hold NIST's ek", v.TcID, given.name)
			}
			seed, err := o.Attribute(ck.CKA_SEED)
			if given.tmpl.hasType(ck.CKA_SEED) != (err == nil) || (err == nil && !bytes.Equal(seed, v.seed)) {
				t.Errorf("tcId %d, %s: CKA_SEED = %x, %v", v.TcID, given.name, seed, err)
			}
			if !o.Bool(ck.CKA_DECAPSULATE) {
				t.Errorf("tcId %d: CKA_DECAPSULATE does not default to CK_TRUE", v.TcID)
			}
		}
		pub, err := New(mlkemTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, v.ek)), nil, Origin{})
		if err != nil {
			t.Fatalf("tcId %d public key: %v", v.TcID, err)
		}
		if got, _ := pub.Attribute(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
			t.Errorf("tcId %d: the public key's CKA_PUBLIC_KEY_INFO", v.TcID)
		}
		if got := encapsulationKeyBytes(t, pub.Key()); !bytes.Equal(got, v.ek) {
			t.Errorf("tcId %d: the public key the token keeps is not NIST's ek", v.TcID)
		}
		if got := p.EncapsulationKey(v.seed); !bytes.Equal(got, v.ek) {
			t.Errorf("tcId %d: EncapsulationKey(seed) is not NIST's ek", v.TcID)
		}
	}
}

// encapsulationKeyBytes encodes the public key an ML-KEM public key
// object keeps, crypto/mlkem's where it has the set.
func encapsulationKeyBytes(t *testing.T, key any) []byte {
	t.Helper()
	switch k := key.(type) {
	case *mlkem.EncapsulationKey768:
		return k.Bytes()
	case *mlkem.EncapsulationKey1024:
		return k.Bytes()
	case kem.PublicKey:
		if k.Scheme().Name() != "ML-KEM-512" {
			t.Errorf("circl's key for %s, which crypto/mlkem has", k.Scheme().Name())
		}
		b, _ := k.MarshalBinary()
		return b
	}
	t.Fatalf("unexpected key type %T", key)
	return nil
}

// TestMLKEMObjectErrors checks what ML-KEM templates get wrong.
func TestMLKEMObjectErrors(t *testing.T) {
	v := readMLKEMKeyGen(t)[1] // ML-KEM-768
	p := v.set
	otherDK := bytes.Clone(v.dk)
	otherDK[0] ^= 1 // in dk_PKE: a well-formed key, not the seed's
	badHash := bytes.Clone(v.dk)
	badHash[len(badHash)-40] ^= 1 // in H(ek): FIPS 203's check fails
	badEK := bytes.Clone(v.ek)
	badEK[0], badEK[1] = 0xff, 0xff // a coefficient of 4095, not reduced mod q
	tests := []struct {
		name string
		tmpl Template
		want ck.RV
	}{
		{"private key without key material", mlkemTemplate(ck.CKO_PRIVATE_KEY, p), ck.CKR_TEMPLATE_INCOMPLETE},
		{"short seed", mlkemTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_SEED, v.seed[:32])), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"seed and another key", mlkemTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_SEED, v.seed), Bytes(ck.CKA_VALUE, otherDK)), ck.CKR_TEMPLATE_INCONSISTENT},
		{"expanded key of another set", mlkemTemplate(ck.CKO_PRIVATE_KEY, MLKEMParameterSets[0], Bytes(ck.CKA_VALUE, v.dk)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"expanded key with a wrong H(ek)", mlkemTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_VALUE, badHash)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"no parameter set", Template{ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_KEM)), Bytes(ck.CKA_VALUE, v.ek)}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"unknown parameter set", append(Template{ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_KEM)), ULong(ck.CKA_PARAMETER_SET, 7)}, Bytes(ck.CKA_VALUE, v.ek)), ck.CKR_PARAMETER_SET_NOT_SUPPORTED},
		{"public key of another set", mlkemTemplate(ck.CKO_PUBLIC_KEY, MLKEMParameterSets[2], Bytes(ck.CKA_VALUE, v.ek)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"public key not reduced", mlkemTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, badEK)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"public key without value", mlkemTemplate(ck.CKO_PUBLIC_KEY, p), ck.CKR_TEMPLATE_INCOMPLETE},
		{"CKA_SEED on a public key", mlkemTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, v.ek), Bytes(ck.CKA_SEED, v.seed)), ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"CKA_DECAPSULATE on a public key", mlkemTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, v.ek), Bool(ck.CKA_DECAPSULATE, true)), ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"wrong CKA_PUBLIC_KEY_INFO", mlkemTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, v.ek), Bytes(ck.CKA_PUBLIC_KEY_INFO, RawPublicKeyInfo(MLKEMParameterSets[0].OID, v.ek))), ck.CKR_TEMPLATE_INCONSISTENT},
	}
	for _, tt := range tests {
		_, err := New(tt.tmpl, nil, Origin{})
		if got := ck.ToRV(err); got != tt.want {
			t.Errorf("%s: %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestMLKEMSensitive checks that a sensitive private key hides its seed
// and expanded key, and shows its parameter set.
func TestMLKEMSensitive(t *testing.T) {
	v := readMLKEMKeyGen(t)[0]
	o, err := New(mlkemTemplate(ck.CKO_PRIVATE_KEY, v.set, Bytes(ck.CKA_SEED, v.seed)), nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []ck.AttributeType{ck.CKA_SEED, ck.CKA_VALUE} {
		if _, err := o.Attribute(typ); ck.ToRV(err) != ck.CKR_ATTRIBUTE_SENSITIVE {
			t.Errorf("%v of a sensitive key: %v, want CKR_ATTRIBUTE_SENSITIVE", typ, err)
		}
	}
	if _, err := o.Attribute(ck.CKA_PARAMETER_SET); err != nil {
		t.Errorf("CKA_PARAMETER_SET: %v", err)
	}
}
