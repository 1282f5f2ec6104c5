package mech

import (
	"bytes"
	"crypto/aes"
	"encoding/binary"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// TestKeyWrapVectors wraps and unwraps the examples of RFC 3394 section 4
// (4.1 to 4.6) and RFC 5649 section 6, in one part and in two.
func TestKeyWrapVectors(t *testing.T) {
	const (
		kek128  = "000102030405060708090a0b0c0d0e0f"
		kek192  = "000102030405060708090a0b0c0d0e0f1011121314151617"
		kek256  = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
		data16  = "00112233445566778899aabbccddeeff"
		data24  = data16 + "0001020304050607"
		data32  = data16 + "000102030405060708090a0b0c0d0e0f"
		kek5649 = "5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"
	)
	tests := []struct {
		name      string
		mech      ck.MechanismType
		kek, data string
		wrapped   string
	}{
		{"RFC 3394 4.1", ck.CKM_AES_KEY_WRAP, kek128, data16, "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"},
		{"RFC 3394 4.2", ck.CKM_AES_KEY_WRAP, kek192, data16, "96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d"},
		{"RFC 3394 4.3", ck.CKM_AES_KEY_WRAP, kek256, data16, "64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7"},
		{"RFC 3394 4.4", ck.CKM_AES_KEY_WRAP, kek192, data24, "031d33264e15d33268f24ec260743edce1c6c7ddee725a936ba814915c6762d2"},
		{"RFC 3394 4.5", ck.CKM_AES_KEY_WRAP, kek256, data24, "a8f9bc1612c68b3ff6e6f4fbe30e71e4769c8b80a32cb8958cd5d17d6b254da1"},
		{"RFC 3394 4.6", ck.CKM_AES_KEY_WRAP, kek256, data32, "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21"},
		{"RFC 5649 20 bytes", ck.CKM_AES_KEY_WRAP_KWP, kek5649, "c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a"},
		{"RFC 5649 7 bytes", ck.CKM_AES_KEY_WRAP_KWP, kek5649, "466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"},
	}
	for _, tt := range tests {
		kek, data, wrapped := unhex(t, tt.kek), unhex(t, tt.data), unhex(t, tt.wrapped)
		m, _ := Lookup(tt.mech)
		enc, err := m.NewEncrypter(kek, nil)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if n := enc.OutLen(len(data), true); n != len(wrapped) {
			t.Errorf("%s: OutLen %d, want %d", tt.name, n, len(wrapped))
		}
		if got, err := enc.Final(nil, data); err != nil || !bytes.Equal(got, wrapped) {
			t.Errorf("%s: wrap = %x, %v; want %x", tt.name, got, err, wrapped)
		}
		if got, err := encryptWith(t, tt.mech, false, kek, nil, data); err != nil || !bytes.Equal(got, wrapped) {
			t.Errorf("%s: wrap in two parts = %x, %v", tt.name, got, err)
		}
		dec, _ := m.NewDecrypter(kek, []byte{})
		if n := dec.OutLen(len(wrapped), true); n < len(data) || n > len(data)+7 {
			t.Errorf("%s: unwrap OutLen %d for %d bytes", tt.name, n, len(data))
		}
		if got, err := dec.Final(nil, wrapped); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: unwrap = %x, %v; want %x", tt.name, got, err, data)
		}
		if got, err := encryptWith(t, tt.mech, true, kek, nil, wrapped); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s: unwrap in two parts = %x, %v", tt.name, got, err)
		}
		// Any change to the wrapping, in any semiblock, fails the
		// integrity check and releases nothing.
		for i := 0; i < len(wrapped); i += semiblock {
			bad := bytes.Clone(wrapped)
			bad[i] ^= 1
			dec, _ := m.NewDecrypter(kek, nil)
			if got, err := dec.Final(nil, bad); err == nil || ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_INVALID || got != nil {
				t.Errorf("%s: unwrap with byte %d changed = %x, %v", tt.name, i, got, err)
			}
		}
		wrongKEK := bytes.Clone(kek)
		wrongKEK[0] ^= 1
		if got, err := encryptWith(t, tt.mech, true, wrongKEK, nil, wrapped); ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_INVALID || got != nil {
			t.Errorf("%s: unwrap with another KEK = %x, %v", tt.name, got, err)
		}
	}
}

