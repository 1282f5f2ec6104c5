// Package object is the PKCS#11 object model: attribute encodings, the
// per-class attribute rules of the 2.40 base specification (required,
// forbidden, defaulted, sensitive, modifiable), key material validation, and
// the serialization that the store persists.
//
// An *Object is immutable: modifications build a new Object, so the engine
// can hand objects to concurrent readers without copying.
package object

import (
	"encoding/binary"
	"math/bits"

	"github.com/corepkcs11/corepkcs11/ck"
)

// ULongSize is the size of CK_ULONG (C unsigned long) on this platform.
const ULongSize = bits.UintSize / 8

// Attribute is one CK_ATTRIBUTE. Values are in the C ABI's encoding so the
// module can copy them as they are: CK_ULONG is a native-endian unsigned
// long, CK_BBOOL a single byte.
type Attribute struct {
	Type  ck.AttributeType
	Value []byte
}

// Template is a list of attributes, as passed to C_CreateObject or C_FindObjectsInit.
type Template []Attribute

// Find returns the value of the first attribute of type t.
func (t Template) Find(typ ck.AttributeType) ([]byte, bool) {
	for _, a := range t {
		if a.Type == typ {
			return a.Value, true
		}
	}
	return nil, false
}

// ULong returns the CK_ULONG attribute typ, if present and well formed.
func (t Template) ULong(typ ck.AttributeType) (uint, bool) {
	v, ok := t.Find(typ)
	if !ok {
		return 0, false
	}
	return DecodeULong(v)
}

// Bool returns the CK_BBOOL attribute typ, if present and well formed.
func (t Template) Bool(typ ck.AttributeType) (value, ok bool) {
	v, ok := t.Find(typ)
	if !ok || len(v) != 1 {
		return false, false
	}
	return v[0] != 0, true
}

// ULong builds a CK_ULONG attribute.
func ULong(typ ck.AttributeType, v uint) Attribute {
	return Attribute{typ, EncodeULong(v)}
}

// Bool builds a CK_BBOOL attribute.
func Bool(typ ck.AttributeType, v bool) Attribute {
	return Attribute{typ, EncodeBool(v)}
}

// Bytes builds a byte-array attribute; the value is not copied.
func Bytes(typ ck.AttributeType, v []byte) Attribute {
	return Attribute{typ, v}
}

// String builds a UTF-8 string attribute such as CKA_LABEL.
func String(typ ck.AttributeType, v string) Attribute {
	return Attribute{typ, []byte(v)}
}

// EncodeULong encodes v as the platform's CK_ULONG.
func EncodeULong(v uint) []byte {
	b := make([]byte, ULongSize)
	putULong(b, v)
	return b
}

func putULong(b []byte, v uint) {
	if ULongSize == 8 {
		binary.NativeEndian.PutUint64(b, uint64(v))
	} else {
		binary.NativeEndian.PutUint32(b, uint32(v))
	}
}

// DecodeULong decodes a CK_ULONG; ok is false if b has the wrong length.
func DecodeULong(b []byte) (uint, bool) {
	switch {
	case len(b) != ULongSize:
		return 0, false
	case ULongSize == 8:
		return uint(binary.NativeEndian.Uint64(b)), true
	default:
		return uint(binary.NativeEndian.Uint32(b)), true
	}
}

var (
	ckTrue  = []byte{1}
	ckFalse = []byte{0}
)

// EncodeBool encodes v as a CK_BBOOL.
func EncodeBool(v bool) []byte {
	if v {
		return ckTrue
	}
	return ckFalse
}
