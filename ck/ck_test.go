package ck

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

func TestString(t *testing.T) {
	tests := []struct {
		v    fmt.Stringer
		want string
	}{
		{CKR_OK, "CKR_OK"},
		{CKR_ATTRIBUTE_SENSITIVE, "CKR_ATTRIBUTE_SENSITIVE"},
		{CKA_EC_PARAMS, "CKA_EC_PARAMS"}, // not the deprecated CKA_ECDSA_PARAMS
		{CKK_EC, "CKK_EC"},
		{CKM_EC_KEY_PAIR_GEN, "CKM_EC_KEY_PAIR_GEN"},
		{CKA_WRAP_TEMPLATE, "CKA_WRAP_TEMPLATE"},
		{RV(0x7777), "0x7777"},
		{CKO_PRIVATE_KEY, "CKO_PRIVATE_KEY"},
		{CKU_CONTEXT_SPECIFIC, "CKU_CONTEXT_SPECIFIC"},
	}
	for _, tt := range tests {
		if got := tt.v.String(); got != tt.want {
			t.Errorf("String() = %q, want %q", got, tt.want)
		}
	}
}

func TestValuesFromHeader(t *testing.T) {
	tests := []struct {
		name      string
		got, want uint
	}{
		{"CKA_WRAP_TEMPLATE", uint(CKA_WRAP_TEMPLATE), 0x40000211},
		{"CKM_SHA256", uint(CKM_SHA256), 0x250},
		{"CKR_PIN_LOCKED", uint(CKR_PIN_LOCKED), 0xa4},
		{"CK_UNAVAILABLE_INFORMATION", CK_UNAVAILABLE_INFORMATION, ^uint(0)},
		{"CKF_SERIAL_SESSION", CKF_SERIAL_SESSION, 4},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %#x, want %#x", tt.name, tt.got, tt.want)
		}
	}
}

func TestToRV(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want RV
	}{
		{"nil", nil, CKR_OK},
		{"bare", CKR_PIN_INCORRECT, CKR_PIN_INCORRECT},
		{"Errorf", Errorf(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_EC_POINT: %v", io.EOF), CKR_ATTRIBUTE_VALUE_INVALID},
		{"wrapped twice", fmt.Errorf("open: %w", Wrap(CKR_DEVICE_ERROR, io.EOF)), CKR_DEVICE_ERROR},
		{"foreign", io.EOF, CKR_GENERAL_ERROR},
	}
	for _, tt := range tests {
		if got := ToRV(tt.err); got != tt.want {
			t.Errorf("%s: ToRV = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestErrorKeepsCause(t *testing.T) {
	err := Errorf(CKR_DEVICE_ERROR, "store: %w", io.ErrUnexpectedEOF)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, CKR_DEVICE_ERROR) {
		t.Fatalf("errors.Is lost the code or the cause: %v", err)
	}
	if got, want := err.Error(), "CKR_DEVICE_ERROR: store: unexpected EOF"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestRenumbered pins the values PKCS#11 3.0 gave names 2.40 had with
// others, and those 3.0 added.
func TestRenumbered(t *testing.T) {
	for _, c := range []struct {
		got, want uint
		name      string
	}{
		{uint(CKK_SHA3_224_HMAC), 0x36, CKK_SHA3_224_HMAC.String()},
		{uint(CKK_SHA3_512_HMAC), 0x39, CKK_SHA3_512_HMAC.String()},
		{uint(CKK_EC_EDWARDS), 0x40, CKK_EC_EDWARDS.String()},
		{uint(CKM_EDDSA), 0x1057, CKM_EDDSA.String()},
		{uint(CKM_ECDSA_SHA3_256), 0x1048, CKM_ECDSA_SHA3_256.String()},
		{uint(CKG_MGF1_SHA3_256), 0x7, CKG_MGF1_SHA3_256.String()},
	} {
		if c.got != c.want || strings.HasPrefix(c.name, "0x") {
			t.Errorf("%s = %#x, want %#x", c.name, c.got, c.want)
		}
	}
}
