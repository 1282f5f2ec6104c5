package mech

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"encoding/binary"
	"math"

	"github.com/corepkcs11/corepkcs11/ck"
)

// semiblock is the unit of AES key wrap: half an AES block.
const semiblock = aes.BlockSize / 2

func init() {
	registerKeyWrap(ck.CKM_AES_KEY_WRAP, []byte{0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6, 0xa6},
		func(n int) int { return n + semiblock }, kwWrap, kwUnwrap)
	registerKeyWrap(ck.CKM_AES_KEY_WRAP_KWP, []byte{0xa6, 0x59, 0x59, 0xa6},
		func(n int) int { return (n+semiblock-1)/semiblock*semiblock + semiblock }, kwpWrap, kwpUnwrap)
}

// registerKeyWrap registers an AES key wrap mode: its parameter is an
// optional initial value of defaultIV's length (an empty one means
// defaultIV), wrapLen is the length of the wrapping of n bytes, and
// wrap and unwrap are the mode itself. The whole input is needed before
// any output, so the mechanism is single-part.
func registerKeyWrap(t ck.MechanismType, defaultIV []byte, wrapLen func(n int) int,
	wrap func(b cipher.Block, iv, in []byte) ([]byte, error),
	unwrap func(b cipher.Block, iv, in []byte) ([]byte, error)) {
	start := func(key any, p Param) (cipher.Block, []byte, error) {
		iv := defaultIV
		if p != nil {
			v, err := paramAs[[]byte](t, p)
			if err != nil {
				return nil, nil, err
			}
			switch len(v) {
			case 0:
			case len(defaultIV):
				// Copied: the parameter's bytes are the caller's, for this call only.
				iv = bytes.Clone(v)
			default:
				return nil, nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v takes an initial value of %d bytes, not %d", t, len(defaultIV), len(v))
			}
		}
		b, err := aesBlockOf(t, key)
		return b, iv, err
	}
	register(&Mechanism{
		Type:       t,
		Packages:   "crypto/aes (RFC 3394 and 5649 key wrap, written here)",
		Info:       Info{minAESKey, maxAESKey, ck.CKF_ENCRYPT | ck.CKF_DECRYPT | ck.CKF_WRAP | ck.CKF_UNWRAP},
		KeyTypes:   []ck.KeyType{ck.CKK_AES},
		Param:      BytesParam,
		SinglePart: true,
		NewEncrypter: func(key any, p Param) (Cipher, error) {
			b, iv, err := start(key, p)
			if err != nil {
				return nil, err
			}
			return &oneShotCipher{
				limit:   math.MaxInt,
				tooLong: ck.CKR_DATA_LEN_RANGE,
				outLen:  wrapLen,
				run:     func(in []byte) ([]byte, error) { return wrap(b, iv, in) },
			}, nil
		},
		NewDecrypter: func(key any, p Param) (Cipher, error) {
			b, iv, err := start(key, p)
			if err != nil {
				return nil, err
			}
			return &oneShotCipher{
				limit:   math.MaxInt,
				tooLong: ck.CKR_ENCRYPTED_DATA_LEN_RANGE,
				// Exact for KW; for KWP the padding, up to 7 bytes, is
				// known only once unwrapped.
				outLen: func(n int) int { return max(n-semiblock, 0) },
				run:    func(in []byte) ([]byte, error) { return unwrap(b, iv, in) },
			}, nil
		},
	})
}

// kwWrap is AES key wrap, RFC 3394 (SP 800-38F KW): at least two
// semiblocks in, one more out.
func kwWrap(b cipher.Block, iv, in []byte) ([]byte, error) {
	if len(in)%semiblock != 0 || len(in) < 2*semiblock {
		return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_AES_KEY_WRAP wraps a multiple of 8 bytes, at least 16, not %d", len(in))
	}
	return wrapW(b, iv, in), nil
}

func kwUnwrap(b cipher.Block, iv, in []byte) ([]byte, error) {
	if len(in)%semiblock != 0 || len(in) < 3*semiblock {
		return nil, ck.Errorf(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, "CKM_AES_KEY_WRAP unwraps a multiple of 8 bytes, at least 24, not %d", len(in))
	}
	a, r := unwrapW(b, in)
	if subtle.ConstantTimeCompare(a[:], iv) != 1 {
		return nil, integrityFailure(r)
	}
	return r, nil
}

