package main

import (
	"crypto"
	"crypto/ecdsa"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/client"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/pki"
)

// signMechanism is the mechanism sign and verify use with a key of type
// kt: the one named, else ECDSA over a SHA-256 the command computes
// (every module offers CKM_ECDSA), CKM_EDDSA for Ed25519 and Ed448 keys,
// CKM_ML_DSA and CKM_SLH_DSA (pure, no context) for ML-DSA and SLH-DSA keys, or
// CKM_SHA256_RSA_PKCS.
func signMechanism(name string, kt ck.KeyType) (client.Mechanism, error) {
	if name == "" {
		switch kt {
		case ck.CKK_EC:
			return client.Mechanism{Type: ck.CKM_ECDSA}, nil
		case ck.CKK_EC_EDWARDS:
			return client.Mechanism{Type: ck.CKM_EDDSA}, nil
		case ck.CKK_ML_DSA:
			return client.Mechanism{Type: ck.CKM_ML_DSA}, nil
		case ck.CKK_SLH_DSA:
			return client.Mechanism{Type: ck.CKM_SLH_DSA}, nil
		case ck.CKK_EC_MONTGOMERY:
			return client.Mechanism{}, usagef("X25519 and X448 keys agree on keys (C_DeriveKey); they do not sign")
		case ck.CKK_ML_KEM:
			return client.Mechanism{}, usagef("ML-KEM keys encapsulate keys (C_EncapsulateKey); they do not sign")
		}
		return client.Mechanism{Type: ck.CKM_SHA256_RSA_PKCS}, nil
	}
	t, ok := ck.MechanismByName(name)
	if !ok {
		return client.Mechanism{}, usagef("--mechanism %q is not a PKCS#11 mechanism name", name)
	}
	m := client.Mechanism{Type: t}
	// The PSS mechanisms that hash the message take MGF1 and a salt as
	// long as the hash, as most verifiers expect.
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512,
		crypto.SHA3_224, crypto.SHA3_256, crypto.SHA3_384, crypto.SHA3_512} {
		if p, ok := mech.PSSParamsFor(h, h.Size()); ok && pssOf(t) == h {
			m.Param = p
		}
	}
	return m, nil
}

// signingKey opens the key sign or verify names (of one of classes) and
// picks the mechanism for it by its key type, not its public key, which
// not every module gives of a private key. The caller closes t.
func (o *options) signingKey(ref objectRef, mechName string, mode loginMode, classes ...ck.ObjectClass) (
	t *tokenSession, h ck.ObjectHandle, kt ck.KeyType, m client.Mechanism, err error) {
	t, h, _, err = o.openObject(ref, false, mode, classes...)
	if err != nil {
		return nil, 0, 0, m, err
	}
	if kt, err = t.keyType(h); err == nil {
		m, err = signMechanism(mechName, kt)
	}
	if err != nil {
		t.close()
		return nil, 0, 0, m, err
	}
	return t, h, kt, m, nil
}

// pssOf is the hash of a hash-then-sign PSS mechanism, or 0.
func pssOf(t ck.MechanismType) crypto.Hash {
	switch t {
	case ck.CKM_SHA1_RSA_PKCS_PSS:
		return crypto.SHA1
	case ck.CKM_SHA224_RSA_PKCS_PSS:
		return crypto.SHA224
	case ck.CKM_SHA256_RSA_PKCS_PSS:
		return crypto.SHA256
	case ck.CKM_SHA384_RSA_PKCS_PSS:
		return crypto.SHA384
	case ck.CKM_SHA512_RSA_PKCS_PSS:
		return crypto.SHA512
	case ck.CKM_SHA3_224_RSA_PKCS_PSS:
		return crypto.SHA3_224
	case ck.CKM_SHA3_256_RSA_PKCS_PSS:
		return crypto.SHA3_256
	case ck.CKM_SHA3_384_RSA_PKCS_PSS:
		return crypto.SHA3_384
	case ck.CKM_SHA3_512_RSA_PKCS_PSS:
		return crypto.SHA3_512
	}
	return 0
}

// signInput is what the mechanism signs: the file's SHA-256 for the
// default ECDSA, the file itself otherwise.
func signInput(m client.Mechanism, name string, data []byte) []byte {
	if m.Type == ck.CKM_ECDSA && name == "" {
		sum := crypto.SHA256.New()
		sum.Write(data)
		return sum.Sum(nil)
	}
	return data
}

