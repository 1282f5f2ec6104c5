package mech

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// decodeVector decodes a test vector's hex, written with spaces between
// blocks.
func decodeVector(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// startCipher starts mechanism mt's encryption or decryption.
func startCipher(t testing.TB, mt ck.MechanismType, encrypt bool, key any, p Param) (Cipher, error) {
	t.Helper()
	m, err := Lookup(mt)
	if err != nil {
		t.Fatal(err)
	}
	if encrypt {
		return m.NewEncrypter(key, p)
	}
	return m.NewDecrypter(key, p)
}

// cryptOnce encrypts or decrypts in one Final call, as C_Encrypt and
// C_Decrypt do.
func cryptOnce(t testing.TB, mt ck.MechanismType, encrypt bool, key []byte, p Param, in []byte) ([]byte, error) {
	t.Helper()
	c, err := startCipher(t, mt, encrypt, key, p)
	if err != nil {
		t.Fatalf("%v: %v", mt, err)
	}
	return c.Final(nil, in)
}

// A symmetricCase is a mechanism with what the tests need to drive it
// with random keys and parameters, and to check it against Go's
// crypto/cipher used directly.
type symmetricCase struct {
	mech    ck.MechanismType
	keyLens []int
	mode    string // ecb, cbc, cbcpad, ctr or gcm
	// block is Go's cipher for a key value, made here rather than by
	// the mechanism's code.
	block func(key []byte) cipher.Block
}

func goAES(key []byte) cipher.Block {
	b, err := aes.NewCipher(key)
	if err != nil {
		panic(err)
	}
	return b
}

func goTripleDES(key []byte) cipher.Block {
	if len(key) == 16 { // K1 K2 K1
		key = append(slices.Clip(key), key[:8]...)
	}
	b, err := des.NewTripleDESCipher(key)
	if err != nil {
		panic(err)
	}
	return b
}

func goDES(key []byte) cipher.Block {
	b, err := des.NewCipher(key)
	if err != nil {
		panic(err)
	}
	return b
}

var symmetricCases = []symmetricCase{
	{ck.CKM_AES_ECB, []int{16, 24, 32}, "ecb", goAES},
	{ck.CKM_AES_CBC, []int{16, 24, 32}, "cbc", goAES},
	{ck.CKM_AES_CBC_PAD, []int{16, 24, 32}, "cbcpad", goAES},
	{ck.CKM_AES_CTR, []int{16, 24, 32}, "ctr", goAES},
	{ck.CKM_AES_GCM, []int{16, 24, 32}, "gcm", goAES},
	{ck.CKM_DES3_ECB, []int{16, 24}, "ecb", goTripleDES},
	{ck.CKM_DES3_CBC, []int{16, 24}, "cbc", goTripleDES},
	{ck.CKM_DES3_CBC_PAD, []int{16, 24}, "cbcpad", goTripleDES},
	{ck.CKM_DES_ECB, []int{8}, "ecb", goDES},
	{ck.CKM_DES_CBC, []int{8}, "cbc", goDES},
	{ck.CKM_DES_CBC_PAD, []int{8}, "cbcpad", goDES},
}

// randomBytes is n bytes from r.
func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// param is a random parameter for the case's mechanism.
func (c symmetricCase) param(r *rand.Rand, bs int) Param {
	switch c.mode {
	case "cbc", "cbcpad":
		return randomBytes(r, bs)
	case "ctr":
		p := CTRParams{CounterBits: []uint{16, 32, 64, 128}[r.IntN(4)]}
		copy(p.Block[:], randomBytes(r, 16))
		// The counter's top bit clear: 2^15 blocks at least before it
		// wraps, more than any input here.
		i := 16 - (p.CounterBits+7)/8
		p.Block[i] &^= 1 << ((p.CounterBits - 1) % 8)
		return p
	case "gcm":
		iv := randomBytes(r, []int{12, 1, 8, 60, 256}[r.IntN(5)])
		return GCMParams{IV: iv, IVBits: 8 * uint(len(iv)), AAD: randomBytes(r, r.IntN(40)), TagBits: 96 + 8*uint(r.IntN(5))}
	}
	return nil
}

// encrypt is what the mechanism must produce, computed with Go's
// crypto/cipher directly.
func (c symmetricCase) encrypt(key []byte, p Param, plain []byte) []byte {
	b := c.block(key)
	bs := b.BlockSize()
	out := make([]byte, len(plain))
	switch c.mode {
	case "ecb":
		for i := 0; i < len(plain); i += bs {
			b.Encrypt(out[i:], plain[i:])
		}
	case "cbc":
		cipher.NewCBCEncrypter(b, p.([]byte)).CryptBlocks(out, plain)
	case "cbcpad":
		n := bs - len(plain)%bs
		padded := append(bytes.Clone(plain), bytes.Repeat([]byte{byte(n)}, n)...)
		out = make([]byte, len(padded))
		cipher.NewCBCEncrypter(b, p.([]byte)).CryptBlocks(out, padded)
	case "ctr":
		block := p.(CTRParams).Block
		cipher.NewCTR(b, block[:]).XORKeyStream(out, plain)
	case "gcm":
		gp := p.(GCMParams)
		tagLen := int(gp.TagBits / 8)
		if len(gp.IV) == 12 {
			g, _ := cipher.NewGCMWithTagSize(b, tagLen)
			return g.Seal(nil, gp.IV, plain, gp.AAD)
		}
		// A short tag is the full tag's leading bytes (SP 800-38D
		// 5.2.1.2); Go makes one or the other change, not both.
		g, _ := cipher.NewGCMWithNonceSize(b, len(gp.IV))
		out = g.Seal(nil, gp.IV, plain, gp.AAD)
		return out[:len(out)-16+tagLen]
	}
	return out
}

// random draws a key, a parameter and a plaintext the mechanism takes.
func (c symmetricCase) random(r *rand.Rand) (key []byte, p Param, plain []byte, bs int) {
	key = randomBytes(r, c.keyLens[r.IntN(len(c.keyLens))])
	bs = c.block(key).BlockSize()
	n := r.IntN(200)
	if c.mode == "ecb" || c.mode == "cbc" {
		n -= n % bs
	}
	return key, c.param(r, bs), randomBytes(r, n), bs
}

// TestSymmetricAgainstGo checks every mechanism against Go's
// crypto/cipher run directly, on random keys, parameters and data, and
// that decryption gives the plaintext back.
func TestSymmetricAgainstGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, c := range symmetricCases {
		t.Run(c.mech.String(), func(t *testing.T) {
			for range 50 {
				key, p, plain, _ := c.random(r)
				ct, err := cryptOnce(t, c.mech, true, key, p, plain)
				if err != nil {
					t.Fatal(err)
				}
				if want := c.encrypt(key, p, plain); !bytes.Equal(ct, want) {
					t.Fatalf("key %x, %d bytes: %x, Go's crypto/cipher gives %x", key, len(plain), ct, want)
				}
				back, err := cryptOnce(t, c.mech, false, key, p, ct)
				if err != nil || !bytes.Equal(back, plain) {
					t.Fatalf("decryption: %x, %v; want %x", back, err, plain)
				}
			}
		})
	}
}

