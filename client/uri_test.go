package client

import (
	"bytes"
	"testing"
)

func TestURIRoundTrip(t *testing.T) {
	tests := []struct {
		uri  URI
		want string
	}{
		{URI{Token: "dev", Object: "Device Priv TLS Key", Type: "private"}, "pkcs11:token=dev;object=Device%20Priv%20TLS%20Key;type=private"},
		{URI{Token: "a;b", ID: []byte{0x01, 0xab}, HasID: true, Type: "cert"}, "pkcs11:token=a%3Bb;id=%01%AB;type=cert"},
		{URI{Token: "t", ModulePath: "/usr/lib/x.so", PINValue: "1234"}, "pkcs11:token=t?module-path=%2Fusr%2Flib%2Fx.so&pin-value=1234"},
	}
	for _, tt := range tests {
		if got := tt.uri.String(); got != tt.want {
			t.Errorf("%+v: %s, want %s", tt.uri, got, tt.want)
		}
		back, err := ParseURI(tt.want)
		if err != nil {
			t.Fatalf("%s: %v", tt.want, err)
		}
		if back.Token != tt.uri.Token || back.Object != tt.uri.Object || back.Type != tt.uri.Type || !bytes.Equal(back.ID, tt.uri.ID) ||
			back.HasID != tt.uri.HasID || back.ModulePath != tt.uri.ModulePath || back.PINValue != tt.uri.PINValue {
			t.Errorf("%s parses to %+v", tt.want, back)
		}
	}
}

func TestURIErrors(t *testing.T) {
	for _, s := range []string{
		"token=dev",              // no scheme
		"pkcs11:token=a;token=b", // repeated
		"pkcs11:colour=red",      // unknown
		"pkcs11:type=key",        // not a type RFC 7512 knows
		"pkcs11:object=%zz",      // bad escape
		"pkcs11:object",          // no value
	} {
		if _, err := ParseURI(s); err == nil {
			t.Errorf("%s: accepted", s)
		}
	}
	// RFC 7512's own examples parse.
	for _, s := range []string{
		"pkcs11:",
		"pkcs11:object=my-pubkey;type=public",
		"pkcs11:token=The%20Software%20PKCS%2311%20Softtoken;manufacturer=Snake%20Oil,%20Inc.;model=1.0;object=my-certificate;type=cert;id=%69%95%3E%5C%F4%BD%EC%91;serial=",
		"pkcs11:token=Software%20PKCS%2311%20softtoken;manufacturer=Snake%20Oil,%20Inc.?pin-value=the-pin",
		"pkcs11:slot-description=Sun%20Metaslot",
		"pkcs11:library-manufacturer=Snake%20Oil,%20Inc.;library-description=Soft%20Token%20Library;library-version=1.23",
		"pkcs11:object=my-sign-key;type=private?module-name=mypkcs11",
	} {
		if _, err := ParseURI(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
}
