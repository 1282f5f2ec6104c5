package qualify

import (
	"io"
	"slices"
	"strings"
	"testing"
)

// TestCoreTests checks the registered tests against the 27 the corePKCS11
// porting guide lists, in its order.
func TestCoreTests(t *testing.T) {
	want := []string{
		"StartFinish/FirstTest", "StartFinish/GetFunctionList", "StartFinish/InitializeFinalize", "StartFinish/GetSlotList", "StartFinish/OpenSessionCloseSession",
		"Capabilities/Capabilities",
		"NoObject/Digest", "NoObject/Digest_ErrorConditions", "NoObject/GenerateRandom", "NoObject/GenerateRandomMultiThread",
		"RSA/CreateObject", "RSA/FindObject", "RSA/GetAttributeValue", "RSA/Sign", "RSA/FindObjectMultiThread", "RSA/GetAttributeValueMultiThread", "RSA/DestroyObject",
		"EC/GenerateKeyPair", "EC/CreateObject", "EC/FindObject", "EC/GetAttributeValue", "EC/Sign", "EC/Verify", "EC/FindObjectMultiThread", "EC/GetAttributeValueMultiThread", "EC/SignVerifyMultiThread", "EC/DestroyObject",
	}
	var got []string
	for _, g := range CoreGroups { // the order Run uses
		for _, tc := range tests {
			if tc.group == g {
				got = append(got, tc.group+"/"+tc.name)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("core tests:\n%v\nwant:\n%v", got, want)
	}
}

func TestOptionErrors(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		want string
	}{
		{"unknown group", Options{RSA: true, Groups: []string{"Bogus"}}, "unknown group"},
		{"no key function", Options{}, "at least one key function"},
		{"pre-provisioned with both key functions", Options{RSA: true, EC: true, Preprovisioned: true}, "one key function"},
	}
	for _, tt := range tests {
		_, err := Run(tt.opts, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
