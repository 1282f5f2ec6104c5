package object

import (
	"maps"
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Attribute-array attributes (KindAttributes): CKA_WRAP_TEMPLATE and
// CKA_UNWRAP_TEMPLATE hold a template, kept in the object codec's
// format. At the C ABI they are arrays of CK_ATTRIBUTE; the C layer
// converts those with EncodeTemplate and DecodeTemplate.

// EncodeTemplate checks a template for an attribute-array attribute and
// serializes it: each attribute must be one this token knows, with a
// valid value, and none may itself be an array.
func EncodeTemplate(t Template) ([]byte, error) {
	attrs, err := collect(t)
	if err != nil {
		return nil, err
	}
	for typ := range attrs {
		if kinds[typ] == KindAttributes {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "%v cannot be inside an attribute array", typ)
		}
	}
	o := &Object{attrs: attrs}
	return o.encode(slices.Sorted(maps.Keys(attrs))), nil
}

// DecodeTemplate reads what EncodeTemplate wrote, in attribute type order.
func DecodeTemplate(b []byte) (Template, error) {
	attrs := map[ck.AttributeType][]byte{}
	if err := decodeInto(attrs, b); err != nil {
		return nil, err
	}
	t := make(Template, 0, len(attrs))
	for _, typ := range slices.Sorted(maps.Keys(attrs)) {
		t = append(t, Attribute{typ, attrs[typ]})
	}
	return t, nil
}

// canonicalArray is canonical for KindAttributes: the value must decode
// as a template EncodeTemplate accepts.
func canonicalArray(v []byte) ([]byte, error) {
	t, err := DecodeTemplate(v)
	if err != nil {
		return nil, err
	}
	return EncodeTemplate(t)
}