var signCommand = command{
	name:    "sign",
	summary: "sign a file with a private key",
	about: "Signs a file with a private key in the token. EC keys sign with ECDSA over SHA-256 and write a DER\n" +
		"signature, as OpenSSL writes and reads it (--format raw writes r||s); Ed25519 and Ed448 keys with\n" +
		"EdDSA (Ed25519, or Ed448 with an empty context, as OpenSSL signs); ML-DSA and SLH-DSA keys with\n" +
		"pure ML-DSA and SLH-DSA (hedged, no context); RSA keys with SHA256-RSA-PKCS. --mechanism names\n" +
		"another (CKM_ name or pkcs11-tool's short form, e.g. SHA384-RSA-PKCS-PSS).",
	example: "corepkcs11 sign --key 'Device Priv TLS Key' --in firmware.bin --out firmware.sig",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		key := fs.String("key", "", "the private key: `OBJECT` label or pkcs11: URI (required)")
		id := fs.String("id", "", "the key's CKA_ID in `HEX`, with or instead of --key")
		in := fs.String("in", "", "the `FILE` to sign (required)")
		out := fs.String("out", "", "the signature `FILE` (required)")
		mechName := fs.String("mechanism", "", "the signature mechanism `NAME` (default: ECDSA with SHA-256, EDDSA, ML-DSA, SLH-DSA, or SHA256-RSA-PKCS, by key type)")
		format := fs.String("format", "der", "`der` or `raw` ECDSA signature")
		return func(o *options, args []string) error {
			if len(args) > 0 || *in == "" || *out == "" || (*key == "" && *id == "") {
				return usagef("sign takes --key, --in and --out")
			}
			if *format != "der" && *format != "raw" {
				return usagef("--format %q: der or raw", *format)
			}
			data, err := os.ReadFile(*in)
			if err != nil {
				return err
			}
			t, h, kt, m, err := o.signingKey(objectRef{arg: *key, id: *id}, *mechName, mustLogin, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY)
			if err != nil {
				return err
			}
			defer t.close()
			sig, err := t.s.Sign(m, h, signInput(m, *mechName, data))
			if err != nil {
				return fmt.Errorf("signing with %v: %w", m.Type, err)
			}
			if kt == ck.CKK_EC && *format == "der" {
				if sig, err = pki.ECDSASignatureToDER(sig); err != nil {
					return err
				}
			}
			return os.WriteFile(*out, sig, 0o644)
		}
	},
}

var verifyCommand = command{
	name:    "verify",
	summary: "verify a file's signature with a public key",
	about: "Verifies a signature made by sign (or OpenSSL) with a public key in the token, using the same\n" +
		"mechanism defaults as sign; EC signatures may be DER or raw r||s. Exit status 0 when it verifies.",
	example: "corepkcs11 verify --key 'Code Verify Key' --in firmware.bin --sig firmware.sig",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		key := fs.String("key", "", "the public key: `OBJECT` label or pkcs11: URI (required)")
		id := fs.String("id", "", "the key's CKA_ID in `HEX`, with or instead of --key")
		in := fs.String("in", "", "the signed `FILE` (required)")
		sigFile := fs.String("sig", "", "the signature `FILE` (required)")
		mechName := fs.String("mechanism", "", "the signature mechanism `NAME` (default: ECDSA with SHA-256, EDDSA, ML-DSA, SLH-DSA, or SHA256-RSA-PKCS, by key type)")
		return func(o *options, args []string) error {
			if len(args) > 0 || *in == "" || *sigFile == "" || (*key == "" && *id == "") {
				return usagef("verify takes --key, --in and --sig")
			}
			data, err := os.ReadFile(*in)
			if err != nil {
				return err
			}
			sig, err := os.ReadFile(*sigFile)
			if err != nil {
				return err
			}
			t, h, _, m, err := o.signingKey(objectRef{arg: *key, id: *id}, *mechName, loginIfPIN, ck.CKO_PUBLIC_KEY, ck.CKO_SECRET_KEY)
			if err != nil {
				return err
			}
			defer t.close()
			pub, _ := t.publicKey(h)
			if ec, ok := pub.(*ecdsa.PublicKey); ok {
				size := (ec.Curve.Params().BitSize + 7) / 8
				if raw, err := pki.ECDSASignatureToRaw(sig, size); err == nil {
					sig = raw
				}
			}
			if err := t.s.Verify(m, h, signInput(m, *mechName, data), sig); err != nil {
				if rv := ck.ToRV(err); rv == ck.CKR_SIGNATURE_INVALID || rv == ck.CKR_SIGNATURE_LEN_RANGE {
					return errors.New("the signature does not verify")
				}
				return err
			}
			fmt.Println("signature verified")
			return nil
		}
	},
}

