package mech

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"

	"github.com/corepkcs11/corepkcs11/ck"
)

// maxBlockSize is the largest block of the ciphers run in these modes
// (AES; DES has 8 bytes), so that the state fits in fixed arrays.
const maxBlockSize = aes.BlockSize

// blockModes describes a block cipher for registerBlockModes.
type blockModes struct {
	ecb, cbc, cbcPad ck.MechanismType
	keyTypes         []ck.KeyType
	minKey, maxKey   uint // the CK_MECHANISM_INFO key sizes
	blockSize        int
	legacy           bool
	packages         string // the block cipher's, with crypto/cipher
	// newBlock makes the cipher of a key value, or fails with
	// CKR_KEY_SIZE_RANGE.
	newBlock func(key []byte) (cipher.Block, error)
}

// registerBlockModes registers a block cipher's ECB (no parameter), CBC
// and CBC_PAD (an IV of one block) mechanisms, the spec's general block
// cipher mechanisms, which all wrap and unwrap as well.
func registerBlockModes(c blockModes) {
	for _, mode := range []struct {
		t          ck.MechanismType
		chain, pad bool
	}{{c.ecb, false, false}, {c.cbc, true, false}, {c.cbcPad, true, true}} {
		kind := NoParam
		if mode.chain {
			kind = BytesParam
		}
		wrapBlock := c.blockSize
		if mode.pad {
			wrapBlock = 0
		}
		start := func(encrypt bool) func(any, Param) (Cipher, error) {
			return func(key any, p Param) (Cipher, error) {
				return newBlockMode(mode.t, c.newBlock, key, p, mode.chain, mode.pad, encrypt)
			}
		}
		register(&Mechanism{
			Type:         mode.t,
			Packages:     c.packages,
			Info:         Info{c.minKey, c.maxKey, ck.CKF_ENCRYPT | ck.CKF_DECRYPT | ck.CKF_WRAP | ck.CKF_UNWRAP},
			KeyTypes:     c.keyTypes,
			Param:        kind,
			Legacy:       c.legacy,
			WrapBlock:    wrapBlock,
			NewEncrypter: start(true),
			NewDecrypter: start(false),
		})
	}
}

// blockMode is an ECB, CBC or CBC_PAD encryption or decryption in
// progress. Its state lives in arrays, so that a copy of the struct is
// an independent clone; the chaining is done here, one CBC call at a
// time from the kept chaining value, rather than inside a cipher.BlockMode
// whose state could not be copied.
type blockMode struct {
	t       ck.MechanismType
	b       cipher.Block
	bs      int
	chain   bool // CBC: iv is the chaining value
	pad     bool // CBC_PAD: PKCS #7 padding
	encrypt bool
	iv      [maxBlockSize]byte // the IV, then the last ciphertext block
	held    [maxBlockSize]byte // input Update kept back (see keep)
	nheld   int
}

func newBlockMode(t ck.MechanismType, newBlock func([]byte) (cipher.Block, error), key any, p Param, chain, pad, encrypt bool) (Cipher, error) {
	k, err := secretKeyValue(t, key)
	if err != nil {
		return nil, err
	}
	b, err := newBlock(k)
	if err != nil {
		return nil, err
	}
	m := &blockMode{t: t, b: b, bs: b.BlockSize(), chain: chain, pad: pad, encrypt: encrypt}
	if chain {
		iv, err := paramAs[[]byte](t, p)
		if err != nil {
			return nil, err
		}
		if len(iv) != m.bs {
			return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v takes an IV of %d bytes, not %d", t, m.bs, len(iv))
		}
		copy(m.iv[:], iv)
	}
	return m, nil
}

// keep is how many of n unprocessed input bytes Update keeps back: a
// partial block and, when a decryption is to remove padding, the last
// whole block too, since only Final knows that it is the last.
func (m *blockMode) keep(n int) int {
	r := n % m.bs
	if r == 0 && n > 0 && m.pad && !m.encrypt {
		return m.bs
	}
	return r
}

func (m *blockMode) OutLen(n int, final bool) int {
	total := m.nheld + n
	whole := total - total%m.bs
	switch {
	case !final:
		return total - m.keep(total)
	case m.pad && m.encrypt:
		return whole + m.bs // 1 to bs bytes of padding
	}
	// Exact without padding; removing it takes 1 to bs bytes off.
	return whole
}

