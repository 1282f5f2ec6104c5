package object

import (
	"bytes"
	"crypto"
	"crypto/ecdh"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"testing"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/corepkcs11/corepkcs11/ck"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// octetKeyPair makes the public and private key objects of curve c from
// a private value, the public key given as CKA_EC_POINT in form point.
func octetKeyPair(t *testing.T, c *OctetCurve, params, value []byte, bare bool) (pub, priv *Object) {
	t.Helper()
	privObj, err := New(Template{ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), ULong(ck.CKA_KEY_TYPE, uint(c.KeyType)),
		Bytes(ck.CKA_EC_PARAMS, params), Bytes(ck.CKA_VALUE, value)}, nil, Origin{})
	if err != nil {
		t.Fatalf("%s private key: %v", c.Name, err)
	}
	_, raw, ok := OctetPublicKey(privObj.Key().(interface{ Public() crypto.PublicKey }).Public())
	if !ok {
		t.Fatalf("%s: the private key's public key %T is not of an OctetCurve", c.Name, privObj.Key())
	}
	point := c.Point(raw)
	if bare {
		point = raw
	}
	pubObj, err := New(Template{ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), ULong(ck.CKA_KEY_TYPE, uint(c.KeyType)),
		Bytes(ck.CKA_EC_PARAMS, params), Bytes(ck.CKA_EC_POINT, point)}, nil, Origin{})
	if err != nil {
		t.Fatalf("%s public key: %v", c.Name, err)
	}
	return pubObj, privObj
}

