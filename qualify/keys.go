package qualify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/miekg/pkcs11"
)

// p256 is CKA_EC_PARAMS for P-256: the DER of its named-curve OID.
var p256 = []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}

// credentials are the labelled objects a key group works with, and the
// public key as the token reports it.
type credentials struct {
	priv, pub, cert pkcs11.ObjectHandle // pub and cert are 0 when absent
	public          crypto.PublicKey
}

// find returns the handles of objects of class with label.
func find(p *pkcs11.Ctx, h pkcs11.SessionHandle, class uint, label string) ([]pkcs11.ObjectHandle, error) {
	if err := p.FindObjectsInit(h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, class), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}); err != nil {
		return nil, fmt.Errorf("C_FindObjectsInit: %w", err)
	}
	var all []pkcs11.ObjectHandle
	for {
		got, _, err := p.FindObjects(h, 16)
		if err != nil {
			p.FindObjectsFinal(h)
			return nil, fmt.Errorf("C_FindObjects: %w", err)
		}
		if len(got) == 0 {
			break
		}
		all = append(all, got...)
	}
	return all, p.FindObjectsFinal(h)
}

// labelled finds the one object of class with label, or 0.
func (t *T) labelled(p *pkcs11.Ctx, h pkcs11.SessionHandle, class uint, label string) pkcs11.ObjectHandle {
	hs, err := find(p, h, class, label)
	t.ok("finding "+label, err)
	if len(hs) > 1 {
		t.Fatalf("%d objects are labelled %q", len(hs), label)
	}
	if len(hs) == 0 {
		return 0
	}
	return hs[0]
}

// noLeftovers refuses to provision over objects the suite did not make.
func (t *T) noLeftovers(p *pkcs11.Ctx, h pkcs11.SessionHandle) {
	l := t.s.opts.Labels
	for _, c := range []struct {
		class uint
		label string
	}{{pkcs11.CKO_PRIVATE_KEY, l.PrivateKey}, {pkcs11.CKO_PUBLIC_KEY, l.PublicKey}, {pkcs11.CKO_CERTIFICATE, l.Certificate}} {
		if hs, _ := find(p, h, c.class, c.label); len(hs) > 0 {
			t.Fatalf("the token already holds an object labelled %q: use an empty token, or --preprovisioned", c.label)
		}
	}
}

// selfSigned makes a certificate for key, as a device certificate would be.
func selfSigned(key crypto.Signer, cn string) ([]byte, error) {
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	return x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
}

func certTemplate(label string, der []byte) []*pkcs11.Attribute {
	cert, _ := x509.ParseCertificate(der)
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_CERTIFICATE),
		pkcs11.NewAttribute(pkcs11.CKA_CERTIFICATE_TYPE, pkcs11.CKC_X_509),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_SUBJECT, cert.RawSubject),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, der),
	}
}

// rsaPublic reads an RSA key's public half from its attributes.
func rsaPublic(p *pkcs11.Ctx, h pkcs11.SessionHandle, o pkcs11.ObjectHandle) (*rsa.PublicKey, error) {
	attrs, err := p.GetAttributeValue(h, o, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, nil), pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, nil)})
	if err != nil {
		return nil, fmt.Errorf("C_GetAttributeValue(CKA_MODULUS, CKA_PUBLIC_EXPONENT): %w", err)
	}
	e := new(big.Int).SetBytes(attrs[1].Value)
	if !e.IsInt64() || e.Int64() > 1<<31 {
		return nil, fmt.Errorf("public exponent %v", e)
	}
	return &rsa.PublicKey{N: new(big.Int).SetBytes(attrs[0].Value), E: int(e.Int64())}, nil
}

// ecPublic reads an EC public key object: CKA_EC_PARAMS must name P-256
// and CKA_EC_POINT be a DER OCTET STRING holding a point on it.
func ecPublic(p *pkcs11.Ctx, h pkcs11.SessionHandle, o pkcs11.ObjectHandle) (*ecdsa.PublicKey, error) {
	attrs, err := p.GetAttributeValue(h, o, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, nil), pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, nil)})
	if err != nil {
		return nil, fmt.Errorf("C_GetAttributeValue(CKA_EC_PARAMS, CKA_EC_POINT): %w", err)
	}
	if string(attrs[0].Value) != string(p256) {
		return nil, fmt.Errorf("CKA_EC_PARAMS %x is not P-256", attrs[0].Value)
	}
	var raw []byte
	if rest, err := asn1.Unmarshal(attrs[1].Value, &raw); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("CKA_EC_POINT %x is not a DER OCTET STRING", attrs[1].Value)
	}
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("CKA_EC_POINT: %w", err)
	}
	return pub, nil
}

