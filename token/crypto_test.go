package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

func TestDigest(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "digest")
	h := mustOpen(t, m, slot, false)
	want := sha256.Sum256([]byte("hello, world"))
	sha := Mechanism{Type: ck.CKM_SHA256}

	_, err := m.Digest(h, []byte("x"), make([]byte, 32))
	wantRV(t, "Digest before init", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "DigestInit(CKM_ECDSA)", m.DigestInit(h, Mechanism{Type: ck.CKM_ECDSA}), ck.CKR_MECHANISM_INVALID)
	wantRV(t, "DigestInit(unknown)", m.DigestInit(h, Mechanism{Type: 0x7777}), ck.CKR_MECHANISM_INVALID)
	// SHA-256 takes no parameter: one the client left there is ignored.
	must(t, m.DigestInit(h, Mechanism{Type: ck.CKM_SHA256, Param: []byte{1}}))
	wantRV(t, "second DigestInit", m.DigestInit(h, sha), ck.CKR_OPERATION_ACTIVE)
	_, err = m.DigestFinal(h, make([]byte, 32))
	must(t, err)

	must(t, m.DigestInit(h, sha))
	wantRV(t, "second DigestInit", m.DigestInit(h, sha), ck.CKR_OPERATION_ACTIVE)
	n, err := m.Digest(h, []byte("hello, world"), nil)
	if err != nil || n != 32 {
		t.Fatalf("length query = %d, %v", n, err)
	}
	n, err = m.Digest(h, []byte("hello, world"), make([]byte, 31))
	wantRV(t, "short buffer", err, ck.CKR_BUFFER_TOO_SMALL)
	if n != 32 {
		t.Errorf("short buffer reported length %d", n)
	}
	out := make([]byte, 40)
	n, err = m.Digest(h, []byte("hello, world"), out)
	if err != nil || n != 32 || !bytes.Equal(out[:n], want[:]) {
		t.Fatalf("Digest = %x, %v", out[:n], err)
	}
	_, err = m.Digest(h, []byte("x"), out)
	wantRV(t, "Digest after it finished", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	must(t, m.DigestInit(h, sha))
	must(t, m.DigestUpdate(h, []byte("hello, ")))
	must(t, m.DigestUpdate(h, []byte("world")))
	n, err = m.DigestFinal(h, out)
	if err != nil || !bytes.Equal(out[:n], want[:]) {
		t.Fatalf("multi-part digest = %x, %v", out[:n], err)
	}
	wantRV(t, "DigestUpdate after final", m.DigestUpdate(h, nil), ck.CKR_OPERATION_NOT_INITIALIZED)

	// C_DigestKey over a secret key equals digesting its value.
	rw := userSession(t, m, slot)
	secret := []byte("0123456789abcdef")
	key, err := m.CreateObject(rw, object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET)), object.Bytes(ck.CKA_VALUE, secret)})
	must(t, err)
	must(t, m.DigestInit(rw, sha))
	must(t, m.DigestKey(rw, key))
	n, err = m.DigestFinal(rw, out)
	if sum := sha256.Sum256(secret); err != nil || !bytes.Equal(out[:n], sum[:]) {
		t.Errorf("DigestKey = %x, %v", out[:n], err)
	}
	_, priv := genEC(t, m, rw, "k", false)
	must(t, m.DigestInit(rw, sha))
	wantRV(t, "DigestKey of a private key", m.DigestKey(rw, priv), ck.CKR_KEY_INDIGESTIBLE)
}

// verifyECDSA checks a raw r||s P-256 signature with Go's crypto, not with the token.
func verifyECDSA(t *testing.T, m *Module, h ck.SessionHandle, pub ck.ObjectHandle, digest, sig []byte) bool {
	t.Helper()
	attrs, err := m.GetAttributes(h, pub, ck.CKA_PUBLIC_KEY_INFO)
	must(t, err)
	key, err := x509.ParsePKIXPublicKey(attrs[0].Value)
	must(t, err)
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	return ecdsa.Verify(key.(*ecdsa.PublicKey), digest, r, s)
}

