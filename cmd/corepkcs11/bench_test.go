package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestBenchFormats(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{formatRate(22.66), "22.7"}, {formatRate(495.2), "495"}, {formatRate(4.5), "4.50"}, {formatRate(30512), "30.5k"},
		{formatRate(156e3), "156k"}, {formatRate(2.013e6), "2.01M"}, {formatRate(0.5), "0.5"},
		{formatRatio(1.123), "1.12×"}, {formatRatio(2260), "2260×"}, {formatRatio(0.0000442), "0.000044×"}, {formatRatio(0.0049), "0.0049×"},
		{formatMB(25 << 20), "25.0 MiB"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestBenchTable(t *testing.T) {
	var b bytes.Buffer
	writeTable(&b, [][]string{{"operation", "[1] a"}, {"sign", "—"}, {"verify ÷ x", "1.5k 2.00×"}})
	want := "operation   [1] a\nsign        —\nverify ÷ x  1.5k 2.00×\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--threads", "1,x"}, {"bench", "--threads", "0"}, {"bench", "--objects", "0"}, {"bench", "--secs", "0"}, {"bench", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := exitCode(args, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "corepkcs11 bench --help") {
			t.Errorf("%v: exit status %d, stderr %q", args, code, stderr.String())
		}
	}
	ops := benchOps(10, []int{1, 2})
	if len(ops) != 18+4 || ops[len(ops)-1].base != "rsaSign/1" || ops[1].label != "C_Initialize + C_Login, 10 objects" {
		t.Errorf("benchOps: %+v", ops)
	}
}

// TestParseOpenSSLSpeed reads the tables of `openssl speed ecdsap256
// rsa2048` as OpenSSL 3.0 prints them.
func TestParseOpenSSLSpeed(t *testing.T) {
	out := `version: 3.0.19
                  sign    verify    sign/s verify/s
rsa 2048 bits 0.001036s 0.000051s    965.4  19649.0
                              sign    verify    sign/s verify/s
 256 bits ecdsa (nistp256)   0.0001s   0.0002s  11022.3   4347.0
`
	// OpenSSL 3.2 and later: the key size padded, and encryption and
	// decryption columns after sign and verify.
	out32 := `                   sign    verify    encrypt   decrypt   sign/s verify/s  encr./s  decr./s
rsa  2048 bits 0.000953s 0.000027s 0.000028s 0.000949s   1049.2  36496.1  35512.3   1053.4
                              sign    verify    sign/s verify/s
 256 bits ecdsa (nistp256)   0.0000s   0.0001s  30012.0  10011.5
`
	for _, c := range []struct {
		out  string
		want map[string]float64
	}{
		{out, map[string]float64{"rsaSign": 965.4, "rsaVerify": 19649.0, "ecSign": 11022.3, "ecVerify": 4347.0}},
		{out32, map[string]float64{"rsaSign": 1049.2, "rsaVerify": 36496.1, "ecSign": 30012.0, "ecVerify": 10011.5}},
	} {
		got := parseOpenSSLSpeed(c.out)
		if len(got) != len(c.want) {
			t.Fatalf("got %v, want %v", got, c.want)
		}
		for k, v := range c.want {
			if got[k] != v {
				t.Errorf("%s: got %v, want %v", k, got[k], v)
			}
		}
	}
}
