package object

import (
	"bytes"
	"crypto/des"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

var (
	ecKeyOnce sync.Once
	ecKey     *ecdsa.PrivateKey
	rsaKey    *rsa.PrivateKey
	certDER   []byte
)

func fixtures(t testing.TB) {
	t.Helper()
	ecKeyOnce.Do(func() {
		var err error
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(4242),
			Subject:      pkix.Name{CommonName: "device"},
			NotBefore:    time.Now(), NotAfter: time.Now().Add(time.Hour),
		}
		if certDER, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &ecKey.PublicKey, ecKey); err != nil {
			panic(err)
		}
	})
}

func class(c ck.ObjectClass) Attribute { return ULong(ck.CKA_CLASS, uint(c)) }
func keyType(k ck.KeyType) Attribute   { return ULong(ck.CKA_KEY_TYPE, uint(k)) }

func ecPrivateTemplate() Template {
	d := make([]byte, 32)
	ecKey.D.FillBytes(d)
	return Template{class(ck.CKO_PRIVATE_KEY), keyType(ck.CKK_EC),
		Bytes(ck.CKA_EC_PARAMS, Curves[0].Params), Bytes(ck.CKA_VALUE, d), String(ck.CKA_LABEL, "Device Priv TLS Key")}
}

func ecPublicTemplate(point []byte) Template {
	return Template{class(ck.CKO_PUBLIC_KEY), keyType(ck.CKK_EC),
		Bytes(ck.CKA_EC_PARAMS, Curves[0].Params), Bytes(ck.CKA_EC_POINT, point)}
}

func rsaPrivateTemplate(withPrimes bool) Template {
	t := Template{class(ck.CKO_PRIVATE_KEY), keyType(ck.CKK_RSA),
		Bytes(ck.CKA_MODULUS, rsaKey.N.Bytes()),
		Bytes(ck.CKA_PUBLIC_EXPONENT, big.NewInt(int64(rsaKey.E)).Bytes()),
		Bytes(ck.CKA_PRIVATE_EXPONENT, rsaKey.D.Bytes())}
	if withPrimes {
		t = append(t, Bytes(ck.CKA_PRIME_1, rsaKey.Primes[0].Bytes()), Bytes(ck.CKA_PRIME_2, rsaKey.Primes[1].Bytes()))
	}
	return t
}

func rvOf(err error) ck.RV { return ck.ToRV(err) }

