package mech

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/subtle"
	"encoding/binary"
	"math/big"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// encryptWith runs a whole encryption or decryption through mechanism
// mt, the input in two parts as C_EncryptUpdate callers would give it.
func encryptWith(t *testing.T, mt ck.MechanismType, decrypt bool, key any, p Param, in []byte) ([]byte, error) {
	t.Helper()
	m, err := Lookup(mt)
	if err != nil {
		t.Fatal(err)
	}
	start := m.NewEncrypter
	if decrypt {
		start = m.NewDecrypter
	}
	c, err := start(key, p)
	if err != nil {
		return nil, err
	}
	half := len(in) / 2
	out, err := c.Update(nil, in[:half])
	if err != nil {
		return nil, err
	}
	return c.Final(out, in[half:])
}

func oaep(h ck.MechanismType, mgf ck.MGF, label []byte) OAEPParams {
	p := OAEPParams{Hash: h, MGF: mgf}
	if label != nil {
		p.Source, p.Label = ck.CKZ_DATA_SPECIFIED, label
	}
	return p
}

// oaepDecode decrypts an RSAES-OAEP ciphertext with math/big and RFC 8017
// section 7.1.2 written out, apart from crypto/rsa, so that the hash and
// the MGF1 hash a parameter names are checked to be the ones used.
func oaepDecode(key *rsa.PrivateKey, h, mgf crypto.Hash, label, ct []byte) ([]byte, bool) {
	k := key.Size()
	em := new(big.Int).Exp(new(big.Int).SetBytes(ct), key.D, key.N).FillBytes(make([]byte, k))
	hLen := h.Size()
	mgf1 := func(seed []byte, n int) []byte {
		var out []byte
		for c := uint32(0); len(out) < n; c++ {
			d := mgf.New()
			d.Write(seed)
			binary.Write(d, binary.BigEndian, c)
			out = d.Sum(out)
		}
		return out[:n]
	}
	maskedSeed, maskedDB := em[1:1+hLen], em[1+hLen:]
	seed := make([]byte, hLen)
	subtle.XORBytes(seed, maskedSeed, mgf1(maskedDB, hLen))
	db := make([]byte, len(maskedDB))
	subtle.XORBytes(db, maskedDB, mgf1(seed, len(db)))
	lh := h.New()
	lh.Write(label)
	if em[0] != 0 || !bytes.Equal(db[:hLen], lh.Sum(nil)) {
		return nil, false
	}
	rest := bytes.TrimLeft(db[hLen:], "\x00")
	if len(rest) == 0 || rest[0] != 1 {
		return nil, false
	}
	return rest[1:], true
}