func (m *blockMode) Update(dst, src []byte) ([]byte, error) {
	total := m.nheld + len(src)
	n := total - m.keep(total)
	if n == 0 {
		m.nheld += copy(m.held[m.nheld:], src)
		return dst, nil
	}
	var in []byte
	if m.nheld == 0 {
		in = src[:n]
	} else {
		// With bytes held, the output runs nheld bytes ahead of src:
		// in place, it would overwrite input not read yet. The blocks
		// are joined in a buffer of their own.
		in = make([]byte, n)
		copy(in, m.held[:m.nheld])
		copy(in[m.nheld:], src)
	}
	// What stays back is saved before the output can overwrite src.
	m.nheld = copy(m.held[:], src[n-m.nheld:])
	dst, out := appendSpace(dst, n)
	m.crypt(out, in)
	return dst, nil
}

func (m *blockMode) Final(dst, src []byte) ([]byte, error) {
	total := m.nheld + len(src)
	switch {
	case m.pad && m.encrypt:
		dst, _ = m.Update(dst, src) // every whole block; less than one stays
		// PKCS #7: p bytes of value p complete the last block, which is
		// all padding when the data ends on a block boundary.
		p := m.bs - m.nheld
		for i := m.nheld; i < m.bs; i++ {
			m.held[i] = byte(p)
		}
		dst, out := appendSpace(dst, m.bs)
		m.crypt(out, m.held[:m.bs])
		return dst, nil
	case total%m.bs != 0 || (m.pad && total == 0):
		if m.encrypt {
			return nil, ck.Errorf(ck.CKR_DATA_LEN_RANGE, "%v: %d bytes are not whole %d-byte blocks", m.t, total, m.bs)
		}
		return nil, ck.Errorf(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, "%v: %d bytes are not whole %d-byte blocks", m.t, total, m.bs)
	case !m.pad:
		return m.Update(dst, src) // whole blocks: none stays back
	}
	// Decrypting with padding: Update keeps the last block back, and its
	// padding comes off here.
	start := len(dst)
	dst, _ = m.Update(dst, src)
	var last [maxBlockSize]byte
	defer clear(last[:])
	m.crypt(last[:m.bs], m.held[:m.bs])
	n, ok := pkcs7Unpadded(last[:m.bs])
	if !ok {
		clear(dst[start:]) // a failed decryption leaves no plaintext behind
		return nil, ck.Errorf(ck.CKR_ENCRYPTED_DATA_INVALID, "%v: the padding is not valid", m.t)
	}
	return append(dst, last[:n]...), nil
}

func (m *blockMode) Clone() Cipher {
	c := *m
	return &c
}

// crypt encrypts or decrypts whole blocks, at least one, in place or
// not, and moves the chaining value on.
func (m *blockMode) crypt(out, in []byte) {
	bs := m.bs
	switch {
	case !m.chain:
		for i := 0; i < len(in); i += bs {
			if m.encrypt {
				m.b.Encrypt(out[i:i+bs], in[i:i+bs])
			} else {
				m.b.Decrypt(out[i:i+bs], in[i:i+bs])
			}
		}
	case m.encrypt:
		cipher.NewCBCEncrypter(m.b, m.iv[:bs]).CryptBlocks(out, in)
		copy(m.iv[:], out[len(out)-bs:])
	default:
		// The last ciphertext block chains on; saved first, since an
		// in-place decryption overwrites it.
		var next [maxBlockSize]byte
		copy(next[:], in[len(in)-bs:])
		cipher.NewCBCDecrypter(m.b, m.iv[:bs]).CryptBlocks(out, in)
		m.iv = next
	}
}

// pkcs7Unpadded returns how many bytes of a decrypted last block are
// data, and whether its PKCS #7 padding is valid. It reads every byte
// alike whatever the padding, so that its timing says nothing of the
// padding's validity to a caller probing for it (a padding oracle).
func pkcs7Unpadded(last []byte) (int, bool) {
	bs := len(last)
	p := int(last[bs-1])
	good := subtle.ConstantTimeLessOrEq(1, p) & subtle.ConstantTimeLessOrEq(p, bs)
	for i, b := range last {
		inPadding := subtle.ConstantTimeLessOrEq(bs, i+p)
		good &= subtle.ConstantTimeSelect(inPadding, subtle.ConstantTimeByteEq(b, byte(p)), 1)
	}
	return bs - p, good == 1
}