// TestOctetCurveKeys makes keys of every curve under each of its names,
// and checks what the objects hold: the Go key types Key documents, the
// DER CKA_EC_POINT, and a CKA_PUBLIC_KEY_INFO that is Go's x509 encoding
// where Go has one.
func TestOctetCurveKeys(t *testing.T) {
	for _, c := range OctetCurves {
		for _, params := range c.names {
			value := make([]byte, c.PrivateSize)
			rand.Read(value)
			for _, bare := range []bool{false, true} {
				pub, priv := octetKeyPair(t, c, params, value, bare)
				point, _ := pub.Value(ck.CKA_EC_POINT)
				if _, raw, _ := OctetPublicKey(pub.Key()); !bytes.Equal(point, c.Point(raw)) || len(raw) != c.PublicSize {
					t.Errorf("%s: CKA_EC_POINT %x is not the DER of the %d-byte key", c.Name, point, c.PublicSize)
				}
				if got, v, _ := OctetPrivateKey(priv.Key()); got != c || !bytes.Equal(v, value) {
					t.Errorf("%s: the private key gives back %v %x", c.Name, got, v)
				}
				spki, _ := pub.Value(ck.CKA_PUBLIC_KEY_INFO)
				if privSPKI, _ := priv.Value(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(spki, privSPKI) {
					t.Errorf("%s: the halves' CKA_PUBLIC_KEY_INFO differ", c.Name)
				}
				if c.Name == "Ed25519" || c.Name == "X25519" {
					der, err := x509.MarshalPKIXPublicKey(pub.Key())
					if err != nil || !bytes.Equal(der, spki) {
						t.Errorf("%s: CKA_PUBLIC_KEY_INFO %x, Go's x509 %x (%v)", c.Name, spki, der, err)
					}
				}
			}
		}
	}
}

// TestOctetCurveKeyTypes checks Key's Go types, which the mechanisms
// switch on.
func TestOctetCurveKeyTypes(t *testing.T) {
	for _, c := range OctetCurves {
		value := make([]byte, c.PrivateSize)
		pub, priv := octetKeyPair(t, c, c.Params, value, false)
		var okPub, okPriv bool
		switch c.Name {
		case "Ed25519":
			_, okPub = pub.Key().(ed25519.PublicKey)
			_, okPriv = priv.Key().(ed25519.PrivateKey)
		case "Ed448":
			_, okPub = pub.Key().(ed448.PublicKey)
			_, okPriv = priv.Key().(ed448.PrivateKey)
		case "X25519":
			p, ok1 := pub.Key().(*ecdh.PublicKey)
			s, ok2 := priv.Key().(*ecdh.PrivateKey)
			okPub, okPriv = ok1 && p.Curve() == ecdh.X25519(), ok2 && s.Curve() == ecdh.X25519()
		case "X448":
			_, okPub = pub.Key().(*X448PublicKey)
			_, okPriv = priv.Key().(*X448PrivateKey)
		}
		if !okPub || !okPriv {
			t.Errorf("%s: Key is %T and %T", c.Name, pub.Key(), priv.Key())
		}
	}
}

// TestOctetCurveErrors: the wrong family's curve, bad lengths and
// unknown names get the CKR the spec names.
func TestOctetCurveErrors(t *testing.T) {
	key := func(class ck.ObjectClass, kt ck.KeyType, attrs ...Attribute) error {
		_, err := New(append(Template{ULong(ck.CKA_CLASS, uint(class)), ULong(ck.CKA_KEY_TYPE, uint(kt))}, attrs...), nil, Origin{})
		return err
	}
	for _, tt := range []struct {
		name string
		err  error
		want ck.RV
	}{
		{"X25519 params on an Edwards key", key(ck.CKO_PUBLIC_KEY, ck.CKK_EC_EDWARDS, Bytes(ck.CKA_EC_PARAMS, X25519Params), Bytes(ck.CKA_EC_POINT, make([]byte, 32))), ck.CKR_CURVE_NOT_SUPPORTED},
		{"Ed448 params on a Montgomery key", key(ck.CKO_PRIVATE_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, Ed448Params), Bytes(ck.CKA_VALUE, make([]byte, 57))), ck.CKR_CURVE_NOT_SUPPORTED},
		{"P-256 params on a Montgomery key", key(ck.CKO_PUBLIC_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, Curves[0].Params), Bytes(ck.CKA_EC_POINT, make([]byte, 32))), ck.CKR_CURVE_NOT_SUPPORTED},
		{"curve25519 by an unknown name", key(ck.CKO_PUBLIC_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, mustPrintable("curve25518")), Bytes(ck.CKA_EC_POINT, make([]byte, 32))), ck.CKR_CURVE_NOT_SUPPORTED},
		{"Ed448 point of 32 bytes", key(ck.CKO_PUBLIC_KEY, ck.CKK_EC_EDWARDS, Bytes(ck.CKA_EC_PARAMS, Ed448Params), Bytes(ck.CKA_EC_POINT, make([]byte, 32))), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"X448 scalar of 57 bytes", key(ck.CKO_PRIVATE_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, X448Params), Bytes(ck.CKA_VALUE, make([]byte, 57))), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"Ed448 seed of 56 bytes", key(ck.CKO_PRIVATE_KEY, ck.CKK_EC_EDWARDS, Bytes(ck.CKA_EC_PARAMS, Ed448Params), Bytes(ck.CKA_VALUE, make([]byte, 56))), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"X25519 point with trailing data", key(ck.CKO_PUBLIC_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, X25519Params), Bytes(ck.CKA_EC_POINT, append(x25519Curve.Point(make([]byte, 32)), 0))), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"X448 private key without CKA_VALUE", key(ck.CKO_PRIVATE_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, X448Params)), ck.CKR_TEMPLATE_INCOMPLETE},
		{"X448 public key without CKA_EC_POINT", key(ck.CKO_PUBLIC_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, X448Params)), ck.CKR_TEMPLATE_INCOMPLETE},
	} {
		if got := ck.ToRV(tt.err); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	// A CKA_PUBLIC_KEY_INFO that is not the key's is refused.
	other, _ := octetKeyPair(t, x448Curve, X448Params, bytes.Repeat([]byte{1}, 56), false)
	spki, _ := other.Value(ck.CKA_PUBLIC_KEY_INFO)
	err := key(ck.CKO_PRIVATE_KEY, ck.CKK_EC_MONTGOMERY, Bytes(ck.CKA_EC_PARAMS, X448Params), Bytes(ck.CKA_VALUE, bytes.Repeat([]byte{2}, 56)), Bytes(ck.CKA_PUBLIC_KEY_INFO, spki))
	if ck.ToRV(err) != ck.CKR_TEMPLATE_INCONSISTENT {
		t.Errorf("another key's CKA_PUBLIC_KEY_INFO: %v", err)
	}
}

