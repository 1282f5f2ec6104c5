package object

import (
	"bytes"
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Object is a PKCS#11 object: its attributes, the rules of its class, and
// its key material parsed once for the mechanisms. Objects are never
// changed after New, Decode, Set or Copy returns them.
type Object struct {
	attrs  map[ck.AttributeType][]byte
	schema schema
	class  ck.ObjectClass
	sub    uint // key type or certificate type, 0 for data objects
	key    any  // parsed key material; see Key
}

// Origin says how an object comes to exist, which decides the attributes
// a template may and must give and those the token sets itself.
type Origin struct {
	// Generated is true for C_GenerateKey and C_GenerateKeyPair.
	Generated bool
	// Unwrapped is true for C_UnwrapKey: the key material comes from the
	// wrapped key, and the template may not give it, not even with the
	// same value (a template that must match it would tell whether it
	// does). Otherwise the template is checked as C_CreateObject's.
	Unwrapped bool
	// Base is the base key of C_DeriveKey, nil otherwise. As for an
	// unwrapped key, the template cannot give the key material. The
	// mechanisms specification gives every derivation the same rule: a
	// derived key is always sensitive only if its base always was, and
	// never extractable only if its base never was.
	Base *Object
	// Encapsulated is true for C_EncapsulateKey and C_DecapsulateKey: the
	// key's value is the shared secret, which the template cannot give.
	Encapsulated bool
	// Mechanism is the generating mechanism, recorded in CKA_KEY_GEN_MECHANISM.
	Mechanism ck.MechanismType
	// SO is true when the Security Officer is logged in; only the SO may
	// set CKA_TRUSTED to CK_TRUE.
	SO bool
}

// New builds an object from an application's template, as C_CreateObject,
// C_GenerateKey, C_GenerateKeyPair, C_UnwrapKey and C_DeriveKey do. For
// the keys a mechanism makes, material holds what it produced (class, key
// type, key values); the application's template may repeat those only
// with the same value, except where the origin forbids it (see Origin).
//
// Errors carry the CKR the spec names: CKR_TEMPLATE_INCOMPLETE,
// CKR_TEMPLATE_INCONSISTENT, CKR_ATTRIBUTE_TYPE_INVALID,
// CKR_ATTRIBUTE_VALUE_INVALID or CKR_ATTRIBUTE_READ_ONLY.
func New(tmpl, material Template, o Origin) (*Object, error) {
	attrs, err := collect(tmpl)
	if err != nil {
		return nil, err
	}
	for _, a := range material {
		if v, given := attrs[a.Type]; given && !bytes.Equal(v, a.Value) {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v is set by the mechanism", a.Type)
		}
	}
	obj, err := classify(attrs, material)
	if err != nil {
		return nil, err
	}
	for t, v := range attrs {
		r, ok := obj.schema[t]
		switch {
		case !ok:
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_TYPE_INVALID, "%v is not an attribute of a %v", t, obj.describe())
		case !o.Generated && r.rule&noCreate != 0:
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_READ_ONLY, "%v is set by the token", t)
		case o.Generated && r.rule&noGenerate != 0 && !material.hasType(t):
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v cannot be given to a key generation", t)
		case o.Unwrapped && r.rule&noGenerate != 0:
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v comes from the wrapped key: C_UnwrapKey's template cannot give it", t)
		case o.Base != nil && r.rule&noGenerate != 0:
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v comes from the derivation: C_DeriveKey's template cannot give it", t)
		case o.Encapsulated && r.rule&noGenerate != 0:
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v comes from the shared secret: the template cannot give it", t)
		case r.rule&soOnlyTrue != 0 && !o.SO && v[0] != 0:
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_READ_ONLY, "only the SO may set %v", t)
		}
	}
	for _, a := range material {
		attrs[a.Type] = a.Value
	}
	need := mustCreate
	if o.Generated {
		need = mustGenerate
	}
	for t, r := range obj.schema {
		if _, ok := attrs[t]; r.rule&need != 0 && !ok {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs %v", obj.describe(), t)
		}
	}
	obj.attrs = attrs
	obj.fillDefaults(o)
	if err := obj.finish(); err != nil {
		return nil, err
	}
	if err := obj.checkMLDSAExpanded(); err != nil {
		return nil, err
	}
	return obj, nil
}

// collect canonicalizes a caller's template into a map, rejecting unknown
// types, malformed values and contradictory repeats.
func collect(tmpl Template) (map[ck.AttributeType][]byte, error) {
	attrs := make(map[ck.AttributeType][]byte, len(tmpl)+16)
	for _, a := range tmpl {
		v, err := canonical(a.Type, a.Value)
		if err != nil {
			return nil, err
		}
		if prev, dup := attrs[a.Type]; dup && !bytes.Equal(prev, v) {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "%v given twice with different values", a.Type)
		}
		attrs[a.Type] = v
	}
	return attrs, nil
}

