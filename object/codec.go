package object

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/corepkcs11/corepkcs11/ck"
)

// The serialized form of a set of attributes, independent of the
// platform's CK_ULONG size and byte order:
//
//	version byte (1)
//	count   uvarint
//	count × (type uvarint, then a CK_ULONG value as a uvarint, any other
//	         value as uvarint length + bytes)
const codecVersion = 1

// Encode serializes o for the store. Whether the result is encrypted
// there is the engine's decision (it seals CKA_PRIVATE objects).
func (o *Object) Encode() []byte { return o.encode(o.Types()) }

func (o *Object) encode(types []ck.AttributeType) []byte {
	b := []byte{codecVersion}
	b = binary.AppendUvarint(b, uint64(len(types)))
	for _, t := range types {
		v := o.attrs[t]
		b = binary.AppendUvarint(b, uint64(t))
		if kinds[t] == KindULong {
			u, _ := DecodeULong(v)
			b = binary.AppendUvarint(b, uint64(u))
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

var errCorrupt = errors.New("corrupt object encoding")

func decodeInto(attrs map[ck.AttributeType][]byte, b []byte) error {
	if len(b) == 0 || b[0] != codecVersion {
		return fmt.Errorf("%w: unknown version", errCorrupt)
	}
	b = b[1:]
	next := func() (uint64, error) {
		v, n := binary.Uvarint(b)
		if n <= 0 {
			return 0, errCorrupt
		}
		b = b[n:]
		return v, nil
	}
	count, err := next()
	if err != nil {
		return err
	}
	for range count {
		t, err := next()
		if err != nil {
			return err
		}
		typ := ck.AttributeType(t)
		kind, ok := kinds[typ]
		if !ok {
			return fmt.Errorf("%w: unknown attribute %v", errCorrupt, typ)
		}
		v, err := next()
		if err != nil {
			return err
		}
		if kind == KindULong {
			if uint64(uint(v)) != v {
				return fmt.Errorf("%w: %v does not fit a CK_ULONG", errCorrupt, typ)
			}
			attrs[typ] = EncodeULong(uint(v))
			continue
		}
		if v > uint64(len(b)) {
			return fmt.Errorf("%w: truncated %v", errCorrupt, typ)
		}
		attrs[typ] = append([]byte(nil), b[:v]...)
		b = b[v:]
	}
	if len(b) != 0 {
		return fmt.Errorf("%w: trailing bytes", errCorrupt)
	}
	return nil
}

// EncodingVersion is the first byte of every encoding Encode produces.
const EncodingVersion = codecVersion

// Decode rebuilds an object from what Encode produced. An object may
// also come in several encodings of disjoint attribute sets, as stores
// written before Encode kept objects whole hold them.
func Decode(parts ...[]byte) (*Object, error) {
	attrs := map[ck.AttributeType][]byte{}
	for i, b := range parts {
		if i > 0 && len(b) == 0 {
			continue // an old record's empty key material part
		}
		if err := decodeInto(attrs, b); err != nil {
			return nil, err
		}
	}
	obj, err := classify(attrs, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	obj.attrs = attrs
	// A record written before the schema gained an attribute
	// (CKA_DERIVE_TEMPLATE, CKA_ENCAPSULATE, …) lacks it: it takes the
	// default a new object gets, so that old and new objects answer alike.
	obj.fillSchemaDefaults()
	if err := obj.finish(); err != nil {
		return nil, fmt.Errorf("%w: %v", errCorrupt, err)
	}
	return obj, nil
}
