package main

import (
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/client"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// publicKey is the public key of a key object: its CKA_PUBLIC_KEY_INFO,
// its RSA or EC public attributes, or those of the public key with the
// same CKA_ID.
func (t *tokenSession) publicKey(h ck.ObjectHandle) (crypto.PublicKey, error) {
	a, err := t.s.Attributes(h, ck.CKA_PUBLIC_KEY_INFO, ck.CKA_MODULUS, ck.CKA_PUBLIC_EXPONENT, ck.CKA_EC_PARAMS, ck.CKA_EC_POINT, ck.CKA_ID)
	if err != nil {
		return nil, err
	}
	if pub, err := pki.PublicKeyOf(a); err == nil {
		return pub, nil
	}
	// Several public keys may share the CKA_ID (a key imported twice,
	// under two labels): they do when they are one key.
	if id, ok := a.Find(ck.CKA_ID); ok && len(id) > 0 {
		hs, err := t.s.FindObjects(object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY)), object.Bytes(ck.CKA_ID, id)})
		var found crypto.PublicKey
		for _, ph := range hs {
			pa, err := t.s.Attributes(ph, ck.CKA_MODULUS, ck.CKA_PUBLIC_EXPONENT, ck.CKA_EC_PARAMS, ck.CKA_EC_POINT)
			if err != nil {
				continue
			}
			pub, err := pki.PublicKeyOf(pa)
			if err != nil {
				continue
			}
			if found == nil {
				found = pub
			} else if k, ok := found.(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(pub) {
				return nil, errors.New("the key's public half cannot be read from the token, and the public keys with its CKA_ID differ")
			}
		}
		if err == nil && found != nil {
			return found, nil
		}
	}
	return nil, errors.New("the key's public half cannot be read from the token")
}

// keyType is a key's CKA_KEY_TYPE.
func (t *tokenSession) keyType(h ck.ObjectHandle) (ck.KeyType, error) {
	a, err := t.s.Attributes(h, ck.CKA_KEY_TYPE)
	if err != nil {
		return 0, err
	}
	kt, ok := a.ULong(ck.CKA_KEY_TYPE)
	if !ok {
		return 0, fmt.Errorf("object %d has no CKA_KEY_TYPE", h)
	}
	return ck.KeyType(kt), nil
}

// keyID is the CKA_ID this command gives a key pair and its certificate
// when none is chosen: the SHA-1 of the public key's DER, so that a key
// and its certificate imported separately get the same one.
func keyID(pub crypto.PublicKey) []byte {
	der, err := object.MarshalPublicKeyInfo(pub)
	if err != nil {
		return nil
	}
	sum := sha1.Sum(der)
	return sum[:]
}

// keySpec is a kind of key keygen makes.
type keySpec struct {
	mech   ck.MechanismType
	size   uint   // RSA modulus bits, AES key bytes
	params []byte // CKA_EC_PARAMS of EC, Edwards and Montgomery keys
	set    uint   // CKA_PARAMETER_SET of ML-KEM, ML-DSA and SLH-DSA keys
	// csr is true for the keys Go's x509 writes a certificate request
	// with, which provision --generate can make.
	csr bool
}

// keyTypes are the keys keygen makes; the ML-DSA and SLH-DSA ones are
// named after their parameter sets (ml-dsa-65, slh-dsa-shake-128f).
var keyTypes = map[string]keySpec{
	"ec:p256":  {ck.CKM_EC_KEY_PAIR_GEN, 0, object.Curves[0].Params, 0, true},
	"ec:p384":  {ck.CKM_EC_KEY_PAIR_GEN, 0, object.Curves[1].Params, 0, true},
	"ec:p521":  {ck.CKM_EC_KEY_PAIR_GEN, 0, object.Curves[2].Params, 0, true},
	"ed25519":  {ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, 0, object.Ed25519Params, 0, true},
	"ed448":    {ck.CKM_EC_EDWARDS_KEY_PAIR_GEN, 0, object.Ed448Params, 0, false},
	"x25519":   {ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, 0, object.X25519Params, 0, false},
	"x448":     {ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, 0, object.X448Params, 0, false},
	"rsa:2048": {ck.CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, nil, 0, true},
	"rsa:3072": {ck.CKM_RSA_PKCS_KEY_PAIR_GEN, 3072, nil, 0, true},
	"rsa:4096": {ck.CKM_RSA_PKCS_KEY_PAIR_GEN, 4096, nil, 0, true},
	"aes:128":  {ck.CKM_AES_KEY_GEN, 16, nil, 0, false},
	"aes:192":  {ck.CKM_AES_KEY_GEN, 24, nil, 0, false},
	"aes:256":  {ck.CKM_AES_KEY_GEN, 32, nil, 0, false},
}