func TestSignVerifyEC(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "sign")
	h := userSession(t, m, slot)
	pub, priv := genEC(t, m, h, "Device Priv TLS Key", true)
	msg := []byte("TLS handshake transcript")
	digest := sha256.Sum256(msg)

	for _, mech := range []ck.MechanismType{ck.CKM_ECDSA, ck.CKM_ECDSA_SHA256} {
		input := msg
		if mech == ck.CKM_ECDSA {
			input = digest[:]
		}
		must(t, m.SignInit(h, Mechanism{Type: mech}, priv))
		wantRV(t, "second SignInit", m.SignInit(h, Mechanism{Type: mech}, priv), ck.CKR_OPERATION_ACTIVE)
		n, err := m.Sign(h, input, nil)
		if err != nil || n != 64 {
			t.Fatalf("%v length query = %d, %v", mech, n, err)
		}
		_, err = m.Sign(h, input, make([]byte, 10))
		wantRV(t, "short signature buffer", err, ck.CKR_BUFFER_TOO_SMALL)
		sig := make([]byte, 64)
		n, err = m.Sign(h, input, sig)
		if err != nil || n != 64 || !verifyECDSA(t, m, h, pub, digest[:], sig) {
			t.Fatalf("%v signature does not verify independently: %v", mech, err)
		}
		_, err = m.Sign(h, input, sig)
		wantRV(t, "Sign after it finished", err, ck.CKR_OPERATION_NOT_INITIALIZED)

		must(t, m.VerifyInit(h, Mechanism{Type: mech}, pub))
		must(t, m.Verify(h, input, sig))
		bad := append([]byte(nil), sig...)
		bad[5] ^= 0x40
		must(t, m.VerifyInit(h, Mechanism{Type: mech}, pub))
		wantRV(t, "Verify(tampered)", m.Verify(h, input, bad), ck.CKR_SIGNATURE_INVALID)
		must(t, m.VerifyInit(h, Mechanism{Type: mech}, pub))
		wantRV(t, "Verify(short)", m.Verify(h, input, sig[:63]), ck.CKR_SIGNATURE_LEN_RANGE)
		wantRV(t, "Verify after it finished", m.Verify(h, input, sig), ck.CKR_OPERATION_NOT_INITIALIZED)
	}

	// Multi-part.
	must(t, m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA_SHA256}, priv))
	must(t, m.SignUpdate(h, msg[:5]))
	must(t, m.SignUpdate(h, msg[5:]))
	sig := make([]byte, 64)
	n, err := m.SignFinal(h, sig)
	if err != nil || n != 64 || !verifyECDSA(t, m, h, pub, digest[:], sig) {
		t.Fatalf("multi-part signature: %v", err)
	}
	must(t, m.VerifyInit(h, Mechanism{Type: ck.CKM_ECDSA_SHA256}, pub))
	must(t, m.VerifyUpdate(h, msg[:3]))
	must(t, m.VerifyUpdate(h, msg[3:]))
	must(t, m.VerifyFinal(h, sig))

	// Key use and mechanism errors.
	rsaPub, _, _ := importRSA(t, m, h)
	data, err := m.CreateObject(h, object.Template{class(ck.CKO_DATA)})
	must(t, err)
	noSign, err := m.CopyObject(h, priv, object.Template{object.Bool(ck.CKA_SIGN, false)})
	must(t, err)
	tests := []struct {
		name string
		mc   Mechanism
		key  ck.ObjectHandle
		want ck.RV
	}{
		{"unknown mechanism", Mechanism{Type: 0x7777}, priv, ck.CKR_MECHANISM_INVALID},
		{"digest mechanism", Mechanism{Type: ck.CKM_SHA256}, priv, ck.CKR_MECHANISM_INVALID},
		{"public key", Mechanism{Type: ck.CKM_ECDSA}, pub, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"CKA_SIGN false", Mechanism{Type: ck.CKM_ECDSA}, noSign, ck.CKR_KEY_FUNCTION_NOT_PERMITTED},
		{"RSA mechanism with EC key", Mechanism{Type: ck.CKM_SHA256_RSA_PKCS}, priv, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"not a key", Mechanism{Type: ck.CKM_ECDSA}, data, ck.CKR_KEY_HANDLE_INVALID},
		{"no such key", Mechanism{Type: ck.CKM_ECDSA}, 99999, ck.CKR_KEY_HANDLE_INVALID},
	}
	for _, tt := range tests {
		wantRV(t, "SignInit: "+tt.name, m.SignInit(h, tt.mc, tt.key), tt.want)
	}
	wantRV(t, "VerifyInit with the private key", m.VerifyInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	wantRV(t, "VerifyInit EC mechanism, RSA key", m.VerifyInit(h, Mechanism{Type: ck.CKM_ECDSA}, rsaPub), ck.CKR_KEY_TYPE_INCONSISTENT)
}

