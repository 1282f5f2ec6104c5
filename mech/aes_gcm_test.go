package mech

import (
	"bytes"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// The plaintext and additional data of test cases 3 to 6 and 15 to 18
// of McGrew and Viega, "The Galois/Counter Mode of Operation (GCM)"
// (revised 2005), Appendix B, which NIST's GCM page republishes.
const (
	gcmKey   = "feffe9928665731c6d6a8f9467308308"
	gcmPlain = "d9313225f88406e5a55909c5aff5269a 86a7a9531534f7da2e4c303d8a318a72 1c3c0c95956809532fcf0e2449a6b525 b16aedf5aa0de657ba637b39"
	gcmAAD   = "feedfacedeadbeeffeedfacedeadbeef abaddad2"
	// Test case 6's IV of 60 bytes, hashed into the counter.
	gcmLongIV  = "9313225df88406e555909c5aff5269aa 6a7a9538534f7da1e4c303d2a318a728 c3c0c95156809539fcf0e2429a6b5254 16aedbf5a0de6a57a637b39b"
	gcmCipher6 = "8ce24998625615b603a033aca13fb894 be9112a5c3a211a8ba262a3cca7e2ca7 01e4a9a4fba43c90ccdcb281d48c7c6f d62875d2aca417034c34aee5"
	gcmTag6    = "619cc5aefffe0bfa462af43c1699d050"
)

var gcmVectors = []struct {
	source                      string
	key, iv, aad, plain, cipher string
	tagBits                     uint
	tag                         string
}{
	{"test case 2", "00000000000000000000000000000000", "000000000000000000000000", "", "00000000000000000000000000000000",
		"0388dace60b6a392f328c2b971b2fe78", 128, "ab6e47d42cec13bdf53a67b21257bddf"},
	{"test case 4: AAD, 60-byte plaintext", gcmKey, "cafebabefacedbaddecaf888", gcmAAD, gcmPlain,
		"42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e 21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091",
		128, "5bc94fbc3221a5db94fae95ae7121a47"},
	{"test case 5: 64-bit IV", gcmKey, "cafebabefacedbad", gcmAAD, gcmPlain,
		"61353b4c2806934a777ff51fa22a4755 699b2a714fcdc6f83766e5f97b6c7423 73806900e49f24b22b097544d4896b42 4989b5e1ebac0f07c23f4598",
		128, "3612d2e79e3b0785561be14aaca2fccb"},
	{"test case 6: 480-bit IV", gcmKey, gcmLongIV, gcmAAD, gcmPlain, gcmCipher6, 128, gcmTag6},
	{"test case 16: AES-256", gcmKey + gcmKey, "cafebabefacedbaddecaf888", gcmAAD, gcmPlain,
		"522dc1f099567d07f47f37a32a84427d 643a8cdcbfe5c0c97598a2bd2555d1aa 8cb08e48590dbb3da7b08b1056828838 c5f61e6393ba7a0abcc9f662",
		128, "76fc6ece0f4e1768cddf8853bb2d551b"},
	// A truncated tag is the full tag's leading bits (SP 800-38D
	// 5.2.1.2): test cases 4 and 6 with shorter tags, the second with
	// an IV Go's GCM takes only with a full tag.
	{"test case 4, 112-bit tag", gcmKey, "cafebabefacedbaddecaf888", gcmAAD, gcmPlain,
		"42831ec2217774244b7221b784d0d49c e3aa212f2c02a4e035c17e2329aca12e 21d514b25466931c7d8f6a5aac84aa05 1ba30b396a0aac973d58e091",
		112, "5bc94fbc3221a5db94fae95ae712"},
	{"test case 6, 96-bit tag", gcmKey, gcmLongIV, gcmAAD, gcmPlain, gcmCipher6, 96, "619cc5aefffe0bfa462af43c"},
}

// TestGCMVectors checks CKM_AES_GCM against the GCM specification's
// test cases, both ways, in one part and in several.
func TestGCMVectors(t *testing.T) {
	for _, v := range gcmVectors {
		key := decodeVector(t, v.key)
		iv := decodeVector(t, v.iv)
		p := GCMParams{IV: iv, AAD: decodeVector(t, v.aad), TagBits: v.tagBits}
		plain := decodeVector(t, v.plain)
		want := append(decodeVector(t, v.cipher), decodeVector(t, v.tag)...)
		for _, ivBits := range []uint{0, 8 * uint(len(iv))} {
			p.IVBits = ivBits
			got, err := cryptOnce(t, ck.CKM_AES_GCM, true, key, p, plain)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("%s: encryption %x, %v", v.source, got, err)
			}
			c, _ := startCipher(t, ck.CKM_AES_GCM, false, key, p)
			out, _ := c.Update(nil, want[:7])
			out, _ = c.Update(out, want[7:len(want)-3])
			out, err = c.Final(out, want[len(want)-3:])
			if err != nil || !bytes.Equal(out, plain) {
				t.Errorf("%s: decryption %x, %v", v.source, out, err)
			}
		}
	}
}

