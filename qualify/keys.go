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

	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
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
	return append(fromTemplate(pki.CertificateTemplate(cert)),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label))
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

// fromTemplate converts a template of package object, whose values are
// already in the C encoding, into the miekg binding's attributes.
func fromTemplate(tmpl object.Template) []*pkcs11.Attribute {
	out := make([]*pkcs11.Attribute, len(tmpl))
	for i, a := range tmpl {
		out[i] = pkcs11.NewAttribute(uint(a.Type), a.Value)
	}
	return out
}

// importKey provisions key as corePKCS11's provisioning does: the private
// key, its public key (for EC, whose private key objects carry no point)
// and a certificate.
func (t *T) importKey(p *pkcs11.Ctx, h pkcs11.SessionHandle, key crypto.Signer) credentials {
	l := t.s.opts.Labels
	tmpl, err := pki.PrivateKeyTemplate(key)
	t.ok("describing the key", err)
	priv, err := p.CreateObject(h, append(fromTemplate(tmpl),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true),
		pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, l.PrivateKey)))
	t.ok("C_CreateObject(private key)", err)
	t.created(priv)
	c := credentials{priv: priv, public: key.Public()}
	if ec, ok := key.Public().(*ecdsa.PublicKey); ok {
		c.pub, err = p.CreateObject(h, ecPublicTemplate(l.PublicKey, ec))
		t.ok("C_CreateObject(public key)", err)
		t.created(c.pub)
	}
	der, err := selfSigned(key, "qualify device")
	t.ok("making a certificate", err)
	c.cert, err = p.CreateObject(h, certTemplate(l.Certificate, der))
	t.ok("C_CreateObject(certificate)", err)
	t.created(c.cert)
	return c
}

func ecPublicTemplate(label string, pub *ecdsa.PublicKey) []*pkcs11.Attribute {
	tmpl, _ := pki.PublicKeyTemplate(pub) // P-256: always supported
	return append(fromTemplate(tmpl), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label))
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
		var key crypto.Signer
		var err error
		if ec {
			key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		} else {
			key, err = rsa.GenerateKey(rand.Reader, 2048)
		}
		t.ok("generating a key to import", err)
		c = t.importKey(p, h, key)
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
