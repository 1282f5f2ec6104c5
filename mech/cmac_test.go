package mech

import (
	"bytes"
	"crypto/aes"
	"encoding/hex"
	"testing"

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

// cmacMessage is the message of RFC 4493 section 4 and SP 800-38B
// Appendix D, whose examples MAC its first 0, 16, 40 and 64 bytes.
const cmacMessage = "6bc1bee22e409f96e93d7e117393172a" + "ae2d8a571e03ac9c9eb76fac45af8e51" +
	"30c81c46a35ce411e5fbc1191a0a52ef" + "f69f2445df4f9b17ad2b417be66c3710"

// TestCMACVectors checks CKM_AES_CMAC against RFC 4493 section 4
// (AES-128) and NIST SP 800-38B Appendix D (AES-192, AES-256): signed in
// one part, in every split into two parts, byte by byte, and verified.
func TestCMACVectors(t *testing.T) {
	const (
		k128 = "2b7e151628aed2a6abf7158809cf4f3c"
		k192 = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b"
		k256 = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
	)
	tests := []struct {
		key    string
		msgLen int
		want   string
	}{
		{k128, 0, "bb1d6929e95937287fa37d129b756746"},
		{k128, 16, "070a16b46b4d4144f79bdd9dd04a287c"},
		{k128, 40, "dfa66747de9ae63030ca32611497c827"},
		{k128, 64, "51f0bebf7e3b9d92fc49741779363cfe"},
		{k192, 0, "d17ddf46adaacde531cac483de7a9367"},
		{k192, 16, "9e99a7bf31e710900662f65e617c5184"},
		{k192, 40, "8a1de5be2eb31aad089a82e6ee908b0e"},
		{k192, 64, "a1d5df0eed790f794d77589659f39a11"},
		{k256, 0, "028962f61b7bf89efc6b551f4667d983"},
		{k256, 16, "28a7023f452e8f82bd4bf28d8c37c35c"},
		{k256, 40, "aaf3d8f1de5640c232f5b169b9c911e6"},
		{k256, 64, "e1992190549f6ed5696a2c056c315410"},
	}
	m, _ := Lookup(ck.CKM_AES_CMAC)
	for _, tt := range tests {
		key, msg, want := unhex(t, tt.key), unhex(t, cmacMessage)[:tt.msgLen], unhex(t, tt.want)
		sign := func(parts ...[]byte) []byte {
			s, err := m.NewSigner(key, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range parts[:len(parts)-1] {
				s.Update(p)
			}
			mac, _ := s.Sign(parts[len(parts)-1])
			return mac
		}
		if mac := sign(msg); !bytes.Equal(mac, want) {
			t.Errorf("AES-%d CMAC of %d bytes = %x, want %x", 8*len(key), tt.msgLen, mac, want)
		}
		for i := range len(msg) + 1 {
			if mac := sign(msg[:i], msg[i:]); !bytes.Equal(mac, want) {
				t.Errorf("AES-%d CMAC of %d bytes split at %d = %x", 8*len(key), tt.msgLen, i, mac)
			}
		}
		var bytewise [][]byte
		for i := range msg {
			bytewise = append(bytewise, msg[i:i+1])
		}
		if mac := sign(append(bytewise, nil)...); !bytes.Equal(mac, want) {
			t.Errorf("AES-%d CMAC of %d bytes, byte by byte = %x", 8*len(key), tt.msgLen, mac)
		}
		v, _ := m.NewVerifier(key, nil)
		v.Update(msg[:tt.msgLen/2])
		if err := v.Verify(msg[tt.msgLen/2:], want); err != nil {
			t.Errorf("AES-%d CMAC of %d bytes: verify: %v", 8*len(key), tt.msgLen, err)
		}
	}
}

// TestCMACSubkeys checks the subkeys of RFC 4493 section 4, derived
// without a branch on the bit shifted out.
func TestCMACSubkeys(t *testing.T) {
	b, _ := aes.NewCipher(unhex(t, "2b7e151628aed2a6abf7158809cf4f3c"))
	c := newCMAC(b, aes.BlockSize)
	if hex.EncodeToString(c.k1[:]) != "fbeed618357133667c85e08f7236a8de" || hex.EncodeToString(c.k2[:]) != "f7ddac306ae266ccf90bc11ee46d513b" {
		t.Errorf("K1 = %x, K2 = %x", c.k1, c.k2)
	}
}

// TestCMACGeneral checks the truncated MACs of CKM_AES_CMAC_GENERAL, its
// parameter, and the errors of verification and of the key.
func TestCMACGeneral(t *testing.T) {
	keys()
	key, msg := unhex(t, "2b7e151628aed2a6abf7158809cf4f3c"), unhex(t, cmacMessage)[:40]
	full := unhex(t, "dfa66747de9ae63030ca32611497c827")
	general, _ := Lookup(ck.CKM_AES_CMAC_GENERAL)
	for _, n := range []uint{1, 4, 8, 15, 16} {
		s, err := general.NewSigner(key, n)
		if err != nil {
			t.Fatalf("%d bytes: %v", n, err)
		}
		if mac, _ := s.Sign(msg); !bytes.Equal(mac, full[:n]) || s.Len() != int(n) {
			t.Errorf("%d-byte CMAC = %x (Len %d)", n, mac, s.Len())
		}
		v, _ := general.NewVerifier(key, n)
		if err := v.Verify(msg, full[:n]); err != nil {
			t.Errorf("%d-byte CMAC: verify: %v", n, err)
		}
	}

	cmac, _ := Lookup(ck.CKM_AES_CMAC)
	bad := bytes.Clone(full)
	bad[15] ^= 0x80
	tests := []struct {
		name  string
		mech  *Mechanism
		key   any
		param Param
		sig   []byte
		want  ck.RV
	}{
		{"a MAC of 0 bytes", general, key, uint(0), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"a MAC of 17 bytes", general, key, uint(17), nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"no length", general, key, nil, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"a length of another type", general, key, []byte{8}, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"a wrong MAC", cmac, key, nil, bad, ck.CKR_SIGNATURE_INVALID},
		{"a short MAC", cmac, key, nil, full[:15], ck.CKR_SIGNATURE_LEN_RANGE},
		{"a long MAC", cmac, key, nil, append(bytes.Clone(full), 0), ck.CKR_SIGNATURE_LEN_RANGE},
		{"a full MAC for 8 bytes", general, key, uint(8), full, ck.CKR_SIGNATURE_LEN_RANGE},
		{"a wrong truncated MAC", general, key, uint(8), bad[8:], ck.CKR_SIGNATURE_INVALID},
		{"a 15-byte key", cmac, key[:15], nil, nil, ck.CKR_KEY_SIZE_RANGE},
		{"an RSA key", cmac, rsaKey, nil, nil, ck.CKR_KEY_TYPE_INCONSISTENT},
	}
	for _, tt := range tests {
		v, err := tt.mech.NewVerifier(tt.key, tt.param)
		if err == nil {
			err = v.Verify(msg, tt.sig)
		}
		if got := ck.ToRV(err); got != tt.want {
			t.Errorf("%s: %v (%v), want %v", tt.name, got, err, tt.want)
		}
	}
}

// TestCMACStreams: a long message goes through a fixed amount of state.
func TestCMACStreams(t *testing.T) {
	m, _ := Lookup(ck.CKM_AES_CMAC)
	s, _ := m.NewSigner(make([]byte, 16), nil)
	part := make([]byte, 4096)
	for range 64 {
		s.Update(part)
	}
	c := s.(*cmac)
	if c.n != aes.BlockSize {
		t.Errorf("%d bytes held back after whole blocks, want one block", c.n)
	}
	a, _ := s.Sign(nil)
	one, _ := m.NewSigner(make([]byte, 16), nil)
	if b, _ := one.Sign(make([]byte, 64*4096)); !bytes.Equal(a, b) {
		t.Errorf("streamed %x, one part %x", a, b)
	}
}

func TestCMACInfo(t *testing.T) {
	for _, mt := range []ck.MechanismType{ck.CKM_AES_CMAC, ck.CKM_AES_CMAC_GENERAL} {
		m, _ := Lookup(mt)
		if m.Info != (Info{16, 32, ck.CKF_SIGN | ck.CKF_VERIFY}) || m.SinglePart || !m.Accepts(ck.CKK_AES) {
			t.Errorf("%v: Info %+v, single-part %v", mt, m.Info, m.SinglePart)
		}
	}
}