// TestGCMAuthentication: a decryption whose ciphertext, tag, IV or
// additional data differ from what was sealed fails with
// CKR_ENCRYPTED_DATA_INVALID and gives out no plaintext, not even in the
// output buffer's spare room.
func TestGCMAuthentication(t *testing.T) {
	for _, v := range gcmVectors[3:] {
		key := decodeVector(t, v.key)
		p := GCMParams{IV: decodeVector(t, v.iv), AAD: decodeVector(t, v.aad), TagBits: v.tagBits}
		sealed := append(decodeVector(t, v.cipher), decodeVector(t, v.tag)...)
		otherTag := p.TagBits - 8
		if otherTag < 96 {
			otherTag = p.TagBits + 8
		}
		flip := func(b []byte, i int) []byte {
			b = bytes.Clone(b)
			b[i] ^= 1
			return b
		}
		tests := map[string]struct {
			p      GCMParams
			sealed []byte
		}{
			"ciphertext": {p, flip(sealed, 0)},
			"tag":        {p, flip(sealed, len(sealed)-1)},
			"IV":         {GCMParams{IV: flip(p.IV, 3), AAD: p.AAD, TagBits: p.TagBits}, sealed},
			"AAD":        {GCMParams{IV: p.IV, AAD: flip(p.AAD, 0), TagBits: p.TagBits}, sealed},
			"no AAD":     {GCMParams{IV: p.IV, TagBits: p.TagBits}, sealed},
			"tag length": {GCMParams{IV: p.IV, AAD: p.AAD, TagBits: otherTag}, sealed},
		}
		for name, tt := range tests {
			c, err := startCipher(t, ck.CKM_AES_GCM, false, key, tt.p)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]byte, 0, 128)
			out, err := c.Final(dst, tt.sealed)
			if ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_INVALID || out != nil || !bytes.Equal(dst[:128], make([]byte, 128)) {
				t.Errorf("%s, changed %s: %x, %v; the buffer holds %x", v.source, name, out, err, dst[:128])
			}
		}
		// Shorter than the tag: not even a tag to check.
		c, _ := startCipher(t, ck.CKM_AES_GCM, false, key, p)
		c.Update(nil, sealed[:5])
		if out, err := c.Final(nil, sealed[5:p.TagBits/8-1]); ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_LEN_RANGE || out != nil {
			t.Errorf("%s: %d bytes: %x, %v", v.source, p.TagBits/8-1, out, err)
		}
	}
}

// TestGCMParamErrors: the IV is 1 to 256 bytes, ulIvBits 0 or its
// length in bits, the tag 96 to 128 bits in whole bytes.
func TestGCMParamErrors(t *testing.T) {
	key, iv := make([]byte, 16), make([]byte, 12)
	tests := []struct {
		name string
		p    Param
		want ck.RV
	}{
		{"no IV", GCMParams{TagBits: 128}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"IV of 257 bytes", GCMParams{IV: make([]byte, 257), TagBits: 128}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"IV of 256 bytes", GCMParams{IV: make([]byte, 256), TagBits: 128}, ck.CKR_OK},
		{"IV of 1 byte", GCMParams{IV: make([]byte, 1), TagBits: 104}, ck.CKR_OK},
		{"ulIvBits of another length", GCMParams{IV: iv, IVBits: 64, TagBits: 128}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"ulIvBits not whole bytes", GCMParams{IV: iv, IVBits: 95, TagBits: 128}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"no tag", GCMParams{IV: iv}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"64-bit tag", GCMParams{IV: iv, TagBits: 64}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"88-bit tag", GCMParams{IV: iv, TagBits: 88}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"100-bit tag", GCMParams{IV: iv, TagBits: 100}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"136-bit tag", GCMParams{IV: iv, TagBits: 136}, ck.CKR_MECHANISM_PARAM_INVALID},
		{"96-bit tag", GCMParams{IV: iv, TagBits: 96}, ck.CKR_OK},
		{"no parameter", nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{"an IV alone", iv, ck.CKR_MECHANISM_PARAM_INVALID},
		{"a pointer", &GCMParams{IV: iv, TagBits: 128}, ck.CKR_MECHANISM_PARAM_INVALID},
	}
	for _, tt := range tests {
		for _, encrypt := range []bool{true, false} {
			if _, err := startCipher(t, ck.CKM_AES_GCM, encrypt, key, tt.p); ck.ToRV(err) != tt.want {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
			}
		}
	}
}

// TestGCMCopiesParameter: the IV and AAD are copied when the operation
// starts, since the caller's memory they come from may change before
// Final.
func TestGCMCopiesParameter(t *testing.T) {
	v := gcmVectors[1]
	p := GCMParams{IV: decodeVector(t, v.iv), AAD: decodeVector(t, v.aad), TagBits: 128}
	c, _ := startCipher(t, ck.CKM_AES_GCM, true, decodeVector(t, v.key), p)
	clear(p.IV)
	clear(p.AAD)
	got, err := c.Final(nil, decodeVector(t, v.plain))
	if want := append(decodeVector(t, v.cipher), decodeVector(t, v.tag)...); err != nil || !bytes.Equal(got, want) {
		t.Errorf("%x, %v; want %x", got, err, want)
	}
}
