package mech

import "github.com/corepkcs11/corepkcs11/ck"

// Param is a mechanism parameter as a Go value: nil for a mechanism that
// takes none, or the type its ParamKind names. The C boundary decodes
// the C structures into these types (checking pointers and lengths
// there), and Go callers build them directly; mechanisms never see C
// memory layouts. Byte slices in a Param may be views of the caller's
// memory: a mechanism copies what it keeps past its New* call.
type Param any

// ParamKind names the C structure of a mechanism's parameter, and so the
// Go type of its Param.
type ParamKind uint8

const (
	// NoParam: the mechanism takes no parameter. Clients leave
	// pParameter and ulParameterLen of such mechanisms uninitialized,
	// so nothing reads them.
	NoParam ParamKind = iota
	// BytesParam: a byte array (an IV), as []byte. The mechanism checks
	// its length.
	BytesParam
	// ULongParam: one CK_ULONG (CK_MAC_GENERAL_PARAMS), as uint.
	ULongParam
	// PSSParam: CK_RSA_PKCS_PSS_PARAMS, as PSSParams.
	PSSParam
	// OAEPParam: CK_RSA_PKCS_OAEP_PARAMS, as OAEPParams.
	OAEPParam
	// GCMParam: CK_GCM_PARAMS, as GCMParams.
	GCMParam
	// CTRParam: CK_AES_CTR_PARAMS, as CTRParams.
	CTRParam
	// EdDSAParam: CK_EDDSA_PARAMS, as EdDSAParams, or no parameter at
	// all (nil), which PKCS#11 3.0 gives for Ed25519 without context.
	EdDSAParam
	// ECDH1Param: CK_ECDH1_DERIVE_PARAMS, as ECDH1Params.
	ECDH1Param
	// HKDFParam: CK_HKDF_PARAMS, as HKDFParams.
	HKDFParam
	// SignContextParam: CK_SIGN_ADDITIONAL_CONTEXT, as SignContext, or
	// no parameter at all (nil), which PKCS#11 3.2 reads as hedging
	// preferred and an empty context.
	SignContextParam
)

// ECDH1Params is CK_ECDH1_DERIVE_PARAMS: the other party's public key,
// and the key derivation function (a CKD_* value) applied to the shared
// secret with the shared data.
type ECDH1Params struct {
	KDF        uint
	SharedData []byte
	PublicData []byte
}

// HKDFParams is CK_HKDF_PARAMS: which of HKDF's steps run, with which
// hash (the digest mechanism prfHashMechanism), the salt of the extract
// step (ulSaltType CKF_HKDF_SALT_*: none, Salt, or the value of the key
// SaltKey) and the info of the expand step.
type HKDFParams struct {
	Extract, Expand bool
	PRF             ck.MechanismType
	SaltType        uint
	Salt            []byte
	SaltKey         ck.ObjectHandle
	Info            []byte
}

// SignContext is CK_SIGN_ADDITIONAL_CONTEXT (PKCS#11 3.2) of ML-DSA and
// SLH-DSA: whether a signature must, may or must not be hedged (take
// fresh randomness), and the context string of FIPS 204 and FIPS 205,
// which a verifier must be given too.
type SignContext struct {
	Hedge   ck.Hedge
	Context []byte
}

// EdDSAParams is CK_EDDSA_PARAMS: phFlag selects the prehash variant
// (Ed25519ph), and a context selects Ed25519ctx without it.
type EdDSAParams struct {
	Prehash bool
	Context []byte
}

// PSSParams is CK_RSA_PKCS_PSS_PARAMS.
type PSSParams struct {
	Hash    ck.MechanismType // hashAlg: the digest mechanism of the message hash
	MGF     ck.MGF
	SaltLen uint
}

// OAEPParams is CK_RSA_PKCS_OAEP_PARAMS.
type OAEPParams struct {
	Hash   ck.MechanismType // hashAlg
	MGF    ck.MGF
	Source uint   // CKZ_DATA_SPECIFIED, or 0 with an empty Label
	Label  []byte // pSourceData
}

// GCMParams is CK_GCM_PARAMS.
type GCMParams struct {
	IV      []byte
	IVBits  uint // ulIvBits, which 2.40 clients may leave 0: the IV's length rules
	AAD     []byte
	TagBits uint
}

// CTRParams is CK_AES_CTR_PARAMS.
type CTRParams struct {
	CounterBits uint // how many low bits of Block count blocks
	Block       [16]byte
}

// BadParam stands for a parameter the C boundary could not decode (a
// structure of the wrong size, a NULL pointer with a length). It goes to
// the engine like any parameter, so that the engine refuses it where it
// refuses a wrong one: after the session, the operation state and the
// key, and having ended the operation a new C_*Init replaces.
type BadParam struct{ Err error }

// paramAs returns a mechanism's parameter as the type its ParamKind
// names, or CKR_MECHANISM_PARAM_INVALID.
func paramAs[T any](t ck.MechanismType, p Param) (T, error) {
	v, ok := p.(T)
	if !ok {
		var zero T
		if bad, isBad := p.(BadParam); isBad {
			return zero, bad.Err
		}
		return zero, ck.Errorf(ck.CKR_MECHANISM_PARAM_INVALID, "%v takes a %T parameter, not %T", t, zero, p)
	}
	return v, nil
}