func (t Template) hasType(typ ck.AttributeType) bool {
	_, ok := t.Find(typ)
	return ok
}

// classify finds the object's class and subtype and its schema.
func classify(attrs map[ck.AttributeType][]byte, material Template) (*Object, error) {
	lookup := func(t ck.AttributeType) ([]byte, bool) {
		if v, ok := material.Find(t); ok {
			return v, true
		}
		v, ok := attrs[t]
		return v, ok
	}
	v, ok := lookup(ck.CKA_CLASS)
	if !ok {
		return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "no CKA_CLASS")
	}
	c, _ := DecodeULong(v)
	obj := &Object{class: ck.ObjectClass(c)}
	if st, has := subtypeAttr(obj.class); has {
		v, ok := lookup(st)
		if !ok {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs %v", obj.class, st)
		}
		obj.sub, _ = DecodeULong(v)
		obj.schema = schemas[schemaKey{obj.class, obj.sub}]
		if obj.schema == nil {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "%v %#x is not supported for %v", st, obj.sub, obj.class)
		}
		return obj, nil
	}
	obj.schema = schemas[schemaKey{obj.class, 0}]
	if obj.schema == nil {
		return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_CLASS %v is not supported", obj.class)
	}
	return obj, nil
}

func (o *Object) describe() string {
	switch o.class {
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
		return ck.KeyType(o.sub).String() + " " + o.class.String()
	}
	return o.class.String()
}

// fillDefaults sets what the template left out: the schema's defaults, and
// the attributes the token derives from the object's origin.
func (o *Object) fillDefaults(origin Origin) {
	o.fillSchemaDefaults()
	if _, ok := o.attrs[ck.CKA_PRIVATE]; !ok {
		o.attrs[ck.CKA_PRIVATE] = EncodeBool(o.class == ck.CKO_PRIVATE_KEY || o.class == ck.CKO_SECRET_KEY)
	}
	if _, isKey := o.schema[ck.CKA_LOCAL]; !isKey {
		return
	}
	o.attrs[ck.CKA_LOCAL] = EncodeBool(origin.Generated)
	if origin.Generated {
		o.attrs[ck.CKA_KEY_GEN_MECHANISM] = EncodeULong(uint(origin.Mechanism))
	} else {
		o.attrs[ck.CKA_KEY_GEN_MECHANISM] = EncodeULong(ck.CK_UNAVAILABLE_INFORMATION)
	}
	if _, ok := o.schema[ck.CKA_ALWAYS_SENSITIVE]; ok {
		alwaysSensitive, neverExtractable := origin.Generated, origin.Generated
		if b := origin.Base; b != nil {
			alwaysSensitive, neverExtractable = b.Bool(ck.CKA_ALWAYS_SENSITIVE), b.Bool(ck.CKA_NEVER_EXTRACTABLE)
		}
		o.attrs[ck.CKA_ALWAYS_SENSITIVE] = EncodeBool(alwaysSensitive && o.Bool(ck.CKA_SENSITIVE))
		o.attrs[ck.CKA_NEVER_EXTRACTABLE] = EncodeBool(neverExtractable && !o.Bool(ck.CKA_EXTRACTABLE))
	}
}

// finish runs the class- and type-specific checks and derivations and
// parses key material.
func (o *Object) finish() error {
	switch o.class {
	case ck.CKO_CERTIFICATE:
		return o.finishCertificate()
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
		switch kt := ck.KeyType(o.sub); {
		case kt == ck.CKK_EC:
			return o.finishEC()
		case kt == ck.CKK_ML_KEM:
			return o.finishMLKEM()
		case kt == ck.CKK_EC_EDWARDS || kt == ck.CKK_EC_MONTGOMERY:
			return o.finishOctet()
		case kt == ck.CKK_RSA:
			return o.finishRSA()
		case kt == ck.CKK_ML_DSA:
			return o.finishMLDSA()
		case kt == ck.CKK_SLH_DSA:
			return o.finishSLHDSA()
		case kt == ck.CKK_DES || kt == ck.CKK_DES2 || kt == ck.CKK_DES3 || slices.Contains(valueKeyTypes, kt):
			return o.finishSecret()
		}
	}
	return nil
}

// fillSchemaDefaults gives each attribute the schema has a default for
// and the object lacks that default.
func (o *Object) fillSchemaDefaults() {
	for t, r := range o.schema {
		if _, ok := o.attrs[t]; !ok && r.def != nil {
			o.attrs[t] = r.def
		}
	}
}

