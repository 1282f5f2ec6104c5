package object

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// acvpMLDSAKeyGen is a NIST ACVP ML-DSA keyGen test case: the seed ξ and
// the public and private keys FIPS 204's ML-DSA.KeyGen_internal makes
// of it.
type acvpMLDSAKeyGen struct {
	TcID         int    `json:"tcId"`
	ParameterSet string `json:"parameterSet"`
	Seed, Pk, Sk string
}

func readMLDSAKeyGen(t *testing.T) []acvpMLDSAKeyGen {
	t.Helper()
	data, err := os.ReadFile("testdata/mldsa-keygen-acvp.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Tests []acvpMLDSAKeyGen }
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Tests) != len(MLDSAParameterSets) {
		t.Fatalf("%d vectors, want one per parameter set", len(f.Tests))
	}
	return f.Tests
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mldsaTemplate(class ck.ObjectClass, p MLDSA, attrs ...Attribute) Template {
	return append(Template{ULong(ck.CKA_CLASS, uint(class)), ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_DSA)),
		ULong(ck.CKA_PARAMETER_SET, p.Set)}, attrs...)
}

// TestMLDSAKeyGenACVP creates private keys from NIST's keyGen seeds: the
// token computes CKA_VALUE, the expanded private key, and the public key
// in CKA_PUBLIC_KEY_INFO, which must be NIST's. Keys given by their
// expanded key alone, or by both, are read as the same key.
func TestMLDSAKeyGenACVP(t *testing.T) {
	for _, v := range readMLDSAKeyGen(t) {
		var p MLDSA
		for _, ps := range MLDSAParameterSets {
			if ps.Name == v.ParameterSet {
				p = ps
			}
		}
		if p.Scheme == nil {
			t.Fatalf("tcId %d: parameter set %q", v.TcID, v.ParameterSet)
		}
		seed, pk, sk := mustHex(t, v.Seed), mustHex(t, v.Pk), mustHex(t, v.Sk)
		spki := RawPublicKeyInfo(p.OID, pk)
		for _, given := range []Template{
			{Bytes(ck.CKA_SEED, seed)},
			{Bytes(ck.CKA_VALUE, sk)},
			{Bytes(ck.CKA_SEED, seed), Bytes(ck.CKA_VALUE, sk)},
		} {
			o, err := New(mldsaTemplate(ck.CKO_PRIVATE_KEY, p, append(given, Bool(ck.CKA_SENSITIVE, false), Bool(ck.CKA_EXTRACTABLE, true))...), nil, Origin{})
			if err != nil {
				t.Fatalf("tcId %d %v: %v", v.TcID, given.types(), err)
			}
			if got, _ := o.Attribute(ck.CKA_VALUE); !bytes.Equal(got, sk) {
				t.Errorf("tcId %d %v: CKA_VALUE is not NIST's sk", v.TcID, given.types())
			}
			if got, _ := o.Attribute(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
				t.Errorf("tcId %d %v: CKA_PUBLIC_KEY_INFO does not hold NIST's pk", v.TcID, given.types())
			}
		}
		pub, err := New(mldsaTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, pk)), nil, Origin{})
		if err != nil {
			t.Fatalf("tcId %d public key: %v", v.TcID, err)
		}
		if got, _ := pub.Attribute(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
			t.Errorf("tcId %d: public key's CKA_PUBLIC_KEY_INFO", v.TcID)
		}
		oid, raw, err := ParseRawPublicKeyInfo(spki)
		if err != nil || !oid.Equal(p.OID) || !bytes.Equal(raw, pk) {
			t.Errorf("tcId %d: ParseRawPublicKeyInfo = %v, %d bytes, %v", v.TcID, oid, len(raw), err)
		}
	}
}

func (t Template) types() []ck.AttributeType {
	var ts []ck.AttributeType
	for _, a := range t {
		ts = append(ts, a.Type)
	}
	return ts
}

