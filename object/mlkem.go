package object

import (
	"bytes"
	"crypto/mlkem"
	"encoding/asn1"

	"github.com/cloudflare/circl/kem"
	"github.com/cloudflare/circl/kem/mlkem/mlkem1024"
	"github.com/cloudflare/circl/kem/mlkem/mlkem512"
	"github.com/cloudflare/circl/kem/mlkem/mlkem768"

	"github.com/corepkcs11/corepkcs11/ck"
)

// MLKEM is an ML-KEM parameter set (FIPS 203 section 8): its
// CKA_PARAMETER_SET value, its name, the OID that names its keys in a
// SubjectPublicKeyInfo (id-alg-ml-kem-*, NIST's KEM arc
// 2.16.840.1.101.3.4.4), and its implementations. Go's crypto/mlkem
// computes ML-KEM-768 and ML-KEM-1024 keys; circl computes ML-KEM-512
// keys, and the expanded decapsulation keys of all three, which
// crypto/mlkem neither exports nor parses.
type MLKEM struct {
	Set    uint
	Name   string
	OID    asn1.ObjectIdentifier
	Scheme kem.Scheme
	// fromSeed and parsePublic make crypto/mlkem's keys; nil for a set
	// crypto/mlkem does not have.
	fromSeed    func(seed []byte) (any, error)
	parsePublic func(ek []byte) (any, error)
}

// MLKEMParameterSets are the ML-KEM parameter sets, all three of FIPS 203.
var MLKEMParameterSets = []MLKEM{
	{uint(ck.CKP_ML_KEM_512), "ML-KEM-512", nistKEM(1), mlkem512.Scheme(), nil, nil},
	{uint(ck.CKP_ML_KEM_768), "ML-KEM-768", nistKEM(2), mlkem768.Scheme(),
		func(seed []byte) (any, error) { return mlkem.NewDecapsulationKey768(seed) },
		func(ek []byte) (any, error) { return mlkem.NewEncapsulationKey768(ek) }},
	{uint(ck.CKP_ML_KEM_1024), "ML-KEM-1024", nistKEM(3), mlkem1024.Scheme(),
		func(seed []byte) (any, error) { return mlkem.NewDecapsulationKey1024(seed) },
		func(ek []byte) (any, error) { return mlkem.NewEncapsulationKey1024(ek) }},
}

func nistKEM(n int) asn1.ObjectIdentifier {
	return asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 4, n}
}

// MLKEMSeedSize is the size of an ML-KEM private key's CKA_SEED: FIPS
// 203's d and z, one after the other.
const MLKEMSeedSize = mlkem.SeedSize

// MLKEMOf finds the ML-KEM parameter set of circl's scheme s.
func MLKEMOf(s kem.Scheme) (MLKEM, bool) {
	for _, p := range MLKEMParameterSets {
		if p.Scheme.Name() == s.Name() {
			return p, true
		}
	}
	return MLKEM{}, false
}

// MLKEMParameterSet finds the ML-KEM parameter set with CKA_PARAMETER_SET set.
func MLKEMParameterSet(set uint) (MLKEM, bool) {
	for _, p := range MLKEMParameterSets {
		if p.Set == set {
			return p, true
		}
	}
	return MLKEM{}, false
}

// EncapsulationKey is the encapsulation key (the public key's CKA_VALUE)
// of the key pair a seed makes.
func (p MLKEM) EncapsulationKey(seed []byte) []byte {
	pub, _ := p.Scheme.DeriveKeyPair(seed)
	ek, _ := pub.MarshalBinary()
	return ek
}

// ML-KEM keys (PKCS#11 3.2, ML-KEM section): a public key is its
// parameter set and encapsulation key; a private key its parameter set
// and its seed, its expanded decapsulation key, or both. Generated keys
// get all of them, and CKA_ENCAPSULATE and CKA_DECAPSULATE default to
// CK_TRUE as the other usage flags do.
var (
	mlkemPublicRules = []attrRule{
		{ck.CKA_PARAMETER_SET, mustCreate | mustGenerate, nil},
		{ck.CKA_VALUE, mustCreate | noGenerate, nil},
		{ck.CKA_ENCAPSULATE, modifiable, ckTrue},
	}
	mlkemPrivateRules = []attrRule{
		{ck.CKA_PARAMETER_SET, mustCreate | noGenerate, nil},
		{ck.CKA_SEED, noGenerate | sensitive, nil},
		{ck.CKA_VALUE, noGenerate | sensitive, nil},
		{ck.CKA_DECAPSULATE, modifiable, ckTrue},
	}
)