// ML-KEM, ML-DSA and SLH-DSA keys are left out of provision --generate:
// Go's crypto/x509 cannot make the CSR they would sign.
func init() {
	for _, p := range object.MLKEMParameterSets {
		keyTypes[strings.ToLower(p.Name)] = keySpec{mech: ck.CKM_ML_KEM_KEY_PAIR_GEN, set: p.Set}
	}
	for _, p := range object.MLDSAParameterSets {
		keyTypes[strings.ToLower(p.Name)] = keySpec{mech: ck.CKM_ML_DSA_KEY_PAIR_GEN, set: p.Set}
	}
	for _, p := range object.SLHDSAParameterSets {
		keyTypes[strings.ToLower(p.ID.String())] = keySpec{mech: ck.CKM_SLH_DSA_KEY_PAIR_GEN, set: p.Set}
	}
}

// pairKinds names the key pair kinds for usage messages.
const pairKinds = "ec:p256, ec:p384, ec:p521, ed25519, ed448, x25519, x448, rsa:2048, rsa:3072, rsa:4096, ml-kem-512, ml-kem-768, ml-kem-1024, ml-dsa-44, ml-dsa-65, ml-dsa-87, slh-dsa-sha2-128s … slh-dsa-shake-256f"

// generatedPair generates a key pair of kind kt in the token, both halves
// on the token, the private one private, sensitive and not extractable,
// and gives both the id (or, when empty, keyID of the public key).
// X25519 and X448 keys are for key agreement: their private key gets
// CKA_DERIVE instead of CKA_SIGN; ML-KEM keys encapsulate and
// decapsulate (their default), and neither sign nor derive. It returns
// the private key's handle and the public key.
func (t *tokenSession) generatePair(kt, privLabel, pubLabel string, id []byte) (ck.ObjectHandle, crypto.PublicKey, error) {
	spec, ok := keyTypes[kt]
	if !ok || spec.mech == ck.CKM_AES_KEY_GEN {
		return 0, nil, usagef("--type %q: one of %s", kt, pairKinds)
	}
	agrees, encapsulates := spec.mech == ck.CKM_EC_MONTGOMERY_KEY_PAIR_GEN, spec.mech == ck.CKM_ML_KEM_KEY_PAIR_GEN
	signs := !agrees && !encapsulates
	pubT := object.Template{object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, false), object.String(ck.CKA_LABEL, pubLabel),
		object.Bool(ck.CKA_VERIFY, signs)}
	privT := object.Template{object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, true), object.Bool(ck.CKA_SENSITIVE, true),
		object.Bool(ck.CKA_EXTRACTABLE, false), object.String(ck.CKA_LABEL, privLabel), object.Bool(ck.CKA_SIGN, signs),
		object.Bool(ck.CKA_DERIVE, agrees)}
	switch {
	case spec.set != 0:
		pubT = append(pubT, object.ULong(ck.CKA_PARAMETER_SET, spec.set))
	case spec.params != nil:
		pubT = append(pubT, object.Bytes(ck.CKA_EC_PARAMS, spec.params))
	default:
		pubT = append(pubT, object.ULong(ck.CKA_MODULUS_BITS, spec.size), object.Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}),
			object.Bool(ck.CKA_ENCRYPT, true))
		privT = append(privT, object.Bool(ck.CKA_DECRYPT, true))
	}
	if len(id) > 0 {
		pubT = append(pubT, object.Bytes(ck.CKA_ID, id))
		privT = append(privT, object.Bytes(ck.CKA_ID, id))
	}
	pubH, privH, err := t.s.GenerateKeyPair(client.Mechanism{Type: spec.mech}, pubT, privT)
	if err != nil {
		return 0, nil, fmt.Errorf("generating a %s key pair: %w", kt, err)
	}
	pub, err := t.publicKey(pubH)
	if err != nil {
		return 0, nil, err
	}
	if len(id) == 0 {
		id := object.Template{object.Bytes(ck.CKA_ID, keyID(pub))}
		if err := t.s.SetAttributes(pubH, id); err != nil {
			return 0, nil, err
		}
		if err := t.s.SetAttributes(privH, id); err != nil {
			return 0, nil, err
		}
	}
	return privH, pub, nil
}

