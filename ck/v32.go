package ck

// PKCS#11 3.2 values (OASIS pkcs11t.h of version 3.2) that the 2.40
// header and 3.0 do not define.

// Key types of 3.2: the stateful hash-based signatures HSS, XMSS and
// XMSS^MT, and the post-quantum ML-KEM (FIPS 203), ML-DSA (FIPS 204) and
// SLH-DSA (FIPS 205).
const (
	CKK_HSS     KeyType = 0x46
	CKK_XMSS    KeyType = 0x47
	CKK_XMSSMT  KeyType = 0x48
	CKK_ML_KEM  KeyType = 0x49
	CKK_ML_DSA  KeyType = 0x4a
	CKK_SLH_DSA KeyType = 0x4b
)

// Attributes of 3.2: the stateful hash-based keys' HSS parameters,
// CKA_PARAMETER_SET and CKA_SEED of ML-KEM, ML-DSA and SLH-DSA keys, the
// validation and trust objects', and the key encapsulation ones.
//
// CKA_ENCAPSULATE_TEMPLATE and CKA_DECAPSULATE_TEMPLATE are plain values
// in the published 3.2 header (and in kryoptic's copy of it); the OASIS
// working draft after 3.2 sets CKF_ARRAY_ATTRIBUTE on them, as the other
// templates have. These are the 3.2 values.
const (
	CKA_HSS_LEVELS                        AttributeType = 0x617
	CKA_HSS_LMS_TYPE                      AttributeType = 0x618
	CKA_HSS_LMOTS_TYPE                    AttributeType = 0x619
	CKA_HSS_LMS_TYPES                     AttributeType = 0x61a
	CKA_HSS_LMOTS_TYPES                   AttributeType = 0x61b
	CKA_HSS_KEYS_REMAINING                AttributeType = 0x61c
	CKA_PARAMETER_SET                     AttributeType = 0x61d
	CKA_OBJECT_VALIDATION_FLAGS           AttributeType = 0x61e
	CKA_VALIDATION_TYPE                   AttributeType = 0x61f
	CKA_VALIDATION_VERSION                AttributeType = 0x620
	CKA_VALIDATION_LEVEL                  AttributeType = 0x621
	CKA_VALIDATION_MODULE_ID              AttributeType = 0x622
	CKA_VALIDATION_FLAG                   AttributeType = 0x623
	CKA_VALIDATION_AUTHORITY_TYPE         AttributeType = 0x624
	CKA_VALIDATION_COUNTRY                AttributeType = 0x625
	CKA_VALIDATION_CERTIFICATE_IDENTIFIER AttributeType = 0x626
	CKA_VALIDATION_CERTIFICATE_URI        AttributeType = 0x627
	CKA_VALIDATION_VENDOR_URI             AttributeType = 0x628
	CKA_VALIDATION_PROFILE                AttributeType = 0x629
	CKA_ENCAPSULATE_TEMPLATE              AttributeType = 0x62a
	CKA_DECAPSULATE_TEMPLATE              AttributeType = 0x62b
	CKA_TRUST_SERVER_AUTH                 AttributeType = 0x62c
	CKA_TRUST_CLIENT_AUTH                 AttributeType = 0x62d
	CKA_TRUST_CODE_SIGNING                AttributeType = 0x62e
	CKA_TRUST_EMAIL_PROTECTION            AttributeType = 0x62f
	CKA_TRUST_IPSEC_IKE                   AttributeType = 0x630
	CKA_TRUST_TIME_STAMPING               AttributeType = 0x631
	CKA_TRUST_OCSP_SIGNING                AttributeType = 0x632
	CKA_ENCAPSULATE                       AttributeType = 0x633
	CKA_DECAPSULATE                       AttributeType = 0x634
	CKA_HASH_OF_CERTIFICATE               AttributeType = 0x635
	CKA_PUBLIC_CRC64_VALUE                AttributeType = 0x636
	CKA_SEED                              AttributeType = 0x637
)

