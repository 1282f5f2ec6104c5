package mech

import (
	"bytes"
	"crypto/cipher"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// The SP 800-38A plaintext (F.1 to F.5), and its keys.
const (
	sp80038aPlain  = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710"
	sp80038aKey128 = "2b7e151628aed2a6abf7158809cf4f3c"
	sp80038aKey192 = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b"
	sp80038aKey256 = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"
	sp80038aCBCIV  = "000102030405060708090a0b0c0d0e0f"
	sp80038aCBC128 = "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7"
)

// blockModeVectors are published known answers.
var blockModeVectors = []struct {
	source                 string
	mech                   ck.MechanismType
	key, iv, plain, cipher string
}{
	{"SP 800-38A F.1.1 ECB-AES128", ck.CKM_AES_ECB, sp80038aKey128, "", sp80038aPlain,
		"3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf 43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4"},
	{"SP 800-38A F.1.3 ECB-AES192", ck.CKM_AES_ECB, sp80038aKey192, "", sp80038aPlain,
		"bd334f1d6e45f25ff712a214571fa5cc 974104846d0ad3ad7734ecb3ecee4eef ef7afd2270e2e60adce0ba2face6444e 9a4b41ba738d6c72fb16691603c18e0e"},
	{"SP 800-38A F.1.5 ECB-AES256", ck.CKM_AES_ECB, sp80038aKey256, "", sp80038aPlain,
		"f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870 b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7"},
	{"SP 800-38A F.2.1 CBC-AES128", ck.CKM_AES_CBC, sp80038aKey128, sp80038aCBCIV, sp80038aPlain, sp80038aCBC128},
	{"SP 800-38A F.2.3 CBC-AES192", ck.CKM_AES_CBC, sp80038aKey192, sp80038aCBCIV, sp80038aPlain,
		"4f021db243bc633d7178183a9fa071e8 b4d9ada9ad7dedf4e5e738763f69145a 571b242012fb7ae07fa9baac3df102e0 08b0e27988598881d920a9e64f5615cd"},
	{"SP 800-38A F.2.5 CBC-AES256", ck.CKM_AES_CBC, sp80038aKey256, sp80038aCBCIV, sp80038aPlain,
		"f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d 39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b"},
	// The three-key example of SP 800-67 (Rev. 1), plaintext "The qufck brown fox jump".
	{"SP 800-67 TDEA ECB example", ck.CKM_DES3_ECB, "0123456789abcdef 23456789abcdef01 456789abcdef0123", "",
		"5468652071756663 6b2062726f776e20 666f78206a756d70",
		"a826fd8ce53b855f cce21c8112256fe6 68d5c05dd9b6b900"},
	// FIPS 81 Appendix B, plaintext "Now is the time for all ".
	{"FIPS 81 B.1 DES ECB", ck.CKM_DES_ECB, "0123456789abcdef", "",
		"4e6f772069732074 68652074696d6520 666f7220616c6c20",
		"3fa40e8a984d4815 6a271787ab8883f9 893d51ec4b563b53"},
	{"FIPS 81 C.1 DES CBC", ck.CKM_DES_CBC, "0123456789abcdef", "1234567890abcdef",
		"4e6f772069732074 68652074696d6520 666f7220616c6c20",
		"e5c7cdde872bf27c 43e934008c389c0f 683788499a7c05f6"},
}

func vectorParam(t *testing.T, iv string) Param {
	if iv == "" {
		return nil
	}
	return decodeVector(t, iv)
}

// TestBlockModeVectors checks the ECB and CBC mechanisms against
// published known answers, both ways; and the CBC_PAD mechanism of the
// same cipher, whose output on whole blocks is the CBC output followed
// by one block: the encryption of a block of padding.
func TestBlockModeVectors(t *testing.T) {
	cbcPad := map[ck.MechanismType]ck.MechanismType{ck.CKM_AES_CBC: ck.CKM_AES_CBC_PAD, ck.CKM_DES_CBC: ck.CKM_DES_CBC_PAD}
	for _, v := range blockModeVectors {
		key, p := decodeVector(t, v.key), vectorParam(t, v.iv)
		plain, want := decodeVector(t, v.plain), decodeVector(t, v.cipher)
		got, err := cryptOnce(t, v.mech, true, key, p, plain)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: encryption %x, %v", v.source, got, err)
		}
		got, err = cryptOnce(t, v.mech, false, key, p, want)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%s: decryption %x, %v", v.source, got, err)
		}
		if pad, ok := cbcPad[v.mech]; ok {
			got, err := cryptOnce(t, pad, true, key, p, plain)
			if err != nil || len(got) != len(want)+len(p.([]byte)) || !bytes.HasPrefix(got, want) {
				t.Errorf("%s with %v: %x, %v", v.source, pad, got, err)
			}
		}
	}
}

