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

// TestV32 pins values of the PKCS#11 3.2 header and their names.
func TestV32(t *testing.T) {
	for _, c := range []struct {
		got, want      uint
		name, wantName string
	}{
		{uint(CKK_ML_KEM), 0x49, CKK_ML_KEM.String(), "CKK_ML_KEM"},
		{uint(CKK_SLH_DSA), 0x4b, CKK_SLH_DSA.String(), "CKK_SLH_DSA"},
		{uint(CKA_PARAMETER_SET), 0x61d, CKA_PARAMETER_SET.String(), "CKA_PARAMETER_SET"},
		{uint(CKA_ENCAPSULATE_TEMPLATE), 0x62a, CKA_ENCAPSULATE_TEMPLATE.String(), "CKA_ENCAPSULATE_TEMPLATE"},
		{uint(CKA_SEED), 0x637, CKA_SEED.String(), "CKA_SEED"},
		{uint(CKM_ML_KEM_KEY_PAIR_GEN), 0xf, CKM_ML_KEM_KEY_PAIR_GEN.String(), "CKM_ML_KEM_KEY_PAIR_GEN"},
		{uint(CKM_ML_DSA), 0x1d, CKM_ML_DSA.String(), "CKM_ML_DSA"},
		{uint(CKM_HASH_SLH_DSA_SHAKE256), 0x3f, CKM_HASH_SLH_DSA_SHAKE256.String(), "CKM_HASH_SLH_DSA_SHAKE256"},
		{uint(CKM_PUB_KEY_FROM_PRIV_KEY), 0x403a, CKM_PUB_KEY_FROM_PRIV_KEY.String(), "CKM_PUB_KEY_FROM_PRIV_KEY"},
		{uint(CKR_PARAMETER_SET_NOT_SUPPORTED), 0x209, CKR_PARAMETER_SET_NOT_SUPPORTED.String(), "CKR_PARAMETER_SET_NOT_SUPPORTED"},
		{uint(CKO_TRUST), 0xb, CKO_TRUST.String(), "CKO_TRUST"},
		{uint(CKH_DETERMINISTIC_REQUIRED), 2, CKH_DETERMINISTIC_REQUIRED.String(), "CKH_DETERMINISTIC_REQUIRED"},
	} {
		if c.got != c.want || c.name != c.wantName {
			t.Errorf("%s = %#x (%s), want %#x", c.wantName, c.got, c.name, c.want)
		}
	}
	if CKF_ENCAPSULATE != 0x10000000 || CKF_DECAPSULATE != 0x20000000 {
		t.Errorf("CKF_ENCAPSULATE, CKF_DECAPSULATE = %#x, %#x", CKF_ENCAPSULATE, CKF_DECAPSULATE)
	}
	for _, c := range []struct {
		k    KeyType
		p    ParameterSet
		want string
	}{
		{CKK_ML_KEM, CKP_ML_KEM_768, "CKP_ML_KEM_768"},
		{CKK_ML_DSA, 2, "CKP_ML_DSA_65"},
		{CKK_SLH_DSA, CKP_SLH_DSA_SHAKE_256F, "CKP_SLH_DSA_SHAKE_256F"},
		{CKK_ML_KEM, 4, "0x4"},
		{CKK_EC, 1, "0x1"},
	} {
		if got := ParameterSetName(c.k, c.p); got != c.want {
			t.Errorf("ParameterSetName(%v, %d) = %s, want %s", c.k, c.p, got, c.want)
		}
	}
}