var keygenCommand = command{
	name:    "keygen",
	summary: "generate a key pair or a secret key in the token",
	about: "Generates a key inside the token: the private key never leaves it. Key pairs get both halves on the\n" +
		"token, the private one private, sensitive and not extractable, and one CKA_ID (by default the SHA-1\n" +
		"of the public key). Prints the keys' PKCS#11 URIs.",
	example: "corepkcs11 keygen --type rsa:3072 --label signing-key",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		kt := fs.String("type", "ec:p256", "`KIND`: ec:p256, ec:p384, ec:p521, ed25519, ed448, x25519, x448, rsa:2048, rsa:3072, rsa:4096,\n"+
			"ml-kem-512, ml-kem-768, ml-kem-1024, ml-dsa-44, ml-dsa-65, ml-dsa-87, an SLH-DSA parameter set\n"+
			"(slh-dsa-sha2-128s … slh-dsa-shake-256f), aes:128, aes:192 or aes:256")
		label := fs.String("label", "", "the key's CKA_LABEL (required)")
		idHex := fs.String("id", "", "the key's CKA_ID in `HEX`")
		return func(o *options, args []string) error {
			if len(args) > 0 || *label == "" {
				return usagef("keygen takes --label and no arguments")
			}
			var id []byte
			if *idHex != "" {
				var err error
				if id, err = parseID(*idHex); err != nil {
					return err
				}
			}
			spec, ok := keyTypes[*kt]
			if !ok {
				return usagef("--type %q is not a kind keygen makes", *kt)
			}
			t, err := o.session(true, mustLogin)
			if err != nil {
				return err
			}
			defer t.close()
			if spec.mech == ck.CKM_AES_KEY_GEN {
				if len(id) == 0 {
					id, _ = t.s.Random(8)
				}
				_, err := t.s.GenerateKey(client.Mechanism{Type: ck.CKM_AES_KEY_GEN}, object.Template{
					object.ULong(ck.CKA_CLASS, uint(ck.CKO_SECRET_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)),
					object.ULong(ck.CKA_VALUE_LEN, spec.size), object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, true),
					object.Bool(ck.CKA_SENSITIVE, true), object.Bool(ck.CKA_EXTRACTABLE, false), object.String(ck.CKA_LABEL, *label),
					object.Bytes(ck.CKA_ID, id)})
				if err != nil {
					return fmt.Errorf("generating an %s key: %w", *kt, err)
				}
				fmt.Printf("secret key: %s\n", t.uri(*label, id, ck.CKO_SECRET_KEY))
				return nil
			}
			_, pub, err := t.generatePair(*kt, *label, *label, id)
			if err != nil {
				return err
			}
			if len(id) == 0 {
				id = keyID(pub)
			}
			fmt.Printf("private key: %s\npublic key:  %s\n", t.uri(*label, id, ck.CKO_PRIVATE_KEY), t.uri(*label, id, ck.CKO_PUBLIC_KEY))
			return nil
		}
	},
}

var importCommand = command{
	name:    "import",
	args:    "key|pubkey|cert|data|secret FILE",
	summary: "import a key, certificate, data or secret from a file",
	about: "Imports into the token, as token objects:\n" +
		"  key     a private key (PEM or DER; PKCS#8, PKCS#1 or SEC1), private and sensitive, with a public key object beside it\n" +
		"  pubkey  a public key (PEM or DER; PKIX or PKCS#1)\n" +
		"  cert    an X.509 certificate (PEM or DER)\n" +
		"  data    the file's bytes as a data object\n" +
		"  secret  the file's bytes as a secret key (AES for 16, 24 or 32 bytes, else generic)\n" +
		"Keys and certificates get the SHA-1 of their public key as CKA_ID unless --id is given, so that a key\n" +
		"and its certificate match. Prints the new objects' URIs.",
	example: "corepkcs11 import cert device.pem --label 'Device Cert'",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		label := fs.String("label", "", "the object's CKA_LABEL (required)")
		idHex := fs.String("id", "", "the object's CKA_ID in `HEX`")
		return func(o *options, args []string) error {
			if len(args) != 2 || *label == "" {
				return usagef("import takes a kind, a FILE and --label")
			}
			var id []byte
			if *idHex != "" {
				var err error
				if id, err = parseID(*idHex); err != nil {
					return err
				}
			}
			data, err := os.ReadFile(args[1])
			if err != nil {
				return err
			}
			t, err := o.session(true, mustLogin)
			if err != nil {
				return err
			}
			defer t.close()
			uris, err := t.importFile(args[0], args[1], data, *label, id)
			if err != nil {
				return err
			}
			for _, u := range uris {
				fmt.Println(u)
			}
			return nil
		}
	},
}

