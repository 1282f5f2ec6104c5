package object

import (
	"bytes"
	"encoding/asn1"

	"github.com/cloudflare/circl/sign"
	"github.com/cloudflare/circl/sign/mldsa/mldsa44"
	"github.com/cloudflare/circl/sign/mldsa/mldsa65"
	"github.com/cloudflare/circl/sign/mldsa/mldsa87"

	"github.com/corepkcs11/corepkcs11/ck"
)

// MLDSA is an ML-DSA parameter set (FIPS 204 section 4): its
// CKA_PARAMETER_SET value, its name, the OID that names its keys in a
// SubjectPublicKeyInfo (RFC 9881), and circl's implementation of it.
type MLDSA struct {
	Set    uint
	Name   string
	OID    asn1.ObjectIdentifier
	Scheme sign.Scheme
}

// MLDSAParameterSets are the ML-DSA parameter sets, all three of FIPS 204.
var MLDSAParameterSets = []MLDSA{
	{uint(ck.CKP_ML_DSA_44), "ML-DSA-44", nistSigAlg(17), mldsa44.Scheme()},
	{uint(ck.CKP_ML_DSA_65), "ML-DSA-65", nistSigAlg(18), mldsa65.Scheme()},
	{uint(ck.CKP_ML_DSA_87), "ML-DSA-87", nistSigAlg(19), mldsa87.Scheme()},
}

// MLDSASeedSize is the size of CKA_SEED, FIPS 204's seed ξ.
const MLDSASeedSize = 32

// MLDSAParameterSet finds the ML-DSA parameter set with CKA_PARAMETER_SET set.
func MLDSAParameterSet(set uint) (MLDSA, bool) {
	for _, p := range MLDSAParameterSets {
		if p.Set == set {
			return p, true
		}
	}
	return MLDSA{}, false
}

// MLDSAByOID finds the ML-DSA parameter set a SubjectPublicKeyInfo or
// PKCS#8 algorithm OID names.
func MLDSAByOID(oid asn1.ObjectIdentifier) (MLDSA, bool) {
	for _, p := range MLDSAParameterSets {
		if oid.Equal(p.OID) {
			return p, true
		}
	}
	return MLDSA{}, false
}

// MLDSAOf finds the parameter set of an ML-DSA key's circl scheme.
func MLDSAOf(s sign.Scheme) (MLDSA, bool) {
	for _, p := range MLDSAParameterSets {
		if p.Scheme == s {
			return p, true
		}
	}
	return MLDSA{}, false
}

// ML-DSA keys (PKCS#11 3.2 section 6.67): a public key is its parameter
// set and encoded key; a private key its parameter set and its seed ξ,
// its expanded key, or both. The mechanism gives all of them to a
// generated key.
var (
	pqPublicRules = []attrRule{
		{ck.CKA_PARAMETER_SET, mustCreate | mustGenerate, nil},
		{ck.CKA_VALUE, mustCreate | noGenerate, nil},
	}
	mldsaPrivateRules = []attrRule{
		{ck.CKA_PARAMETER_SET, mustCreate | noGenerate, nil},
		{ck.CKA_SEED, noGenerate | sensitive, nil},
		{ck.CKA_VALUE, noGenerate | sensitive, nil},
	}
)

func init() {
	schemas[schemaKey{ck.CKO_PUBLIC_KEY, uint(ck.CKK_ML_DSA)}] = newSchema(storageRules, keyRules, publicKeyRules, pqPublicRules)
	schemas[schemaKey{ck.CKO_PRIVATE_KEY, uint(ck.CKK_ML_DSA)}] = newSchema(storageRules, keyRules, privateKeyRules, mldsaPrivateRules)
}

// finishMLDSA parses an ML-DSA key. A private key given by its seed gets
// the expanded key computed into CKA_VALUE; one given by both must have
// the expanded key its seed gives; one given by its expanded key alone
// keeps no CKA_SEED, since the seed cannot be recovered from it.
func (o *Object) finishMLDSA() error {
	set, err := o.parameterSet()
	if err != nil {
		return err
	}
	p, ok := MLDSAParameterSet(set)
	if !ok {
		return ck.Errorf(ck.CKR_PARAMETER_SET_NOT_SUPPORTED, "CKA_PARAMETER_SET %d is not an ML-DSA parameter set", set)
	}
	var pub sign.PublicKey
	if o.class == ck.CKO_PUBLIC_KEY {
		v := o.attrs[ck.CKA_VALUE]
		if len(v) != p.Scheme.PublicKeySize() {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of an %s public key is %d bytes, not %d", p.Name, p.Scheme.PublicKeySize(), len(v))
		}
		if pub, err = p.Scheme.UnmarshalBinaryPublicKey(v); err != nil {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE: %v", err)
		}
		o.key = pub
	} else {
		priv, err := o.mldsaPrivateKey(p)
		if err != nil {
			return err
		}
		o.key = priv
		pub = priv.Public().(sign.PublicKey)
	}
	raw, _ := pub.MarshalBinary()
	return o.setRawPublicKeyInfo(p.OID, raw)
}

func (o *Object) mldsaPrivateKey(p MLDSA) (sign.PrivateKey, error) {
	seed, hasSeed := o.attrs[ck.CKA_SEED]
	value, hasValue := o.attrs[ck.CKA_VALUE]
	switch {
	case hasSeed:
		if len(seed) != MLDSASeedSize {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_SEED of an ML-DSA private key is %d bytes, not %d", MLDSASeedSize, len(seed))
		}
		_, priv := p.Scheme.DeriveKey(seed)
		expanded, _ := priv.MarshalBinary()
		if hasValue && !bytes.Equal(value, expanded) {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE is not the %s private key CKA_SEED expands to", p.Name)
		}
		o.attrs[ck.CKA_VALUE] = expanded
		return priv, nil
	case hasValue:
		if len(value) != p.Scheme.PrivateKeySize() {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of an %s private key is %d bytes, not %d", p.Name, p.Scheme.PrivateKeySize(), len(value))
		}
		priv, err := p.Scheme.UnmarshalBinaryPrivateKey(value)
		if err != nil {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE: %v", err)
		}
		return priv, nil
	}
	return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "an ML-DSA private key needs CKA_SEED, CKA_VALUE or both")
}

// checkMLDSAExpanded is New's check of an ML-DSA private key given by its
// expanded key alone, which may parse although its parts disagree, and
// would then sign what never verifies: a test signature finds that when
// the key is created. A stored key was checked then, so Decode does not
// pay for it again.
func (o *Object) checkMLDSAExpanded() error {
	priv, ok := o.key.(sign.PrivateKey)
	if o.class != ck.CKO_PRIVATE_KEY || ck.KeyType(o.sub) != ck.CKK_ML_DSA || !ok {
		return nil
	}
	if _, seeded := o.attrs[ck.CKA_SEED]; seeded {
		return nil // the expanded key was computed from the seed
	}
	msg := []byte("corepkcs11: ML-DSA private key check")
	if !priv.Scheme().Verify(priv.Public().(sign.PublicKey), msg, priv.Scheme().Sign(priv, msg, nil), nil) {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE is not a consistent ML-DSA private key")
	}
	return nil
}
