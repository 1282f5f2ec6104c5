package object

import (
	"maps"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Set returns a copy of o with the template's attributes changed, under
// the rules of C_SetAttributeValue: CKR_ACTION_PROHIBITED for an
// unmodifiable object, CKR_ATTRIBUTE_READ_ONLY for attributes that cannot
// change (or not in that direction), CKR_ATTRIBUTE_TYPE_INVALID and
// CKR_ATTRIBUTE_VALUE_INVALID for bad input.
func (o *Object) Set(tmpl Template, so bool) (*Object, error) {
	if !o.Bool(ck.CKA_MODIFIABLE) {
		return nil, ck.Errorf(ck.CKR_ACTION_PROHIBITED, "object has CKA_MODIFIABLE false")
	}
	return o.change(tmpl, so, modifiable)
}

// Copy returns a new object like o with the template's attributes
// changed, under the rules of C_CopyObject, which also allow CKA_TOKEN,
// CKA_PRIVATE and CKA_MODIFIABLE to change.
func (o *Object) Copy(tmpl Template, so bool) (*Object, error) {
	if !o.Bool(ck.CKA_COPYABLE) {
		return nil, ck.Errorf(ck.CKR_ACTION_PROHIBITED, "object has CKA_COPYABLE false")
	}
	return o.change(tmpl, so, modifiable|copyOnly)
}

func (o *Object) change(tmpl Template, so bool, allowed rule) (*Object, error) {
	changes, err := collect(tmpl)
	if err != nil {
		return nil, err
	}
	for t, v := range changes {
		r, ok := o.schema[t]
		if !ok {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_TYPE_INVALID, "%v is not an attribute of a %v", t, o.describe())
		}
		cur := o.attrs[t]
		unchanged := len(cur) == len(v) && string(cur) == string(v)
		switch {
		case unchanged:
		case r.rule&allowed == 0:
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_READ_ONLY, "%v cannot be changed", t)
		case r.rule&stickyTrue != 0 && o.Bool(t):
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_READ_ONLY, "%v cannot go back to CK_FALSE", t)
		case r.rule&stickyFalse != 0 && !o.Bool(t):
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_READ_ONLY, "%v cannot go back to CK_TRUE", t)
		case r.rule&soOnlyTrue != 0 && !so && v[0] != 0:
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_READ_ONLY, "only the SO may set %v", t)
		}
	}
	n := &Object{attrs: maps.Clone(o.attrs), schema: o.schema, class: o.class, sub: o.sub, key: o.key}
	maps.Copy(n.attrs, changes)
	return n, nil
}