// Mechanisms of 3.2: ML-KEM, ML-DSA and SLH-DSA with their pre-hash
// variants, HSS and XMSS, and the new TLS, IKE and key wrap derivations.
const (
	CKM_ML_KEM_KEY_PAIR_GEN                 MechanismType = 0xf
	CKM_ML_KEM                              MechanismType = 0x17
	CKM_ML_DSA_KEY_PAIR_GEN                 MechanismType = 0x1c
	CKM_ML_DSA                              MechanismType = 0x1d
	CKM_HASH_ML_DSA                         MechanismType = 0x1f
	CKM_HASH_ML_DSA_SHA224                  MechanismType = 0x23
	CKM_HASH_ML_DSA_SHA256                  MechanismType = 0x24
	CKM_HASH_ML_DSA_SHA384                  MechanismType = 0x25
	CKM_HASH_ML_DSA_SHA512                  MechanismType = 0x26
	CKM_HASH_ML_DSA_SHA3_224                MechanismType = 0x27
	CKM_HASH_ML_DSA_SHA3_256                MechanismType = 0x28
	CKM_HASH_ML_DSA_SHA3_384                MechanismType = 0x29
	CKM_HASH_ML_DSA_SHA3_512                MechanismType = 0x2a
	CKM_HASH_ML_DSA_SHAKE128                MechanismType = 0x2b
	CKM_HASH_ML_DSA_SHAKE256                MechanismType = 0x2c
	CKM_SLH_DSA_KEY_PAIR_GEN                MechanismType = 0x2d
	CKM_SLH_DSA                             MechanismType = 0x2e
	CKM_HASH_SLH_DSA                        MechanismType = 0x34
	CKM_HASH_SLH_DSA_SHA224                 MechanismType = 0x36
	CKM_HASH_SLH_DSA_SHA256                 MechanismType = 0x37
	CKM_HASH_SLH_DSA_SHA384                 MechanismType = 0x38
	CKM_HASH_SLH_DSA_SHA512                 MechanismType = 0x39
	CKM_HASH_SLH_DSA_SHA3_224               MechanismType = 0x3a
	CKM_HASH_SLH_DSA_SHA3_256               MechanismType = 0x3b
	CKM_HASH_SLH_DSA_SHA3_384               MechanismType = 0x3c
	CKM_HASH_SLH_DSA_SHA3_512               MechanismType = 0x3d
	CKM_HASH_SLH_DSA_SHAKE128               MechanismType = 0x3e
	CKM_HASH_SLH_DSA_SHAKE256               MechanismType = 0x3f
	CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE    MechanismType = 0x56
	CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH MechanismType = 0x57
	CKM_AES_KEY_WRAP_PKCS7                  MechanismType = 0x210c
	CKM_IKE2_PRF_PLUS_DERIVE                MechanismType = 0x402e
	CKM_IKE_PRF_DERIVE                      MechanismType = 0x402f
	CKM_IKE1_PRF_DERIVE                     MechanismType = 0x4030
	CKM_IKE1_EXTENDED_DERIVE                MechanismType = 0x4031
	CKM_HSS_KEY_PAIR_GEN                    MechanismType = 0x4032
	CKM_HSS                                 MechanismType = 0x4033
	CKM_XMSS_KEY_PAIR_GEN                   MechanismType = 0x4034
	CKM_XMSSMT_KEY_PAIR_GEN                 MechanismType = 0x4035
	CKM_XMSS                                MechanismType = 0x4036
	CKM_XMSSMT                              MechanismType = 0x4037
	CKM_ECDH_X_AES_KEY_WRAP                 MechanismType = 0x4038
	CKM_ECDH_COF_AES_KEY_WRAP               MechanismType = 0x4039
	CKM_PUB_KEY_FROM_PRIV_KEY               MechanismType = 0x403a
)

// Return values of 3.2.
const (
	CKR_KEY_EXHAUSTED               RV = 0x203
	CKR_PENDING                     RV = 0x204
	CKR_SESSION_ASYNC_NOT_SUPPORTED RV = 0x205
	CKR_SEED_RANDOM_REQUIRED        RV = 0x206
	CKR_OPERATION_NOT_VALIDATED     RV = 0x207
	CKR_TOKEN_NOT_INITIALIZED       RV = 0x208
	CKR_PARAMETER_SET_NOT_SUPPORTED RV = 0x209
)