// TestTwoKeyTripleDES: a CKK_DES2 value K1 K2 encrypts as the three-key
// K1 K2 K1.
func TestTwoKeyTripleDES(t *testing.T) {
	three := decodeVector(t, "0123456789abcdef 23456789abcdef01 0123456789abcdef")
	plain := decodeVector(t, "5468652071756663 6b2062726f776e20")
	want, _ := cryptOnce(t, ck.CKM_DES3_ECB, true, three, nil, plain)
	got, err := cryptOnce(t, ck.CKM_DES3_ECB, true, three[:16], nil, plain)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("two-key: %x, %v; three-key K1 K2 K1: %x", got, err, want)
	}
}

// TestBlockModeLengthErrors: ECB and CBC take whole blocks only, in
// one part or many; a decryption that removes padding takes at least one
// block.
func TestBlockModeLengthErrors(t *testing.T) {
	aesKey, desKey, iv16, iv8 := make([]byte, 16), make([]byte, 8), make([]byte, 16), make([]byte, 8)
	tests := []struct {
		mech    ck.MechanismType
		key     []byte
		p       Param
		encrypt bool
		parts   []int // lengths of Update parts, then the Final part
		want    ck.RV
	}{
		{ck.CKM_AES_ECB, aesKey, nil, true, []int{17}, ck.CKR_DATA_LEN_RANGE},
		{ck.CKM_AES_ECB, aesKey, nil, false, []int{17}, ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{ck.CKM_AES_CBC, aesKey, iv16, true, []int{10, 5}, ck.CKR_DATA_LEN_RANGE},
		{ck.CKM_AES_CBC, aesKey, iv16, false, []int{20, 0}, ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{ck.CKM_AES_CBC, aesKey, iv16, true, []int{0}, ck.CKR_OK},
		{ck.CKM_AES_CBC_PAD, aesKey, iv16, false, []int{0}, ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{ck.CKM_AES_CBC_PAD, aesKey, iv16, false, []int{16, 15}, ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{ck.CKM_AES_CBC_PAD, aesKey, iv16, true, []int{15}, ck.CKR_OK},
		{ck.CKM_DES3_CBC, append(aesKey, desKey...), iv8, true, []int{12}, ck.CKR_DATA_LEN_RANGE},
		{ck.CKM_DES_ECB, desKey, nil, false, []int{4, 8}, ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
		{ck.CKM_DES_CBC_PAD, desKey, iv8, false, []int{7}, ck.CKR_ENCRYPTED_DATA_LEN_RANGE},
	}
	for _, tt := range tests {
		c, err := startCipher(t, tt.mech, tt.encrypt, tt.key, tt.p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range tt.parts[:len(tt.parts)-1] {
			if _, err := c.Update(nil, make([]byte, n)); err != nil {
				t.Fatalf("%v: Update of %d bytes: %v", tt.mech, n, err)
			}
		}
		out, err := c.Final(nil, make([]byte, tt.parts[len(tt.parts)-1]))
		if ck.ToRV(err) != tt.want || err != nil && out != nil {
			t.Errorf("%v, encrypt %v, parts %v: %x, %v; want %v", tt.mech, tt.encrypt, tt.parts, out, err, tt.want)
		}
	}
}

// TestBadPadding: a decryption whose last block does not end in valid
// PKCS #7 padding fails with CKR_ENCRYPTED_DATA_INVALID and leaves no
// plaintext in the output buffer.
func TestBadPadding(t *testing.T) {
	key, iv := decodeVector(t, sp80038aKey128), decodeVector(t, sp80038aCBCIV)
	good := bytes.Repeat([]byte{'d'}, 32)
	for _, last := range []string{
		"00000000000000000000000000000000", // a padding length of 0
		"00000000000000000000000000000011", // 17, longer than the block
		"000000000000000000000000000000ff",
		"00000000000000000000000000030203", // 3, but a byte differs
		"10101010101010101010101010101000", // 0 after a run of 16s
		"01101010101010101010101010101010", // 16, but the first byte is 1
	} {
		plain := append(bytes.Clone(good), decodeVector(t, last)...)
		ct := make([]byte, len(plain))
		cipher.NewCBCEncrypter(goAES(key), iv).CryptBlocks(ct, plain)
		dst := make([]byte, 0, 64)
		c, _ := startCipher(t, ck.CKM_AES_CBC_PAD, false, key, iv)
		out, err := c.Final(dst, ct)
		if ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_INVALID || out != nil || !bytes.Equal(dst[:64], make([]byte, 64)) {
			t.Errorf("last block %s: %x, %v; the buffer holds %x", last, out, err, dst[:64])
		}
	}
	// Each valid padding length comes off.
	for n := 1; n <= 16; n++ {
		plain := append(bytes.Clone(good[:16]), bytes.Repeat([]byte{byte(n)}, n)...)
		plain = plain[len(plain)-16:]
		ct := make([]byte, 16)
		cipher.NewCBCEncrypter(goAES(key), iv).CryptBlocks(ct, plain)
		out, err := cryptOnce(t, ck.CKM_AES_CBC_PAD, false, key, iv, ct)
		if err != nil || !bytes.Equal(out, plain[:16-n]) {
			t.Errorf("padding of %d: %x, %v", n, out, err)
		}
	}
}

// TestBlockModeIV: CBC and CBC_PAD take an IV of exactly one block;
// ECB takes no parameter and ignores a stray one.
func TestBlockModeIV(t *testing.T) {
	aesKey, desKey := make([]byte, 16), make([]byte, 8)
	tests := []struct {
		mech ck.MechanismType
		key  []byte
		p    Param
		want ck.RV
	}{
		{ck.CKM_AES_CBC, aesKey, make([]byte, 15), ck.CKR_MECHANISM_PARAM_INVALID},
		{ck.CKM_AES_CBC, aesKey, make([]byte, 17), ck.CKR_MECHANISM_PARAM_INVALID},
		{ck.CKM_AES_CBC_PAD, aesKey, make([]byte, 8), ck.CKR_MECHANISM_PARAM_INVALID},
		{ck.CKM_AES_CBC_PAD, aesKey, nil, ck.CKR_MECHANISM_PARAM_INVALID},
		{ck.CKM_AES_CBC, aesKey, uint(16), ck.CKR_MECHANISM_PARAM_INVALID},
		{ck.CKM_DES3_CBC, append(aesKey, desKey...), make([]byte, 16), ck.CKR_MECHANISM_PARAM_INVALID},
		{ck.CKM_DES_CBC_PAD, desKey, make([]byte, 16), ck.CKR_MECHANISM_PARAM_INVALID},
		{ck.CKM_DES_CBC, desKey, make([]byte, 8), ck.CKR_OK},
		{ck.CKM_AES_ECB, aesKey, make([]byte, 3), ck.CKR_OK},
	}
	for _, tt := range tests {
		for _, encrypt := range []bool{true, false} {
			if _, err := startCipher(t, tt.mech, encrypt, tt.key, tt.p); ck.ToRV(err) != tt.want {
				t.Errorf("%v with %T of %v: %v, want %v", tt.mech, tt.p, tt.p, err, tt.want)
			}
		}
	}
}

// TestCBCChainsAcrossParts: the IV the caller passed is copied, and the
// chaining value after a part is its last ciphertext block, so a second
// part continues the chain rather than restarting it.
func TestCBCChainsAcrossParts(t *testing.T) {
	key, iv := decodeVector(t, sp80038aKey128), decodeVector(t, sp80038aCBCIV)
	plain, want := decodeVector(t, sp80038aPlain), decodeVector(t, sp80038aCBC128)
	c, _ := startCipher(t, ck.CKM_AES_CBC, true, key, iv)
	clear(iv) // the caller's memory changes after C_EncryptInit
	out, _ := c.Update(nil, plain[:16])
	out, err := c.Final(out, plain[16:])
	if err != nil || !bytes.Equal(out, want) {
		t.Errorf("%x, %v; want %x", out, err, want)
	}
}
