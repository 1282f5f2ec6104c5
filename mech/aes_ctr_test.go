package mech

import (
	"bytes"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

func ctrParams(t *testing.T, bits uint, block string) CTRParams {
	p := CTRParams{CounterBits: bits}
	copy(p.Block[:], decodeVector(t, block))
	return p
}

// TestCTRVectors checks CKM_AES_CTR against SP 800-38A F.5.1, F.5.3 and
// F.5.5 (CTR-AESxxx.Encrypt; decryption is the same), with the whole
// block as the counter and with its low 32 bits, which the four blocks
// do not wrap.
func TestCTRVectors(t *testing.T) {
	const counter = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"
	plain := decodeVector(t, sp80038aPlain)
	for _, v := range []struct{ key, cipher string }{
		{sp80038aKey128, "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff 5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee"},
		{sp80038aKey192, "1abc932417521ca24f2b0459fe7e6e0b 090339ec0aa6faefd5ccc2c6f4ce8e94 1e36b26bd1ebc670d1bd1d665620abf7 4f78a7f6d29809585a97daec58c6b050"},
		{sp80038aKey256, "601ec313775789a5b7a7f504bbf3d228 f443e3ca4d62b59aca84e990cacaf5c5 2b0930daa23de94ce87017ba2d84988d dfc9c58db67aada613c2dd08457941a6"},
	} {
		key, want := decodeVector(t, v.key), decodeVector(t, v.cipher)
		for _, bits := range []uint{128, 32} {
			p := ctrParams(t, bits, counter)
			for _, encrypt := range []bool{true, false} {
				c, err := startCipher(t, ck.CKM_AES_CTR, encrypt, key, p)
				if err != nil {
					t.Fatal(err)
				}
				// Parts that end inside a block, so that the next one
				// starts partway through its keystream.
				out, _ := c.Update(nil, plain[:5])
				out, _ = c.Update(out, plain[5:37])
				out, err = c.Final(out, plain[37:])
				if err != nil || !bytes.Equal(out, want) {
					t.Errorf("%d-byte key, %d-bit counter: %x, %v", len(key), bits, out, err)
				}
			}
		}
	}
}

// TestCTRCounterWrap: the counter is the low CounterBits bits of the
// block, and input that would take it past its last value is refused,
// before any output, rather than letting Go's CTR carry into the
// bits above.
func TestCTRCounterWrap(t *testing.T) {
	key := make([]byte, 16)
	tests := []struct {
		bits   uint
		block  string
		blocks int // counter values left
	}{
		{8, "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", 1},
		{2, "000000000000000000000000000000fd", 3}, // the counter is 1 of 0 to 3
		{16, "0000000000000000000000000000fffe", 2},
		{64, "00000000000000ffffffffffffffffff", 1},
		{128, "ffffffffffffffffffffffffffffffff", 1},
		{128, "fffffffffffffffffffffffffffffffd", 3},
	}
	for _, tt := range tests {
		p := ctrParams(t, tt.bits, tt.block)
		n := 16 * tt.blocks
		if _, err := cryptOnce(t, ck.CKM_AES_CTR, true, key, p, make([]byte, n)); err != nil {
			t.Errorf("%d-bit counter %s: %d bytes: %v", tt.bits, tt.block, n, err)
		}
		out, err := cryptOnce(t, ck.CKM_AES_CTR, true, key, p, make([]byte, n+1))
		if ck.ToRV(err) != ck.CKR_DATA_LEN_RANGE || out != nil {
			t.Errorf("%d-bit counter %s: %d bytes: %x, %v", tt.bits, tt.block, n+1, out, err)
		}
		// The same in parts: up to the last byte the counter has, then
		// one more.
		c, _ := startCipher(t, ck.CKM_AES_CTR, false, key, p)
		for _, part := range []int{7, n - 8, 1} {
			if _, err := c.Update(nil, make([]byte, part)); err != nil {
				t.Fatalf("%d-bit counter %s: a part of %d bytes: %v", tt.bits, tt.block, part, err)
			}
		}
		if _, err := c.Final(nil, make([]byte, 1)); ck.ToRV(err) != ck.CKR_DATA_LEN_RANGE {
			t.Errorf("%d-bit counter %s: a byte past the end in parts: %v", tt.bits, tt.block, err)
		}
	}
}

// TestCTRParamErrors: CounterBits is 1 to 128, and the parameter a
// CK_AES_CTR_PARAMS.
func TestCTRParamErrors(t *testing.T) {
	key := make([]byte, 16)
	for _, p := range []Param{CTRParams{CounterBits: 0}, CTRParams{CounterBits: 129}, nil, make([]byte, 16), &CTRParams{CounterBits: 32}} {
		for _, encrypt := range []bool{true, false} {
			if _, err := startCipher(t, ck.CKM_AES_CTR, encrypt, key, p); ck.ToRV(err) != ck.CKR_MECHANISM_PARAM_INVALID {
				t.Errorf("%#v: %v", p, err)
			}
		}
	}
}