var digestCommand = command{
	name:    "digest",
	summary: "hash a file in the token",
	about:   "Hashes a file with a digest mechanism of the token and prints the digest in hex.",
	example: "corepkcs11 digest --in firmware.bin --mechanism SHA384",
	common:  withModule | withToken,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		in := fs.String("in", "", "the `FILE` to hash (default: standard input)")
		mechName := fs.String("mechanism", "SHA256", "the digest mechanism `NAME`")
		return func(o *options, args []string) error {
			if len(args) > 0 {
				return usagef("digest takes --in, not arguments")
			}
			mt, ok := ck.MechanismByName(*mechName)
			if !ok {
				return usagef("--mechanism %q is not a PKCS#11 mechanism name", *mechName)
			}
			data, err := readInput(*in)
			if err != nil {
				return err
			}
			t, err := o.session(false, noLogin)
			if err != nil {
				return err
			}
			defer t.close()
			d, err := t.s.Digest(client.Mechanism{Type: mt}, data)
			if err != nil {
				return err
			}
			fmt.Println(hex.EncodeToString(d))
			return nil
		}
	},
}

var randomCommand = command{
	name:    "random",
	args:    "N",
	summary: "N random bytes from the token",
	about:   "Prints N bytes from the token's random number generator in hex, or writes them to --out.",
	example: "corepkcs11 random 32",
	common:  withModule | withToken,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		out := fs.String("out", "", "write the bytes to `FILE` instead of printing hex")
		return func(o *options, args []string) error {
			if len(args) != 1 {
				return usagef("random takes one argument, the byte count")
			}
			n, err := parseSize(args[0])
			if err != nil {
				return err
			}
			t, err := o.session(false, noLogin)
			if err != nil {
				return err
			}
			defer t.close()
			b, err := t.s.Random(n)
			if err != nil {
				return err
			}
			if *out != "" {
				return os.WriteFile(*out, b, 0o600)
			}
			fmt.Println(hex.EncodeToString(b))
			return nil
		}
	},
}

func readInput(name string) ([]byte, error) {
	if name == "" || name == "-" {
		return io.ReadAll(os.Stdin)
	}
	return os.ReadFile(name)
}

// cryptMechanism is the mechanism encrypt and decrypt use with a key:
// for AES keys AES-GCM (or the one named), the IV given or, when none,
// random and written before the ciphertext; for RSA keys RSA-PKCS-OAEP
// with SHA-256.
func cryptMechanism(name, ivHex, hashName string, isRSA bool) (client.Mechanism, int, error) {
	if name == "" {
		name = "AES-GCM"
		if isRSA {
			name = "RSA-PKCS-OAEP"
		}
	}
	t, ok := ck.MechanismByName(name)
	if !ok {
		return client.Mechanism{}, 0, usagef("--mechanism %q is not a PKCS#11 mechanism name", name)
	}
	var iv []byte
	if ivHex != "" {
		var err error
		if iv, err = hex.DecodeString(ivHex); err != nil {
			return client.Mechanism{}, 0, usagef("--iv is not hex")
		}
	}
	m := client.Mechanism{Type: t}
	ivLen := 0
	switch t {
	case ck.CKM_AES_GCM:
		ivLen = 12
		m.Param = mech.GCMParams{IV: iv, IVBits: 8 * uint(len(iv)), TagBits: 128}
	case ck.CKM_AES_CBC, ck.CKM_AES_CBC_PAD:
		ivLen = 16
		m.Param = iv
	case ck.CKM_DES3_CBC, ck.CKM_DES3_CBC_PAD:
		ivLen = 8
		m.Param = iv
	case ck.CKM_RSA_PKCS_OAEP:
		h, ok := oaepHashes[strings.ToUpper(strings.ReplaceAll(hashName, "-", ""))]
		if !ok {
			return client.Mechanism{}, 0, usagef("--hash %q: SHA1, SHA224, SHA256, SHA384 or SHA512", hashName)
		}
		p, _ := mech.OAEPParamsFor(h, h, nil)
		m.Param = p
	}
	if len(iv) > 0 {
		ivLen = 0 // given: not carried in the file
	}
	return m, ivLen, nil
}

// oaepHashes are the hashes --hash names for RSA-PKCS-OAEP, with MGF1
// over the same hash.
var oaepHashes = map[string]crypto.Hash{
	"SHA1": crypto.SHA1, "SHA224": crypto.SHA224, "SHA256": crypto.SHA256, "SHA384": crypto.SHA384, "SHA512": crypto.SHA512,
}

