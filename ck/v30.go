package ck

// PKCS#11 3.0 values that the 2.40 header does not define.
const (
	// CKF_FIND_OBJECTS asks C_SessionCancel to end a search.
	CKF_FIND_OBJECTS = 0x40
)

// CKM_AES_KEY_WRAP_KWP is AES key wrap with padding as RFC 5649 and NIST
// SP 800-38F define it (PKCS#11 3.0 section 6.13); CKM_AES_KEY_WRAP_PAD
// is a different, older mechanism: RFC 3394 over PKCS#7 padding.
const CKM_AES_KEY_WRAP_KWP MechanismType = 0x210b

func init() {
	namesMechanismType[CKM_AES_KEY_WRAP_KWP] = "CKM_AES_KEY_WRAP_KWP"
}