// importRSA provisions a 2048-bit RSA private key and its certificate,
// as corePKCS11's provisioning does.
func (t *T) importRSA(p *pkcs11.Ctx, h pkcs11.SessionHandle) credentials {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	t.ok("generating an RSA key", err)
	l := t.s.opts.Labels
	priv, err := p.CreateObject(h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_RSA),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, l.PrivateKey),
		pkcs11.NewAttribute(pkcs11.CKA_MODULUS, key.N.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, big.NewInt(int64(key.E)).Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE_EXPONENT, key.D.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_1, key.Primes[0].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_PRIME_2, key.Primes[1].Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_1, key.Precomputed.Dp.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_EXPONENT_2, key.Precomputed.Dq.Bytes()),
		pkcs11.NewAttribute(pkcs11.CKA_COEFFICIENT, key.Precomputed.Qinv.Bytes()),
	})
	t.ok("C_CreateObject(RSA private key)", err)
	t.created(priv)
	der, err := selfSigned(key, "qualify RSA device")
	t.ok("making a certificate", err)
	cert, err := p.CreateObject(h, certTemplate(l.Certificate, der))
	t.ok("C_CreateObject(certificate)", err)
	t.created(cert)
	return credentials{priv: priv, cert: cert, public: &key.PublicKey}
}

// importEC provisions a P-256 private key, its public key and certificate.
func (t *T) importEC(p *pkcs11.Ctx, h pkcs11.SessionHandle) credentials {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	t.ok("generating an EC key", err)
	l := t.s.opts.Labels
	d, _ := key.Bytes()
	priv, err := p.CreateObject(h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, l.PrivateKey),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, d),
	})
	t.ok("C_CreateObject(EC private key)", err)
	t.created(priv)
	pub, err := p.CreateObject(h, ecPublicTemplate(l.PublicKey, &key.PublicKey))
	t.ok("C_CreateObject(EC public key)", err)
	t.created(pub)
	der, err := selfSigned(key, "qualify EC device")
	t.ok("making a certificate", err)
	cert, err := p.CreateObject(h, certTemplate(l.Certificate, der))
	t.ok("C_CreateObject(certificate)", err)
	t.created(cert)
	return credentials{priv: priv, pub: pub, cert: cert, public: &key.PublicKey}
}

func ecPublicTemplate(label string, pub *ecdsa.PublicKey) []*pkcs11.Attribute {
	raw, _ := pub.Bytes()
	point, _ := asn1.Marshal(raw)
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PUBLIC_KEY),
		pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256),
		pkcs11.NewAttribute(pkcs11.CKA_EC_POINT, point),
	}
}

// generateEC has the token generate a labelled P-256 key pair.
func (t *T) generateEC(p *pkcs11.Ctx, h pkcs11.SessionHandle) credentials {
	l := t.s.opts.Labels
	pub, priv, err := p.GenerateKeyPair(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256),
			pkcs11.NewAttribute(pkcs11.CKA_LABEL, l.PublicKey),
		},
		[]*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
			pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
			pkcs11.NewAttribute(pkcs11.CKA_SIGN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, l.PrivateKey),
		})
	t.ok("C_GenerateKeyPair(CKM_EC_KEY_PAIR_GEN)", err)
	t.created(pub, priv)
	public, err := ecPublic(p, h, pub)
	t.ok("the generated public key", err)
	return credentials{priv: priv, pub: pub, public: public}
}

// keys returns the group's credentials: the suite's own from earlier
// tests of the group, the pre-provisioned ones, or newly provisioned.
func (t *T) keys(p *pkcs11.Ctx, h pkcs11.SessionHandle, ec bool) credentials {
	s := t.s
	s.mu.Lock()
	have := s.creds
	s.mu.Unlock()
	if have != nil {
		return *have
	}
	var c credentials
	l := s.opts.Labels
	switch {
	case s.opts.Preprovisioned:
		c.priv = t.labelled(p, h, pkcs11.CKO_PRIVATE_KEY, l.PrivateKey)
		c.pub = t.labelled(p, h, pkcs11.CKO_PUBLIC_KEY, l.PublicKey)
		c.cert = t.labelled(p, h, pkcs11.CKO_CERTIFICATE, l.Certificate)
		if c.priv == 0 {
			t.Fatalf("no pre-provisioned private key labelled %q", l.PrivateKey)
		}
		var err error
		if ec {
			if c.pub == 0 {
				t.Fatalf("no pre-provisioned public key labelled %q", l.PublicKey)
			}
			c.public, err = ecPublic(p, h, c.pub)
		} else {
			c.public, err = rsaPublic(p, h, c.priv)
		}
		t.ok("the pre-provisioned public key", err)
	case s.opts.Import:
		t.noLeftovers(p, h)
		if ec {
			c = t.importEC(p, h)
		} else {
			c = t.importRSA(p, h)
		}
	case ec && s.opts.Generate:
		t.noLeftovers(p, h)
		c = t.generateEC(p, h)
	default:
		t.Skipf("no way to provision a key: enable import or generation, or use --preprovisioned")
	}
	s.mu.Lock()
	s.creds = &c
	s.mu.Unlock()
	return c
}
