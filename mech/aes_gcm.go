package mech

import (
	"bytes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"

	"github.com/corepkcs11/corepkcs11/ck"
)

func init() {
	register(&Mechanism{
		Type:     ck.CKM_AES_GCM,
		Packages: "crypto/aes, crypto/cipher",
		Info:     Info{minAESKey, maxAESKey, ck.CKF_ENCRYPT | ck.CKF_DECRYPT},
		KeyTypes: []ck.KeyType{ck.CKK_AES},
		Param:    GCMParam,
		NewEncrypter: func(key any, p Param) (Cipher, error) {
			return newAESGCM(key, p, true)
		},
		NewDecrypter: func(key any, p Param) (Cipher, error) {
			return newAESGCM(key, p, false)
		},
	})
}

const (
	// gcmStandardIV is the IV length GCM derives its counter from
	// directly; other lengths are hashed first.
	gcmStandardIV = 12
	// gcmMaxIV caps the IV: the spec allows up to 2^32-1 bytes, which
	// the token would hash in full for each operation, and IVs in use
	// are far shorter (12 bytes is the recommended length).
	gcmMaxIV = 256
	// gcmFullTag is the length of an untruncated tag.
	gcmFullTag = 16
	// gcmMaxData is the longest plaintext GCM takes (SP 800-38D: 2^39 -
	// 256 bits); Go's GCM panics on a longer one.
	gcmMaxData = (1<<32 - 2) * 16
)

// aesGCM is a CKM_AES_GCM encryption or decryption in progress. Go's
// AEAD seals and opens a whole message at once, so Update only buffers:
// nothing comes out before Final, and a decryption gives out no
// plaintext unless the tag checks.
type aesGCM struct {
	aead    cipher.AEAD
	encrypt bool
	iv, aad []byte // copies, read-only: the parameter's may be C memory
	data    []byte // the input so far
}

func newAESGCM(key any, p Param, encrypt bool) (*aesGCM, error) {
	b, err := aesBlockOf(ck.CKM_AES_GCM, key)
	if err != nil {
		return nil, err
	}
	gp, err := paramAs[GCMParams](ck.CKM_AES_GCM, p)
	if err != nil {
		return nil, err
	}
	switch {
	case len(gp.IV) < 1 || len(gp.IV) > gcmMaxIV:
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM: an IV of %d bytes, not 1 to %d", len(gp.IV), gcmMaxIV)
	case gp.IVBits != 0 && gp.IVBits != 8*uint(len(gp.IV)):
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM: ulIvBits %d for an IV of %d bytes", gp.IVBits, len(gp.IV))
	case gp.TagBits%8 != 0 || gp.TagBits < 96 || gp.TagBits > 8*gcmFullTag:
		// Go's GCM makes tags of 12 to 16 bytes; SP 800-38D allows
		// shorter ones only for uses this token has no way to restrict.
		return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "CKM_AES_GCM: a tag of %d bits, not 96, 104, 112, 120 or 128", gp.TagBits)
	}
	aead, err := newGCM(b, len(gp.IV), int(gp.TagBits/8))
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return &aesGCM{aead: aead, encrypt: encrypt, iv: bytes.Clone(gp.IV), aad: bytes.Clone(gp.AAD)}, nil
}

// newGCM is the AES-GCM of an IV and a tag length. Go's crypto/cipher
// makes GCMs with a nonstandard IV length or a short tag, not both; for
// both, shortTagGCM derives one from the full-tag GCM of that IV length.
func newGCM(b cipher.Block, ivLen, tagLen int) (cipher.AEAD, error) {
	switch {
	case ivLen == gcmStandardIV:
		return cipher.NewGCMWithTagSize(b, tagLen)
	case tagLen == gcmFullTag:
		return cipher.NewGCMWithNonceSize(b, ivLen)
	}
	full, err := cipher.NewGCMWithNonceSize(b, ivLen)
	return shortTagGCM{full, tagLen}, err
}