func init() {
	schemas[schemaKey{ck.CKO_PUBLIC_KEY, uint(ck.CKK_ML_KEM)}] = newSchema(storageRules, keyRules, publicKeyRules, mlkemPublicRules)
	schemas[schemaKey{ck.CKO_PRIVATE_KEY, uint(ck.CKK_ML_KEM)}] = newSchema(storageRules, keyRules, privateKeyRules, mlkemPrivateRules)
}

// finishMLKEM parses an ML-KEM key into crypto/mlkem's key type for
// ML-KEM-768 and ML-KEM-1024, or circl's for ML-KEM-512 and for a
// private key given by its expanded key alone. A private key given by
// its seed gets the expanded key computed into CKA_VALUE; one given by
// both must have the expanded key its seed gives; one given by its
// expanded key alone keeps no CKA_SEED, since the seed cannot be
// recovered from it.
func (o *Object) finishMLKEM() error {
	set, err := o.parameterSet()
	if err != nil {
		return err
	}
	p, ok := MLKEMParameterSet(set)
	if !ok {
		return ck.Errorf(ck.CKR_PARAMETER_SET_NOT_SUPPORTED, "CKA_PARAMETER_SET %d is not an ML-KEM parameter set", set)
	}
	var pub kem.PublicKey
	if o.class == ck.CKO_PUBLIC_KEY {
		if pub, o.key, err = p.parsePublicKey(o.attrs[ck.CKA_VALUE]); err != nil {
			return err
		}
	} else if pub, err = o.mlkemPrivateKey(p); err != nil {
		return err
	}
	ek, _ := pub.MarshalBinary()
	return o.setRawPublicKeyInfo(p.OID, ek)
}

// parsePublicKey reads an encapsulation key, checked as FIPS 203 section
// 7.2 says (its coefficients reduced), into circl's key and into the key
// the mechanism encapsulates with: crypto/mlkem's, for the sets it has.
func (p MLKEM) parsePublicKey(ek []byte) (kem.PublicKey, any, error) {
	if len(ek) != p.Scheme.PublicKeySize() {
		return nil, nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of an %s public key is %d bytes, not %d", p.Name, p.Scheme.PublicKeySize(), len(ek))
	}
	pub, err := p.Scheme.UnmarshalBinaryPublicKey(ek)
	if err != nil {
		return nil, nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE: %v", err)
	}
	if p.parsePublic == nil {
		return pub, pub, nil
	}
	key, err := p.parsePublic(ek)
	if err != nil {
		return nil, nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE: %v", err)
	}
	return pub, key, nil
}

// mlkemPrivateKey parses a private key into o.key and returns its public
// half.
func (o *Object) mlkemPrivateKey(p MLKEM) (kem.PublicKey, error) {
	seed, hasSeed := o.attrs[ck.CKA_SEED]
	value, hasValue := o.attrs[ck.CKA_VALUE]
	switch {
	case hasSeed:
		if len(seed) != MLKEMSeedSize {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_SEED of an ML-KEM private key is %d bytes, not %d", MLKEMSeedSize, len(seed))
		}
		pub, priv := p.Scheme.DeriveKeyPair(seed)
		expanded, _ := priv.MarshalBinary()
		if hasValue && !bytes.Equal(value, expanded) {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE is not the %s private key CKA_SEED expands to", p.Name)
		}
		o.attrs[ck.CKA_VALUE] = expanded
		o.key = priv
		if p.fromSeed != nil {
			key, err := p.fromSeed(seed)
			if err != nil {
				return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_SEED: %v", err)
			}
			o.key = key
		}
		return pub, nil
	case hasValue:
		if len(value) != p.Scheme.PrivateKeySize() {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE of an %s private key is %d bytes, not %d", p.Name, p.Scheme.PrivateKeySize(), len(value))
		}
		priv, err := p.Scheme.UnmarshalBinaryPrivateKey(value)
		if err != nil {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE: %v", err)
		}
		o.key = priv
		return priv.Public(), nil
	}
	return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "an ML-KEM private key needs CKA_SEED, CKA_VALUE or both")
}