// importFile imports what a file holds as kind and returns the URIs of
// the objects made.
func (t *tokenSession) importFile(kind, name string, data []byte, label string, id []byte) ([]string, error) {
	base := object.Template{object.Bool(ck.CKA_TOKEN, true), object.String(ck.CKA_LABEL, label)}
	create := func(tmpl object.Template, class ck.ObjectClass, id []byte) (string, error) {
		if len(id) > 0 {
			tmpl = append(tmpl, object.Bytes(ck.CKA_ID, id))
		}
		if _, err := t.s.CreateObject(append(tmpl, base...)); err != nil {
			return "", fmt.Errorf("importing %s: %w", name, err)
		}
		return t.uri(label, id, class), nil
	}
	switch kind {
	case "data":
		u, err := create(object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_DATA)), object.Bytes(ck.CKA_VALUE, data),
			object.Bool(ck.CKA_PRIVATE, true)}, ck.CKO_DATA, nil)
		return []string{u}, err
	case "secret":
		kt := ck.CKK_GENERIC_SECRET
		if n := len(data); n == 16 || n == 24 || n == 32 {
			kt = ck.CKK_AES
		}
		u, err := create(object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_SECRET_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(kt)),
			object.Bytes(ck.CKA_VALUE, data), object.Bool(ck.CKA_PRIVATE, true), object.Bool(ck.CKA_SENSITIVE, true),
			object.Bool(ck.CKA_EXTRACTABLE, false)}, ck.CKO_SECRET_KEY, id)
		return []string{u}, err
	}
	want := map[string]ck.ObjectClass{"key": ck.CKO_PRIVATE_KEY, "pubkey": ck.CKO_PUBLIC_KEY, "cert": ck.CKO_CERTIFICATE}
	class, ok := want[kind]
	if !ok {
		return nil, usagef("import %q: key, pubkey, cert, data or secret", kind)
	}
	item, err := onlyItem(name, data, class)
	if err != nil {
		return nil, err
	}
	pub := publicOf(item.Value)
	if len(id) == 0 {
		id = keyID(pub)
	}
	if class == ck.CKO_PRIVATE_KEY {
		return t.importPair(item, label, label, id)
	}
	u, err := create(append(item.Template, object.Bool(ck.CKA_PRIVATE, false)), class, id)
	return []string{u}, err
}

// onlyItem reads the one key or certificate of class a file must hold.
func onlyItem(name string, data []byte, class ck.ObjectClass) (pki.Item, error) {
	items, err := pki.Parse(data)
	if err != nil {
		return pki.Item{}, fmt.Errorf("%s: %v", name, err)
	}
	var found []pki.Item
	for _, it := range items {
		if it.Kind == class {
			found = append(found, it)
		}
	}
	if len(found) != 1 {
		return pki.Item{}, fmt.Errorf("%s holds %d %s objects, not one", name, len(found), classNames[class])
	}
	return found[0], nil
}

// publicOf is the public key of a parsed certificate, private or public
// key; private keys that only agree on keys (X25519, X448) have Public
// too, but are no crypto.Signer.
func publicOf(v any) crypto.PublicKey {
	switch k := v.(type) {
	case *x509.Certificate:
		return k.PublicKey
	case interface{ Public() crypto.PublicKey }:
		return k.Public()
	}
	return v
}

// parseSize reads N of "random N".
func parseSize(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 1 || n > 1<<20 {
		return 0, usagef("%q is not a byte count from 1 to 1048576", s)
	}
	return n, nil
}