// TestRSAEncryptIndependent encrypts with each mechanism and decrypts
// with Go's crypto (or math/big for the raw and mixed-hash cases), and
// the other way round, and checks the mechanism's own round trip.
func TestRSAEncryptIndependent(t *testing.T) {
	keys()
	pub, k := &rsaKey.PublicKey, rsaKey.Size()
	msg := []byte("a 32-byte AES key, wrapped......")
	rawBig := func(x *big.Int, e *big.Int) []byte {
		return new(big.Int).Exp(x, e, pub.N).FillBytes(make([]byte, k))
	}
	type direction func(t *testing.T, in []byte) ([]byte, error)
	type rsaCase struct {
		name  string
		mech  ck.MechanismType
		param Param
		// goDecrypt and goEncrypt do what the mechanism does, without it.
		goDecrypt, goEncrypt direction
		randomized           bool
	}
	tests := []rsaCase{
		{
			name: "PKCS#1 v1.5", mech: ck.CKM_RSA_PKCS,
			goDecrypt:  func(_ *testing.T, ct []byte) ([]byte, error) { return rsa.DecryptPKCS1v15(nil, rsaKey, ct) },
			goEncrypt:  func(_ *testing.T, m []byte) ([]byte, error) { return rsa.EncryptPKCS1v15(rand.Reader, pub, m) },
			randomized: true,
		},
		{
			name: "raw", mech: ck.CKM_RSA_X_509,
			goDecrypt: func(_ *testing.T, ct []byte) ([]byte, error) {
				return rawBig(new(big.Int).SetBytes(ct), rsaKey.D), nil
			},
			goEncrypt: func(_ *testing.T, m []byte) ([]byte, error) {
				return rawBig(new(big.Int).SetBytes(m), big.NewInt(int64(pub.E))), nil
			},
		},
	}
	for _, hs := range hashes {
		for _, label := range [][]byte{nil, []byte("recipient")} {
			tests = append(tests, rsaCase{
				name: "OAEP " + hs.digest.String() + " label " + string(label), mech: ck.CKM_RSA_PKCS_OAEP,
				param: oaep(hs.digest, hs.mgf, label),
				goDecrypt: func(_ *testing.T, ct []byte) ([]byte, error) {
					return rsa.DecryptOAEP(hs.hash.New(), nil, rsaKey, ct, label)
				},
				goEncrypt: func(_ *testing.T, m []byte) ([]byte, error) {
					return rsa.EncryptOAEP(hs.hash.New(), rand.Reader, pub, m, label)
				},
				randomized: true,
			})
		}
	}
	// The MGF1 hash apart from the label's: decoded by hand, and
	// encrypted with crypto/rsa's separate MGF hash.
	tests = append(tests, rsaCase{
		name: "OAEP SHA-256 with MGF1-SHA-1", mech: ck.CKM_RSA_PKCS_OAEP,
		param: oaep(ck.CKM_SHA256, ck.CKG_MGF1_SHA1, []byte("L")),
		goDecrypt: func(t *testing.T, ct []byte) ([]byte, error) {
			m, ok := oaepDecode(rsaKey, crypto.SHA256, crypto.SHA1, []byte("L"), ct)
			if !ok {
				t.Error("the OAEP encoding does not decode with SHA-256 and MGF1-SHA-1")
			}
			return m, nil
		},
		goEncrypt: func(_ *testing.T, m []byte) ([]byte, error) {
			return rsa.EncryptOAEPWithOptions(rand.Reader, pub, m, &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA1, Label: []byte("L")})
		},
		randomized: true,
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := msg
			if tt.mech == ck.CKM_RSA_X_509 {
				// A short input is a number like any other: it comes
				// back as long as the modulus, left-padded with zeros.
				want = make([]byte, k)
				copy(want[k-len(msg):], msg)
			}
			ct, err := encryptWith(t, tt.mech, false, pub, tt.param, msg)
			if err != nil {
				t.Fatal(err)
			}
			if len(ct) != k {
				t.Fatalf("ciphertext of %d bytes, want %d", len(ct), k)
			}
			got, err := tt.goDecrypt(t, ct)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("Go's decryption of the mechanism's ciphertext: %x, %v", got, err)
			}
			ct2, _ := encryptWith(t, tt.mech, false, pub, tt.param, msg)
			if bytes.Equal(ct, ct2) == tt.randomized {
				t.Errorf("two encryptions equal: %v, want %v", bytes.Equal(ct, ct2), !tt.randomized)
			}

			goCT, err := tt.goEncrypt(t, msg)
			if err != nil {
				t.Fatal(err)
			}
			got, err = encryptWith(t, tt.mech, true, rsaKey, tt.param, goCT)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("the mechanism's decryption of Go's ciphertext: %x, %v", got, err)
			}
		})
	}
}

