package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
)

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

func TestECDSASignatureToRaw(t *testing.T) {
	pad := func(s string, n int) string {
		for len(s) < 2*n {
			s = "00" + s
		}
		return s
	}
	tests := []struct {
		name string
		der  string
		size int
		want string // hex, "" for an error
	}{
		{"short r and s", "3006020101020102", P256Size, pad("01", 32) + pad("02", 32)},
		{"high bit with zero byte", "300a02030080ff02030080fe", P256Size, pad("80ff", 32) + pad("80fe", 32)},
		{"full length P-256", "3044" + "0220" + "7f" + repeat("11", 31) + "0220" + "01" + repeat("22", 31), P256Size, "7f" + repeat("11", 31) + "01" + repeat("22", 31)},
		{"33-byte r with leading zero", "3045" + "0221" + "00ff" + repeat("11", 31) + "0220" + "01" + repeat("22", 31), P256Size, "ff" + repeat("11", 31) + "01" + repeat("22", 31)},
		{"P-384 size", "3006020101020102", P384Size, pad("01", 48) + pad("02", 48)},
		{"P-521 size", "3006020101020102", P521Size, pad("01", 66) + pad("02", 66)},
		{"r too long", "3045" + "0221" + "01ff" + repeat("11", 31) + "0220" + "01" + repeat("22", 31), P256Size, ""},
		{"negative r", "300602018102010102", P256Size, ""},
		{"zero s", "3006020101020100", P256Size, ""},
		{"non-minimal integer", "300702020001020102", P256Size, ""},
		{"trailing data", "300602010102010200", P256Size, ""},
		{"data inside sequence", "30080201010201020500", P256Size, ""},
		{"not a sequence", "3106020101020102", P256Size, ""},
		{"truncated", "30060201010201", P256Size, ""},
		{"empty", "", P256Size, ""},
	}
	for _, tt := range tests {
		got, err := ECDSASignatureToRaw(unhex(tt.der), tt.size)
		if tt.want == "" {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: got %x, %v; want ErrMalformed", tt.name, got, err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, unhex(tt.want)) {
			t.Errorf("%s: got %x, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}

func TestECDSASignatureToDER(t *testing.T) {
	tests := []struct {
		name, raw, want string
	}{
		{"leading zeros dropped", "0001" + "0002", "3006020101020102"},
		{"high bit gets a zero", "80ff" + "7f00", "300902030080ff02027f00"},
		{"odd length", "000102", ""},
		{"zero r", "0000" + "0001", ""},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		got, err := ECDSASignatureToDER(unhex(tt.raw))
		if tt.want == "" {
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: got %x, %v; want ErrMalformed", tt.name, got, err)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, unhex(tt.want)) {
			t.Errorf("%s: got %x, %v; want %s", tt.name, got, err, tt.want)
		}
	}
}

// TestRoundTripWithGo checks the conversions against Go's own encoder
// and verifier over many signatures, so short r and s and high bits all occur.
func TestRoundTripWithGo(t *testing.T) {
	for _, c := range []struct {
		curve elliptic.Curve
		size  int
	}{{elliptic.P256(), P256Size}, {elliptic.P384(), P384Size}, {elliptic.P521(), P521Size}} {
		key, _ := ecdsa.GenerateKey(c.curve, rand.Reader)
		for i := range 64 {
			digest := sha256.Sum256([]byte{byte(i)})
			der, err := ecdsa.SignASN1(rand.Reader, key, digest[:])
			if err != nil {
				t.Fatal(err)
			}
			raw, err := ECDSASignatureToRaw(der, c.size)
			if err != nil {
				t.Fatalf("%s: %v", c.curve.Params().Name, err)
			}
			back, err := ECDSASignatureToDER(raw)
			if err != nil || !bytes.Equal(back, der) {
				t.Fatalf("%s: DER round trip changed %x into %x", c.curve.Params().Name, der, back)
			}
			if !ecdsa.VerifyASN1(&key.PublicKey, digest[:], back) {
				t.Fatal("converted signature does not verify")
			}
		}
	}
}