func (g *aesGCM) OutLen(n int, final bool) int {
	total := len(g.data) + n
	switch {
	case !final:
		return 0
	case g.encrypt:
		return total + g.aead.Overhead()
	}
	return max(total-g.aead.Overhead(), 0)
}

func (g *aesGCM) Update(dst, src []byte) ([]byte, error) {
	if err := g.checkLen(len(g.data) + len(src)); err != nil {
		return nil, err
	}
	g.data = append(g.data, src...)
	return dst, nil
}

func (g *aesGCM) Final(dst, src []byte) ([]byte, error) {
	in := src
	if len(g.data) > 0 {
		in = append(g.data, src...)
	}
	if err := g.checkLen(len(in)); err != nil {
		return nil, err
	}
	if g.encrypt {
		defer clear(g.data) // the buffered plaintext
		return g.aead.Seal(dst, g.iv, in, g.aad), nil
	}
	if len(in) < g.aead.Overhead() {
		return nil, ck.Errorf(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, "CKM_AES_GCM: %d bytes are shorter than the %d-byte tag", len(in), g.aead.Overhead())
	}
	// Opened apart from dst: Go's GCM clears its destination when the
	// tag does not match, and dst is the caller's buffer, which a failed
	// decryption leaves as it was.
	plain, err := g.aead.Open(nil, g.iv, in, g.aad)
	if err != nil {
		return nil, ck.Errorf(ck.CKR_ENCRYPTED_DATA_INVALID, "CKM_AES_GCM: the tag does not match")
	}
	defer clear(plain)
	return append(dst, plain...), nil
}

// checkLen refuses an input of n bytes longer than GCM can take.
func (g *aesGCM) checkLen(n int) error {
	switch {
	case g.encrypt && uint64(n) > gcmMaxData:
		return ck.Errorf(ck.CKR_DATA_LEN_RANGE, "CKM_AES_GCM: %d bytes are more than GCM encrypts", n)
	case !g.encrypt && uint64(n) > gcmMaxData+uint64(g.aead.Overhead()):
		return ck.Errorf(ck.CKR_ENCRYPTED_DATA_LEN_RANGE, "CKM_AES_GCM: %d bytes are more than GCM decrypts", n)
	}
	return nil
}

func (g *aesGCM) Clone() Cipher {
	c := *g
	c.data = bytes.Clone(g.data)
	return &c
}

// shortTagGCM is a GCM with a nonstandard IV length and a tag shorter
// than 16 bytes, made from the full-tag GCM of that IV length: a
// truncated tag is the leading bytes of the full one (SP 800-38D 5.2.1.2).
type shortTagGCM struct {
	full   cipher.AEAD
	tagLen int
}

func (g shortTagGCM) NonceSize() int { return g.full.NonceSize() }
func (g shortTagGCM) Overhead() int  { return g.tagLen }

// Seal seals apart from dst and appends the result, so that the full
// tag never needs more room in dst than the truncated one.
func (g shortTagGCM) Seal(dst, nonce, plaintext, aad []byte) []byte {
	out := g.full.Seal(nil, nonce, plaintext, aad)
	return append(dst, out[:len(out)-gcmFullTag+g.tagLen]...)
}

func (g shortTagGCM) Open(dst, nonce, ciphertext, aad []byte) ([]byte, error) {
	if len(ciphertext) < g.tagLen {
		return nil, errShortTagOpen
	}
	n := len(ciphertext) - g.tagLen
	// GCM encrypts and decrypts with the same keystream, so sealing the
	// ciphertext decrypts it (its tag is of no use); sealing that
	// plaintext again gives the full tag of the ciphertext.
	plain := g.full.Seal(nil, nonce, ciphertext[:n], aad)[:n]
	tag := g.full.Seal(nil, nonce, plain, aad)[n:][:g.tagLen]
	defer clear(plain)
	if subtle.ConstantTimeCompare(tag, ciphertext[n:]) != 1 {
		return nil, errShortTagOpen
	}
	return append(dst, plain...), nil
}

var errShortTagOpen = errors.New("mech: GCM message authentication failed")