// TestEd448KeyVectors derives RFC 8032's Ed448 public keys (section 7.4)
// from their secret keys through the private key objects.
func TestEd448KeyVectors(t *testing.T) {
	for _, v := range []struct{ seed, pub string }{
		{"6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
			"5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180"},
		{"c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
			"43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480"},
	} {
		pub, _ := octetKeyPair(t, ed448Curve, Ed448Params, unhex(t, v.seed), false)
		if got := hex.EncodeToString(pub.Key().(ed448.PublicKey)); got != v.pub {
			t.Errorf("public key %s, want %s", got, v.pub)
		}
	}
}

// x25519Func is RFC 7748's X25519 function computed with the key material of
// objects made from scalar k and u-coordinate u.
func x25519Func(t *testing.T, k, u []byte) []byte {
	t.Helper()
	_, priv := octetKeyPair(t, x25519Curve, X25519Params, k, false)
	pubObj, err := New(Template{ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC_MONTGOMERY)),
		Bytes(ck.CKA_EC_PARAMS, X25519Params), Bytes(ck.CKA_EC_POINT, u)}, nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := priv.Key().(*ecdh.PrivateKey).ECDH(pubObj.Key().(*ecdh.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// x448Func is RFC 7748's X448 function, as x25519Func.
func x448Func(t *testing.T, k, u []byte) []byte {
	t.Helper()
	_, priv := octetKeyPair(t, x448Curve, X448Params, k, false)
	pubObj, err := New(Template{ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC_MONTGOMERY)),
		Bytes(ck.CKA_EC_PARAMS, X448Params), Bytes(ck.CKA_EC_POINT, u)}, nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := priv.Key().(*X448PrivateKey).ECDH(pubObj.Key().(*X448PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRFC7748 runs RFC 7748's test vectors through the key material of
// Montgomery key objects: section 5.2's scalar multiplications (and its
// iterations 1 and 1,000) and section 6's Diffie-Hellman exchanges.
func TestRFC7748(t *testing.T) {
	for _, f := range []struct {
		name            string
		fn              func(*testing.T, []byte, []byte) []byte
		base            string
		vecs            []struct{ k, u, out string }
		iter1, iter1000 string
	}{
		{"X25519", x25519Func, "09" + hex.EncodeToString(make([]byte, 31)),
			[]struct{ k, u, out string }{
				{"a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4", "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c",
					"c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"},
				{"4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d", "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493",
					"95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"},
			},
			"422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079", "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51"},
		{"X448", x448Func, "05" + hex.EncodeToString(make([]byte, 55)),
			[]struct{ k, u, out string }{
				{"3d262fddf9ec8e88495266fea19a34d28882acef045104d0d1aae121700a779c984c24f8cdd78fbff44943eba368f54b29259a4f1c600ad3",
					"06fce640fa3487bfda5f6cf2d5263f8aad88334cbd07437f020f08f9814dc031ddbdc38c19c6da2583fa5429db94ada18aa7a7fb4ef8a086",
					"ce3e4ff95a60dc6697da1db1d85e6afbdf79b50a2412d7546d5f239fe14fbaadeb445fc66a01b0779d98223961111e21766282f73dd96b6f"},
				{"203d494428b8399352665ddca42f9de8fef600908e0d461cb021f8c538345dd77c3e4806e25f46d3315c44e0a5b4371282dd2c8d5be3095f",
					"0fbcc2f993cd56d3305b0b7d9e55d4c1a8fb5dbb52f8e9a1e9b6201b165d015894e56c4d3570bee52fe205e28a78b91cdfbde71ce8d157db",
					"884a02576239ff7a2f2f63b2db6a9ff37047ac13568e1e30fe63c4a7ad1b3ee3a5700df34321d62077e63633c575c1c954514e99da7c179d"},
			},
			"3f482c8a9f19b01e6c46ee9711d9dc14fd4bf67af30765c2ae2b846a4d23a8cd0db897086239492caf350b51f833868b9bc2b3bca9cf4113",
			"aa3b4749d55b9daf1e5b00288826c467274ce3ebbdd5c17b975e09d4af6c67cf10d087202db88286e2b79fceea3ec353ef54faa26e219f38"},
	} {
		for i, v := range f.vecs {
			if got := hex.EncodeToString(f.fn(t, unhex(t, v.k), unhex(t, v.u))); got != v.out {
				t.Errorf("%s vector %d: %s, want %s", f.name, i+1, got, v.out)
			}
		}
		k, u := unhex(t, f.base), unhex(t, f.base)
		for i := 1; i <= 1000; i++ {
			k, u = f.fn(t, k, u), k
			if i == 1 && hex.EncodeToString(k) != f.iter1 {
				t.Errorf("%s after 1 iteration: %x", f.name, k)
			}
		}
		if hex.EncodeToString(k) != f.iter1000 {
			t.Errorf("%s after 1,000 iterations: %x", f.name, k)
		}
	}
}

// TestRFC7748DH runs section 6's exchanges between Alice and Bob: each
// one's public key from the private key object, and the shared secret
// both compute.
func TestRFC7748DH(t *testing.T) {
	for _, v := range []struct {
		c                                         *OctetCurve
		alicePriv, alicePub, bobPriv, bobPub, key string
	}{
		{x25519Curve, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
			"5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
			"4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"},
		{x448Curve, "9a8f4925d1519f5775cf46b04b5800d4ee9ee8bae8bc5565d498c28dd9c9baf574a9419744897391006382a6f127ab1d9ac2d8c0a598726b",
			"9b08f7cc31b7e3e67d22d5aea121074a273bd2b83de09c63faa73d2c22c5d9bbc836647241d953d40c5b12da88120d53177f80e532c41fa0",
			"1c306a7ac2a0e2e0990b294470cba339e6453772b075811d8fad0d1d6927c120bb5ee8972b0d3e21374c9c921b09d1b0366f10b65173992d",
			"3eb7a829b0cd20f5bcfc0b599b6feccf6da4627107bdb0d4f345b43027d8b972fc3e34fb4232a13ca706dcb57aec3dae07bdc1c67bf33609",
			"07fff4181ac6cc95ec1c16a94a0f74d12da232ce40a77552281d282bb60c0b56fd2464c335543936521c24403085d59a449a5037514a879d"},
	} {
		alice, _ := octetKeyPair(t, v.c, v.c.Params, unhex(t, v.alicePriv), false)
		bob, _ := octetKeyPair(t, v.c, v.c.Params, unhex(t, v.bobPriv), false)
		for _, p := range []struct {
			obj  *Object
			want string
		}{{alice, v.alicePub}, {bob, v.bobPub}} {
			if point, _ := p.obj.Value(ck.CKA_EC_POINT); !bytes.Equal(point, v.c.Point(unhex(t, p.want))) {
				t.Errorf("%s: public key %x, want %s", v.c.Name, point, p.want)
			}
		}
		fn := x25519Func
		if v.c == x448Curve {
			fn = x448Func
		}
		ab := hex.EncodeToString(fn(t, unhex(t, v.alicePriv), unhex(t, v.bobPub)))
		ba := hex.EncodeToString(fn(t, unhex(t, v.bobPriv), unhex(t, v.alicePub)))
		if ab != v.key || ba != v.key {
			t.Errorf("%s: shared secrets %s and %s, want %s", v.c.Name, ab, ba, v.key)
		}
	}
}

// TestX448LowOrder: ECDH with a low-order public key (here u = 0) is
// refused rather than giving an all-zero secret.
func TestX448LowOrder(t *testing.T) {
	_, priv := octetKeyPair(t, x448Curve, X448Params, bytes.Repeat([]byte{7}, 56), false)
	if _, err := priv.Key().(*X448PrivateKey).ECDH(&X448PublicKey{}); err == nil {
		t.Error("ECDH with u = 0 succeeded")
	}
}