// withIV sets the IV of an IV-taking mechanism.
func withIV(m client.Mechanism, iv []byte) client.Mechanism {
	switch p := m.Param.(type) {
	case mech.GCMParams:
		p.IV, p.IVBits = iv, 8*uint(len(iv))
		m.Param = p
	case []byte:
		m.Param = iv
	}
	return m
}

// cryptCommand is encrypt or decrypt.
func cryptCommand(decrypt bool) command {
	c := command{
		name:    "encrypt",
		summary: "encrypt a file with a key in the token",
		about: "Encrypts a file with a secret or public key in the token: AES keys with AES-GCM by default, a\n" +
			"random IV written before the ciphertext unless --iv gives it; RSA keys with RSA-PKCS-OAEP (SHA-256).",
		example: "corepkcs11 encrypt --key backup-key --in secrets.tar --out secrets.tar.enc",
	}
	if decrypt {
		c.name, c.summary = "decrypt", "decrypt a file with a key in the token"
		c.about = "Decrypts what encrypt wrote, with the same mechanism defaults: for AES-GCM and the CBC modes the\n" +
			"IV is read from the front of the file unless --iv gives it."
		c.example = "corepkcs11 decrypt --key backup-key --in secrets.tar.enc --out secrets.tar"
	}
	c.common = withModule | withToken | withPIN
	c.setup = func(fs *flag.FlagSet) func(*options, []string) error {
		key := fs.String("key", "", "the key: `OBJECT` label or pkcs11: URI (required)")
		id := fs.String("id", "", "the key's CKA_ID in `HEX`, with or instead of --key")
		in := fs.String("in", "", "the input `FILE` (default: standard input)")
		out := fs.String("out", "", "the output `FILE` (required)")
		mechName := fs.String("mechanism", "", "the mechanism `NAME` (default: AES-GCM, or RSA-PKCS-OAEP for RSA keys)")
		ivHex := fs.String("iv", "", "the IV in `HEX` (default: random, carried before the ciphertext)")
		hashName := fs.String("hash", "SHA256", "the RSA-PKCS-OAEP hash `NAME`, also MGF1's: SHA1 (all SoftHSMv2 takes), SHA224, SHA256, SHA384 or SHA512")
		return func(o *options, args []string) error {
			if len(args) > 0 || *out == "" || (*key == "" && *id == "") {
				return usagef("%s takes --key and --out", c.name)
			}
			data, err := readInput(*in)
			if err != nil {
				return err
			}
			classes := []ck.ObjectClass{ck.CKO_SECRET_KEY, ck.CKO_PUBLIC_KEY}
			if decrypt {
				classes = []ck.ObjectClass{ck.CKO_SECRET_KEY, ck.CKO_PRIVATE_KEY}
			}
			t, h, class, err := o.openObject(objectRef{arg: *key, id: *id}, false, mustLogin, classes...)
			if err != nil {
				return err
			}
			defer t.close()
			kt, err := t.keyType(h)
			if err != nil {
				return err
			}
			isRSA := class != ck.CKO_SECRET_KEY && kt == ck.CKK_RSA
			m, ivLen, err := cryptMechanism(*mechName, *ivHex, *hashName, isRSA)
			if err != nil {
				return err
			}
			var result []byte
			switch {
			case decrypt && ivLen > 0:
				if len(data) < ivLen {
					return fmt.Errorf("%s is shorter than its %d-byte IV", *in, ivLen)
				}
				result, err = t.s.Decrypt(withIV(m, data[:ivLen]), h, data[ivLen:])
			case decrypt:
				result, err = t.s.Decrypt(m, h, data)
			case ivLen > 0:
				iv, rerr := t.s.Random(ivLen)
				if rerr != nil {
					return rerr
				}
				result, err = t.s.Encrypt(withIV(m, iv), h, data)
				result = append(iv, result...)
			default:
				result, err = t.s.Encrypt(m, h, data)
			}
			if err != nil {
				rv := ck.ToRV(err)
				if m.Type == ck.CKM_RSA_PKCS_OAEP && (rv == ck.CKR_ARGUMENTS_BAD || rv == ck.CKR_MECHANISM_PARAM_INVALID) && *hashName != "SHA1" {
					return fmt.Errorf("%s with %v: %w: the module may take only --hash SHA1, as SoftHSMv2 does", c.name, m.Type, err)
				}
				return fmt.Errorf("%s with %v: %w", c.name, m.Type, err)
			}
			return os.WriteFile(*out, result, 0o600)
		}
	}
	return c
}

var (
	encryptCommand = cryptCommand(false)
	decryptCommand = cryptCommand(true)
)