// randomSplit cuts b into a random number of parts, some of them empty.
func randomSplit(r *rand.Rand, b []byte) [][]byte {
	cuts := []int{0, len(b)}
	for range r.IntN(6) {
		cuts = append(cuts, r.IntN(len(b)+1))
	}
	slices.Sort(cuts)
	var parts [][]byte
	for i := 1; i < len(cuts); i++ {
		parts = append(parts, b[cuts[i-1]:cuts[i]])
	}
	return parts
}

// runParts feeds parts to c through Update and, for the last, Final,
// and checks each call's output length against OutLen: exact for
// Update, a bound for Final no more than slack above it. In place, each
// part is in a buffer of its own and is also the call's dst.
func runParts(t *testing.T, c Cipher, parts [][]byte, slack int, inPlace bool) []byte {
	t.Helper()
	var out []byte
	for i, part := range parts {
		final := i == len(parts)-1
		want := c.OutLen(len(part), final)
		dst := out
		if inPlace {
			part = slices.Clip(bytes.Clone(part))
			dst = part[:0]
		}
		call := c.Update
		if final {
			call = c.Final
		}
		got, err := call(dst, part)
		if err != nil {
			t.Fatalf("part %d of %d (%d bytes): %v", i+1, len(parts), len(part), err)
		}
		n := len(got) - len(dst)
		if !final && n != want || final && (n > want || want-n > slack) {
			t.Fatalf("part %d of %d (%d bytes, final %v): %d bytes out, OutLen said %d", i+1, len(parts), len(part), final, n, want)
		}
		if inPlace {
			out = append(out, got...)
		} else {
			out = got
		}
	}
	return out
}