// Class returns CKA_CLASS.
func (o *Object) Class() ck.ObjectClass { return o.class }

// KeyType returns CKA_KEY_TYPE, or CK_UNAVAILABLE_INFORMATION for an object that is not a key.
func (o *Object) KeyType() ck.KeyType {
	switch o.class {
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
		return ck.KeyType(o.sub)
	}
	return ck.KeyType(ck.CK_UNAVAILABLE_INFORMATION)
}

// Bool returns a CK_BBOOL attribute, false when absent.
func (o *Object) Bool(t ck.AttributeType) bool {
	v := o.attrs[t]
	return len(v) == 1 && v[0] != 0
}

// ULong returns a CK_ULONG attribute.
func (o *Object) ULong(t ck.AttributeType) (uint, bool) {
	return DecodeULong(o.attrs[t])
}

// Value returns an attribute's stored value without the sensitivity
// check of Attribute; the slice must not be modified.
func (o *Object) Value(t ck.AttributeType) ([]byte, bool) {
	v, ok := o.attrs[t]
	return v, ok
}

// IsToken reports CKA_TOKEN.
func (o *Object) IsToken() bool { return o.Bool(ck.CKA_TOKEN) }

// IsPrivate reports CKA_PRIVATE.
func (o *Object) IsPrivate() bool { return o.Bool(ck.CKA_PRIVATE) }

// Key returns the parsed key material: *ecdsa.PrivateKey,
// *ecdsa.PublicKey, *rsa.PrivateKey, *rsa.PublicKey, the Edwards and
// Montgomery keys edwards.go and montgomery.go list, ML-KEM keys (see
// finishMLKEM), circl's sign.PrivateKey and sign.PublicKey for ML-DSA,
// *slhdsa.PrivateKey and *slhdsa.PublicKey for SLH-DSA, or the []byte
// value of a secret key; nil for objects that are not keys.
func (o *Object) Key() any { return o.key }

// HidesMaterial reports whether the object holds key material that
// C_GetAttributeValue may not reveal (CKA_SENSITIVE, or not CKA_EXTRACTABLE).
func (o *Object) HidesMaterial() bool {
	for t := range o.attrs {
		if o.hidden(t) {
			return true
		}
	}
	return false
}

// hidden reports whether attribute t may not be revealed.
func (o *Object) hidden(t ck.AttributeType) bool {
	return o.schema.isSecretMaterial(t) && (o.Bool(ck.CKA_SENSITIVE) || !o.Bool(ck.CKA_EXTRACTABLE))
}

// Attribute returns the value of t as C_GetAttributeValue reveals it:
// CKR_ATTRIBUTE_TYPE_INVALID if the object has no such attribute,
// CKR_ATTRIBUTE_SENSITIVE if it may not be revealed.
func (o *Object) Attribute(t ck.AttributeType) ([]byte, error) {
	v, ok := o.attrs[t]
	if !ok {
		return nil, ck.CKR_ATTRIBUTE_TYPE_INVALID
	}
	if o.hidden(t) {
		return nil, ck.CKR_ATTRIBUTE_SENSITIVE
	}
	return v, nil
}

// Query is a C_FindObjectsInit template in canonical form, checked
// once and then matched against many objects.
type Query struct{ attrs Template }

// NewQuery prepares tmpl for matching. ok is false if no object can
// match it: an unknown attribute type or a malformed value.
func NewQuery(tmpl Template) (q Query, ok bool) {
	q.attrs = make(Template, len(tmpl))
	for i, a := range tmpl {
		v, err := canonical(a.Type, a.Value)
		if err != nil {
			return Query{}, false
		}
		q.attrs[i] = Attribute{a.Type, v}
	}
	return q, true
}

// Attributes returns the query's template in canonical form.
func (q Query) Attributes() Template { return q.attrs }

// Matches reports whether every attribute of q is present in o with an
// equal value, as C_FindObjects requires. Hidden key material never
// matches, so a search cannot be used to guess it.
func (o *Object) Matches(q Query) bool {
	for _, a := range q.attrs {
		v, ok := o.attrs[a.Type]
		if !ok || o.hidden(a.Type) || !bytes.Equal(v, a.Value) {
			return false
		}
	}
	return true
}

// Types returns the object's attribute types in ascending order.
func (o *Object) Types() []ck.AttributeType {
	ts := make([]ck.AttributeType, 0, len(o.attrs))
	for t := range o.attrs {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

// Size is an estimate of the object's size in bytes, for C_GetObjectSize.
func (o *Object) Size() int {
	n := 0
	for _, v := range o.attrs {
		n += ULongSize + len(v)
	}
	return n
}
