package object

import (
	"encoding/asn1"

	"github.com/cloudflare/circl/sign/slhdsa"

	"github.com/corepkcs11/corepkcs11/ck"
)

// SLHDSA is an SLH-DSA parameter set (FIPS 205 section 11): its
// CKA_PARAMETER_SET value, the OID that names its keys in a
// SubjectPublicKeyInfo (RFC 9909), and circl's identifier of it, whose
// String is the parameter set's FIPS 205 name.
type SLHDSA struct {
	Set uint
	OID asn1.ObjectIdentifier
	ID  slhdsa.ID
}

// SLHDSAParameterSets are the SLH-DSA parameter sets, all twelve of FIPS
// 205, which circl implements.
var SLHDSAParameterSets = []SLHDSA{
	{uint(ck.CKP_SLH_DSA_SHA2_128S), nistSigAlg(20), slhdsa.SHA2_128s},
	{uint(ck.CKP_SLH_DSA_SHA2_128F), nistSigAlg(21), slhdsa.SHA2_128f},
	{uint(ck.CKP_SLH_DSA_SHA2_192S), nistSigAlg(22), slhdsa.SHA2_192s},
	{uint(ck.CKP_SLH_DSA_SHA2_192F), nistSigAlg(23), slhdsa.SHA2_192f},
	{uint(ck.CKP_SLH_DSA_SHA2_256S), nistSigAlg(24), slhdsa.SHA2_256s},
	{uint(ck.CKP_SLH_DSA_SHA2_256F), nistSigAlg(25), slhdsa.SHA2_256f},
	{uint(ck.CKP_SLH_DSA_SHAKE_128S), nistSigAlg(26), slhdsa.SHAKE_128s},
	{uint(ck.CKP_SLH_DSA_SHAKE_128F), nistSigAlg(27), slhdsa.SHAKE_128f},
	{uint(ck.CKP_SLH_DSA_SHAKE_192S), nistSigAlg(28), slhdsa.SHAKE_192s},
	{uint(ck.CKP_SLH_DSA_SHAKE_192F), nistSigAlg(29), slhdsa.SHAKE_192f},
	{uint(ck.CKP_SLH_DSA_SHAKE_256S), nistSigAlg(30), slhdsa.SHAKE_256s},
	{uint(ck.CKP_SLH_DSA_SHAKE_256F), nistSigAlg(31), slhdsa.SHAKE_256f},
}

// SLHDSAParameterSet finds the SLH-DSA parameter set with CKA_PARAMETER_SET set.
func SLHDSAParameterSet(set uint) (SLHDSA, bool) {
	for _, p := range SLHDSAParameterSets {
		if p.Set == set {
			return p, true
		}
	}
	return SLHDSA{}, false
}

// SLHDSAOf finds the parameter set of circl's identifier id.
func SLHDSAOf(id slhdsa.ID) (SLHDSA, bool) {
	for _, p := range SLHDSAParameterSets {
		if p.ID == id {
			return p, true
		}
	}
	return SLHDSA{}, false
}

// SLH-DSA keys (PKCS#11 3.2 section 6.68): a parameter set and the
// encoded key, public or private (the private key holds the public key).
var slhdsaPrivateRules = []attrRule{
	{ck.CKA_PARAMETER_SET, mustCreate | noGenerate, nil},
	{ck.CKA_VALUE, mustCreate | noGenerate | sensitive, nil},
}

func init() {
	schemas[schemaKey{ck.CKO_PUBLIC_KEY, uint(ck.CKK_SLH_DSA)}] = newSchema(storageRules, keyRules, publicKeyRules, pqPublicRules)
	schemas[schemaKey{ck.CKO_PRIVATE_KEY, uint(ck.CKK_SLH_DSA)}] = newSchema(storageRules, keyRules, privateKeyRules, slhdsaPrivateRules)
}

// finishSLHDSA parses an SLH-DSA key into a *slhdsa.PublicKey or a
// *slhdsa.PrivateKey.
func (o *Object) finishSLHDSA() error {
	set, err := o.parameterSet()
	if err != nil {
		return err
	}
	p, ok := SLHDSAParameterSet(set)
	if !ok {
		return ck.Errorf(ck.CKR_PARAMETER_SET_NOT_SUPPORTED, "CKA_PARAMETER_SET %d is not an SLH-DSA parameter set", set)
	}
	v := o.attrs[ck.CKA_VALUE]
	var pub slhdsa.PublicKey
	if o.class == ck.CKO_PUBLIC_KEY {
		pub.ID = p.ID
		if len(v) != p.ID.Scheme().PublicKeySize() || pub.UnmarshalBinary(v) != nil {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of an %v public key is %d bytes, not %d", p.ID, p.ID.Scheme().PublicKeySize(), len(v))
		}
		o.key = &pub
	} else {
		priv := &slhdsa.PrivateKey{ID: p.ID}
		if len(v) != p.ID.Scheme().PrivateKeySize() || priv.UnmarshalBinary(v) != nil {
			return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of an %v private key is %d bytes, not %d", p.ID, p.ID.Scheme().PrivateKeySize(), len(v))
		}
		o.key = priv
		pub = priv.PublicKey()
	}
	raw, _ := pub.MarshalBinary()
	return o.setRawPublicKeyInfo(p.OID, raw)
}