// TestSymmetricMultiPart checks, for every mechanism in both
// directions, that any split of the input through Update and Final
// gives what one Final gives, in place or not, with OutLen exact for
// Update and a bound for Final (a block above for a decryption that
// removes padding).
func TestSymmetricMultiPart(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range symmetricCases {
		t.Run(c.mech.String(), func(t *testing.T) {
			for range 30 {
				key, p, plain, bs := c.random(r)
				ct := c.encrypt(key, p, plain)
				for _, dir := range []struct {
					encrypt  bool
					in, want []byte
					slack    int
				}{{true, plain, ct, 0}, {false, ct, plain, 0}} {
					if !dir.encrypt && c.mode == "cbcpad" {
						dir.slack = bs
					}
					for _, inPlace := range []bool{false, true} {
						cp, err := startCipher(t, c.mech, dir.encrypt, key, p)
						if err != nil {
							t.Fatal(err)
						}
						if got := runParts(t, cp, randomSplit(r, dir.in), dir.slack, inPlace); !bytes.Equal(got, dir.want) {
							t.Fatalf("encrypt %v, in place %v: %x, want %x", dir.encrypt, inPlace, got, dir.want)
						}
					}
				}
			}
		})
	}
}

// TestSymmetricClone checks that a clone taken mid-operation and then
// driven elsewhere leaves the original alone, and that a second clone
// finishes as the original does.
func TestSymmetricClone(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, c := range symmetricCases {
		t.Run(c.mech.String(), func(t *testing.T) {
			for range 30 {
				key, p, plain, bs := c.random(r)
				ct := c.encrypt(key, p, plain)
				for _, encrypt := range []bool{true, false} {
					in, want := plain, ct
					if !encrypt {
						in, want = ct, plain
					}
					orig, err := startCipher(t, c.mech, encrypt, key, p)
					if err != nil {
						t.Fatal(err)
					}
					cut := r.IntN(len(in) + 1)
					mid := cut + r.IntN(len(in)-cut+1)
					head, _ := orig.Update(nil, in[:cut])
					diverging, twin := orig.Clone(), orig.Clone()
					// The clones and the original take turns, so that
					// shared state would show.
					other := randomBytes(r, 2*bs+r.IntN(40))
					divHead, _ := diverging.Update(nil, other[:5])
					body, err := orig.Update(nil, in[cut:mid])
					if err != nil {
						t.Fatal(err)
					}
					divTail, divErr := diverging.Final(nil, other[5:])
					// The diverging clone ends as an operation of its own
					// given the same input would (an error, for most
					// decryptions of random data).
					fresh, _ := startCipher(t, c.mech, encrypt, key, p)
					freshOut, _ := fresh.Update(nil, in[:cut])
					freshOut, freshErr := fresh.Final(freshOut, other)
					if divOut := slices.Concat(head, divHead, divTail); ck.ToRV(divErr) != ck.ToRV(freshErr) || divErr == nil && !bytes.Equal(divOut, freshOut) {
						t.Fatalf("encrypt %v: the clone gives %x, %v; a fresh operation %x, %v", encrypt, divOut, divErr, freshOut, freshErr)
					}
					tail, err := orig.Final(nil, in[mid:])
					if err != nil {
						t.Fatal(err)
					}
					got := slices.Concat(head, body, tail)
					if !bytes.Equal(got, want) {
						t.Fatalf("encrypt %v: the original gives %x after its clone ran, want %x", encrypt, got, want)
					}
					twinTail, err := twin.Final(nil, in[cut:])
					if err != nil || !bytes.Equal(slices.Concat(head, twinTail), want) {
						t.Fatalf("encrypt %v: the clone gives %x, %v; want %x", encrypt, slices.Concat(head, twinTail), err, want)
					}
				}
			}
		})
	}
}