func TestNew(t *testing.T) {
	fixtures(t)
	raw, _ := ecKey.PublicKey.Bytes()
	der, _ := asn1.Marshal(raw)
	wrongOID, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 3, 132, 0, 10}) // secp256k1
	badPoint := append([]byte(nil), raw...)
	badPoint[40] ^= 1
	tests := []struct {
		name string
		tmpl Template
		want ck.RV
	}{
		{"data", Template{class(ck.CKO_DATA), String(ck.CKA_LABEL, "x"), Bytes(ck.CKA_VALUE, []byte("v"))}, ck.CKR_OK},
		{"no class", Template{String(ck.CKA_LABEL, "x")}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"unknown class", Template{class(ck.CKO_HW_FEATURE)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unknown attribute type", Template{class(ck.CKO_DATA), {ck.AttributeType(0x7fff), []byte{1}}}, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"attribute of another class", Template{class(ck.CKO_DATA), Bytes(ck.CKA_MODULUS, []byte{1})}, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"bad bool", Template{class(ck.CKO_DATA), {ck.CKA_TOKEN, []byte{1, 0}}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"bad ulong", Template{{ck.CKA_CLASS, []byte{1}}}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"contradiction", Template{class(ck.CKO_DATA), Bool(ck.CKA_TOKEN, true), Bool(ck.CKA_TOKEN, false)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"certificate", Template{class(ck.CKO_CERTIFICATE), ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_X_509)), Bytes(ck.CKA_VALUE, certDER)}, ck.CKR_OK},
		{"certificate bad DER", Template{class(ck.CKO_CERTIFICATE), ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_X_509)), Bytes(ck.CKA_VALUE, certDER[:100])}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"certificate no type", Template{class(ck.CKO_CERTIFICATE), Bytes(ck.CKA_VALUE, certDER)}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"certificate no value", Template{class(ck.CKO_CERTIFICATE), ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_X_509))}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"WTLS certificate", Template{class(ck.CKO_CERTIFICATE), ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_WTLS)), Bytes(ck.CKA_VALUE, certDER)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC private", ecPrivateTemplate(), ck.CKR_OK},
		{"EC public DER point", ecPublicTemplate(der), ck.CKR_OK},
		{"EC public raw point", ecPublicTemplate(raw), ck.CKR_OK},
		{"EC public point off curve", ecPublicTemplate(badPoint), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC public truncated point", ecPublicTemplate(der[:20]), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC unknown curve", append(ecPublicTemplate(der)[:2:2], Bytes(ck.CKA_EC_PARAMS, wrongOID), Bytes(ck.CKA_EC_POINT, der)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC params garbage", append(ecPublicTemplate(der)[:2:2], Bytes(ck.CKA_EC_PARAMS, []byte{1, 2, 3}), Bytes(ck.CKA_EC_POINT, der)), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC private without value", ecPrivateTemplate()[:3], ck.CKR_TEMPLATE_INCOMPLETE},
		{"EC private zero scalar", append(ecPrivateTemplate()[:3:3], Bytes(ck.CKA_VALUE, make([]byte, 32))), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC private scalar too long", append(ecPrivateTemplate()[:3:3], Bytes(ck.CKA_VALUE, bytes.Repeat([]byte{1}, 33))), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"EC no key type", ecPrivateTemplate()[2:], ck.CKR_TEMPLATE_INCOMPLETE},
		{"CKA_LOCAL is the token's", append(ecPrivateTemplate(), Bool(ck.CKA_LOCAL, true)), ck.CKR_ATTRIBUTE_READ_ONLY},
		{"CKA_ALWAYS_SENSITIVE is the token's", append(ecPrivateTemplate(), Bool(ck.CKA_ALWAYS_SENSITIVE, true)), ck.CKR_ATTRIBUTE_READ_ONLY},
		{"CKA_TRUSTED needs the SO", append(ecPublicTemplate(der), Bool(ck.CKA_TRUSTED, true)), ck.CKR_ATTRIBUTE_READ_ONLY},
		{"RSA private with primes", rsaPrivateTemplate(true), ck.CKR_OK},
		{"RSA private primes recovered", rsaPrivateTemplate(false), ck.CKR_OK},
		{"RSA private wrong d", append(rsaPrivateTemplate(false)[:4:4], Bytes(ck.CKA_PRIVATE_EXPONENT, big.NewInt(12345).Bytes())), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"RSA private wrong prime", append(rsaPrivateTemplate(false), Bytes(ck.CKA_PRIME_1, big.NewInt(7).Bytes()), Bytes(ck.CKA_PRIME_2, rsaKey.Primes[1].Bytes())), ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"RSA private one prime", append(rsaPrivateTemplate(false), Bytes(ck.CKA_PRIME_1, rsaKey.Primes[0].Bytes())), ck.CKR_TEMPLATE_INCONSISTENT},
		{"RSA public", Template{class(ck.CKO_PUBLIC_KEY), keyType(ck.CKK_RSA), Bytes(ck.CKA_MODULUS, rsaKey.N.Bytes()), Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1})}, ck.CKR_OK},
		{"RSA public too small", Template{class(ck.CKO_PUBLIC_KEY), keyType(ck.CKK_RSA), Bytes(ck.CKA_MODULUS, rsaKey.N.Bytes()[:64]), Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1})}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"RSA public even exponent", Template{class(ck.CKO_PUBLIC_KEY), keyType(ck.CKK_RSA), Bytes(ck.CKA_MODULUS, rsaKey.N.Bytes()), Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 0})}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"RSA public no exponent", Template{class(ck.CKO_PUBLIC_KEY), keyType(ck.CKK_RSA), Bytes(ck.CKA_MODULUS, rsaKey.N.Bytes())}, ck.CKR_TEMPLATE_INCOMPLETE},
		{"RSA public modulus bits given", Template{class(ck.CKO_PUBLIC_KEY), keyType(ck.CKK_RSA), Bytes(ck.CKA_MODULUS, rsaKey.N.Bytes()), Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}), ULong(ck.CKA_MODULUS_BITS, 2048)}, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"AES", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_AES), Bytes(ck.CKA_VALUE, make([]byte, 32))}, ck.CKR_OK},
		{"AES bad length", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_AES), Bytes(ck.CKA_VALUE, make([]byte, 15))}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"AES wrong CKA_VALUE_LEN", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_AES), Bytes(ck.CKA_VALUE, make([]byte, 16)), ULong(ck.CKA_VALUE_LEN, 32)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"generic secret", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_GENERIC_SECRET), Bytes(ck.CKA_VALUE, []byte("s3cret"))}, ck.CKR_OK},
		{"generic secret empty", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_GENERIC_SECRET), Bytes(ck.CKA_VALUE, nil)}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unsupported key type", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_BLOWFISH), Bytes(ck.CKA_VALUE, make([]byte, 24))}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"DES3 key", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_DES3), Bytes(ck.CKA_VALUE, make([]byte, 24))}, ck.CKR_OK},
		{"DES3 key of 16 bytes", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_DES3), Bytes(ck.CKA_VALUE, make([]byte, 16))}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"DES2 key", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_DES2), Bytes(ck.CKA_VALUE, make([]byte, 16))}, ck.CKR_OK},
		{"DES2 key with CKA_VALUE_LEN", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_DES2), Bytes(ck.CKA_VALUE, make([]byte, 16)), ULong(ck.CKA_VALUE_LEN, 16)}, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"bad date", Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_AES), Bytes(ck.CKA_VALUE, make([]byte, 16)), Bytes(ck.CKA_START_DATE, []byte("2026-1-1"))}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"bad label", Template{class(ck.CKO_DATA), Bytes(ck.CKA_LABEL, []byte{0xff, 0xfe})}, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.tmpl, nil, Origin{})
			if got := rvOf(err); got != tt.want {
				t.Errorf("New = %v (%v), want %v", got, err, tt.want)
			}
		})
	}
}

