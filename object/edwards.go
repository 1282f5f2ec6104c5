package object

import (
	"crypto"
	"crypto/ed25519"
	"encoding/asn1"

	"github.com/cloudflare/circl/sign/ed448"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Edwards-curve keys (CKK_EC_EDWARDS, PKCS#11 3.0 section 2.3.5) are
// Ed25519 (crypto/ed25519) or Ed448 (circl's sign/ed448) keys. Key
// returns ed25519.PrivateKey or ed448.PrivateKey for a private key, made
// from the RFC 8032 seed in its CKA_VALUE, and ed25519.PublicKey or
// ed448.PublicKey for a public key.

// Ed25519Params is the CKA_EC_PARAMS this token gives an Ed25519 key:
// the RFC 8410 OID id-Ed25519, 1.3.101.112.
var Ed25519Params = ed25519Curve.Params

// Ed448Params is the CKA_EC_PARAMS this token gives an Ed448 key: the
// RFC 8410 OID id-Ed448, 1.3.101.113.
var Ed448Params = ed448Curve.Params

// CKA_EC_PARAMS may name an Edwards curve by OID or by name as a
// PrintableString (PKCS#11 3.0 section 2.3.7): pkcs11-tool sends the
// name, OpenSSL and GnuPG the RFC 8410 OID, and older GnuPG its own OID
// for Ed25519, 1.3.6.1.4.1.11591.15.1.
var (
	ed25519Curve = octetCurve(OctetCurve{
		Name: "Ed25519", KeyType: ck.CKK_EC_EDWARDS, Bits: 255, OID: asn1.ObjectIdentifier{1, 3, 101, 112},
		PublicSize: ed25519.PublicKeySize, PrivateSize: ed25519.SeedSize,
		newPublic: func(raw []byte) (crypto.PublicKey, error) { return ed25519.PublicKey(raw), nil },
		newPrivate: func(seed []byte) (crypto.PrivateKey, crypto.PublicKey, error) {
			priv := ed25519.NewKeyFromSeed(seed)
			return priv, priv.Public(), nil
		},
		publicBytes: func(pub crypto.PublicKey) ([]byte, bool) {
			k, ok := pub.(ed25519.PublicKey)
			return k, ok
		},
		privateBytes: func(priv crypto.PrivateKey) ([]byte, bool) {
			k, ok := priv.(ed25519.PrivateKey)
			if !ok {
				return nil, false
			}
			return k.Seed(), true
		},
	}, mustPrintable("edwards25519"), mustPrintable("Ed25519"), mustOID(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11591, 15, 1}))

	ed448Curve = octetCurve(OctetCurve{
		Name: "Ed448", KeyType: ck.CKK_EC_EDWARDS, Bits: 448, OID: asn1.ObjectIdentifier{1, 3, 101, 113},
		PublicSize: ed448.PublicKeySize, PrivateSize: ed448.SeedSize,
		newPublic: func(raw []byte) (crypto.PublicKey, error) { return ed448.PublicKey(raw), nil },
		newPrivate: func(seed []byte) (crypto.PrivateKey, crypto.PublicKey, error) {
			priv := ed448.NewKeyFromSeed(seed)
			return priv, priv.Public(), nil
		},
		publicBytes: func(pub crypto.PublicKey) ([]byte, bool) {
			k, ok := pub.(ed448.PublicKey)
			return k, ok
		},
		privateBytes: func(priv crypto.PrivateKey) ([]byte, bool) {
			k, ok := priv.(ed448.PrivateKey)
			if !ok {
				return nil, false
			}
			return k.Seed(), true
		},
	}, mustPrintable("edwards448"), mustPrintable("Ed448"))
)