// Object classes of 3.2.
const (
	CKO_VALIDATION ObjectClass = 0xa
	CKO_TRUST      ObjectClass = 0xb
)

// Flags of 3.2. Like the other CKF_ values, each belongs to one flags
// word: CK_TOKEN_INFO's, CK_SESSION_INFO's, or CK_MECHANISM_INFO's.
const (
	// CKF_SEED_RANDOM_REQUIRED (token): C_SeedRandom must seed the
	// token's generator before it is used.
	CKF_SEED_RANDOM_REQUIRED = 0x2000000
	// CKF_ASYNC_SESSION_SUPPORTED (token): sessions may be asynchronous.
	CKF_ASYNC_SESSION_SUPPORTED = 0x4000000
	// CKF_ASYNC_SESSION (session): the session is asynchronous.
	CKF_ASYNC_SESSION = 0x8
	// CKF_ENCAPSULATE (mechanism): the mechanism works with C_EncapsulateKey.
	CKF_ENCAPSULATE = 0x10000000
	// CKF_DECAPSULATE (mechanism): the mechanism works with C_DecapsulateKey.
	CKF_DECAPSULATE = 0x20000000
)

// CKS_LAST_VALIDATION_OK is a CK_SESSION_VALIDATION_FLAGS_TYPE that
// C_GetSessionValidationFlags reports; it is not a session State.
const CKS_LAST_VALIDATION_OK = 0x1

// Hedge is a CK_HEDGE_TYPE: whether ML-DSA and SLH-DSA signing mixes fresh
// randomness into the signature (hedged) or is deterministic.
type Hedge uint

// The hedging variants of CK_SIGN_ADDITIONAL_CONTEXT and
// CK_HASH_SIGN_ADDITIONAL_CONTEXT.
const (
	CKH_HEDGE_PREFERRED        Hedge = 0x0
	CKH_HEDGE_REQUIRED         Hedge = 0x1
	CKH_DETERMINISTIC_REQUIRED Hedge = 0x2
)

var namesHedge = map[Hedge]string{
	CKH_HEDGE_PREFERRED:        "CKH_HEDGE_PREFERRED",
	CKH_HEDGE_REQUIRED:         "CKH_HEDGE_REQUIRED",
	CKH_DETERMINISTIC_REQUIRED: "CKH_DETERMINISTIC_REQUIRED",
}

func (v Hedge) String() string { return name(namesHedge, v) }

// ParameterSet is a value of CKA_PARAMETER_SET: a
// CK_ML_KEM_PARAMETER_SET_TYPE, CK_ML_DSA_PARAMETER_SET_TYPE or
// CK_SLH_DSA_PARAMETER_SET_TYPE. The three number their sets from 1 each,
// so a value means something only with its key type; ParameterSetName
// names it.
type ParameterSet uint

// ML-KEM parameter sets (FIPS 203).
const (
	CKP_ML_KEM_512  ParameterSet = 0x1
	CKP_ML_KEM_768  ParameterSet = 0x2
	CKP_ML_KEM_1024 ParameterSet = 0x3
)

// ML-DSA parameter sets (FIPS 204).
const (
	CKP_ML_DSA_44 ParameterSet = 0x1
	CKP_ML_DSA_65 ParameterSet = 0x2
	CKP_ML_DSA_87 ParameterSet = 0x3
)

// SLH-DSA parameter sets (FIPS 205).
const (
	CKP_SLH_DSA_SHA2_128S  ParameterSet = 0x1
	CKP_SLH_DSA_SHAKE_128S ParameterSet = 0x2
	CKP_SLH_DSA_SHA2_128F  ParameterSet = 0x3
	CKP_SLH_DSA_SHAKE_128F ParameterSet = 0x4
	CKP_SLH_DSA_SHA2_192S  ParameterSet = 0x5
	CKP_SLH_DSA_SHAKE_192S ParameterSet = 0x6
	CKP_SLH_DSA_SHA2_192F  ParameterSet = 0x7
	CKP_SLH_DSA_SHAKE_192F ParameterSet = 0x8
	CKP_SLH_DSA_SHA2_256S  ParameterSet = 0x9
	CKP_SLH_DSA_SHAKE_256S ParameterSet = 0xa
	CKP_SLH_DSA_SHA2_256F  ParameterSet = 0xb
	CKP_SLH_DSA_SHAKE_256F ParameterSet = 0xc
)

