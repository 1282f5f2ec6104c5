package mech

import (
	"bytes"
	"compress/gzip"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// TestWycheproof runs Project Wycheproof's test vectors
// (github.com/C2SP/wycheproof, testvectors_v1/) through the mechanisms,
// one-shot as C_Encrypt, C_Decrypt, C_Sign and C_Verify run them, and
// in two parts for the multi-part ones: every "valid" case must give the
// expected output, every "invalid" one must be refused with no output,
// and an "acceptable" one may go either way but, when it succeeds, must
// give the expected output.
//
// A case is skipped only when the mechanism's New* function refuses it
// with CKR_MECHANISM_PARAM_INVALID or CKR_KEY_SIZE_RANGE, that is for a
// parameter or a key size the mechanism does not offer (a GCM IV longer
// than 256 bytes); the skips are counted and logged per file, and a file
// whose every case is skipped fails.
//
// The vectors are published data, kept out of this repository: the test
// reads them, each as NAME.json or NAME.json.gz, unmodified, from the
// folder $WYCHEPROOF_DIR names, else from testdata/wycheproof, else from
// a shared/wycheproof folder beside the repository. It is skipped when
// none of them exists, and fails when one exists without every file.
// The files were checked at C2SP/wycheproof commit
// dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166.
func TestWycheproof(t *testing.T) {
	dir := wycheproofDir()
	if dir == "" {
		t.Skip("Wycheproof vectors not found: set WYCHEPROOF_DIR to a folder of testvectors_v1 files")
	}
	t.Logf("Wycheproof vectors from %s", dir)
	for _, f := range wycheproofFiles {
		t.Run(f.name, func(t *testing.T) {
			t.Parallel()
			file := readWycheproof(t, dir, f.name)
			var stats wpStats
			for _, g := range file.TestGroups {
				run, err := f.group(g)
				if err != nil {
					t.Errorf("%s: a %s group: %v", f.name, g.Type, err)
					stats.failed += len(g.Tests)
					continue
				}
				for _, c := range g.Tests {
					stats.record(t, f.name, c, run(c))
				}
			}
			if n := stats.total(); n != file.NumberOfTests {
				t.Errorf("%s: %d cases read, the file says %d", f.name, n, file.NumberOfTests)
			}
			t.Logf("%s: %d cases: %d passed, %d skipped, %d failed", f.name, stats.total(), stats.passed, stats.skipped(), stats.failed)
			for _, reason := range slices.Sorted(maps.Keys(stats.skips)) {
				t.Logf("  skipped %d (tcId %v): %s", len(stats.skips[reason]), stats.skips[reason], reason)
			}
			if stats.passed+stats.failed == 0 {
				t.Errorf("%s: every case was skipped", f.name)
			}
		})
	}
}

// wycheproofFiles are the vector files the test runs, each with what
// makes its groups' cases runnable. Files whose hash the token does not
// offer (SHA-512/224, SHA-512/256) are not among them: every case of
// theirs would be skipped.
var wycheproofFiles = func() []wpFileSpec {
	files := []wpFileSpec{
		{"aes_gcm_test", gcmGroup},
		{"aes_cbc_pkcs5_test", cbcPadGroup},
		{"aes_cmac_test", macGroup(ck.CKM_AES_CMAC, ck.CKM_AES_CMAC_GENERAL, 16)},
		{"aes_wrap_test", keyWrapGroup(ck.CKM_AES_KEY_WRAP)},
		{"aes_kwp_test", keyWrapGroup(ck.CKM_AES_KEY_WRAP_KWP)},
		{"hmac_sha1_test", macGroup(ck.CKM_SHA_1_HMAC, ck.CKM_SHA_1_HMAC_GENERAL, 20)},
		{"hmac_sha224_test", macGroup(ck.CKM_SHA224_HMAC, ck.CKM_SHA224_HMAC_GENERAL, 28)},
		{"hmac_sha256_test", macGroup(ck.CKM_SHA256_HMAC, ck.CKM_SHA256_HMAC_GENERAL, 32)},
		{"hmac_sha384_test", macGroup(ck.CKM_SHA384_HMAC, ck.CKM_SHA384_HMAC_GENERAL, 48)},
		{"hmac_sha512_test", macGroup(ck.CKM_SHA512_HMAC, ck.CKM_SHA512_HMAC_GENERAL, 64)},
		{"rsa_pkcs1_2048_test", rsaGroup},
		{"rsa_pkcs1_3072_test", rsaGroup},
		{"rsa_pkcs1_4096_test", rsaGroup},
		{"rsa_oaep_misc_test", rsaGroup},
	}
	for _, s := range []string{
		"2048_sha1_mgf1sha1", "2048_sha224_mgf1sha1", "2048_sha224_mgf1sha224",
		"2048_sha256_mgf1sha1", "2048_sha256_mgf1sha256", "2048_sha384_mgf1sha1",
		"2048_sha384_mgf1sha384", "2048_sha512_mgf1sha1", "2048_sha512_mgf1sha512",
		"3072_sha256_mgf1sha1", "3072_sha256_mgf1sha256", "3072_sha512_mgf1sha1",
		"3072_sha512_mgf1sha512", "4096_sha256_mgf1sha1", "4096_sha256_mgf1sha256",
		"4096_sha512_mgf1sha1", "4096_sha512_mgf1sha512",
	} {
		files = append(files, wpFileSpec{"rsa_oaep_" + s + "_test", rsaGroup})
	}
	return files
}()

// wycheproofDir is the first folder of vectors found, or "".
func wycheproofDir() string {
	dirs := []string{os.Getenv("WYCHEPROOF_DIR"), filepath.Join("testdata", "wycheproof"), filepath.Join("..", "..", "shared", "wycheproof")}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if fi, err := os.Stat(d); err == nil && fi.IsDir() {
			return d
		}
	}
	return ""
}

