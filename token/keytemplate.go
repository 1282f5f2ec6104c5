package token

import (
	"bytes"
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// withKeyTemplate adds a key's CKA_UNWRAP_TEMPLATE or
// CKA_DERIVE_TEMPLATE (attr) to the application's template: every key
// it unwraps or derives gets those attributes, and a template that
// contradicts them is CKR_TEMPLATE_INCONSISTENT.
func withKeyTemplate(tmpl object.Template, k *object.Object, attr ck.AttributeType) (object.Template, error) {
	v, ok := k.Value(attr)
	if !ok {
		return tmpl, nil
	}
	forced, err := object.DecodeTemplate(v)
	if err != nil {
		return nil, ck.Wrap(ck.CKR_GENERAL_ERROR, err)
	}
	q, _ := object.NewQuery(tmpl)
	given := q.Attributes()
	for _, a := range forced {
		if g, ok := given.Find(a.Type); ok && !bytes.Equal(g, a.Value) {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v contradicts the key's %v", a.Type, attr)
		}
	}
	return append(slices.Clone(tmpl), forced...), nil
}