var namesParameterSet = map[KeyType]map[ParameterSet]string{
	CKK_ML_KEM: {
		CKP_ML_KEM_512:  "CKP_ML_KEM_512",
		CKP_ML_KEM_768:  "CKP_ML_KEM_768",
		CKP_ML_KEM_1024: "CKP_ML_KEM_1024",
	},
	CKK_ML_DSA: {
		CKP_ML_DSA_44: "CKP_ML_DSA_44",
		CKP_ML_DSA_65: "CKP_ML_DSA_65",
		CKP_ML_DSA_87: "CKP_ML_DSA_87",
	},
	CKK_SLH_DSA: {
		CKP_SLH_DSA_SHA2_128S:  "CKP_SLH_DSA_SHA2_128S",
		CKP_SLH_DSA_SHAKE_128S: "CKP_SLH_DSA_SHAKE_128S",
		CKP_SLH_DSA_SHA2_128F:  "CKP_SLH_DSA_SHA2_128F",
		CKP_SLH_DSA_SHAKE_128F: "CKP_SLH_DSA_SHAKE_128F",
		CKP_SLH_DSA_SHA2_192S:  "CKP_SLH_DSA_SHA2_192S",
		CKP_SLH_DSA_SHAKE_192S: "CKP_SLH_DSA_SHAKE_192S",
		CKP_SLH_DSA_SHA2_192F:  "CKP_SLH_DSA_SHA2_192F",
		CKP_SLH_DSA_SHAKE_192F: "CKP_SLH_DSA_SHAKE_192F",
		CKP_SLH_DSA_SHA2_256S:  "CKP_SLH_DSA_SHA2_256S",
		CKP_SLH_DSA_SHAKE_256S: "CKP_SLH_DSA_SHAKE_256S",
		CKP_SLH_DSA_SHA2_256F:  "CKP_SLH_DSA_SHA2_256F",
		CKP_SLH_DSA_SHAKE_256F: "CKP_SLH_DSA_SHAKE_256F",
	},
}

// ParameterSetName gives the CKP_ name of p for keys of type k, or p in
// hexadecimal if k has no such parameter set.
func ParameterSetName(k KeyType, p ParameterSet) string {
	return name(namesParameterSet[k], p)
}