func importRSA(t *testing.T, m *Module, h ck.SessionHandle) (pub, priv ck.ObjectHandle, key *rsa.PrivateKey) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	kt := object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_RSA))
	pub, err = m.CreateObject(h, object.Template{class(ck.CKO_PUBLIC_KEY), kt,
		object.Bytes(ck.CKA_MODULUS, key.N.Bytes()), object.Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1})})
	must(t, err)
	priv, err = m.CreateObject(h, object.Template{class(ck.CKO_PRIVATE_KEY), kt, object.Bool(ck.CKA_TOKEN, true),
		object.Bytes(ck.CKA_MODULUS, key.N.Bytes()), object.Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}),
		object.Bytes(ck.CKA_PRIVATE_EXPONENT, key.D.Bytes()),
		object.Bytes(ck.CKA_PRIME_1, key.Primes[0].Bytes()), object.Bytes(ck.CKA_PRIME_2, key.Primes[1].Bytes())})
	must(t, err)
	return pub, priv, key
}

func TestSignVerifyRSA(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "rsa")
	h := userSession(t, m, slot)
	pub, priv, key := importRSA(t, m, h)
	msg := []byte("firmware image")
	digest := sha256.Sum256(msg)
	pss := mech.PSSParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, SaltLen: 32}
	digestInfo := append([]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, digest[:]...)
	tests := []struct {
		mc    Mechanism
		input []byte
		check func(sig []byte) error
	}{
		{Mechanism{Type: ck.CKM_SHA256_RSA_PKCS}, msg, func(sig []byte) error { return rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig) }},
		{Mechanism{Type: ck.CKM_RSA_PKCS}, digestInfo, func(sig []byte) error { return rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig) }},
		{Mechanism{Type: ck.CKM_SHA256_RSA_PKCS_PSS, Param: pss}, msg, func(sig []byte) error {
			return rsa.VerifyPSS(&key.PublicKey, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: 32})
		}},
		{Mechanism{Type: ck.CKM_RSA_PKCS_PSS, Param: pss}, digest[:], func(sig []byte) error {
			return rsa.VerifyPSS(&key.PublicKey, crypto.SHA256, digest[:], sig, &rsa.PSSOptions{SaltLength: 32})
		}},
	}
	for _, tt := range tests {
		must(t, m.SignInit(h, tt.mc, priv))
		sig := make([]byte, 256)
		n, err := m.Sign(h, tt.input, sig)
		if err != nil || n != 256 {
			t.Fatalf("%v: %d, %v", tt.mc.Type, n, err)
		}
		if err := tt.check(sig); err != nil {
			t.Errorf("%v: signature does not verify with Go's crypto: %v", tt.mc.Type, err)
		}
		must(t, m.VerifyInit(h, tt.mc, pub))
		must(t, m.Verify(h, tt.input, sig))
	}
	wantRV(t, "PSS without parameters", m.SignInit(h, Mechanism{Type: ck.CKM_RSA_PKCS_PSS}, priv), ck.CKR_MECHANISM_PARAM_INVALID)
	must(t, m.SignInit(h, Mechanism{Type: ck.CKM_RSA_PKCS}, priv))
	_, err := m.Sign(h, make([]byte, 250), make([]byte, 256))
	wantRV(t, "CKM_RSA_PKCS input too long", err, ck.CKR_DATA_LEN_RANGE)
	_, err = m.Sign(h, digestInfo, make([]byte, 256))
	wantRV(t, "the failed Sign ended the operation", err, ck.CKR_OPERATION_NOT_INITIALIZED)
}