// kwpWrap is AES key wrap with padding, RFC 5649 (SP 800-38F KWP): the
// integrity value carries the input's length, the input is padded with
// zeros to whole semiblocks, and a single padded semiblock is simply
// encrypted with the integrity value as one AES block.
func kwpWrap(b cipher.Block, iv, in []byte) ([]byte, error) {
	if len(in) == 0 || uint64(len(in)) > math.MaxUint32 {
		return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_AES_KEY_WRAP_KWP wraps 1 to 2^32-1 bytes, not %d", len(in))
	}
	aiv := make([]byte, semiblock)
	copy(aiv, iv)
	binary.BigEndian.PutUint32(aiv[4:], uint32(len(in)))
	padded := make([]byte, (len(in)+semiblock-1)/semiblock*semiblock)
	copy(padded, in)
	if len(padded) == semiblock {
		block := append(aiv, padded...)
		b.Encrypt(block, block)
		return block, nil
	}
	return wrapW(b, aiv, padded), nil
}

func kwpUnwrap(b cipher.Block, iv, in []byte) ([]byte, error) {
	if len(in)%semiblock != 0 || len(in) < 2*semiblock {
		return nil, ck.Errorf(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, "CKM_AES_KEY_WRAP_KWP unwraps a multiple of 8 bytes, at least 16, not %d", len(in))
	}
	var a [semiblock]byte
	var p []byte
	if len(in) == 2*semiblock {
		block := make([]byte, aes.BlockSize)
		b.Decrypt(block, in)
		copy(a[:], block)
		p = block[semiblock:]
	} else {
		a, p = unwrapW(b, in)
	}
	// RFC 5649 section 3: the initial value matches, the length lies in
	// the last semiblock, and the padding after it is zeros. All three
	// are checked together in constant time: which one failed, or where
	// the length points, would tell an attacker about the plaintext.
	ok := subtle.ConstantTimeCompare(a[:4], iv)
	mli := uint64(binary.BigEndian.Uint32(a[4:]))
	// Below 8 only for len(p)-8 < mli <= len(p); any other mli wraps
	// around to a huge number.
	padLen := uint64(len(p)) - mli
	ok &= int(1 ^ nonZero(padLen>>3))
	var pad byte
	for i := len(p) - semiblock; i < len(p); i++ {
		// The byte counts when i >= mli, that is when mli-1-i is negative.
		inPad := byte((mli - 1 - uint64(i)) >> 63)
		pad |= p[i] & -inPad
	}
	ok &= subtle.ConstantTimeByteEq(pad, 0)
	if ok != 1 {
		return nil, integrityFailure(p)
	}
	return p[:mli], nil
}

// nonZero is 1 if x is not zero and 0 if it is, without a branch.
func nonZero(x uint64) uint64 { return (x | -x) >> 63 }

// integrityFailure clears what an unwrap produced, which must not leave
// the token, and says that the wrapping was not made with this key and
// initial value; nothing more, whichever check failed.
func integrityFailure(unwrapped []byte) error {
	clear(unwrapped)
	return ck.Errorf(ck.CKR_ENCRYPTED_DATA_INVALID, "the wrapped key fails its integrity check")
}

// wrapW is the wrapping function W of RFC 3394 section 2.2.1 (index
// form): six passes over the semiblocks of r, each folding one into the
// integrity value a through AES. It returns a || r wrapped; r is not
// modified.
func wrapW(b cipher.Block, a, r []byte) []byte {
	n := len(r) / semiblock
	out := make([]byte, semiblock+len(r))
	copy(out[semiblock:], r)
	// block is A || R[i]; A stays in its first half from step to step.
	var block [aes.BlockSize]byte
	copy(block[:semiblock], a)
	for j := range 6 {
		for i := 1; i <= n; i++ {
			ri := out[semiblock*i : semiblock*(i+1)]
			copy(block[semiblock:], ri)
			b.Encrypt(block[:], block[:])
			xorCounter(block[:semiblock], uint64(n*j+i))
			copy(ri, block[semiblock:])
		}
	}
	copy(out, block[:semiblock])
	return out
}

// unwrapW is W's inverse (RFC 3394 section 2.2.2): from c = A || R it
// recovers the integrity value, for the caller to check, and the
// semiblocks, in new memory.
func unwrapW(b cipher.Block, c []byte) (a [semiblock]byte, r []byte) {
	n := len(c)/semiblock - 1
	r = bytes.Clone(c[semiblock:])
	var block [aes.BlockSize]byte
	copy(block[:semiblock], c)
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			ri := r[semiblock*(i-1) : semiblock*i]
			xorCounter(block[:semiblock], uint64(n*j+i))
			copy(block[semiblock:], ri)
			b.Decrypt(block[:], block[:])
			copy(ri, block[semiblock:])
		}
	}
	copy(a[:], block[:semiblock])
	return a, r
}

// xorCounter XORs the step counter t, big-endian, into the semiblock a.
func xorCounter(a []byte, t uint64) {
	binary.BigEndian.PutUint64(a, binary.BigEndian.Uint64(a)^t)
}