func init() {
	for t, name := range map[KeyType]string{
		CKK_HSS:     "CKK_HSS",
		CKK_XMSS:    "CKK_XMSS",
		CKK_XMSSMT:  "CKK_XMSSMT",
		CKK_ML_KEM:  "CKK_ML_KEM",
		CKK_ML_DSA:  "CKK_ML_DSA",
		CKK_SLH_DSA: "CKK_SLH_DSA",
	} {
		namesKeyType[t] = name
	}
	for t, name := range map[AttributeType]string{
		CKA_HSS_LEVELS:                        "CKA_HSS_LEVELS",
		CKA_HSS_LMS_TYPE:                      "CKA_HSS_LMS_TYPE",
		CKA_HSS_LMOTS_TYPE:                    "CKA_HSS_LMOTS_TYPE",
		CKA_HSS_LMS_TYPES:                     "CKA_HSS_LMS_TYPES",
		CKA_HSS_LMOTS_TYPES:                   "CKA_HSS_LMOTS_TYPES",
		CKA_HSS_KEYS_REMAINING:                "CKA_HSS_KEYS_REMAINING",
		CKA_PARAMETER_SET:                     "CKA_PARAMETER_SET",
		CKA_OBJECT_VALIDATION_FLAGS:           "CKA_OBJECT_VALIDATION_FLAGS",
		CKA_VALIDATION_TYPE:                   "CKA_VALIDATION_TYPE",
		CKA_VALIDATION_VERSION:                "CKA_VALIDATION_VERSION",
		CKA_VALIDATION_LEVEL:                  "CKA_VALIDATION_LEVEL",
		CKA_VALIDATION_MODULE_ID:              "CKA_VALIDATION_MODULE_ID",
		CKA_VALIDATION_FLAG:                   "CKA_VALIDATION_FLAG",
		CKA_VALIDATION_AUTHORITY_TYPE:         "CKA_VALIDATION_AUTHORITY_TYPE",
		CKA_VALIDATION_COUNTRY:                "CKA_VALIDATION_COUNTRY",
		CKA_VALIDATION_CERTIFICATE_IDENTIFIER: "CKA_VALIDATION_CERTIFICATE_IDENTIFIER",
		CKA_VALIDATION_CERTIFICATE_URI:        "CKA_VALIDATION_CERTIFICATE_URI",
		CKA_VALIDATION_VENDOR_URI:             "CKA_VALIDATION_VENDOR_URI",
		CKA_VALIDATION_PROFILE:                "CKA_VALIDATION_PROFILE",
		CKA_ENCAPSULATE_TEMPLATE:              "CKA_ENCAPSULATE_TEMPLATE",
		CKA_DECAPSULATE_TEMPLATE:              "CKA_DECAPSULATE_TEMPLATE",
		CKA_TRUST_SERVER_AUTH:                 "CKA_TRUST_SERVER_AUTH",
		CKA_TRUST_CLIENT_AUTH:                 "CKA_TRUST_CLIENT_AUTH",
		CKA_TRUST_CODE_SIGNING:                "CKA_TRUST_CODE_SIGNING",
		CKA_TRUST_EMAIL_PROTECTION:            "CKA_TRUST_EMAIL_PROTECTION",
		CKA_TRUST_IPSEC_IKE:                   "CKA_TRUST_IPSEC_IKE",
		CKA_TRUST_TIME_STAMPING:               "CKA_TRUST_TIME_STAMPING",
		CKA_TRUST_OCSP_SIGNING:                "CKA_TRUST_OCSP_SIGNING",
		CKA_ENCAPSULATE:                       "CKA_ENCAPSULATE",
		CKA_DECAPSULATE:                       "CKA_DECAPSULATE",
		CKA_HASH_OF_CERTIFICATE:               "CKA_HASH_OF_CERTIFICATE",
		CKA_PUBLIC_CRC64_VALUE:                "CKA_PUBLIC_CRC64_VALUE",
		CKA_SEED:                              "CKA_SEED",
	} {
		namesAttributeType[t] = name
	}
	for t, name := range map[MechanismType]string{
		CKM_ML_KEM_KEY_PAIR_GEN:                 "CKM_ML_KEM_KEY_PAIR_GEN",
		CKM_ML_KEM:                              "CKM_ML_KEM",
		CKM_ML_DSA_KEY_PAIR_GEN:                 "CKM_ML_DSA_KEY_PAIR_GEN",
		CKM_ML_DSA:                              "CKM_ML_DSA",
		CKM_HASH_ML_DSA:                         "CKM_HASH_ML_DSA",
		CKM_HASH_ML_DSA_SHA224:                  "CKM_HASH_ML_DSA_SHA224",
		CKM_HASH_ML_DSA_SHA256:                  "CKM_HASH_ML_DSA_SHA256",
		CKM_HASH_ML_DSA_SHA384:                  "CKM_HASH_ML_DSA_SHA384",
		CKM_HASH_ML_DSA_SHA512:                  "CKM_HASH_ML_DSA_SHA512",
		CKM_HASH_ML_DSA_SHA3_224:                "CKM_HASH_ML_DSA_SHA3_224",
		CKM_HASH_ML_DSA_SHA3_256:                "CKM_HASH_ML_DSA_SHA3_256",
		CKM_HASH_ML_DSA_SHA3_384:                "CKM_HASH_ML_DSA_SHA3_384",
		CKM_HASH_ML_DSA_SHA3_512:                "CKM_HASH_ML_DSA_SHA3_512",
		CKM_HASH_ML_DSA_SHAKE128:                "CKM_HASH_ML_DSA_SHAKE128",
		CKM_HASH_ML_DSA_SHAKE256:                "CKM_HASH_ML_DSA_SHAKE256",
		CKM_SLH_DSA_KEY_PAIR_GEN:                "CKM_SLH_DSA_KEY_PAIR_GEN",
		CKM_SLH_DSA:                             "CKM_SLH_DSA",
		CKM_HASH_SLH_DSA:                        "CKM_HASH_SLH_DSA",
		CKM_HASH_SLH_DSA_SHA224:                 "CKM_HASH_SLH_DSA_SHA224",
		CKM_HASH_SLH_DSA_SHA256:                 "CKM_HASH_SLH_DSA_SHA256",
		CKM_HASH_SLH_DSA_SHA384:                 "CKM_HASH_SLH_DSA_SHA384",
		CKM_HASH_SLH_DSA_SHA512:                 "CKM_HASH_SLH_DSA_SHA512",
		CKM_HASH_SLH_DSA_SHA3_224:               "CKM_HASH_SLH_DSA_SHA3_224",
		CKM_HASH_SLH_DSA_SHA3_256:               "CKM_HASH_SLH_DSA_SHA3_256",
		CKM_HASH_SLH_DSA_SHA3_384:               "CKM_HASH_SLH_DSA_SHA3_384",
		CKM_HASH_SLH_DSA_SHA3_512:               "CKM_HASH_SLH_DSA_SHA3_512",
		CKM_HASH_SLH_DSA_SHAKE128:               "CKM_HASH_SLH_DSA_SHAKE128",
		CKM_HASH_SLH_DSA_SHAKE256:               "CKM_HASH_SLH_DSA_SHAKE256",
		CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE:    "CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE",
		CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH: "CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH",
		CKM_AES_KEY_WRAP_PKCS7:                  "CKM_AES_KEY_WRAP_PKCS7",
		CKM_IKE2_PRF_PLUS_DERIVE:                "CKM_IKE2_PRF_PLUS_DERIVE",
		CKM_IKE_PRF_DERIVE:                      "CKM_IKE_PRF_DERIVE",
		CKM_IKE1_PRF_DERIVE:                     "CKM_IKE1_PRF_DERIVE",
		CKM_IKE1_EXTENDED_DERIVE:                "CKM_IKE1_EXTENDED_DERIVE",
		CKM_HSS_KEY_PAIR_GEN:                    "CKM_HSS_KEY_PAIR_GEN",
		CKM_HSS:                                 "CKM_HSS",
		CKM_XMSS_KEY_PAIR_GEN:                   "CKM_XMSS_KEY_PAIR_GEN",
		CKM_XMSSMT_KEY_PAIR_GEN:                 "CKM_XMSSMT_KEY_PAIR_GEN",
		CKM_XMSS:                                "CKM_XMSS",
		CKM_XMSSMT:                              "CKM_XMSSMT",
		CKM_ECDH_X_AES_KEY_WRAP:                 "CKM_ECDH_X_AES_KEY_WRAP",
		CKM_ECDH_COF_AES_KEY_WRAP:               "CKM_ECDH_COF_AES_KEY_WRAP",
		CKM_PUB_KEY_FROM_PRIV_KEY:               "CKM_PUB_KEY_FROM_PRIV_KEY",
	} {
		namesMechanismType[t] = name
	}
	for v, name := range map[RV]string{
		CKR_KEY_EXHAUSTED:               "CKR_KEY_EXHAUSTED",
		CKR_PENDING:                     "CKR_PENDING",
		CKR_SESSION_ASYNC_NOT_SUPPORTED: "CKR_SESSION_ASYNC_NOT_SUPPORTED",
		CKR_SEED_RANDOM_REQUIRED:        "CKR_SEED_RANDOM_REQUIRED",
		CKR_OPERATION_NOT_VALIDATED:     "CKR_OPERATION_NOT_VALIDATED",
		CKR_TOKEN_NOT_INITIALIZED:       "CKR_TOKEN_NOT_INITIALIZED",
		CKR_PARAMETER_SET_NOT_SUPPORTED: "CKR_PARAMETER_SET_NOT_SUPPORTED",
	} {
		namesRV[v] = name
	}
	for c, name := range map[ObjectClass]string{
		CKO_VALIDATION: "CKO_VALIDATION",
		CKO_TRUST:      "CKO_TRUST",
	} {
		namesObjectClass[c] = name
	}
}
