package mech

import (
	"crypto/mlkem"
	"crypto/rand"

	"github.com/cloudflare/circl/kem"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// ML-KEM (FIPS 203, PKCS#11 3.2): key pairs of the parameter set the
// public key's template names, and key encapsulation. Key sizes are the
// encapsulation key's length in bytes, as the spec counts them: 800
// (ML-KEM-512) to 1568 (ML-KEM-1024).
var mlkemInfo = Info{MinKeySize: 800, MaxKeySize: 1568}

func init() {
	register(&Mechanism{
		Type:            ck.CKM_ML_KEM_KEY_PAIR_GEN,
		Packages:        "crypto/mlkem, github.com/cloudflare/circl/kem/mlkem",
		Info:            Info{mlkemInfo.MinKeySize, mlkemInfo.MaxKeySize, ck.CKF_GENERATE_KEY_PAIR},
		KeyTypes:        []ck.KeyType{ck.CKK_ML_KEM},
		GenerateKeyPair: generateMLKEM,
	})
	register(&Mechanism{
		Type:        ck.CKM_ML_KEM,
		Packages:    "crypto/mlkem, github.com/cloudflare/circl/kem/mlkem",
		Info:        Info{mlkemInfo.MinKeySize, mlkemInfo.MaxKeySize, ck.CKF_ENCAPSULATE | ck.CKF_DECAPSULATE},
		KeyTypes:    []ck.KeyType{ck.CKK_ML_KEM},
		Encapsulate: mlkemEncapsulate,
		Decapsulate: mlkemDecapsulate,
	})
}

// generateMLKEM makes a key pair from a fresh 64-byte seed (FIPS 203's d
// and z): the public key gets its encapsulation key, the private key its
// parameter set and seed, from which object computes the rest.
func generateMLKEM(_ Param, pub, _ object.Template) (object.Template, object.Template, error) {
	set, ok := pub.ULong(ck.CKA_PARAMETER_SET)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "CKM_ML_KEM_KEY_PAIR_GEN needs CKA_PARAMETER_SET in the public key's template")
	}
	p, ok := object.MLKEMParameterSet(set)
	if !ok {
		return nil, nil, ck.Errorf(ck.CKR_PARAMETER_SET_NOT_SUPPORTED, "CKA_PARAMETER_SET %d is not an ML-KEM parameter set", set)
	}
	seed := make([]byte, object.MLKEMSeedSize)
	rand.Read(seed)
	kt := object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_ML_KEM))
	pubMaterial := object.Template{
		object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), kt,
		object.Bytes(ck.CKA_VALUE, p.EncapsulationKey(seed)),
	}
	privMaterial := object.Template{
		object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), kt,
		object.ULong(ck.CKA_PARAMETER_SET, set), object.Bytes(ck.CKA_SEED, seed),
	}
	return pubMaterial, privMaterial, nil
}

// mlkemEncapsulate runs ML-KEM.Encaps with crypto/mlkem's key, or
// circl's for ML-KEM-512.
func mlkemEncapsulate(pub any, _ Param) (ciphertext, secret []byte, err error) {
	switch k := pub.(type) {
	case *mlkem.EncapsulationKey768:
		secret, ciphertext = k.Encapsulate()
	case *mlkem.EncapsulationKey1024:
		secret, ciphertext = k.Encapsulate()
	case kem.PublicKey:
		ciphertext, secret, err = k.Scheme().Encapsulate(k)
	default:
		return nil, nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_ML_KEM encapsulates with an ML-KEM public key")
	}
	if err != nil {
		return nil, nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return ciphertext, secret, nil
}

// mlkemDecapsulate runs ML-KEM.Decaps, after the ciphertext length check
// FIPS 203 section 7.3 asks for. A ciphertext of the right length always
// gives a secret: one the key did not make gives a pseudorandom one
// (implicit rejection), which matches nothing the sender has.
func mlkemDecapsulate(priv any, _ Param, ct []byte) ([]byte, error) {
	var size int
	var decaps func() ([]byte, error)
	switch k := priv.(type) {
	case *mlkem.DecapsulationKey768:
		size, decaps = mlkem.CiphertextSize768, func() ([]byte, error) { return k.Decapsulate(ct) }
	case *mlkem.DecapsulationKey1024:
		size, decaps = mlkem.CiphertextSize1024, func() ([]byte, error) { return k.Decapsulate(ct) }
	case kem.PrivateKey:
		size, decaps = k.Scheme().CiphertextSize(), func() ([]byte, error) { return k.Scheme().Decapsulate(k, ct) }
	default:
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "CKM_ML_KEM decapsulates with an ML-KEM private key")
	}
	if len(ct) != size {
		return nil, ck.Errorf(ck.CKR_WRAPPED_KEY_LEN_RANGE, "an ML-KEM ciphertext of this key is %d bytes, not %d", size, len(ct))
	}
	secret, err := decaps()
	if err != nil {
		return nil, ck.Wrap(ck.CKR_FUNCTION_FAILED, err)
	}
	return secret, nil
}
