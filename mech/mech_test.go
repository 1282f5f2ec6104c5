package mech

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/hex"
	"math/big"
	"math/bits"
	"sync"
	"testing"

	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

var (
	keysOnce sync.Once
	ecKey    *ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
	rsaKey   *rsa.PrivateKey
	// mldsaKey and slhdsaKey are an ML-DSA-44 and an SLH-DSA-SHAKE-128f
	// key, the fastest of their kinds.
	mldsaKey  *mldsa44.PrivateKey
	slhdsaKey slhdsa.PrivateKey
)

func keys() {
	keysOnce.Do(func() {
		ecKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		_, edKey, _ = ed25519.GenerateKey(rand.Reader)
		rsaKey, _ = rsa.GenerateKey(rand.Reader, 2048)
		_, mldsaKey, _ = mldsa44.GenerateKey(rand.Reader)
		_, slhdsaKey, _ = slhdsa.GenerateKey(rand.Reader, slhdsa.SHAKE_128f)
	})
}

func pssParam(h ck.MechanismType, mgf ck.MGF, sLen uint) PSSParams {
	return PSSParams{Hash: h, MGF: mgf, SaltLen: sLen}
}

func TestDigest(t *testing.T) {
	tests := []struct {
		mech ck.MechanismType
		want string
	}{
		{ck.CKM_MD5, "900150983cd24fb0d6963f7d28e17f72"},
		{ck.CKM_SHA_1, "a9993e364706816aba3e25717850c26c9cd0d89d"},
		{ck.CKM_SHA256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
		{ck.CKM_SHA384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
		// FIPS 202's examples of "abc".
		{ck.CKM_SHA3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"},
		{ck.CKM_SHA3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"},
		{ck.CKM_SHA3_384, "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25"},
		{ck.CKM_SHA3_512, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"},
	}
	for _, tt := range tests {
		m, err := Lookup(tt.mech)
		if err != nil || m.Info.Flags&ck.CKF_DIGEST == 0 {
			t.Fatalf("%v: %v", tt.mech, err)
		}
		h, err := m.NewDigest(nil)
		if err != nil {
			t.Fatal(err)
		}
		h.Write([]byte("abc"))
		if got := hex.EncodeToString(h.Sum(nil)); got != tt.want {
			t.Errorf("%v(abc) = %s", tt.mech, got)
		}
		if m.Param != NoParam {
			t.Errorf("%v declares a parameter %v; digests take none", tt.mech, m.Param)
		}
	}
	// The mechanisms of broken algorithms are marked so.
	for _, mt := range []ck.MechanismType{ck.CKM_MD5, ck.CKM_DES_KEY_GEN} {
		if m, err := Lookup(mt); err != nil || !m.Legacy {
			t.Errorf("%v is not a legacy mechanism: %v", mt, err)
		}
	}
}

// independentVerify checks a signature with Go's crypto directly, not
// with the mechanism under test.
func independentVerify(t *testing.T, mech ck.MechanismType, msg, sig []byte) bool {
	t.Helper()
	digest := func(h crypto.Hash) []byte {
		if h == 0 {
			return msg
		}
		hh := h.New()
		hh.Write(msg)
		return hh.Sum(nil)
	}
	switch mech {
	case ck.CKM_ECDSA, ck.CKM_ECDSA_SHA256, ck.CKM_ECDSA_SHA384:
		h := map[ck.MechanismType]crypto.Hash{ck.CKM_ECDSA_SHA256: crypto.SHA256, ck.CKM_ECDSA_SHA384: crypto.SHA384}[mech]
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return len(sig) == 64 && ecdsa.Verify(&ecKey.PublicKey, digest(h), r, s)
	case ck.CKM_RSA_PKCS:
		return rsa.VerifyPKCS1v15(&rsaKey.PublicKey, 0, msg, sig) == nil
	case ck.CKM_RSA_X_509:
		// The textbook RSA function with math/big, apart from bigmod.
		pub := &rsaKey.PublicKey
		m := new(big.Int).Exp(new(big.Int).SetBytes(sig), big.NewInt(int64(pub.E)), pub.N)
		return m.Cmp(new(big.Int).SetBytes(msg)) == 0
	case ck.CKM_SHA256_RSA_PKCS:
		return rsa.VerifyPKCS1v15(&rsaKey.PublicKey, crypto.SHA256, digest(crypto.SHA256), sig) == nil
	case ck.CKM_RSA_PKCS_PSS:
		return rsa.VerifyPSS(&rsaKey.PublicKey, crypto.SHA256, msg, sig, &rsa.PSSOptions{SaltLength: 32}) == nil
	case ck.CKM_SHA256_RSA_PKCS_PSS:
		return rsa.VerifyPSS(&rsaKey.PublicKey, crypto.SHA256, digest(crypto.SHA256), sig, &rsa.PSSOptions{SaltLength: 32}) == nil
	}
	t.Fatalf("no independent check for %v", mech)
	return false
}

func TestSignVerify(t *testing.T) {
	keys()
	hash := sha256.Sum256([]byte("firmware image"))
	pss := pssParam(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32)
	tests := []struct {
		mech      ck.MechanismType
		priv, pub any
		param     Param
		msg       []byte
		sigLen    int
	}{
		{ck.CKM_ECDSA, ecKey, &ecKey.PublicKey, nil, hash[:], 64},
		{ck.CKM_ECDSA_SHA256, ecKey, &ecKey.PublicKey, nil, []byte("firmware image"), 64},
		{ck.CKM_ECDSA_SHA384, ecKey, &ecKey.PublicKey, nil, []byte("firmware image"), 64},
		{ck.CKM_RSA_PKCS, rsaKey, &rsaKey.PublicKey, nil, hash[:], 256},
		{ck.CKM_SHA256_RSA_PKCS, rsaKey, &rsaKey.PublicKey, nil, []byte("firmware image"), 256},
		{ck.CKM_RSA_PKCS_PSS, rsaKey, &rsaKey.PublicKey, pss, hash[:], 256},
		{ck.CKM_SHA256_RSA_PKCS_PSS, rsaKey, &rsaKey.PublicKey, pss, []byte("firmware image"), 256},
		// The caller pads, as FreeRTOS's qualification suite does.
		{ck.CKM_RSA_X_509, rsaKey, &rsaKey.PublicKey, nil, pkcs1Block(hash[:], 256), 256},
		// A short input counts as left-padded with zeros.
		{ck.CKM_RSA_X_509, rsaKey, &rsaKey.PublicKey, nil, []byte("raw"), 256},
	}
	for _, tt := range tests {
		t.Run(tt.mech.String(), func(t *testing.T) {
			m, err := Lookup(tt.mech)
			if err != nil {
				t.Fatal(err)
			}
			s, err := m.NewSigner(tt.priv, tt.param)
			if err != nil {
				t.Fatal(err)
			}
			if s.Len() != tt.sigLen {
				t.Errorf("Len = %d, want %d", s.Len(), tt.sigLen)
			}
			// Multi-part: the message in two pieces.
			half := len(tt.msg) / 2
			s.Update(tt.msg[:half])
			sig, err := s.Sign(tt.msg[half:])
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) != tt.sigLen || !independentVerify(t, tt.mech, tt.msg, sig) {
				t.Fatal("signature does not verify with Go's crypto")
			}
			v, _ := m.NewVerifier(tt.pub, tt.param)
			if err := v.Verify(tt.msg, sig); err != nil {
				t.Errorf("Verify: %v", err)
			}
			bad := append([]byte(nil), sig...)
			bad[len(bad)-1] ^= 1
			v, _ = m.NewVerifier(tt.pub, tt.param)
			if err := v.Verify(tt.msg, bad); ck.ToRV(err) != ck.CKR_SIGNATURE_INVALID {
				t.Errorf("Verify(tampered) = %v", err)
			}
			v, _ = m.NewVerifier(tt.pub, tt.param)
			if err := v.Verify(tt.msg, sig[:len(sig)-1]); ck.ToRV(err) != ck.CKR_SIGNATURE_LEN_RANGE {
				t.Errorf("Verify(short) = %v", err)
			}
			if _, err := m.NewSigner(tt.pub, tt.param); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
				t.Errorf("signing with a public key: %v", err)
			}
		})
	}
}

// pkcs1Block is the RSASSA-PKCS1-v1_5 encoding of a SHA-256 digest in a
// k-byte block (RFC 8017 9.2), which CKM_RSA_X_509 signs as it is.
func pkcs1Block(digest []byte, k int) []byte {
	info := append([]byte{0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20}, digest...)
	block := bytes.Repeat([]byte{0xff}, k)
	block[0], block[1] = 0, 1
	block[k-len(info)-1] = 0
	copy(block[k-len(info):], info)
	return block
}

func TestRSAX509IsPKCS1WhenPadded(t *testing.T) {
	keys()
	digest := sha256.Sum256([]byte("firmware image"))
	m, _ := Lookup(ck.CKM_RSA_X_509)
	s, err := m.NewSigner(rsaKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(pkcs1Block(digest[:], 256))
	if err != nil {
		t.Fatal(err)
	}
	if err := rsa.VerifyPKCS1v15(&rsaKey.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
		t.Fatalf("a CKM_RSA_X_509 signature of a PKCS#1 block is not a PKCS#1 v1.5 signature: %v", err)
	}
}

func TestParameterAndInputErrors(t *testing.T) {
	keys()
	tests := []struct {
		name  string
		mech  ck.MechanismType
		key   any
		param Param
		msg   []byte
		want  ck.RV
	}{
		// A mechanism without a parameter ignores whatever the client left in it.
		{"ECDSA with a stray parameter", ck.CKM_ECDSA, ecKey, []byte{1}, make([]byte, 32), ck.CKR_OK},
		{"ECDSA with RSA key", ck.CKM_ECDSA, rsaKey, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"RSA with EC key", ck.CKM_SHA256_RSA_PKCS, ecKey, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"PSS without parameter", ck.CKM_RSA_PKCS_PSS, rsaKey, nil, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS parameter of another type", ck.CKM_RSA_PKCS_PSS, rsaKey, []byte{1, 2, 3}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS unknown hash", ck.CKM_RSA_PKCS_PSS, rsaKey, pssParam(ck.CKM_MD5, ck.CKG_MGF1_SHA1, 0), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS mixed MGF", ck.CKM_RSA_PKCS_PSS, rsaKey, pssParam(ck.CKM_SHA256, ck.CKG_MGF1_SHA1, 32), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"SHA256 PSS with SHA384", ck.CKM_SHA256_RSA_PKCS_PSS, rsaKey, pssParam(ck.CKM_SHA384, ck.CKG_MGF1_SHA384, 32), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS wrong digest length", ck.CKM_RSA_PKCS_PSS, rsaKey, pssParam(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32), []byte("short"), ck.CKR_DATA_LEN_RANGE},
		// Go's crypto/rsa cannot sign without a salt (sLen 0): the
		// libcrypto backend can (mech/libcrypto's tests).
		{"PSS without salt on Go's crypto", ck.CKM_RSA_PKCS_PSS, rsaKey, pssParam(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 0), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"PSS salt too long", ck.CKM_RSA_PKCS_PSS, rsaKey, pssParam(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 240), make([]byte, 32), ck.CKR_MECHANISM_PARAM_INVALID},
		{"RSA_PKCS input too long", ck.CKM_RSA_PKCS, rsaKey, nil, make([]byte, 250), ck.CKR_DATA_LEN_RANGE},
		{"RSA_X_509 input longer than the modulus", ck.CKM_RSA_X_509, rsaKey, nil, make([]byte, 257), ck.CKR_DATA_LEN_RANGE},
		{"RSA_X_509 input not below the modulus", ck.CKM_RSA_X_509, rsaKey, nil, bytes.Repeat([]byte{0xff}, 256), ck.CKR_DATA_INVALID},
	}
	for _, tt := range tests {
		m, _ := Lookup(tt.mech)
		s, err := m.NewSigner(tt.key, tt.param)
		if err == nil && tt.msg != nil {
			_, err = s.Sign(tt.msg)
		}
		if got := ck.ToRV(err); got != tt.want {
			t.Errorf("%s: %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestGenerateKeyPair(t *testing.T) {
	keys()
	m, _ := Lookup(ck.CKM_EC_KEY_PAIR_GEN)
	p256 := object.Curves[0].Params
	pub, priv, err := m.GenerateKeyPair(nil, object.Template{object.Bytes(ck.CKA_EC_PARAMS, p256)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pubObj, err := object.New(nil, pub, object.Origin{Generated: true, Mechanism: m.Type})
	if err != nil {
		t.Fatal(err)
	}
	privObj, err := object.New(nil, priv, object.Origin{Generated: true, Mechanism: m.Type})
	if err != nil {
		t.Fatal(err)
	}
	if !privObj.Key().(*ecdsa.PrivateKey).PublicKey.Equal(pubObj.Key()) {
		t.Error("generated halves do not belong together")
	}
	if _, _, err := m.GenerateKeyPair(nil, nil, nil); ck.ToRV(err) != ck.CKR_TEMPLATE_INCOMPLETE {
		t.Errorf("no CKA_EC_PARAMS: %v", err)
	}

	r, _ := Lookup(ck.CKM_RSA_PKCS_KEY_PAIR_GEN)
	if _, _, err := r.GenerateKeyPair(nil, object.Template{object.ULong(ck.CKA_MODULUS_BITS, 512)}, nil); ck.ToRV(err) != ck.CKR_KEY_SIZE_RANGE {
		t.Errorf("512-bit RSA: %v", err)
	}
	if _, _, err := r.GenerateKeyPair(nil, object.Template{object.ULong(ck.CKA_MODULUS_BITS, 2048), object.Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{3})}, nil); ck.ToRV(err) != ck.CKR_ATTRIBUTE_VALUE_INVALID {
		t.Errorf("e=3: %v", err)
	}
}

func TestRandom(t *testing.T) {
	a, b := make([]byte, 32), make([]byte, 32)
	Random(a)
	Random(b)
	if bytes.Equal(a, b) || bytes.Equal(a, make([]byte, 32)) {
		t.Fatal("Random returned repeated or zero bytes")
	}
}

func TestRegistryInfo(t *testing.T) {
	list := List()
	if len(list) < 20 {
		t.Fatalf("only %d mechanisms registered", len(list))
	}
	for _, mt := range list {
		m, _ := Lookup(mt)
		f := m.Info.Flags
		if (f&ck.CKF_SIGN != 0) != (m.NewSigner != nil) || (f&ck.CKF_VERIFY != 0) != (m.NewVerifier != nil) ||
			(f&ck.CKF_DIGEST != 0) != (m.NewDigest != nil) || (f&ck.CKF_GENERATE_KEY_PAIR != 0) != (m.GenerateKeyPair != nil) ||
			(f&ck.CKF_GENERATE != 0) != (m.GenerateKey != nil) || (f&ck.CKF_DERIVE != 0) != (m.Derive != nil) ||
			(f&(ck.CKF_ENCRYPT|ck.CKF_WRAP) != 0) != (m.NewEncrypter != nil) || (f&(ck.CKF_DECRYPT|ck.CKF_UNWRAP) != 0) != (m.NewDecrypter != nil) {
			t.Errorf("%v: Info flags %#x do not match what it implements", mt, f)
		}
		// pkcs11test, written for 2.40, fails a mechanism it knows that
		// announces a flag 2.40 does not define: only the 3.0 Edwards and
		// Montgomery mechanisms announce CKF_EC_CURVENAME.
		curveName := mt == ck.CKM_EC_EDWARDS_KEY_PAIR_GEN || mt == ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN || mt == ck.CKM_EDDSA
		if f&ck.CKF_EC_CURVENAME != 0 && !curveName {
			t.Errorf("%v announces CKF_EC_CURVENAME", mt)
		}
	}
	// The mechanisms that sign their input as it is take one part only.
	for _, mt := range []ck.MechanismType{ck.CKM_ECDSA, ck.CKM_RSA_PKCS, ck.CKM_RSA_PKCS_PSS, ck.CKM_RSA_X_509} {
		if m, _ := Lookup(mt); !m.SinglePart {
			t.Errorf("%v is not single-part", mt)
		}
	}
	for _, mt := range []ck.MechanismType{ck.CKM_ECDSA_SHA256, ck.CKM_SHA256_RSA_PKCS, ck.CKM_SHA256_RSA_PKCS_PSS} {
		if m, _ := Lookup(mt); m.SinglePart {
			t.Errorf("%v hashes its input, yet is single-part", mt)
		}
	}
}

func TestRegisterRequiresKeyTypes(t *testing.T) {
	for name, m := range map[string]*Mechanism{
		"signer without key types":   {Type: ck.CKM_VENDOR_DEFINED + 1, NewSigner: func(any, Param) (Signer, error) { return nil, nil }},
		"generator of two key types": {Type: ck.CKM_VENDOR_DEFINED + 2, KeyTypes: []ck.KeyType{ck.CKK_RSA, ck.CKK_EC}, GenerateKeyPair: generateEC},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: registered", name)
				}
			}()
			register(m)
		}()
	}
}

func TestGenerateSecretKey(t *testing.T) {
	tests := []struct {
		mech ck.MechanismType
		kt   ck.KeyType
		len  uint
		want ck.RV
	}{
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, 16, ck.CKR_OK},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, 24, ck.CKR_OK},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, 32, ck.CKR_OK},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, 17, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{ck.CKM_AES_KEY_GEN, ck.CKK_AES, 0, ck.CKR_ATTRIBUTE_VALUE_INVALID},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, 1, ck.CKR_OK},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, 64, ck.CKR_OK},
		{ck.CKM_GENERIC_SECRET_KEY_GEN, ck.CKK_GENERIC_SECRET, 513, ck.CKR_ATTRIBUTE_VALUE_INVALID},
	}
	for _, tt := range tests {
		m, _ := Lookup(tt.mech)
		tmpl := object.Template{object.ULong(ck.CKA_VALUE_LEN, tt.len)}
		a, err := m.GenerateKey(nil, tmpl)
		if got := ck.ToRV(err); got != tt.want {
			t.Errorf("%v of %d bytes: %v, want %v", tt.mech, tt.len, err, tt.want)
			continue
		}
		if err != nil {
			continue
		}
		b, _ := m.GenerateKey(nil, tmpl)
		va, _ := a.Find(ck.CKA_VALUE)
		vb, _ := b.Find(ck.CKA_VALUE)
		kt, _ := a.ULong(ck.CKA_KEY_TYPE)
		if uint(len(va)) != tt.len || bytes.Equal(va, vb) || ck.KeyType(kt) != tt.kt {
			t.Errorf("%v of %d bytes: value of %d bytes, type %v, two draws equal: %v", tt.mech, tt.len, len(va), ck.KeyType(kt), bytes.Equal(va, vb))
		}
	}
	m, _ := Lookup(ck.CKM_AES_KEY_GEN)
	if _, err := m.GenerateKey(nil, nil); ck.ToRV(err) != ck.CKR_TEMPLATE_INCOMPLETE {
		t.Errorf("AES key generation without CKA_VALUE_LEN: %v", err)
	}
}