// TestRSAEncryptErrors: lengths, values, keys and OAEP parameters a
// caller gets wrong, each with its PKCS#11 code.
func TestRSAEncryptErrors(t *testing.T) {
	keys()
	pub, k := &rsaKey.PublicKey, rsaKey.Size()
	sha256OAEP := oaep(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, nil)
	tests := []struct {
		name    string
		mech    ck.MechanismType
		decrypt bool
		key     any
		param   Param
		in      []byte
		want    ck.RV
	}{
		{"PKCS#1 longest input", ck.CKM_RSA_PKCS, false, pub, nil, make([]byte, k-11), ck.CKR_OK},
		{"PKCS#1 input too long", ck.CKM_RSA_PKCS, false, pub, nil, make([]byte, k-10), ck.CKR_DATA_LEN_RANGE},
		{"PKCS#1 input past the modulus", ck.CKM_RSA_PKCS, false, pub, nil, make([]byte, k+1), ck.CKR_DATA_LEN_RANGE},
		{"PKCS#1 short ciphertext", ck.CKM_RSA_PKCS, true, rsaKey, nil, make([]byte, k-1), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"PKCS#1 long ciphertext", ck.CKM_RSA_PKCS, true, rsaKey, nil, make([]byte, k+1), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"PKCS#1 ciphertext not below the modulus", ck.CKM_RSA_PKCS, true, rsaKey, nil, bytes.Repeat([]byte{0xff}, k), ck.CKR_ENCRYPTED_DATA_INVALID},
		{"PKCS#1 encrypt with a private key", ck.CKM_RSA_PKCS, false, rsaKey, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"PKCS#1 decrypt with a public key", ck.CKM_RSA_PKCS, true, pub, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"PKCS#1 with an EC key", ck.CKM_RSA_PKCS, false, &ecKey.PublicKey, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"OAEP longest input", ck.CKM_RSA_PKCS_OAEP, false, pub, sha256OAEP, make([]byte, k-66), ck.CKR_OK},
		{"OAEP input too long", ck.CKM_RSA_PKCS_OAEP, false, pub, sha256OAEP, make([]byte, k-65), ck.CKR_DATA_LEN_RANGE},
		{"OAEP short ciphertext", ck.CKM_RSA_PKCS_OAEP, true, rsaKey, sha256OAEP, make([]byte, k-1), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"OAEP decrypt with a public key", ck.CKM_RSA_PKCS_OAEP, true, pub, sha256OAEP, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
		{"OAEP without parameter", ck.CKM_RSA_PKCS_OAEP, false, pub, nil, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"OAEP parameter of another type", ck.CKM_RSA_PKCS_OAEP, false, pub, pssParam(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"OAEP with MD5", ck.CKM_RSA_PKCS_OAEP, false, pub, oaep(ck.CKM_MD5, ck.CKG_MGF1_SHA256, nil), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"OAEP with an unknown MGF", ck.CKM_RSA_PKCS_OAEP, true, rsaKey, oaep(ck.CKM_SHA256, 0, nil), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"OAEP with an unknown source", ck.CKM_RSA_PKCS_OAEP, false, pub, OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, Source: 2}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"OAEP label without a source", ck.CKM_RSA_PKCS_OAEP, false, pub, OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, Label: []byte("L")}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"OAEP empty specified label", ck.CKM_RSA_PKCS_OAEP, false, pub, OAEPParams{Hash: ck.CKM_SHA256, MGF: ck.CKG_MGF1_SHA256, Source: ck.CKZ_DATA_SPECIFIED}, []byte("m"), ck.CKR_OK},
		{"raw input of the modulus size", ck.CKM_RSA_X_509, false, pub, nil, append([]byte{0}, bytes.Repeat([]byte{0xff}, k-1)...), ck.CKR_OK},
		{"raw input too long", ck.CKM_RSA_X_509, false, pub, nil, make([]byte, k+1), ck.CKR_DATA_LEN_RANGE},
		{"raw input not below the modulus", ck.CKM_RSA_X_509, false, pub, nil, bytes.Repeat([]byte{0xff}, k), ck.CKR_DATA_INVALID},
		{"raw ciphertext too long", ck.CKM_RSA_X_509, true, rsaKey, nil, make([]byte, k+1), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"raw ciphertext not below the modulus", ck.CKM_RSA_X_509, true, rsaKey, nil, bytes.Repeat([]byte{0xff}, k), ck.CKR_ENCRYPTED_DATA_INVALID},
		{"raw decrypt with a public key", ck.CKM_RSA_X_509, true, pub, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
	}
	for _, tt := range tests {
		in := tt.in
		if in == nil {
			in = []byte{}
		}
		_, err := encryptWith(t, tt.mech, tt.decrypt, tt.key, tt.param, in)
		if got := ck.ToRV(err); got != tt.want {
			t.Errorf("%s: %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestRSADecryptInvalid: every bad padding or label fails with the bare
// CKR_ENCRYPTED_DATA_INVALID, carrying nothing that tells the failures
// apart.
func TestRSADecryptInvalid(t *testing.T) {
	keys()
	pub, k := &rsaKey.PublicKey, rsaKey.Size()
	msg := []byte("secret")
	raw := func(block []byte) []byte {
		ct, err := encryptWith(t, ck.CKM_RSA_X_509, false, pub, nil, block)
		if err != nil {
			t.Fatal(err)
		}
		return ct
	}
	tampered := func(mt ck.MechanismType, p Param) []byte {
		ct, err := encryptWith(t, mt, false, pub, p, msg)
		if err != nil {
			t.Fatal(err)
		}
		ct[k/2] ^= 1
		return ct
	}
	// A PKCS#1 v1.5 encryption block (00 02 PS 00 M) with one part wrong.
	block := func(typ byte, sep bool) []byte {
		b := bytes.Repeat([]byte{0x5a}, k)
		b[0], b[1] = 0, typ
		if sep {
			b[k-len(msg)-1] = 0
		}
		copy(b[k-len(msg):], msg)
		return b
	}
	label := oaep(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, []byte("label"))
	otherLabel := oaep(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, []byte("lapel"))
	labelCT, _ := encryptWith(t, ck.CKM_RSA_PKCS_OAEP, false, pub, label, msg)
	pkcs1CT, _ := encryptWith(t, ck.CKM_RSA_PKCS, false, pub, nil, msg)
	tests := []struct {
		name  string
		mech  ck.MechanismType
		param Param
		ct    []byte
	}{
		{"PKCS#1 tampered", ck.CKM_RSA_PKCS, nil, tampered(ck.CKM_RSA_PKCS, nil)},
		{"PKCS#1 signature block type", ck.CKM_RSA_PKCS, nil, raw(block(1, true))},
		{"PKCS#1 without a separator", ck.CKM_RSA_PKCS, nil, raw(block(2, false))},
		{"PKCS#1 nonzero first byte", ck.CKM_RSA_PKCS, nil, raw(append([]byte{1}, block(2, true)[1:]...))},
		{"OAEP tampered", ck.CKM_RSA_PKCS_OAEP, label, tampered(ck.CKM_RSA_PKCS_OAEP, label)},
		{"OAEP wrong label", ck.CKM_RSA_PKCS_OAEP, otherLabel, labelCT},
		{"OAEP no label", ck.CKM_RSA_PKCS_OAEP, oaep(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, nil), labelCT},
		{"OAEP wrong MGF", ck.CKM_RSA_PKCS_OAEP, oaep(ck.CKM_SHA256, ck.CKG_MGF1_SHA1, []byte("label")), labelCT},
		{"OAEP of a PKCS#1 ciphertext", ck.CKM_RSA_PKCS_OAEP, label, pkcs1CT},
		{"OAEP of a PKCS#1 block", ck.CKM_RSA_PKCS_OAEP, label, raw(block(2, true))},
	}
	for _, tt := range tests {
		out, err := encryptWith(t, tt.mech, true, rsaKey, tt.param, tt.ct)
		if err != ck.CKR_ENCRYPTED_DATA_INVALID || out != nil {
			t.Errorf("%s: %x, %#v; want only CKR_ENCRYPTED_DATA_INVALID", tt.name, out, err)
		}
	}
}

// TestRSACipherState: the output lengths the engine sizes buffers with,
// a clone that finishes apart from its original, input bounded by the
// modulus across parts, and a label kept past the caller's memory.
func TestRSACipherState(t *testing.T) {
	keys()
	pub, k := &rsaKey.PublicKey, rsaKey.Size()
	for _, mt := range []ck.MechanismType{ck.CKM_RSA_PKCS, ck.CKM_RSA_PKCS_OAEP, ck.CKM_RSA_X_509} {
		m, _ := Lookup(mt)
		p := Param(oaep(ck.CKM_SHA_1, ck.CKG_MGF1_SHA1, nil))
		if m.Param != OAEPParam {
			p = nil
		}
		enc, _ := m.NewEncrypter(pub, p)
		dec, _ := m.NewDecrypter(rsaKey, p)
		if enc.OutLen(5, true) != k || dec.OutLen(k, true) != k || enc.OutLen(5, false) != 0 || dec.OutLen(k, false) != 0 {
			t.Errorf("%v: OutLen %d %d %d %d", mt, enc.OutLen(5, true), dec.OutLen(k, true), enc.OutLen(5, false), dec.OutLen(k, false))
		}
		ct, _ := encryptWith(t, mt, false, pub, p, []byte("clone me"))
		dec.Update(nil, ct[:10])
		clone := dec.Clone()
		a, errA := clone.Final(nil, ct[10:])
		b, errB := dec.Final(nil, ct[10:])
		if errA != nil || errB != nil || !bytes.Equal(a, b) || !bytes.HasSuffix(a, []byte("clone me")) {
			t.Errorf("%v: clone %q %v, original %q %v", mt, a, errA, b, errB)
		}
		enc, _ = m.NewEncrypter(pub, p)
		enc.Update(nil, make([]byte, k))
		if _, err := enc.Update(nil, []byte{1}); ck.ToRV(err) != ck.CKR_DATA_LEN_RANGE {
			t.Errorf("%v: input past the modulus in parts: %v", mt, err)
		}
		dec, _ = m.NewDecrypter(rsaKey, p)
		dec.Update(nil, make([]byte, k))
		if _, err := dec.Final(nil, []byte{1}); ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_LEN_RANGE {
			t.Errorf("%v: ciphertext past the modulus in parts: %v", mt, err)
		}
	}

	// Output appends to dst.
	m, _ := Lookup(ck.CKM_RSA_PKCS)
	enc, _ := m.NewEncrypter(pub, nil)
	if out, _ := enc.Final([]byte("prefix"), []byte("m")); len(out) != 6+k || string(out[:6]) != "prefix" {
		t.Errorf("Final did not append to dst: %d bytes", len(out))
	}

	label := []byte("label")
	m, _ = Lookup(ck.CKM_RSA_PKCS_OAEP)
	enc, _ = m.NewEncrypter(pub, oaep(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, label))
	copy(label, "xxxxx")
	ct, _ := enc.Final(nil, []byte("m"))
	if _, err := rsa.DecryptOAEP(crypto.SHA256.New(), nil, rsaKey, ct, []byte("label")); err != nil {
		t.Errorf("the label changed with the caller's memory: %v", err)
	}
}

// TestRSAEncryptionInfo: the mechanisms that encrypt with RSA say so, and
// keep signing where they did; raw RSA does not wrap, and only
// CKM_RSA_PKCS is a padding oracle.
func TestRSAEncryptionInfo(t *testing.T) {
	const crypt = ck.CKF_ENCRYPT | ck.CKF_DECRYPT
	const wrap = ck.CKF_WRAP | ck.CKF_UNWRAP
	for mt, flags := range map[ck.MechanismType]ck.Flags{
		ck.CKM_RSA_PKCS:      crypt | wrap | ck.CKF_SIGN | ck.CKF_VERIFY,
		ck.CKM_RSA_X_509:     crypt | ck.CKF_SIGN | ck.CKF_VERIFY,
		ck.CKM_RSA_PKCS_OAEP: crypt | wrap,
	} {
		if m, _ := Lookup(mt); m.PaddingOracle != (mt == ck.CKM_RSA_PKCS) {
			t.Errorf("%v: PaddingOracle %v", mt, m.PaddingOracle)
		}
		m, _ := Lookup(mt)
		if m.Info != (Info{1024, 4096, flags}) || !m.SinglePart || !m.Accepts(ck.CKK_RSA) {
			t.Errorf("%v: Info %+v, single-part %v", mt, m.Info, m.SinglePart)
		}
	}
}
