package mech

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"math"
	"math/big"
	"math/bits"

	"github.com/corepkcs11/corepkcs11/ck"
)

func init() {
	start := func(key any, p Param) (Cipher, error) { return newAESCTR(key, p) }
	register(&Mechanism{
		Type:         ck.CKM_AES_CTR,
		Packages:     "crypto/aes, crypto/cipher",
		Info:         Info{minAESKey, maxAESKey, ck.CKF_ENCRYPT | ck.CKF_DECRYPT},
		KeyTypes:     []ck.KeyType{ck.CKK_AES},
		Param:        CTRParam,
		NewEncrypter: start,
		NewDecrypter: start, // the same keystream both ways
	})
}

// aesCTR is a CKM_AES_CTR encryption or decryption in progress (SP
// 800-38A counter mode). The counter is the low CounterBits bits of the
// counter block; the bits above are a nonce that must never change. Go's
// CTR adds one to the whole 128-bit block, which is the same until the
// counter would wrap, so input that would make it wrap is refused.
type aesCTR struct {
	b    cipher.Block
	ctr  [aes.BlockSize]byte // the counter block of the current keystream block
	off  int                 // bytes of the current keystream block already used
	left uint64              // counter values left, the current one included
}

func newAESCTR(key any, p Param) (*aesCTR, error) {
	b, err := aesBlockOf(ck.CKM_AES_CTR, key)
	if err != nil {
		return nil, err
	}
	cp, err := paramAs[CTRParams](ck.CKM_AES_CTR, p)
	if err != nil {
		return nil, err
	}
	if cp.CounterBits < 1 || cp.CounterBits > 8*aes.BlockSize {
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "CKM_AES_CTR: a counter of %d bits, not 1 to 128", cp.CounterBits)
	}
	return &aesCTR{b: b, ctr: cp.Block, left: ctrValuesLeft(cp.Block, cp.CounterBits)}, nil
}

// ctrValuesLeft is how many counter values a counter block's low bits
// have before they wrap, the first included: 2^bits minus the counter.
// It stops at 2^64-1, as many blocks as no token lives to encrypt.
func ctrValuesLeft(block [aes.BlockSize]byte, bits uint) uint64 {
	end := new(big.Int).Lsh(big.NewInt(1), bits)
	counter := new(big.Int).SetBytes(block[:])
	left := end.Sub(end, counter.Mod(counter, end))
	if !left.IsUint64() {
		return math.MaxUint64
	}
	return left.Uint64()
}

func (c *aesCTR) OutLen(n int, final bool) int { return n }

func (c *aesCTR) Update(dst, src []byte) ([]byte, error) {
	if len(src) == 0 {
		return dst, nil
	}
	end := c.off + len(src)
	if blocks := uint64(end+aes.BlockSize-1) / aes.BlockSize; blocks > c.left {
		return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_AES_CTR: %d more bytes would wrap the counter", len(src))
	}
	dst, out := appendSpace(dst, len(src))
	s := cipher.NewCTR(c.b, c.ctr[:])
	if c.off > 0 {
		// Each call starts a stream at the current block: the part of
		// it the previous call used is skipped.
		var used [aes.BlockSize]byte
		s.XORKeyStream(used[:c.off], used[:c.off])
	}
	s.XORKeyStream(out, src)
	done := uint64(end / aes.BlockSize)
	c.off = end % aes.BlockSize
	c.left -= done
	// The counter block moves on as Go's CTR moves it: the whole block
	// is one big-endian number.
	lo, carry := bits.Add64(binary.BigEndian.Uint64(c.ctr[8:]), done, 0)
	hi, _ := bits.Add64(binary.BigEndian.Uint64(c.ctr[:8]), 0, carry)
	binary.BigEndian.PutUint64(c.ctr[:8], hi)
	binary.BigEndian.PutUint64(c.ctr[8:], lo)
	return dst, nil
}

func (c *aesCTR) Final(dst, src []byte) ([]byte, error) { return c.Update(dst, src) }

func (c *aesCTR) Clone() Cipher {
	clone := *c
	return &clone
}
