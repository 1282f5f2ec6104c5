package ck

// PKCS#11 3.0 values that the 2.40 header does not define.
const (
	// CKF_FIND_OBJECTS asks C_SessionCancel to end a search.
	CKF_FIND_OBJECTS = 0x40
)
