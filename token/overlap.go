package token

import (
	"bytes"
	"unsafe"
)

// separate returns in, or a copy of it when it shares memory with out:
// callers encrypt in place, and a cipher that holds back part of a block
// writes its output at other offsets than it reads its input. The copy
// is cleared when done is called.
func separate(in, out []byte) (input []byte, done func()) {
	if len(in) == 0 || len(out) == 0 {
		return in, func() {}
	}
	pi, po := uintptr(unsafe.Pointer(&in[0])), uintptr(unsafe.Pointer(&out[0]))
	if pi >= po+uintptr(len(out)) || po >= pi+uintptr(len(in)) {
		return in, func() {}
	}
	c := bytes.Clone(in)
	return c, func() { clear(c) }
}