// TestKWPIntegrity feeds CKM_AES_KEY_WRAP_KWP wrappings whose initial
// value is right but whose length or padding is not, made with the
// RFC 3394 wrap (two semiblocks or more) or one AES block (one): each is
// refused, a valid one with zero padding is not.
func TestKWPIntegrity(t *testing.T) {
	kek := unhex(t, "000102030405060708090a0b0c0d0e0f")
	kw, _ := Lookup(ck.CKM_AES_KEY_WRAP)
	kwp, _ := Lookup(ck.CKM_AES_KEY_WRAP_KWP)
	aiv := func(mli uint32) []byte {
		return binary.BigEndian.AppendUint32([]byte{0xa6, 0x59, 0x59, 0xa6}, mli)
	}
	wrap := func(mli uint32, padded []byte) []byte {
		if len(padded) == semiblock {
			b, _ := aes.NewCipher(kek)
			block := append(aiv(mli), padded...)
			b.Encrypt(block, block)
			return block
		}
		enc, _ := kw.NewEncrypter(kek, aiv(mli))
		out, err := enc.Final(nil, padded)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	data := []byte("0123456789ab") // 12 bytes in 16
	padded := append(bytes.Clone(data), 0, 0, 0, 0)
	dirty := append(bytes.Clone(data), 0, 0, 1, 0)
	tests := []struct {
		name    string
		wrapped []byte
		want    []byte // nil: refused
	}{
		{"valid", wrap(12, padded), data},
		{"valid, no padding", wrap(16, padded), padded},
		{"length past the data", wrap(17, padded), nil},
		{"length a semiblock short", wrap(8, padded), nil},
		{"length zero", wrap(0, padded), nil},
		{"huge length", wrap(0xffffffff, padded), nil},
		{"nonzero padding", wrap(12, dirty), nil},
		{"nonzero first byte of padding", wrap(14, dirty), nil},
		{"the nonzero byte is data", wrap(15, dirty), dirty[:15]},
		{"one block, valid", wrap(3, []byte{1, 2, 3, 0, 0, 0, 0, 0}), []byte{1, 2, 3}},
		{"one block, length zero", wrap(0, make([]byte, 8)), nil},
		{"one block, length 9", wrap(9, make([]byte, 8)), nil},
		{"one block, nonzero padding", wrap(3, []byte{1, 2, 3, 0, 0, 0, 0, 1}), nil},
	}
	for _, tt := range tests {
		dec, _ := kwp.NewDecrypter(kek, nil)
		got, err := dec.Final(nil, tt.wrapped)
		switch {
		case tt.want == nil && (ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_INVALID || got != nil):
			t.Errorf("%s: %x, %v; want CKR_ENCRYPTED_DATA_INVALID", tt.name, got, err)
		case tt.want != nil && (err != nil || !bytes.Equal(got, tt.want)):
			t.Errorf("%s: %x, %v; want %x", tt.name, got, err, tt.want)
		}
	}
}

// TestKeyWrapErrors: input lengths, initial values and keys each mode
// refuses, with their PKCS#11 codes.
func TestKeyWrapErrors(t *testing.T) {
	keys()
	kek := make([]byte, 16)
	tests := []struct {
		name   string
		mech   ck.MechanismType
		unwrap bool
		key    any
		param  Param
		in     []byte
		want   ck.RV
	}{
		{"KW of 8 bytes", ck.CKM_AES_KEY_WRAP, false, kek, nil, make([]byte, 8), ck.CKR_DATA_LEN_RANGE},
		{"KW of nothing", ck.CKM_AES_KEY_WRAP, false, kek, nil, []byte{}, ck.CKR_DATA_LEN_RANGE},
		{"KW of 17 bytes", ck.CKM_AES_KEY_WRAP, false, kek, nil, make([]byte, 17), ck.CKR_DATA_LEN_RANGE},
		{"KW of 16 bytes", ck.CKM_AES_KEY_WRAP, false, kek, nil, make([]byte, 16), ck.CKR_OK},
		{"KW unwrap of 16 bytes", ck.CKM_AES_KEY_WRAP, true, kek, nil, make([]byte, 16), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"KW unwrap of 25 bytes", ck.CKM_AES_KEY_WRAP, true, kek, nil, make([]byte, 25), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"KW unwrap of 24 zeros", ck.CKM_AES_KEY_WRAP, true, kek, nil, make([]byte, 24), ck.CKR_ENCRYPTED_DATA_INVALID},
		{"KWP of nothing", ck.CKM_AES_KEY_WRAP_KWP, false, kek, nil, []byte{}, ck.CKR_DATA_LEN_RANGE},
		{"KWP of 1 byte", ck.CKM_AES_KEY_WRAP_KWP, false, kek, nil, []byte{1}, ck.CKR_OK},
		{"KWP unwrap of 8 bytes", ck.CKM_AES_KEY_WRAP_KWP, true, kek, nil, make([]byte, 8), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"KWP unwrap of 20 bytes", ck.CKM_AES_KEY_WRAP_KWP, true, kek, nil, make([]byte, 20), ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{"KW with a 4-byte IV", ck.CKM_AES_KEY_WRAP, false, kek, make([]byte, 4), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"KW with a 16-byte IV", ck.CKM_AES_KEY_WRAP, true, kek, make([]byte, 16), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"KWP with an 8-byte IV", ck.CKM_AES_KEY_WRAP_KWP, false, kek, make([]byte, 8), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"KW with a number for an IV", ck.CKM_AES_KEY_WRAP, false, kek, uint(8), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"KW with a 15-byte KEK", ck.CKM_AES_KEY_WRAP, false, kek[:15], nil, nil, ck.CKR_KEY_SIZE_RANGE},
		{"KWP with an RSA key", ck.CKM_AES_KEY_WRAP_KWP, true, rsaKey, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
	}
	for _, tt := range tests {
		in := tt.in
		if in == nil {
			in = make([]byte, 16)
		}
		_, err := encryptWith(t, tt.mech, tt.unwrap, tt.key, tt.param, in)
		if got := ck.ToRV(err); got != tt.want {
			t.Errorf("%s: %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestKeyWrapIV: a caller's initial value changes the wrapping, must be
// given again to unwrap, and is kept past the caller's memory.
func TestKeyWrapIV(t *testing.T) {
	kek, data := make([]byte, 32), []byte("a 24-byte key to wrap...")
	for mt, size := range map[ck.MechanismType]int{ck.CKM_AES_KEY_WRAP: 8, ck.CKM_AES_KEY_WRAP_KWP: 4} {
		iv := bytes.Repeat([]byte{0x42}, size)
		m, _ := Lookup(mt)
		enc, _ := m.NewEncrypter(kek, iv)
		clear(iv)
		custom, err := enc.Final(nil, data)
		if err != nil {
			t.Fatalf("%v: %v", mt, err)
		}
		std, _ := encryptWith(t, mt, false, kek, nil, data)
		if bytes.Equal(custom, std) {
			t.Errorf("%v: the IV made no difference", mt)
		}
		iv = bytes.Repeat([]byte{0x42}, size)
		if got, err := encryptWith(t, mt, true, kek, iv, custom); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%v: unwrap with the IV = %q, %v", mt, got, err)
		}
		if _, err := encryptWith(t, mt, true, kek, nil, custom); ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_INVALID {
			t.Errorf("%v: unwrap with the default IV: %v", mt, err)
		}

		// A clone finishes apart from its original.
		dec, _ := m.NewDecrypter(kek, iv)
		dec.Update(nil, custom[:5])
		a, errA := dec.Clone().Final(nil, custom[5:])
		b, errB := dec.Final([]byte("dst:"), custom[5:])
		if errA != nil || errB != nil || !bytes.Equal(a, data) || string(b) != "dst:"+string(data) {
			t.Errorf("%v: clone %q %v, original %q %v", mt, a, errA, b, errB)
		}
	}
}

func TestKeyWrapInfo(t *testing.T) {
	for _, mt := range []ck.MechanismType{ck.CKM_AES_KEY_WRAP, ck.CKM_AES_KEY_WRAP_KWP} {
		m, _ := Lookup(mt)
		if m.Info != (Info{16, 32, ck.CKF_ENCRYPT | ck.CKF_DECRYPT | ck.CKF_WRAP | ck.CKF_UNWRAP}) || !m.SinglePart || !m.Accepts(ck.CKK_AES) || m.Param != BytesParam {
			t.Errorf("%v: Info %+v, single-part %v", mt, m.Info, m.SinglePart)
		}
	}
}
