package pki

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"testing"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// rfc9881Seed is RFC 9881's example ML-DSA-44 private key in its seed
// form (Appendix C): the seed is the bytes 0 to 31.
const rfc9881Seed = `-----BEGIN PRIVATE KEY-----
MDQCAQAwCwYJYIZIAWUDBAMRBCKAIAABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZ
GhscHR4f
-----END PRIVATE KEY-----
`

// mldsaPKCS8 encodes an ML-DSA-44 PKCS#8 key whose privateKey is inner.
func mldsaPKCS8(t *testing.T, inner any) []byte {
	t.Helper()
	in, err := asn1.Marshal(inner)
	if err != nil {
		t.Fatal(err)
	}
	der, err := asn1.Marshal(pkcs8{Algorithm: pkix.AlgorithmIdentifier{Algorithm: object.MLDSAParameterSets[0].OID}, PrivateKey: in})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestMLDSAPKCS8 reads RFC 9881's seed-form example and the same key as
// its expanded key and as both: each is the key circl derives from the
// seed, and the seed reaches CKA_SEED when the file has it.
func TestMLDSAPKCS8(t *testing.T) {
	var seed [mldsa44.SeedSize]byte
	for i := range seed {
		seed[i] = byte(i)
	}
	wantPub, wantPriv := mldsa44.NewKeyFromSeed(&seed)
	expanded := wantPriv.Bytes()
	block, _ := pem.Decode([]byte(rfc9881Seed))
	for _, c := range []struct {
		name     string
		der      []byte
		withSeed bool
	}{
		{"RFC 9881 seed", block.Bytes, true},
		{"expandedKey", mldsaPKCS8(t, expanded), false},
		{"both", mldsaPKCS8(t, mldsaBoth{seed[:], expanded}), true},
	} {
		items, err := Parse(c.der)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		key, ok := items[0].Value.(*mldsa44.PrivateKey)
		if !ok || !key.Equal(wantPriv) {
			t.Fatalf("%s: parsed %T, not the key", c.name, items[0].Value)
		}
		obj, err := object.New(items[0].Template, nil, object.Origin{})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got, has := obj.Value(ck.CKA_SEED); has != c.withSeed || (has && !bytes.Equal(got, seed[:])) {
			t.Errorf("%s: CKA_SEED %x, present %v", c.name, got, has)
		}
		spki, _ := obj.Value(ck.CKA_PUBLIC_KEY_INFO)
		pub, err := ParsePublicKeyInfo(spki)
		if err != nil || !wantPub.Equal(pub) {
			t.Errorf("%s: CKA_PUBLIC_KEY_INFO is not the key's: %v", c.name, err)
		}
	}
	otherSeed := seed
	otherSeed[0] = 1
	for _, c := range []struct {
		name string
		der  []byte
	}{
		{"both, disagreeing", mldsaPKCS8(t, mldsaBoth{otherSeed[:], expanded})},
		{"short seed", mldsaPKCS8(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: seed[:31]})},
		{"short expanded key", mldsaPKCS8(t, expanded[1:])},
		{"integer", mldsaPKCS8(t, 7)},
	} {
		if _, err := parseMLDSAPKCS8(c.der); err == nil {
			t.Errorf("%s: parsed", c.name)
		}
	}
}

// TestPQPublicKeyInfo: ML-DSA and SLH-DSA public keys go to PEM and back
// through Parse, as the import command reads them.
func TestPQPublicKeyInfo(t *testing.T) {
	mlPub, _, _ := mldsa44.GenerateKey(rand.Reader)
	slhPub, _, _ := slhdsa.GenerateKey(rand.Reader, slhdsa.SHA2_128f)
	for _, pub := range []crypto.PublicKey{mlPub, &slhPub} {
		der, err := object.MarshalPublicKeyInfo(pub)
		if err != nil {
			t.Fatal(err)
		}
		items, err := Parse(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
		if err != nil {
			t.Fatalf("%T: %v", pub, err)
		}
		if back, err := object.MarshalPublicKeyInfo(items[0].Value); err != nil || !bytes.Equal(back, der) {
			t.Errorf("%T: parsed %T, another key (%v)", pub, items[0].Value, err)
		}
		obj, err := object.New(items[0].Template, nil, object.Origin{})
		if err != nil {
			t.Fatalf("%T: %v", pub, err)
		}
		if spki, _ := obj.Value(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(spki, der) {
			t.Errorf("%T: the object's CKA_PUBLIC_KEY_INFO differs", pub)
		}
	}
}

// TestMLDSAPKCS8RoundTrip writes ML-DSA private keys in PKCS#8 and reads
// them back: a key with its seed keeps it, one from its expanded key
// alone comes back as the same key.
func TestMLDSAPKCS8RoundTrip(t *testing.T) {
	for _, p := range object.MLDSAParameterSets {
		_, priv, err := p.Scheme.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		expanded, _ := priv.MarshalBinary()
		fromExpanded, err := p.Scheme.UnmarshalBinaryPrivateKey(expanded)
		if err != nil {
			t.Fatal(err)
		}
		for _, key := range []sign.PrivateKey{priv, fromExpanded} {
			der, err := MarshalPKCS8PrivateKey(key)
			if err != nil {
				t.Fatalf("%s: %v", p.Name, err)
			}
			back, err := ParsePKCS8PrivateKey(der)
			if err != nil {
				t.Fatalf("%s: %v", p.Name, err)
			}
			k, ok := back.(sign.PrivateKey)
			if !ok || !k.Equal(key) {
				t.Errorf("%s: %T read back is not the key written", p.Name, back)
			}
			// circl's Equal ignores the seed: the seed must come back too.
			want, _ := key.(seeded)
			got, _ := back.(seeded)
			if (want != nil && len(want.Seed()) > 0) != (got != nil && len(got.Seed()) > 0) ||
				(want != nil && got != nil && !bytes.Equal(want.Seed(), got.Seed())) {
				t.Errorf("%s: the seed did not come back", p.Name)
			}
		}
	}
}

// TestMLDSAPKCS8Errors: PKCS#8 versions other than 1 and 2, and a
// public key that is not the private key's, are refused.
func TestMLDSAPKCS8Errors(t *testing.T) {
	p := object.MLDSAParameterSets[0]
	_, priv, err := p.Scheme.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	other, _, _ := p.Scheme.GenerateKey()
	otherRaw, _ := other.MarshalBinary()
	expanded, _ := priv.MarshalBinary()
	inner, _ := asn1.Marshal(expanded)
	pubField := func(raw []byte) asn1.RawValue {
		return asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 1, Bytes: append([]byte{0}, raw...)}
	}
	pubRaw, _ := priv.Public().(sign.PublicKey).MarshalBinary()
	for _, c := range []struct {
		name string
		info pkcs8
		ok   bool
	}{
		{"v2 with its public key", pkcs8{Version: 1, PrivateKey: inner, Rest: []asn1.RawValue{pubField(pubRaw)}}, true},
		{"version 7", pkcs8{Version: 7, PrivateKey: inner}, false},
		{"v2 with another public key", pkcs8{Version: 1, PrivateKey: inner, Rest: []asn1.RawValue{pubField(otherRaw)}}, false},
		{"v1 with a public key", pkcs8{Version: 0, PrivateKey: inner, Rest: []asn1.RawValue{pubField(pubRaw)}}, false},
	} {
		c.info.Algorithm.Algorithm = p.OID
		der, err := asn1.Marshal(c.info)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParsePKCS8PrivateKey(der); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}