func TestAlwaysAuthenticate(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "auth")
	h := userSession(t, m, slot)
	pt, st := ecGenTemplates("auth", false)
	st = append(st, object.Bool(ck.CKA_ALWAYS_AUTHENTICATE, true))
	_, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, pt, st)
	must(t, err)
	wantRV(t, "context login without an operation", m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(userPIN)), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv))
	digest := sha256.Sum256([]byte("x"))
	if n, err := m.Sign(h, digest[:], nil); err != nil || n != 64 {
		t.Fatalf("length query before the context login = %d, %v", n, err)
	}
	_, err = m.Sign(h, digest[:], make([]byte, 64))
	wantRV(t, "Sign without context login", err, ck.CKR_USER_NOT_LOGGED_IN)
	// Like any error, the refusal ended the operation: it does not stay
	// wedged waiting for a login nobody will give.
	wantRV(t, "context login after the refused Sign", m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(userPIN)), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.SignInit(h, Mechanism{Type: ck.CKM_ECDSA}, priv))
	wantRV(t, "context login with a wrong PIN", m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte("wrong-pin")), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(userPIN)))
	if _, err := m.Sign(h, digest[:], make([]byte, 64)); err != nil {
		t.Fatalf("Sign after context login: %v", err)
	}
}

func TestGenerateKeyPairErrors(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "gen")
	h := userSession(t, m, slot)
	ro := mustOpen(t, m, slot, false)
	gen := Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}
	pt, st := ecGenTemplates("x", true)
	_, _, err := m.GenerateKeyPair(ro, gen, pt, st)
	wantRV(t, "token key pair in a read-only session", err, ck.CKR_SESSION_READ_ONLY)
	_, _, err = m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_ECDSA}, pt, st)
	wantRV(t, "CKM_ECDSA generates nothing", err, ck.CKR_MECHANISM_INVALID)
	_, _, err = m.GenerateKeyPair(h, gen, pt[1:], st)
	wantRV(t, "no CKA_EC_PARAMS", err, ck.CKR_TEMPLATE_INCOMPLETE)
	_, _, err = m.GenerateKeyPair(h, gen, append(object.Template{object.Bytes(ck.CKA_EC_PARAMS, []byte{6, 3, 1, 2, 3})}, pt[1:]...), st)
	wantRV(t, "unknown curve", err, ck.CKR_ATTRIBUTE_VALUE_INVALID)
	_, _, err = m.GenerateKeyPair(h, gen, append(pt, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_RSA))), st)
	wantRV(t, "RSA key type", err, ck.CKR_TEMPLATE_INCONSISTENT)
	_, _, err = m.GenerateKeyPair(h, gen, pt, append(st, object.Bytes(ck.CKA_VALUE, []byte{1})))
	wantRV(t, "private value given", err, ck.CKR_TEMPLATE_INCONSISTENT)
	if got := find(t, m, h, nil); len(got) != 0 {
		t.Errorf("failed generations left %d objects", len(got))
	}
	pub, priv, err := m.GenerateKeyPair(h, Mechanism{Type: ck.CKM_RSA_PKCS_KEY_PAIR_GEN},
		object.Template{object.ULong(ck.CKA_MODULUS_BITS, 1024)}, object.Template{object.Bool(ck.CKA_SIGN, true)})
	must(t, err)
	attrs, err := m.GetAttributes(h, priv, ck.CKA_LOCAL, ck.CKA_KEY_GEN_MECHANISM, ck.CKA_ALWAYS_SENSITIVE, ck.CKA_NEVER_EXTRACTABLE)
	must(t, err)
	if mt, _ := object.DecodeULong(attrs[1].Value); attrs[0].Value[0] != 1 || mt != uint(ck.CKM_RSA_PKCS_KEY_PAIR_GEN) || attrs[2].Value[0] != 1 || attrs[3].Value[0] != 1 {
		t.Errorf("generated RSA key attributes %v", attrs)
	}
	if bits, _ := m.GetAttributes(h, pub, ck.CKA_MODULUS_BITS); len(bits) != 1 {
		t.Error("no CKA_MODULUS_BITS")
	}
}

func TestRandom(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "rng")
	h := mustOpen(t, m, slot, false)
	a, b := make([]byte, 64), make([]byte, 64)
	must(t, m.GenerateRandom(h, a))
	must(t, m.GenerateRandom(h, b))
	if bytes.Equal(a, b) {
		t.Error("two random draws are equal")
	}
	wantRV(t, "SeedRandom", m.SeedRandom(h, []byte{1}), ck.CKR_RANDOM_SEED_NOT_SUPPORTED)
	wantRV(t, "GenerateRandom on a bad session", m.GenerateRandom(12345, a), ck.CKR_SESSION_HANDLE_INVALID)
}