// wpFileSpec is one vector file and how its groups run.
type wpFileSpec struct {
	name string
	// group makes the runner of a group's cases, or fails for a group
	// the test cannot set up (a key it cannot parse).
	group func(g *wpGroup) (func(c *wpCase) wpOutcome, error)
}

// The JSON of a vector file: the fields of every schema used here, in one
// group and one case type.
type wpFile struct {
	Algorithm     string     `json:"algorithm"`
	NumberOfTests int        `json:"numberOfTests"`
	TestGroups    []*wpGroup `json:"testGroups"`
}

type wpGroup struct {
	Type            string    `json:"type"`
	KeySize         int       `json:"keySize"`
	IVSize          int       `json:"ivSize"`
	TagSize         int       `json:"tagSize"`
	SHA             string    `json:"sha"`
	MGF             string    `json:"mgf"`
	MGFSHA          string    `json:"mgfSha"`
	PrivateKeyPKCS8 hexBytes  `json:"privateKeyPkcs8"`
	Tests           []*wpCase `json:"tests"`
}

type wpCase struct {
	TcID    int      `json:"tcId"`
	Comment string   `json:"comment"`
	Flags   []string `json:"flags"`
	Key     hexBytes `json:"key"`
	IV      hexBytes `json:"iv"`
	AAD     hexBytes `json:"aad"`
	Msg     hexBytes `json:"msg"`
	CT      hexBytes `json:"ct"`
	Tag     hexBytes `json:"tag"`
	Label   hexBytes `json:"label"`
	Result  string   `json:"result"`
}

// hexBytes is a byte string the JSON gives in hex; never nil once set.
type hexBytes []byte

func (h *hexBytes) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := hex.DecodeString(s)
	if err != nil {
		return err
	}
	*h = append([]byte{}, v...)
	return nil
}

