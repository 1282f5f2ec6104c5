package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// Item is one certificate or key read from a file, as an object template
// ready for C_CreateObject (without CKA_LABEL, CKA_ID or CKA_TOKEN, which
// are the importer's to choose).
type Item struct {
	Kind     ck.ObjectClass
	Template object.Template
	// Value is what was parsed: a *x509.Certificate, a private key
	// (*ecdsa.PrivateKey, *rsa.PrivateKey, or one of an
	// object.OctetCurve) or a public key.
	Value any
}

// Parse reads PEM (any number of blocks) or a single DER structure and
// returns the certificates and keys in it: X.509 certificates, private
// keys in PKCS#8, PKCS#1 or SEC1 form, and public keys in PKIX or PKCS#1
// form. Encrypted PEM is refused.
func Parse(data []byte) ([]Item, error) {
	var items []Item
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if x509.IsEncryptedPEMBlock(block) { //nolint:staticcheck // detecting, not decrypting
			return nil, fmt.Errorf("pki: encrypted PEM block %q is not supported", block.Type)
		}
		item, err := parseDER(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("pki: PEM block %q: %w", block.Type, err)
		}
		items = append(items, item)
	}
	if len(items) > 0 {
		return items, nil
	}
	item, err := parseDER(data)
	if err != nil {
		return nil, fmt.Errorf("pki: not PEM, and as DER: %w", err)
	}
	return []Item{item}, nil
}

func parseDER(der []byte) (Item, error) {
	if cert, err := x509.ParseCertificate(der); err == nil {
		return Item{ck.CKO_CERTIFICATE, CertificateTemplate(cert), cert}, nil
	}
	if key, err := ParsePrivateKey(der); err == nil {
		t, err := PrivateKeyTemplate(key)
		return Item{ck.CKO_PRIVATE_KEY, t, key}, err
	}
	if pub, err := ParsePublicKeyInfo(der); err == nil {
		t, err := PublicKeyTemplate(pub)
		return Item{ck.CKO_PUBLIC_KEY, t, pub}, err
	}
	if pub, err := x509.ParsePKCS1PublicKey(der); err == nil {
		t, err := PublicKeyTemplate(pub)
		return Item{ck.CKO_PUBLIC_KEY, t, pub}, err
	}
	return Item{}, errors.New("not a certificate, private key or public key")
}

// ParsePrivateKey parses a DER private key in PKCS#8 (ML-DSA too, as
// RFC 9881 encodes it), PKCS#1 or SEC1 form.
func ParsePrivateKey(der []byte) (any, error) {
	if key, err := ParsePKCS8PrivateKey(der); err == nil {
		return key, nil
	}
	if key, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return key, nil
	}
	if key, err := x509.ParseECPrivateKey(der); err == nil {
		return key, nil
	}
	return nil, errors.New("pki: not a PKCS#8, PKCS#1 or SEC1 private key")
}

// CertificateTemplate describes an X.509 certificate as a CKO_CERTIFICATE.
func CertificateTemplate(cert *x509.Certificate) object.Template {
	return object.Template{
		object.ULong(ck.CKA_CLASS, uint(ck.CKO_CERTIFICATE)),
		object.ULong(ck.CKA_CERTIFICATE_TYPE, uint(ck.CKC_X_509)),
		object.Bytes(ck.CKA_VALUE, cert.Raw),
		object.Bytes(ck.CKA_SUBJECT, cert.RawSubject),
		object.Bytes(ck.CKA_ISSUER, cert.RawIssuer),
	}
}

