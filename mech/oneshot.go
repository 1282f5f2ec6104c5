package mech

import (
	"bytes"

	"github.com/corepkcs11/corepkcs11/ck"
)

// oneShotCipher is the Cipher of a single-part mechanism, one that can
// only transform its input as a whole (RSA, AES key wrap): Update
// collects the input and Final runs it through the mechanism.
type oneShotCipher struct {
	buf []byte
	// limit is the longest input taken, and tooLong the error past it.
	limit   int
	tooLong ck.RV
	// outLen is the length of the output for n bytes of input: exact,
	// or for a decryption that removes padding an upper bound.
	outLen func(n int) int
	run    func(in []byte) ([]byte, error)
}

func (c *oneShotCipher) OutLen(n int, final bool) int {
	if !final {
		return 0
	}
	return c.outLen(len(c.buf) + n)
}

func (c *oneShotCipher) Update(dst, src []byte) ([]byte, error) {
	if len(src) > c.limit-len(c.buf) {
		return dst, ck.Errorf(c.tooLong, "the input is longer than %d bytes", c.limit)
	}
	// Copied: src may be the caller's memory, and dst the same.
	c.buf = append(c.buf, src...)
	return dst, nil
}

func (c *oneShotCipher) Final(dst, src []byte) ([]byte, error) {
	if _, err := c.Update(nil, src); err != nil {
		return nil, err
	}
	out, err := c.run(c.buf)
	// The input and output may be keys (wrapping) or plaintext.
	clear(c.buf)
	defer clear(out)
	if err != nil {
		return nil, err
	}
	return append(dst, out...), nil
}

func (c *oneShotCipher) Clone() Cipher {
	clone := *c
	clone.buf = bytes.Clone(c.buf)
	return &clone
}
