package object

import (
	"bytes"
	"crypto/rand"
	"testing"

	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
)

func slhdsaTemplate(class ck.ObjectClass, set uint, value []byte) Template {
	return Template{ULong(ck.CKA_CLASS, uint(class)), ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_SLH_DSA)),
		ULong(ck.CKA_PARAMETER_SET, set), Bytes(ck.CKA_VALUE, value)}
}

// TestSLHDSAKeys creates SLH-DSA keys of every parameter set from keys
// circl made: both halves get the SubjectPublicKeyInfo of the public key
// under the parameter set's OID, and the parsed key is circl's.
func TestSLHDSAKeys(t *testing.T) {
	for _, p := range SLHDSAParameterSets {
		pub, priv, err := slhdsa.GenerateKey(rand.Reader, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		pk, _ := pub.MarshalBinary()
		sk, _ := priv.MarshalBinary()
		spki := RawPublicKeyInfo(p.OID, pk)
		po, err := New(slhdsaTemplate(ck.CKO_PUBLIC_KEY, p.Set, pk), nil, Origin{})
		if err != nil {
			t.Fatalf("%v public key: %v", p.ID, err)
		}
		so, err := New(slhdsaTemplate(ck.CKO_PRIVATE_KEY, p.Set, sk), nil, Origin{})
		if err != nil {
			t.Fatalf("%v private key: %v", p.ID, err)
		}
		for _, o := range []*Object{po, so} {
			if got, _ := o.Attribute(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(got, spki) {
				t.Errorf("%v %v: CKA_PUBLIC_KEY_INFO", p.ID, o.Class())
			}
		}
		if k, ok := po.Key().(*slhdsa.PublicKey); !ok || !k.Equal(pub) {
			t.Errorf("%v: public key %T", p.ID, po.Key())
		}
		if k, ok := so.Key().(*slhdsa.PrivateKey); !ok || !k.Equal(priv) {
			t.Errorf("%v: private key %T", p.ID, so.Key())
		}
		if _, err := so.Attribute(ck.CKA_VALUE); ck.ToRV(err) != ck.CKR_ATTRIBUTE_SENSITIVE {
			t.Errorf("%v: CKA_VALUE of a sensitive key: %v", p.ID, err)
		}
		if p.ID == slhdsa.SHA2_128s {
			for _, c := range []struct {
				name string
				tmpl Template
				want ck.RV
			}{
				{"public key one byte short", slhdsaTemplate(ck.CKO_PUBLIC_KEY, p.Set, pk[1:]), ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"private key as public key", slhdsaTemplate(ck.CKO_PUBLIC_KEY, p.Set, sk), ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"another parameter set's size", slhdsaTemplate(ck.CKO_PRIVATE_KEY, uint(ck.CKP_SLH_DSA_SHA2_192S), sk), ck.CKR_ATTRIBUTE_VALUE_INVALID},
				{"unknown parameter set", slhdsaTemplate(ck.CKO_PRIVATE_KEY, 0, sk), ck.CKR_PARAMETER_SET_NOT_SUPPORTED},
				{"private key without value", slhdsaTemplate(ck.CKO_PRIVATE_KEY, p.Set, nil)[:3], ck.CKR_TEMPLATE_INCOMPLETE},
				{"CKA_SEED", append(slhdsaTemplate(ck.CKO_PRIVATE_KEY, p.Set, sk), Bytes(ck.CKA_SEED, sk[:16])), ck.CKR_ATTRIBUTE_TYPE_INVALID},
			} {
				_, err := New(c.tmpl, nil, Origin{})
				if got := ck.ToRV(err); got != c.want {
					t.Errorf("%s: %v (%v), want %v", c.name, got, err, c.want)
				}
			}
		}
	}
}