func TestDefaultsAndDerived(t *testing.T) {
	fixtures(t)
	priv, err := New(ecPrivateTemplate(), nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		t    ck.AttributeType
		want bool
	}{
		{ck.CKA_TOKEN, false}, {ck.CKA_PRIVATE, true}, {ck.CKA_SENSITIVE, true}, {ck.CKA_EXTRACTABLE, false},
		{ck.CKA_LOCAL, false}, {ck.CKA_ALWAYS_SENSITIVE, false}, {ck.CKA_NEVER_EXTRACTABLE, false},
		{ck.CKA_SIGN, true}, {ck.CKA_MODIFIABLE, true}, {ck.CKA_DERIVE, false},
	} {
		if got := priv.Bool(c.t); got != c.want {
			t.Errorf("%v = %v, want %v", c.t, got, c.want)
		}
	}
	// PKCS#11 3.2 gives every private key CKA_DECAPSULATE.
	if v, err := priv.Attribute(ck.CKA_DECAPSULATE); err != nil || !bytes.Equal(v, []byte{0}) {
		t.Errorf("CKA_DECAPSULATE of an EC key = %x, %v; want CK_FALSE", v, err)
	}
	if m, _ := priv.ULong(ck.CKA_KEY_GEN_MECHANISM); m != ck.CK_UNAVAILABLE_INFORMATION {
		t.Errorf("CKA_KEY_GEN_MECHANISM = %#x for an imported key", m)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&ecKey.PublicKey)
	if v, _ := priv.Attribute(ck.CKA_PUBLIC_KEY_INFO); !bytes.Equal(v, spki) {
		t.Error("CKA_PUBLIC_KEY_INFO is not the key's SubjectPublicKeyInfo")
	}
	if k, ok := priv.Key().(*ecdsa.PrivateKey); !ok || !k.Equal(ecKey) {
		t.Error("Key() is not the imported key")
	}

	gen, err := New(Template{Bool(ck.CKA_TOKEN, true), String(ck.CKA_LABEL, "g")}, ecPrivateTemplate()[:4], Origin{Generated: true, Mechanism: ck.CKM_EC_KEY_PAIR_GEN})
	if err != nil {
		t.Fatal(err)
	}
	if !gen.Bool(ck.CKA_LOCAL) || !gen.Bool(ck.CKA_ALWAYS_SENSITIVE) || !gen.Bool(ck.CKA_NEVER_EXTRACTABLE) {
		t.Error("a generated sensitive key must be LOCAL, ALWAYS_SENSITIVE and NEVER_EXTRACTABLE")
	}
	if m, _ := gen.ULong(ck.CKA_KEY_GEN_MECHANISM); m != uint(ck.CKM_EC_KEY_PAIR_GEN) {
		t.Errorf("CKA_KEY_GEN_MECHANISM = %#x", m)
	}

	cert, err := New(Template{class(ck.CKO_CERTIFICATE), ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_X_509)), Bytes(ck.CKA_VALUE, certDER)}, nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := x509.ParseCertificate(certDER)
	if v, _ := cert.Attribute(ck.CKA_SUBJECT); !bytes.Equal(v, parsed.RawSubject) {
		t.Error("CKA_SUBJECT not derived from the certificate")
	}
	if cert.IsPrivate() {
		t.Error("certificates default to public")
	}

	aes, err := New(Template{class(ck.CKO_SECRET_KEY), keyType(ck.CKK_AES), Bytes(ck.CKA_VALUE, make([]byte, 16))}, nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	// AES-128 with an all-zero key encrypts the zero block to 66e94bd4ef8a2c3b...
	if v, _ := aes.Attribute(ck.CKA_CHECK_VALUE); !bytes.Equal(v, []byte{0x66, 0xe9, 0x4b}) {
		t.Errorf("CKA_CHECK_VALUE = %x", v)
	}
}