func TestGenerateDESKey(t *testing.T) {
	for mt, size := range map[ck.MechanismType]int{ck.CKM_DES_KEY_GEN: 8, ck.CKM_DES2_KEY_GEN: 16, ck.CKM_DES3_KEY_GEN: 24} {
		m, _ := Lookup(mt)
		material, err := m.GenerateKey(nil, nil)
		if err != nil {
			t.Fatalf("%v: %v", mt, err)
		}
		v, _ := material.Find(ck.CKA_VALUE)
		if len(v) != size {
			t.Errorf("%v made %d bytes, want %d", mt, len(v), size)
		}
		for i, b := range v {
			if bits.OnesCount8(b)%2 != 1 {
				t.Errorf("%v: byte %d (%#x) has even parity", mt, i, b)
			}
		}
	}
}

// TestHMAC checks each HMAC against the published vectors of RFC 2202
// (SHA-1) and RFC 4231 (SHA-2), test case 2, in one part and in two, and
// the truncated _GENERAL variants.
func TestHMAC(t *testing.T) {
	key, data := []byte("Jefe"), []byte("what do ya want for nothing?")
	vectors := map[ck.MechanismType]string{
		ck.CKM_SHA_1_HMAC:  "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
		ck.CKM_SHA224_HMAC: "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
		ck.CKM_SHA256_HMAC: "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
		ck.CKM_SHA384_HMAC: "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
		ck.CKM_SHA512_HMAC: "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	}
	for mt, want := range vectors {
		m, _ := Lookup(mt)
		s, err := m.NewSigner(key, nil)
		if err != nil {
			t.Fatalf("%v: %v", mt, err)
		}
		s.Update(data[:10])
		mac, _ := s.Sign(data[10:])
		if hex.EncodeToString(mac) != want {
			t.Errorf("%v = %x, want %s", mt, mac, want)
		}
		v, _ := m.NewVerifier(key, nil)
		if err := v.Verify(data, mac); err != nil {
			t.Errorf("%v: verify: %v", mt, err)
		}
		bad := bytes.Clone(mac)
		bad[0] ^= 1
		v, _ = m.NewVerifier(key, nil)
		if err := v.Verify(data, bad); ck.ToRV(err) != ck.CKR_SIGNATURE_INVALID {
			t.Errorf("%v: verify of a wrong MAC: %v", mt, err)
		}
	}
	general, _ := Lookup(ck.CKM_SHA256_HMAC_GENERAL)
	s, err := general.NewSigner(key, uint(16))
	if err != nil {
		t.Fatal(err)
	}
	if mac, _ := s.Sign(data); hex.EncodeToString(mac) != vectors[ck.CKM_SHA256_HMAC][:32] || s.Len() != 16 {
		t.Errorf("16-byte HMAC-SHA256 = %x", mac)
	}
	for _, l := range []uint{0, 33} {
		if _, err := general.NewSigner(key, l); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
			t.Errorf("a %d-byte MAC: %v", l, err)
		}
	}
	v, _ := general.NewVerifier(key, uint(16))
	if err := v.Verify(data, make([]byte, 32)); ck.ToRV(err) != ck.CKR_SIGNATURE_LEN_RANGE {
		t.Errorf("a MAC of the wrong length: %v", err)
	}
}

// TestDigestInfo: CKM_RSA_PKCS over DigestInfo(h, digest) is the
// RSASSA-PKCS1-v1_5 signature Go's crypto/rsa verifies for hash h.
func TestDigestInfo(t *testing.T) {
	keys()
	m, _ := Lookup(ck.CKM_RSA_PKCS)
	for _, hs := range hashes {
		hh := hs.hash.New()
		hh.Write([]byte("digest info"))
		digest := hh.Sum(nil)
		info, ok := DigestInfo(hs.hash, digest)
		if !ok {
			t.Fatalf("no DigestInfo for %v", hs.hash)
		}
		s, _ := m.NewSigner(rsaKey, nil)
		sig, err := s.Sign(info)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(&rsaKey.PublicKey, hs.hash, digest, sig); err != nil {
			t.Errorf("%v: the DigestInfo header is wrong: %v", hs.hash, err)
		}
	}
	if _, ok := DigestInfo(crypto.MD5, nil); ok {
		t.Error("a DigestInfo for MD5, which no RSA mechanism here hashes with")
	}
}