// PrivateKeyTemplate describes an EC, RSA, Edwards (Ed25519, Ed448),
// Montgomery (X25519, X448), ML-DSA or SLH-DSA private key as a
// CKO_PRIVATE_KEY.
func PrivateKeyTemplate(key any) (object.Template, error) {
	if t, ok := pqPrivateKeyTemplate(key); ok {
		return t, nil
	}
	class := object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY))
	if c, value, ok := object.OctetPrivateKey(key); ok {
		return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(c.KeyType)),
			object.Bytes(ck.CKA_EC_PARAMS, c.Params), object.Bytes(ck.CKA_VALUE, value)}, nil
	}
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		c, ok := object.CurveOf(k.Curve)
		if !ok {
			return nil, fmt.Errorf("pki: curve %s is not supported", k.Curve.Params().Name)
		}
		d, err := k.Bytes()
		if err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
		return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC)),
			object.Bytes(ck.CKA_EC_PARAMS, c.Params), object.Bytes(ck.CKA_VALUE, d)}, nil
	case *rsa.PrivateKey:
		if len(k.Primes) != 2 {
			return nil, errors.New("pki: multi-prime RSA keys are not supported")
		}
		k.Precompute()
		return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_RSA)),
			object.Bytes(ck.CKA_MODULUS, k.N.Bytes()),
			object.Bytes(ck.CKA_PUBLIC_EXPONENT, big.NewInt(int64(k.E)).Bytes()),
			object.Bytes(ck.CKA_PRIVATE_EXPONENT, k.D.Bytes()),
			object.Bytes(ck.CKA_PRIME_1, k.Primes[0].Bytes()),
			object.Bytes(ck.CKA_PRIME_2, k.Primes[1].Bytes()),
			object.Bytes(ck.CKA_EXPONENT_1, k.Precomputed.Dp.Bytes()),
			object.Bytes(ck.CKA_EXPONENT_2, k.Precomputed.Dq.Bytes()),
			object.Bytes(ck.CKA_COEFFICIENT, k.Precomputed.Qinv.Bytes()),
		}, nil
	}
	return nil, fmt.Errorf("pki: %T keys are not supported", key)
}

// PublicKeyTemplate describes an EC, RSA, Edwards (Ed25519, Ed448),
// Montgomery (X25519, X448), ML-KEM, ML-DSA or SLH-DSA public key as a
// CKO_PUBLIC_KEY.
func PublicKeyTemplate(pub any) (object.Template, error) {
	if t, ok := pqPublicKeyTemplate(pub); ok {
		return t, nil
	}
	class := object.ULong(ck.CKA_CLASS, uint(ck.CKO_PUBLIC_KEY))
	if c, raw, ok := object.OctetPublicKey(pub); ok {
		return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(c.KeyType)),
			object.Bytes(ck.CKA_EC_PARAMS, c.Params), object.Bytes(ck.CKA_EC_POINT, c.Point(raw))}, nil
	}
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		c, ok := object.CurveOf(k.Curve)
		if !ok {
			return nil, fmt.Errorf("pki: curve %s is not supported", k.Curve.Params().Name)
		}
		return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC)),
			object.Bytes(ck.CKA_EC_PARAMS, c.Params), object.Bytes(ck.CKA_EC_POINT, object.ECPoint(k))}, nil
	case *rsa.PublicKey:
		return object.Template{class, object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_RSA)),
			object.Bytes(ck.CKA_MODULUS, k.N.Bytes()),
			object.Bytes(ck.CKA_PUBLIC_EXPONENT, big.NewInt(int64(k.E)).Bytes())}, nil
	}
	return nil, fmt.Errorf("pki: %T keys are not supported", pub)
}

// PublicKeyOf reads the public key a key object's attributes describe:
// CKA_PUBLIC_KEY_INFO when present, else an RSA key's modulus and public
// exponent, or an EC, Edwards or Montgomery public key's CKA_EC_PARAMS
// and CKA_EC_POINT.
func PublicKeyOf(t object.Template) (crypto.PublicKey, error) {
	if spki, ok := t.Find(ck.CKA_PUBLIC_KEY_INFO); ok && len(spki) > 0 {
		return ParsePublicKeyInfo(spki)
	}
	if n, ok := t.Find(ck.CKA_MODULUS); ok {
		e, _ := t.Find(ck.CKA_PUBLIC_EXPONENT)
		exp := new(big.Int).SetBytes(e)
		if !exp.IsInt64() || exp.Int64() < 3 || exp.Int64() > 1<<31-1 {
			return nil, errors.New("pki: the RSA key has no usable CKA_PUBLIC_EXPONENT")
		}
		return &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}, nil
	}
	params, ok1 := t.Find(ck.CKA_EC_PARAMS)
	point, ok2 := t.Find(ck.CKA_EC_POINT)
	if c, isOctet := object.OctetCurveByParams(params); ok1 && ok2 && isOctet {
		return c.ParsePoint(point)
	}
	if ok1 && ok2 {
		return object.ParseECPoint(params, point)
	}
	return nil, errors.New("pki: the key's attributes do not give its public key")
}
