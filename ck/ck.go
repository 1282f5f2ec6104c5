// Package ck holds the PKCS#11 constants and the small value types that the
// rest of corepkcs11 shares: return values, attribute, mechanism, object,
// key and user types, generated from the OASIS 2.40 header, and an error
// type that carries a CK_RV with its context.
//
// Names are the specification's own (CKR_OK, CKA_LABEL) so that anyone who
// knows PKCS#11 reads them at once.
package ck

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ObjectHandle identifies an object within one initialized module (CK_OBJECT_HANDLE).
type ObjectHandle uint

// SessionHandle identifies a session within one initialized module (CK_SESSION_HANDLE).
type SessionHandle uint

// SlotID identifies a slot (CK_SLOT_ID).
type SlotID uint

// Flags is a bit mask of CKF_ values.
type Flags uint

// Version is a CK_VERSION.
type Version struct{ Major, Minor byte }

func name[T ~uint](names map[T]string, v T) string {
	if n, ok := names[v]; ok {
		return n
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}

// Error makes an RV usable as a Go error; CKR_OK is never returned as one.
func (v RV) Error() string { return v.String() }

// Error is a failure with the CK_RV a caller gets and the reason behind it,
// for logs and for Go callers that want more than the code.
type Error struct {
	RV  RV
	Msg string // the reason, including the cause's text
	Err error  // the cause, if any
}

func (e *Error) Error() string {
	if e.Msg == "" {
		return e.RV.String()
	}
	return e.RV.String() + ": " + e.Msg
}

// Unwrap gives errors.Is and errors.As access to the code and the cause.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.RV}
	}
	return []error{e.RV, e.Err}
}

// Errorf returns an error carrying rv with a formatted reason.
func Errorf(rv RV, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &Error{RV: rv, Msg: err.Error(), Err: errors.Unwrap(err)}
}

// Wrap returns err as an error carrying rv; nil stays nil.
func Wrap(rv RV, err error) error {
	if err == nil {
		return nil
	}
	return &Error{RV: rv, Msg: err.Error(), Err: err}
}

// ToRV gives the CK_RV that err stands for: CKR_OK for nil, the code it
// carries, or CKR_GENERAL_ERROR for an error that carries none.
func ToRV(err error) RV {
	if err == nil {
		return CKR_OK
	}
	var rv RV
	if errors.As(err, &rv) {
		return rv
	}
	return CKR_GENERAL_ERROR
}

// MechanismByName finds a mechanism by its CKM_ name, or by the short
// form tools print (pkcs11-tool's "SHA256-RSA-PKCS", "ECDSA-SHA256"):
// without the prefix, any case, dashes for underscores.
func MechanismByName(name string) (MechanismType, bool) {
	want := strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
	if !strings.HasPrefix(want, "CKM_") {
		want = "CKM_" + want
	}
	for t, n := range namesMechanismType {
		if n == want {
			return t, true
		}
	}
	return 0, false
}