// TestSymmetricKeyErrors: a key of the wrong length, or key material
// that is not a secret key's value, is refused by every mechanism.
func TestSymmetricKeyErrors(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	badLens := map[string][]int{"AES": {0, 8, 15, 17, 31, 33, 64}, "DES3": {8, 15, 17, 23, 32}, "DES_": {0, 7, 9, 16, 24}}
	for _, c := range symmetricCases {
		key, p, _, _ := c.random(r)
		var lens []int
		for prefix, l := range badLens {
			if strings.HasPrefix(strings.TrimPrefix(c.mech.String(), "CKM_"), prefix) {
				lens = l
			}
		}
		if lens == nil {
			t.Fatalf("%v: no wrong key lengths to try", c.mech)
		}
		for _, encrypt := range []bool{true, false} {
			for _, n := range lens {
				if _, err := startCipher(t, c.mech, encrypt, make([]byte, n), p); ck.ToRV(err) != ck.CKR_KEY_SIZE_RANGE {
					t.Errorf("%v, encrypt %v, a %d-byte key: %v", c.mech, encrypt, n, err)
				}
			}
			for _, k := range []any{nil, string(key), &key, goAES(make([]byte, 16))} {
				if _, err := startCipher(t, c.mech, encrypt, k, p); ck.ToRV(err) != ck.CKR_KEY_TYPE_INCONSISTENT {
					t.Errorf("%v, encrypt %v, key material %T: %v", c.mech, encrypt, k, err)
				}
			}
		}
	}
}

// TestSymmetricRegistry checks what each mechanism declares.
func TestSymmetricRegistry(t *testing.T) {
	const blockFlags = ck.CKF_ENCRYPT | ck.CKF_DECRYPT | ck.CKF_WRAP | ck.CKF_UNWRAP
	aesKey, des3Keys, desKey := []ck.KeyType{ck.CKK_AES}, []ck.KeyType{ck.CKK_DES2, ck.CKK_DES3}, []ck.KeyType{ck.CKK_DES}
	tests := []struct {
		mech     ck.MechanismType
		info     Info
		param    ParamKind
		keyTypes []ck.KeyType
		legacy   bool
	}{
		{ck.CKM_AES_ECB, Info{16, 32, blockFlags}, NoParam, aesKey, false},
		{ck.CKM_AES_CBC, Info{16, 32, blockFlags}, BytesParam, aesKey, false},
		{ck.CKM_AES_CBC_PAD, Info{16, 32, blockFlags}, BytesParam, aesKey, false},
		{ck.CKM_AES_CTR, Info{16, 32, ck.CKF_ENCRYPT | ck.CKF_DECRYPT}, CTRParam, aesKey, false},
		{ck.CKM_AES_GCM, Info{16, 32, ck.CKF_ENCRYPT | ck.CKF_DECRYPT}, GCMParam, aesKey, false},
		{ck.CKM_DES3_ECB, Info{16, 24, blockFlags}, NoParam, des3Keys, false},
		{ck.CKM_DES3_CBC, Info{16, 24, blockFlags}, BytesParam, des3Keys, false},
		{ck.CKM_DES3_CBC_PAD, Info{16, 24, blockFlags}, BytesParam, des3Keys, false},
		{ck.CKM_DES_ECB, Info{8, 8, blockFlags}, NoParam, desKey, true},
		{ck.CKM_DES_CBC, Info{8, 8, blockFlags}, BytesParam, desKey, true},
		{ck.CKM_DES_CBC_PAD, Info{8, 8, blockFlags}, BytesParam, desKey, true},
	}
	for _, tt := range tests {
		m, err := Lookup(tt.mech)
		if err != nil {
			t.Fatal(err)
		}
		if m.Info != tt.info || m.Param != tt.param || !slices.Equal(m.KeyTypes, tt.keyTypes) || m.Legacy != tt.legacy || m.SinglePart {
			t.Errorf("%v: %+v, param %v, key types %v, legacy %v, single-part %v", tt.mech, m.Info, m.Param, m.KeyTypes, m.Legacy, m.SinglePart)
		}
	}
}
