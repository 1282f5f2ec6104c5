package mech

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"

	"github.com/corepkcs11/corepkcs11/ck"
)

func init() {
	registerCMAC(ck.CKM_AES_CMAC, false)
	registerCMAC(ck.CKM_AES_CMAC_GENERAL, true)
}

// registerCMAC registers AES-CMAC (NIST SP 800-38B, RFC 4493), whose MAC
// is the whole block or, for the _GENERAL variant, as many leading bytes
// as its CK_MAC_GENERAL_PARAMS asks. Neither the standard library nor
// x/crypto offers CMAC, so the mode is built here on crypto/aes.
func registerCMAC(t ck.MechanismType, general bool) {
	kind := NoParam
	if general {
		kind = ULongParam
	}
	newMAC := func(key any, p Param) (*cmac, error) {
		n := aes.BlockSize
		if general {
			l, err := paramAs[uint](t, p)
			if err != nil {
				return nil, err
			}
			if l == 0 || l > aes.BlockSize {
				return nil, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v: a MAC of 1 to %d bytes", t, aes.BlockSize)
			}
			n = int(l)
		}
		b, err := aesBlockOf(t, key)
		if err != nil {
			return nil, err
		}
		return newCMAC(b, n), nil
	}
	register(&Mechanism{
		Type:     t,
		Packages: "crypto/aes (CMAC, RFC 4493, written here)",
		Info:     Info{minAESKey, maxAESKey, ck.CKF_SIGN | ck.CKF_VERIFY},
		KeyTypes: []ck.KeyType{ck.CKK_AES},
		Param:    kind,
		NewSigner: func(key any, p Param) (Signer, error) {
			return newMAC(key, p)
		},
		NewVerifier: func(key any, p Param) (Verifier, error) {
			return newMAC(key, p)
		},
	})
}

// cmac is a CMAC in progress, for signing and verifying alike. The last
// block of the message is processed differently from the others, so
// one block (full or not) is always held back until the end; everything
// before it is already folded into the chaining value x.
type cmac struct {
	b      cipher.Block
	k1, k2 [aes.BlockSize]byte // the subkeys for a full and a padded last block
	x      [aes.BlockSize]byte
	last   [aes.BlockSize]byte
	n      int // bytes in last
	size   int // the MAC length
}

func newCMAC(b cipher.Block, size int) *cmac {
	m := &cmac{b: b, size: size}
	// SP 800-38B 6.1: L = CIPH_K(0^128), K1 = dbl(L), K2 = dbl(K1).
	var l [aes.BlockSize]byte
	b.Encrypt(l[:], l[:])
	m.k1 = dbl(l)
	m.k2 = dbl(m.k1)
	return m
}

// dbl multiplies v by x in GF(2^128) with the polynomial
// x^128 + x^7 + x^2 + x + 1: a left shift, and R_128 = 0x87 folded in
// when a bit falls off, without branching on the secret bit.
func dbl(v [aes.BlockSize]byte) [aes.BlockSize]byte {
	var out [aes.BlockSize]byte
	carry := v[0] >> 7
	for i := 0; i < aes.BlockSize-1; i++ {
		out[i] = v[i]<<1 | v[i+1]>>7
	}
	out[aes.BlockSize-1] = v[aes.BlockSize-1]<<1 ^ 0x87&-carry
	return out
}

func (m *cmac) Len() int { return m.size }

func (m *cmac) Update(p []byte) error {
	for len(p) > 0 {
		// More data follows the held block, so it was not the last one.
		if m.n == aes.BlockSize {
			subtle.XORBytes(m.x[:], m.x[:], m.last[:])
			m.b.Encrypt(m.x[:], m.x[:])
			m.n = 0
		}
		c := copy(m.last[m.n:], p)
		m.n += c
		p = p[c:]
	}
	return nil
}

func (m *cmac) Sign(data []byte) ([]byte, error) {
	m.Update(data)
	// SP 800-38B 6.2: a full last block is masked with K1; a partial
	// one (or an empty message) is padded with 10* and masked with K2.
	last := m.last
	k := &m.k1
	if m.n < aes.BlockSize {
		clear(last[m.n:])
		last[m.n] = 0x80
		k = &m.k2
	}
	var t [aes.BlockSize]byte
	subtle.XORBytes(t[:], m.x[:], last[:])
	subtle.XORBytes(t[:], t[:], k[:])
	m.b.Encrypt(t[:], t[:])
	return t[:m.size], nil
}

func (m *cmac) Verify(data, sig []byte) error {
	if len(sig) != m.size {
		return ck.Errorf(ck.CKR_SIGNATURE_LEN_RANGE, "the MAC is %d bytes, not %d", m.size, len(sig))
	}
	mac, _ := m.Sign(data)
	if subtle.ConstantTimeCompare(mac, sig) != 1 {
		return ck.CKR_SIGNATURE_INVALID
	}
	return nil
}
