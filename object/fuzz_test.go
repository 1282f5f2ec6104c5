package object

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// FuzzDecode feeds stored records to Decode, as an edited store file
// would: it must fail cleanly or give an object that encodes to a record
// decoding to the same object.
func FuzzDecode(f *testing.F) {
	fixtures(f)
	for _, tmpl := range []Template{ecPrivateTemplate(), rsaPrivateTemplate(true), {class(ck.CKO_DATA), Bytes(ck.CKA_VALUE, []byte("v"))}} {
		o, err := New(tmpl, nil, Origin{})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(o.Encode())
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := Decode(b)
		if err != nil {
			return
		}
		again, err := Decode(o.Encode())
		if err != nil {
			t.Fatalf("a decoded object's encoding does not decode: %v", err)
		}
		if !bytes.Equal(again.Encode(), o.Encode()) {
			t.Fatal("the encoding changed in a round trip")
		}
	})
}

// FuzzNew feeds templates to New, as C_CreateObject's callers do: any
// attribute types and values, in any order. It must never panic, and
// every refusal is a PKCS#11 error.
func FuzzNew(f *testing.F) {
	fixtures(f)
	for _, tmpl := range []Template{ecPrivateTemplate(), rsaPrivateTemplate(false), {class(ck.CKO_CERTIFICATE), ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_X_509))}} {
		f.Add(encodeTemplate(tmpl))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tmpl := decodeTemplate(b)
		o, err := New(tmpl, nil, Origin{})
		if err != nil {
			if ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
				t.Fatalf("New refused a template with %v", err)
			}
			return
		}
		if _, err := Decode(o.Encode()); err != nil {
			t.Fatalf("a created object does not survive the store: %v", err)
		}
	})
}

// encodeTemplate and decodeTemplate map a template to fuzzer bytes:
// uvarint type, uvarint length, value, repeated.
func encodeTemplate(tmpl Template) []byte {
	var b []byte
	for _, a := range tmpl {
		b = binary.AppendUvarint(b, uint64(a.Type))
		b = binary.AppendUvarint(b, uint64(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b
}

func decodeTemplate(b []byte) Template {
	var tmpl Template
	for len(b) > 0 {
		typ, n := binary.Uvarint(b)
		if n <= 0 {
			break
		}
		b = b[n:]
		l, n := binary.Uvarint(b)
		if n <= 0 || l > uint64(len(b)-n) {
			break
		}
		b = b[n:]
		tmpl = append(tmpl, Attribute{Type: ck.AttributeType(typ), Value: b[:l]})
		b = b[l:]
	}
	return tmpl
}