func readWycheproof(t *testing.T, dir, name string) *wpFile {
	t.Helper()
	var r io.Reader
	f, err := os.Open(filepath.Join(dir, name+".json"))
	if errors.Is(err, os.ErrNotExist) {
		f, err = os.Open(filepath.Join(dir, name+".json.gz"))
		if err == nil {
			defer f.Close()
			r, err = gzip.NewReader(f)
		}
	} else if err == nil {
		defer f.Close()
		r = f
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var file wpFile
	if err := json.NewDecoder(r).Decode(&file); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &file
}

// wpOutcome is what one case came to: passed, skipped (with the
// mechanism's refusal) or failed (with what went wrong).
type wpOutcome struct {
	skip string
	fail []string
}

func (o *wpOutcome) failf(format string, args ...any) {
	o.fail = append(o.fail, fmt.Sprintf(format, args...))
}

type wpStats struct {
	passed, failed int
	skips          map[string][]int // tcIds by refusal
}

func (s *wpStats) skipped() int {
	n := 0
	for _, ids := range s.skips {
		n += len(ids)
	}
	return n
}

func (s *wpStats) total() int { return s.passed + s.failed + s.skipped() }

func (s *wpStats) record(t *testing.T, file string, c *wpCase, o wpOutcome) {
	t.Helper()
	switch {
	case len(o.fail) > 0:
		s.failed++
		t.Errorf("%s tcId %d (%s, %q, flags %v): %s", file, c.TcID, c.Result, c.Comment, c.Flags, strings.Join(o.fail, "; "))
	case o.skip != "":
		if s.skips == nil {
			s.skips = map[string][]int{}
		}
		s.skips[o.skip] = append(s.skips[o.skip], c.TcID)
	default:
		s.passed++
	}
}

// refusesParam reports whether err is a New* refusal that PKCS#11 gives
// for a parameter or a key size the mechanism does not offer.
func refusesParam(err error) bool {
	rv := ck.ToRV(err)
	return rv == ck.CKR_MECHANISM_PARAM_INVALID || rv == ck.CKR_KEY_SIZE_RANGE
}

func wpLookup(mt ck.MechanismType) *Mechanism {
	m, err := Lookup(mt)
	if err != nil {
		panic(err)
	}
	return m
}

// cipherRun is one encryption or decryption: the New* error, or the
// output and error of the rest.
type cipherRun struct {
	initErr, err error
	out          []byte
}

// runCipher runs in through a new cipher in one Final call, as C_Encrypt
// and C_Decrypt do, or with parts > 1 through Update calls and Final.
func runCipher(start func(any, Param) (Cipher, error), key any, p Param, in []byte, parts int) cipherRun {
	c, err := start(key, p)
	if err != nil {
		return cipherRun{initErr: err}
	}
	var out []byte
	for i := 1; i < parts; i++ {
		n := len(in) / (parts - i + 1)
		if out, err = c.Update(out, in[:n]); err != nil {
			return cipherRun{err: err, out: out}
		}
		in = in[n:]
	}
	out, err = c.Final(out, in)
	return cipherRun{err: err, out: out}
}

func (r cipherRun) failed() error {
	if r.initErr != nil {
		return r.initErr
	}
	return r.err
}

// checkCipher checks a deterministic cipher's case: encrypting pt gives
// ct and decrypting ct gives pt for a valid case; decrypting ct fails
// with no output, and encrypting pt fails or gives something other than
// ct, for an invalid one. multiPart also runs the valid cases in parts.
func checkCipher(m *Mechanism, key any, p Param, pt, ct []byte, result string, multiPart bool) wpOutcome {
	var o wpOutcome
	enc := runCipher(m.NewEncrypter, key, p, pt, 1)
	dec := runCipher(m.NewDecrypter, key, p, ct, 1)
	if refusesParam(enc.initErr) != refusesParam(dec.initErr) {
		o.failf("%v: the encrypter and the decrypter disagree on the parameter: %v / %v", m.Type, enc.initErr, dec.initErr)
		return o
	}
	if refusesParam(enc.initErr) && result != "invalid" {
		return wpOutcome{skip: ck.ToRV(enc.initErr).String() + ": " + errMsg(enc.initErr)}
	}
	switch result {
	case "valid":
		if err := enc.failed(); err != nil {
			o.failf("encryption failed: %v", err)
		} else if !bytes.Equal(enc.out, ct) {
			o.failf("encryption gave %x, want %x", enc.out, ct)
		}
		if err := dec.failed(); err != nil {
			o.failf("decryption failed: %v", err)
		} else if !bytes.Equal(dec.out, pt) {
			o.failf("decryption gave %x, want %x", dec.out, pt)
		}
		if multiPart {
			for _, parts := range []int{2, 3} {
				if r := runCipher(m.NewEncrypter, key, p, pt, parts); r.failed() != nil || !bytes.Equal(r.out, ct) {
					o.failf("encryption in %d parts gave %x, %v; want %x", parts, r.out, r.failed(), ct)
				}
				if r := runCipher(m.NewDecrypter, key, p, ct, parts); r.failed() != nil || !bytes.Equal(r.out, pt) {
					o.failf("decryption in %d parts gave %x, %v; want %x", parts, r.out, r.failed(), pt)
				}
			}
		}
	case "invalid":
		if dec.failed() == nil {
			o.failf("decryption accepted the ciphertext, giving %x", dec.out)
		} else if len(dec.out) != 0 {
			o.failf("decryption failed (%v) but gave %x", dec.failed(), dec.out)
		}
		if enc.failed() == nil && bytes.Equal(enc.out, ct) {
			o.failf("encryption produced the invalid ciphertext %x", ct)
		}
	case "acceptable":
		if enc.failed() == nil && !bytes.Equal(enc.out, ct) {
			o.failf("encryption gave %x, want %x (or a refusal)", enc.out, ct)
		}
		if dec.failed() == nil && !bytes.Equal(dec.out, pt) {
			o.failf("decryption gave %x, want %x (or a refusal)", dec.out, pt)
		}
	default:
		o.failf("unknown result %q", result)
	}
	return o
}

func errMsg(err error) string {
	var e *ck.Error
	if errors.As(err, &e) {
		return e.Msg
	}
	return err.Error()
}

// gcmGroup runs AEAD cases through CKM_AES_GCM: the PKCS#11 ciphertext is
// Wycheproof's ct || tag.
func gcmGroup(g *wpGroup) (func(c *wpCase) wpOutcome, error) {
	m := wpLookup(ck.CKM_AES_GCM)
	return func(c *wpCase) wpOutcome {
		p := GCMParams{IV: c.IV, IVBits: 8 * uint(len(c.IV)), AAD: c.AAD, TagBits: uint(g.TagSize)}
		return checkCipher(m, []byte(c.Key), p, c.Msg, slices.Concat(c.CT, c.Tag), c.Result, true)
	}, nil
}

// cbcPadGroup runs AES-CBC with PKCS #5 padding through CKM_AES_CBC_PAD.
func cbcPadGroup(g *wpGroup) (func(c *wpCase) wpOutcome, error) {
	m := wpLookup(ck.CKM_AES_CBC_PAD)
	return func(c *wpCase) wpOutcome {
		return checkCipher(m, []byte(c.Key), []byte(c.IV), c.Msg, c.CT, c.Result, true)
	}, nil
}

// keyWrapGroup runs key wrap cases through mt with its default initial
// value (no parameter), as C_WrapKey and C_Encrypt would.
func keyWrapGroup(mt ck.MechanismType) func(g *wpGroup) (func(c *wpCase) wpOutcome, error) {
	return func(g *wpGroup) (func(c *wpCase) wpOutcome, error) {
		m := wpLookup(mt)
		return func(c *wpCase) wpOutcome {
			return checkCipher(m, []byte(c.Key), nil, c.Msg, c.CT, c.Result, true)
		}, nil
	}
}

// macGroup runs MAC cases through general (with the tag's length as its
// CK_MAC_GENERAL_PARAMS) and, for full-length tags, through full too.
func macGroup(full, general ck.MechanismType, fullLen int) func(g *wpGroup) (func(c *wpCase) wpOutcome, error) {
	return func(g *wpGroup) (func(c *wpCase) wpOutcome, error) {
		if g.TagSize%8 != 0 {
			return nil, fmt.Errorf("a tag of %d bits", g.TagSize)
		}
		type variant struct {
			m *Mechanism
			p Param
		}
		variants := []variant{{wpLookup(general), uint(g.TagSize / 8)}}
		if g.TagSize/8 == fullLen {
			variants = append(variants, variant{wpLookup(full), nil})
		}
		return func(c *wpCase) wpOutcome {
			// Every variant must refuse the case for it to be skipped.
			var o wpOutcome
			var skips []string
			for _, v := range variants {
				vo := checkMAC(v.m, []byte(c.Key), v.p, c.Msg, c.Tag, c.Result)
				if vo.skip != "" {
					skips = append(skips, fmt.Sprintf("%v: %s", v.m.Type, vo.skip))
				}
				for _, f := range vo.fail {
					o.failf("%v: %s", v.m.Type, f)
				}
			}
			switch {
			case len(skips) == len(variants):
				o.skip = strings.Join(skips, "; ")
			case len(skips) > 0:
				o.failf("refused by some variants only: %s", strings.Join(skips, "; "))
			}
			return o
		}, nil
	}
}

// checkMAC checks a MAC case: signing gives the tag and verifying the tag
// succeeds for a valid case; the signature differs and verifying fails
// for an invalid one.
func checkMAC(m *Mechanism, key []byte, p Param, msg, tag []byte, result string) wpOutcome {
	var o wpOutcome
	signer, signErr := m.NewSigner(key, p)
	verifier, verifyErr := m.NewVerifier(key, p)
	if refusesParam(signErr) != refusesParam(verifyErr) {
		o.failf("the signer and the verifier disagree on the parameter: %v / %v", signErr, verifyErr)
		return o
	}
	if refusesParam(signErr) && result != "invalid" {
		return wpOutcome{skip: ck.ToRV(signErr).String() + ": " + errMsg(signErr)}
	}
	var mac []byte
	if signErr == nil {
		mac, signErr = signer.Sign(msg)
	}
	if verifyErr == nil {
		verifyErr = verifier.Verify(msg, tag)
	}
	switch result {
	case "valid":
		if signErr != nil {
			o.failf("signing failed: %v", signErr)
		} else if !bytes.Equal(mac, tag) {
			o.failf("signing gave %x, want %x", mac, tag)
		}
		if verifyErr != nil {
			o.failf("verification failed: %v", verifyErr)
		}
		// In parts, as C_SignUpdate callers feed it.
		if s, err := m.NewSigner(key, p); err == nil {
			half := len(msg) / 2
			s.Update(msg[:half])
			if mac, err := s.Sign(msg[half:]); err != nil || !bytes.Equal(mac, tag) {
				o.failf("signing in two parts gave %x, %v; want %x", mac, err, tag)
			}
		}
	case "invalid":
		if verifyErr == nil {
			o.failf("verification accepted the tag %x", tag)
		}
		if signErr == nil && bytes.Equal(mac, tag) {
			o.failf("signing produced the invalid tag %x", tag)
		}
	case "acceptable":
		if signErr == nil && !bytes.Equal(mac, tag) && verifyErr == nil {
			o.failf("signing gave %x but %x verified", mac, tag)
		}
	default:
		o.failf("unknown result %q", result)
	}
	return o
}

// wpHashes are the hash names of the RSA files, as PKCS#11 names the
// hash and its MGF1.
var wpHashes = map[string]struct {
	digest ck.MechanismType
	mgf    ck.MGF
}{
	"SHA-1":   {ck.CKM_SHA_1, ck.CKG_MGF1_SHA1},
	"SHA-224": {ck.CKM_SHA224, ck.CKG_MGF1_SHA224},
	"SHA-256": {ck.CKM_SHA256, ck.CKG_MGF1_SHA256},
	"SHA-384": {ck.CKM_SHA384, ck.CKG_MGF1_SHA384},
	"SHA-512": {ck.CKM_SHA512, ck.CKG_MGF1_SHA512},
}

// rsaGroup runs RSAES decryption cases (RsaesOaepDecrypt through
// CKM_RSA_PKCS_OAEP, RsaesPkcs1Decrypt through CKM_RSA_PKCS) with the
// group's PKCS #8 private key; the valid ones are also encrypted with its
// public key and decrypted back (encryption being randomized), when the
// key is one a token object can hold.
func rsaGroup(g *wpGroup) (func(c *wpCase) wpOutcome, error) {
	k, err := x509.ParsePKCS8PrivateKey(g.PrivateKeyPKCS8)
	if err != nil {
		return nil, fmt.Errorf("privateKeyPkcs8: %v", err)
	}
	priv, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("privateKeyPkcs8 is a %T", k)
	}
	var m *Mechanism
	param := func(*wpCase) Param { return nil }
	switch g.Type {
	case "RsaesPkcs1Decrypt":
		m = wpLookup(ck.CKM_RSA_PKCS)
	case "RsaesOaepDecrypt":
		m = wpLookup(ck.CKM_RSA_PKCS_OAEP)
		h, ok1 := wpHashes[g.SHA]
		mgf, ok2 := wpHashes[g.MGFSHA]
		if !ok1 || !ok2 || g.MGF != "MGF1" {
			return nil, fmt.Errorf("OAEP with %s and %s over %s", g.SHA, g.MGF, g.MGFSHA)
		}
		param = func(c *wpCase) Param {
			return OAEPParams{Hash: h.digest, MGF: mgf.mgf, Source: ck.CKZ_DATA_SPECIFIED, Label: c.Label}
		}
	default:
		return nil, fmt.Errorf("unknown group type")
	}
	return func(c *wpCase) wpOutcome {
		var o wpOutcome
		p := param(c)
		dec := runCipher(m.NewDecrypter, priv, p, c.CT, 1)
		if refusesParam(dec.initErr) && c.Result != "invalid" {
			return wpOutcome{skip: ck.ToRV(dec.initErr).String() + ": " + errMsg(dec.initErr)}
		}
		switch c.Result {
		case "valid":
			if err := dec.failed(); err != nil {
				o.failf("decryption failed: %v", err)
			} else if !bytes.Equal(dec.out, c.Msg) {
				o.failf("decryption gave %x, want %x", dec.out, c.Msg)
			}
			if priv.N.BitLen() > object.MaxRSABits {
				break // a key no token object holds: decryption is enough
			}
			enc := runCipher(m.NewEncrypter, &priv.PublicKey, p, c.Msg, 1)
			if err := enc.failed(); err != nil {
				o.failf("encrypting the message failed: %v", err)
				break
			}
			if back := runCipher(m.NewDecrypter, priv, p, enc.out, 1); back.failed() != nil || !bytes.Equal(back.out, c.Msg) {
				o.failf("the message encrypted and decrypted came back as %x, %v", back.out, back.failed())
			}
		case "invalid":
			if dec.failed() == nil {
				o.failf("decryption accepted the ciphertext, giving %x", dec.out)
			} else if len(dec.out) != 0 {
				o.failf("decryption failed (%v) but gave %x", dec.failed(), dec.out)
			}
		case "acceptable":
			if dec.failed() == nil && !bytes.Equal(dec.out, c.Msg) {
				o.failf("decryption gave %x, want %x (or a refusal)", dec.out, c.Msg)
			}
		default:
			o.failf("unknown result %q", c.Result)
		}
		return o
	}, nil
}