func TestGenerationRules(t *testing.T) {
	fixtures(t)
	material := ecPrivateTemplate()[:4]
	tests := []struct {
		name string
		tmpl Template
		want ck.RV
	}{
		{"plain", Template{Bool(ck.CKA_SIGN, true)}, ck.CKR_OK},
		{"same params repeated", Template{Bytes(ck.CKA_EC_PARAMS, Curves[0].Params)}, ck.CKR_OK},
		{"other curve", Template{Bytes(ck.CKA_EC_PARAMS, Curves[1].Params)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"wrong class", Template{class(ck.CKO_SECRET_KEY)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"wrong key type", Template{keyType(ck.CKK_RSA)}, ck.CKR_TEMPLATE_INCONSISTENT},
		{"value given", Template{Bytes(ck.CKA_VALUE, []byte{1})}, ck.CKR_TEMPLATE_INCONSISTENT},
	}
	for _, tt := range tests {
		_, err := New(tt.tmpl, material, Origin{Generated: true, Mechanism: ck.CKM_EC_KEY_PAIR_GEN})
		if got := rvOf(err); got != tt.want {
			t.Errorf("%s: New = %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
	pubMaterial := Template{class(ck.CKO_PUBLIC_KEY), keyType(ck.CKK_EC), Bytes(ck.CKA_EC_POINT, ECPoint(&ecKey.PublicKey))}
	if _, err := New(nil, pubMaterial, Origin{Generated: true}); rvOf(err) != ck.CKR_TEMPLATE_INCOMPLETE {
		t.Errorf("public key generation without CKA_EC_PARAMS: %v", err)
	}
}

func TestAttributeSensitivity(t *testing.T) {
	fixtures(t)
	tests := []struct {
		name        string
		extra       Template
		wantValueRV ck.RV
	}{
		{"default sensitive", nil, ck.CKR_ATTRIBUTE_SENSITIVE},
		{"not sensitive, not extractable", Template{Bool(ck.CKA_SENSITIVE, false)}, ck.CKR_ATTRIBUTE_SENSITIVE},
		{"extractable but sensitive", Template{Bool(ck.CKA_EXTRACTABLE, true)}, ck.CKR_ATTRIBUTE_SENSITIVE},
		{"extractable and not sensitive", Template{Bool(ck.CKA_SENSITIVE, false), Bool(ck.CKA_EXTRACTABLE, true)}, ck.CKR_OK},
	}
	for _, tt := range tests {
		o, err := New(append(ecPrivateTemplate(), tt.extra...), nil, Origin{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Attribute(ck.CKA_VALUE); rvOf(err) != tt.wantValueRV {
			t.Errorf("%s: CKA_VALUE gives %v, want %v", tt.name, err, tt.wantValueRV)
		}
		if _, err := o.Attribute(ck.CKA_LABEL); err != nil {
			t.Errorf("%s: CKA_LABEL: %v", tt.name, err)
		}
		if _, err := o.Attribute(ck.CKA_MODULUS); rvOf(err) != ck.CKR_ATTRIBUTE_TYPE_INVALID {
			t.Errorf("%s: CKA_MODULUS of an EC key: %v", tt.name, err)
		}
		d := make([]byte, 32)
		ecKey.D.FillBytes(d)
		if want := tt.wantValueRV == ck.CKR_OK; o.Matches(mustQuery(Template{Bytes(ck.CKA_VALUE, d)})) != want {
			t.Errorf("%s: matching on CKA_VALUE = %v, want %v", tt.name, !want, want)
		}
	}
}

func TestSetAndCopy(t *testing.T) {
	fixtures(t)
	base, err := New(append(ecPrivateTemplate(), Bool(ck.CKA_SENSITIVE, false), Bool(ck.CKA_EXTRACTABLE, true)), nil, Origin{})
	if err != nil {
		t.Fatal(err)
	}
	locked, _ := New(append(ecPrivateTemplate(), Bool(ck.CKA_MODIFIABLE, false), Bool(ck.CKA_COPYABLE, false)), nil, Origin{})
	tests := []struct {
		name string
		obj  *Object
		op   func(*Object, Template, bool) (*Object, error)
		tmpl Template
		so   bool
		want ck.RV
	}{
		{"set label", base, (*Object).Set, Template{String(ck.CKA_LABEL, "new")}, false, ck.CKR_OK},
		{"set sensitive on", base, (*Object).Set, Template{Bool(ck.CKA_SENSITIVE, true)}, false, ck.CKR_OK},
		{"set extractable off", base, (*Object).Set, Template{Bool(ck.CKA_EXTRACTABLE, false)}, false, ck.CKR_OK},
		{"set token", base, (*Object).Set, Template{Bool(ck.CKA_TOKEN, true)}, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"set same token", base, (*Object).Set, Template{Bool(ck.CKA_TOKEN, false)}, false, ck.CKR_OK},
		{"set class", base, (*Object).Set, Template{class(ck.CKO_DATA)}, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"set key value", base, (*Object).Set, Template{Bytes(ck.CKA_VALUE, make([]byte, 32))}, false, ck.CKR_ATTRIBUTE_READ_ONLY},
		{"set unknown", base, (*Object).Set, Template{Bytes(ck.CKA_MODULUS, []byte{1})}, false, ck.CKR_ATTRIBUTE_TYPE_INVALID},
		{"set bad value", base, (*Object).Set, Template{{ck.CKA_SIGN, []byte{1, 1}}}, false, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{"unmodifiable", locked, (*Object).Set, Template{String(ck.CKA_LABEL, "x")}, false, ck.CKR_ACTION_PROHIBITED},
		{"uncopyable", locked, (*Object).Copy, nil, false, ck.CKR_ACTION_PROHIBITED},
		{"copy to token", base, (*Object).Copy, Template{Bool(ck.CKA_TOKEN, true), Bool(ck.CKA_PRIVATE, false)}, false, ck.CKR_OK},
		{"copy changes class", base, (*Object).Copy, Template{class(ck.CKO_DATA)}, false, ck.CKR_ATTRIBUTE_READ_ONLY},
	}
	for _, tt := range tests {
		n, err := tt.op(tt.obj, tt.tmpl, tt.so)
		if got := rvOf(err); got != tt.want {
			t.Errorf("%s: %v (%v), want %v", tt.name, got, err, tt.want)
			continue
		}
		if err == nil && !n.Matches(mustQuery(tt.tmpl)) {
			t.Errorf("%s: the result does not carry the change", tt.name)
		}
	}
	sens, _ := base.Set(Template{Bool(ck.CKA_SENSITIVE, true)}, false)
	if _, err := sens.Set(Template{Bool(ck.CKA_SENSITIVE, false)}, false); rvOf(err) != ck.CKR_ATTRIBUTE_READ_ONLY {
		t.Errorf("CKA_SENSITIVE went back to false: %v", err)
	}
	if sens.Bool(ck.CKA_ALWAYS_SENSITIVE) {
		t.Error("CKA_ALWAYS_SENSITIVE became true by SetAttributeValue")
	}
	unext, _ := base.Set(Template{Bool(ck.CKA_EXTRACTABLE, false)}, false)
	if _, err := unext.Copy(Template{Bool(ck.CKA_EXTRACTABLE, true)}, false); rvOf(err) != ck.CKR_ATTRIBUTE_READ_ONLY {
		t.Errorf("CKA_EXTRACTABLE went back to true in a copy: %v", err)
	}
	if base.Bool(ck.CKA_SENSITIVE) {
		t.Error("Set changed the original object")
	}
}

func TestEncodeDecode(t *testing.T) {
	fixtures(t)
	templates := map[string]Template{
		"EC private":  ecPrivateTemplate(),
		"RSA private": rsaPrivateTemplate(true),
		"EC public":   ecPublicTemplate(ECPoint(&ecKey.PublicKey)),
		"data":        {class(ck.CKO_DATA), String(ck.CKA_LABEL, "l"), Bytes(ck.CKA_VALUE, []byte{0, 1, 2})},
		"mechanisms":  {class(ck.CKO_SECRET_KEY), keyType(ck.CKK_AES), Bytes(ck.CKA_VALUE, make([]byte, 16)), Bytes(ck.CKA_ALLOWED_MECHANISMS, append(EncodeULong(uint(ck.CKM_AES_GCM)), EncodeULong(uint(ck.CKM_AES_CBC))...))},
	}
	for name, tmpl := range templates {
		o, err := New(tmpl, nil, Origin{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := Decode(o.Encode())
		if err != nil {
			t.Fatalf("%s: Decode: %v", name, err)
		}
		for _, typ := range o.Types() {
			a, _ := o.Value(typ)
			b, ok := got.Value(typ)
			if !ok || !bytes.Equal(a, b) {
				t.Errorf("%s: %v changed in the round trip", name, typ)
			}
		}
		if len(got.Types()) != len(o.Types()) {
			t.Errorf("%s: attribute count %d, want %d", name, len(got.Types()), len(o.Types()))
		}
		if o.Key() != nil && got.Key() == nil {
			t.Errorf("%s: the key material did not survive the round trip", name)
		}
	}
}

func mustValue(o *Object, types ...ck.AttributeType) []byte {
	for _, t := range types {
		if v, ok := o.Value(t); ok {
			return v
		}
	}
	panic("no such attribute")
}

func TestDecodeRejectsCorruption(t *testing.T) {
	fixtures(t)
	o, _ := New(ecPrivateTemplate(), nil, Origin{})
	pub := o.Encode()
	cases := map[string][]byte{
		"empty":       {},
		"bad version": append([]byte{9}, pub[1:]...),
		"truncated":   pub[:len(pub)-3],
		"trailing":    append(append([]byte(nil), pub...), 0),
	}
	for name, b := range cases {
		if _, err := Decode(b); !errors.Is(err, errCorrupt) {
			t.Errorf("%s: Decode = %v, want corruption error", name, err)
		}
	}
}

func TestRecoverPrimes(t *testing.T) {
	fixtures(t)
	for i := 0; i < 3; i++ {
		k, err := rsa.GenerateKey(rand.Reader, 1024)
		if err != nil {
			t.Fatal(err)
		}
		p, q := recoverPrimes(k.N, k.E, k.D)
		if p == nil || new(big.Int).Mul(p, q).Cmp(k.N) != 0 {
			t.Fatalf("recoverPrimes failed for key %d", i)
		}
	}
	if p, _ := recoverPrimes(rsaKey.N, rsaKey.E, big.NewInt(99)); p != nil {
		t.Error("recoverPrimes factored with a wrong d")
	}
}

func mustQuery(t Template) Query {
	q, ok := NewQuery(t)
	if !ok {
		panic("bad query")
	}
	return q
}

func TestQuery(t *testing.T) {
	fixtures(t)
	o, _ := New(append(ecPrivateTemplate(), Bytes(ck.CKA_ID, []byte{1, 2})), nil, Origin{})
	tests := []struct {
		name  string
		tmpl  Template
		ok    bool
		match bool
	}{
		{"empty matches all", nil, true, true},
		{"class and label", Template{class(ck.CKO_PRIVATE_KEY), String(ck.CKA_LABEL, "Device Priv TLS Key")}, true, true},
		{"bool given as 0xff", Template{{ck.CKA_SIGN, []byte{0xff}}}, true, true},
		{"other label", Template{String(ck.CKA_LABEL, "Device Cert")}, true, false},
		{"attribute it lacks", Template{Bytes(ck.CKA_MODULUS, []byte{1})}, true, false},
		{"unknown type", Template{{ck.AttributeType(0x7ffff), nil}}, false, false},
		{"malformed ulong", Template{{ck.CKA_CLASS, []byte{3}}}, false, false},
	}
	for _, tt := range tests {
		q, ok := NewQuery(tt.tmpl)
		if ok != tt.ok || (ok && o.Matches(q) != tt.match) {
			t.Errorf("%s: ok=%v match=%v", tt.name, ok, ok && o.Matches(q))
		}
	}
}

// TestTripleDESCheckValue: CKA_CHECK_VALUE is the first three bytes of
// the key's encryption of a zero block; a two-key value K1||K2 is the
// three-key K1||K2||K1.
func TestTripleDESCheckValue(t *testing.T) {
	k1, k2 := bytes.Repeat([]byte{0x01}, 8), bytes.Repeat([]byte{0xfe}, 8)
	two := append(bytes.Clone(k1), k2...)
	three := append(bytes.Clone(two), k1...)
	block, err := des.NewTripleDESCipher(three)
	if err != nil {
		t.Fatal(err)
	}
	want := make([]byte, 8)
	block.Encrypt(want, want)
	for kt, v := range map[ck.KeyType][]byte{ck.CKK_DES2: two, ck.CKK_DES3: three} {
		o, err := New(Template{class(ck.CKO_SECRET_KEY), keyType(kt), Bytes(ck.CKA_VALUE, v)}, nil, Origin{})
		if err != nil {
			t.Fatalf("%v: %v", kt, err)
		}
		if got, _ := o.Value(ck.CKA_CHECK_VALUE); !bytes.Equal(got, want[:3]) {
			t.Errorf("%v check value %x, want %x", kt, got, want[:3])
		}
	}
}