// TestMLDSAKeyErrors: what C_CreateObject refuses for ML-DSA keys.
func TestMLDSAKeyErrors(t *testing.T) {
	v := readMLDSAKeyGen(t)[0]
	p := MLDSAParameterSets[0]
	seed, pk, sk := mustHex(t, v.Seed), mustHex(t, v.Pk), mustHex(t, v.Sk)
	otherSeed := bytes.Clone(seed)
	otherSeed[0] ^= 1
	corrupt := bytes.Clone(sk)
	corrupt[200] ^= 1 // in s1
	for _, c := range []struct {
		name string
		tmpl Template
		want ck.RV
	}{
		{"no seed or value", mldsaTemplate(ck.CKO_PRIVATE_KEY, p), ck.CKR_TEMPLATE_INCOMPLETE},
		{"short seed", mldsaTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_SEED, seed[:31])), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"seed and another key's value", mldsaTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_SEED, otherSeed), Bytes(ck.CKA_VALUE, sk)), ck.CKR_TEMPLATE_INCONSISTENT},
		{"expanded key with a corrupt s1", mldsaTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_VALUE, corrupt)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"expanded key of 0xff bytes", mldsaTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_VALUE, bytes.Repeat([]byte{0xff}, len(sk)))), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"value of another parameter set", mldsaTemplate(ck.CKO_PRIVATE_KEY, MLDSAParameterSets[1], Bytes(ck.CKA_VALUE, sk)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"public key of another parameter set", mldsaTemplate(ck.CKO_PUBLIC_KEY, MLDSAParameterSets[2], Bytes(ck.CKA_VALUE, pk)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unknown parameter set", append(mldsaTemplate(ck.CKO_PUBLIC_KEY, p)[:2], ULong(ck.CKA_PARAMETER_SET, 99), Bytes(ck.CKA_VALUE, pk)), ck.CKR_PARAMETER_SET_NOT_SUPPORTED},
		{"no parameter set", mldsaTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, pk))[:2], ck.CKR_TEMPLATE_INCOMPLETE},
		{"public key without value", mldsaTemplate(ck.CKO_PUBLIC_KEY, p), ck.CKR_TEMPLATE_INCOMPLETE},
		{"CKA_SEED on a public key", mldsaTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, pk), Bytes(ck.CKA_SEED, seed)), ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"wrong CKA_PUBLIC_KEY_INFO", mldsaTemplate(ck.CKO_PUBLIC_KEY, p, Bytes(ck.CKA_VALUE, pk), Bytes(ck.CKA_PUBLIC_KEY_INFO, RawPublicKeyInfo(MLDSAParameterSets[1].OID, pk))), ck.CKR_TEMPLATE_INCONSISTENT},
	} {
		_, err := New(c.tmpl, nil, Origin{})
		if got := ck.ToRV(err); got != c.want {
			t.Errorf("%s: %v (%v), want %v", c.name, got, err, c.want)
		}
	}
}

// TestMLDSASensitive: a sensitive ML-DSA private key reveals neither its
// seed nor its expanded key, which survive the store's encoding.
func TestMLDSASensitive(t *testing.T) {
	v := readMLDSAKeyGen(t)[1]
	p := MLDSAParameterSets[1]
	o, err := New(mldsaTemplate(ck.CKO_PRIVATE_KEY, p, Bytes(ck.CKA_SEED, mustHex(t, v.Seed))), nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []ck.AttributeType{ck.CKA_SEED, ck.CKA_VALUE} {
		if _, err := o.Attribute(typ); ck.ToRV(err) != ck.CKR_ATTRIBUTE_SENSITIVE {
			t.Errorf("%v of a sensitive key: %v", typ, err)
		}
	}
	if set, _ := o.Attribute(ck.CKA_PARAMETER_SET); !bytes.Equal(set, EncodeULong(p.Set)) {
		t.Errorf("CKA_PARAMETER_SET %x", set)
	}
	back, err := Decode(o.Encode())
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := back.Value(ck.CKA_VALUE); !bytes.Equal(got, mustHex(t, v.Sk)) {
		t.Error("the decoded key's CKA_VALUE is not NIST's sk")
	}
}
