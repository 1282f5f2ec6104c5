package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/client"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
	"github.com/corepkcs11/corepkcs11/token"
)

// corePKCS11's provisioning labels (core_pkcs11_config.h).
const (
	labelDevicePrivKey = "Device Priv TLS Key"
	labelDevicePubKey  = "Device Pub TLS Key"
	labelDeviceCert    = "Device Cert"
	labelRootCert      = "Root Cert"
	labelCodeVerify    = "Code Verify Key"
	labelJITPCert      = "JITP Cert"
)

// tokenSigner is a crypto.Signer whose private key is in a token, for
// x509's CSRs and certificates.
type tokenSigner struct {
	s   client.Session
	key ck.ObjectHandle
	pub crypto.PublicKey
}

func (ts tokenSigner) Public() crypto.PublicKey { return ts.pub }

func (ts tokenSigner) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	m, input, err := token.SignMechanism(ts.pub, digest, opts)
	if err != nil {
		return nil, err
	}
	sig, err := ts.s.Sign(m, ts.key, input)
	if _, isEC := ts.pub.(*ecdsa.PublicKey); isEC && err == nil {
		return pki.ECDSASignatureToDER(sig)
	}
	return sig, err
}

// signerFor is a crypto.Signer for a private key of the token.
func (t *tokenSession) signerFor(h ck.ObjectHandle) (tokenSigner, error) {
	pub, err := t.publicKey(h)
	if err != nil {
		return tokenSigner{}, err
	}
	return tokenSigner{t.s, h, pub}, nil
}

// parseSubject reads a subject DN as OpenSSL writes it on its command
// line ("/CN=device-1/O=Acme") or as RFC 4514 ("CN=device-1,O=Acme").
func parseSubject(dn string) (pkix.Name, error) {
	var name pkix.Name
	sep := ","
	if strings.HasPrefix(dn, "/") {
		sep, dn = "/", dn[1:]
	}
	for _, part := range strings.Split(dn, sep) {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return name, usagef("--subject %q: each part is NAME=value", dn)
		}
		switch strings.ToUpper(k) {
		case "CN":
			name.CommonName = v
		case "O":
			name.Organization = append(name.Organization, v)
		case "OU":
			name.OrganizationalUnit = append(name.OrganizationalUnit, v)
		case "C":
			name.Country = append(name.Country, v)
		case "ST":
			name.Province = append(name.Province, v)
		case "L":
			name.Locality = append(name.Locality, v)
		case "SERIALNUMBER":
			name.SerialNumber = v
		default:
			return name, usagef("--subject: %s is not one of CN, O, OU, C, ST, L, serialNumber", k)
		}
	}
	return name, nil
}

// sans sorts --san values into DNS names and IP addresses.
func sans(list []string) (dns []string, ips []net.IP) {
	for _, s := range list {
		if ip := net.ParseIP(s); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, s)
		}
	}
	return dns, ips
}

// multiFlag is a flag that may be repeated.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func writePEM(name, blockType string, der []byte) error {
	return os.WriteFile(name, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o644)
}

var csrCommand = command{
	name:    "csr",
	summary: "write a certificate request signed by a key in the token",
	about:   "Writes a PKCS#10 certificate signing request (PEM) for a key pair in the token, signed by its private key.",
	example: "corepkcs11 csr --key 'Device Priv TLS Key' --subject /CN=device-0001 --out device.csr",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		key := fs.String("key", "", "the private key: `OBJECT` label or pkcs11: URI (required)")
		subject := fs.String("subject", "", "the subject `DN`, /CN=x/O=y or CN=x,O=y (required)")
		out := fs.String("out", "", "the CSR `FILE` (default: standard output)")
		var san multiFlag
		fs.Var(&san, "san", "a subject alternative `NAME`: DNS name or IP address (repeatable)")
		return func(o *options, args []string) error {
			if len(args) > 0 || *key == "" || *subject == "" {
				return usagef("csr takes --key and --subject")
			}
			name, err := parseSubject(*subject)
			if err != nil {
				return err
			}
			ref := objectRef{arg: *key}
			t, h, _, err := o.openObject(ref, false, mustLogin, ck.CKO_PRIVATE_KEY)
			if err != nil {
				return err
			}
			defer t.close()
			der, err := t.csr(h, name, san)
			if err != nil {
				return err
			}
			if *out == "" {
				return pem.Encode(os.Stdout, &pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
			}
			return writePEM(*out, "CERTIFICATE REQUEST", der)
		}
	},
}

// csr makes a CSR for private key h, signed in the token.
func (t *tokenSession) csr(h ck.ObjectHandle, name pkix.Name, san []string) ([]byte, error) {
	signer, err := t.signerFor(h)
	if err != nil {
		return nil, err
	}
	dns, ips := sans(san)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: name, DNSNames: dns, IPAddresses: ips}, signer)
	if err != nil {
		return nil, fmt.Errorf("signing the CSR in the token: %w", err)
	}
	return der, nil
}

var selfsignCommand = command{
	name:    "selfsign",
	summary: "make a self-signed certificate for a key in the token",
	about: "Makes a self-signed X.509 certificate for a key pair in the token, signed by its private key, writes\n" +
		"it (PEM) and stores it in the token beside the key, with the key's CKA_ID.",
	example: "corepkcs11 selfsign --key 'Device Priv TLS Key' --subject /CN=device-0001 --days 365 --out device.pem",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		key := fs.String("key", "", "the private key: `OBJECT` label or pkcs11: URI (required)")
		subject := fs.String("subject", "", "the subject `DN`, /CN=x/O=y or CN=x,O=y (required)")
		days := fs.Int("days", 365, "validity in `DAYS`")
		out := fs.String("out", "", "also write the certificate to `FILE`")
		label := fs.String("label", "", "the certificate's CKA_LABEL (default: the key's label)")
		var san multiFlag
		fs.Var(&san, "san", "a subject alternative `NAME`: DNS name or IP address (repeatable)")
		return func(o *options, args []string) error {
			if len(args) > 0 || *key == "" || *subject == "" || *days < 1 {
				return usagef("selfsign takes --key, --subject and --days")
			}
			name, err := parseSubject(*subject)
			if err != nil {
				return err
			}
			ref := objectRef{arg: *key}
			t, h, _, err := o.openObject(ref, true, mustLogin, ck.CKO_PRIVATE_KEY)
			if err != nil {
				return err
			}
			defer t.close()
			signer, err := t.signerFor(h)
			if err != nil {
				return err
			}
			serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
			dns, ips := sans(san)
			tmpl := &x509.Certificate{SerialNumber: serial, Subject: name, DNSNames: dns, IPAddresses: ips,
				NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().AddDate(0, 0, *days),
				KeyUsage:    x509.KeyUsageDigitalSignature,
				ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth}}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.pub, signer)
			if err != nil {
				return fmt.Errorf("signing the certificate in the token: %w", err)
			}
			a, err := t.s.Attributes(h, ck.CKA_LABEL, ck.CKA_ID)
			if err != nil {
				return err
			}
			keyLabel, _ := a.Find(ck.CKA_LABEL)
			id, _ := a.Find(ck.CKA_ID)
			if *label == "" {
				*label = string(keyLabel)
			}
			uri, err := t.storeCert(der, *label, id)
			if err != nil {
				return err
			}
			fmt.Println(uri)
			if *out != "" {
				return writePEM(*out, "CERTIFICATE", der)
			}
			return nil
		}
	},
}

// storeCert stores a certificate in the token and returns its URI.
func (t *tokenSession) storeCert(der []byte, label string, id []byte) (string, error) {
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return "", err
	}
	tmpl := append(pki.CertificateTemplate(cert), object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, false),
		object.String(ck.CKA_LABEL, label))
	if len(id) > 0 {
		tmpl = append(tmpl, object.Bytes(ck.CKA_ID, id))
	}
	if _, err := t.s.CreateObject(tmpl); err != nil {
		return "", fmt.Errorf("storing the certificate %q: %w", label, err)
	}
	return t.uri(label, id, ck.CKO_CERTIFICATE), nil
}

var provisionCommand = command{
	name:    "provision",
	summary: "provision a device as corePKCS11 does: key, certificates, code-verify key",
	about: "Imports a device's credentials under corePKCS11's labels: the private key (\"Device Priv TLS Key\"), a\n" +
		"public key object beside it (\"Device Pub TLS Key\"), the device certificate (\"Device Cert\"), and\n" +
		"optionally the root CA (\"Root Cert\"), the code-verify key or certificate (\"Code Verify Key\") and the\n" +
		"JITP certificate (\"JITP Cert\"). The key pair and its certificate share one CKA_ID. PEM or DER;\n" +
		"PKCS#8, PKCS#1 or SEC1; EC P-256/384/521 or RSA 2048-4096. A certificate that does not match the key\n" +
		"is refused. Objects already under those labels are replaced only with --force.\n" +
		"With --generate the key pair is generated in the token instead, and --csr receives a CSR signed by\n" +
		"it for --subject: the private key never exists outside the token; import the certificate the CA\n" +
		"issues with provision --cert FILE (no --key).",
	example: "corepkcs11 provision --key device.key --cert device.pem --root ca.pem",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		var p provisioning
		fs.StringVar(&p.keyFile, "key", "", "the device's private key `FILE`")
		fs.StringVar(&p.certFile, "cert", "", "the device certificate `FILE`")
		fs.StringVar(&p.rootFile, "root", "", "the root CA certificate `FILE`")
		fs.StringVar(&p.codeVerifyFile, "code-verify", "", "the code-verify public key or certificate `FILE`")
		fs.StringVar(&p.jitpFile, "jitp", "", "the JITP certificate `FILE`")
		fs.BoolVar(&p.force, "force", false, "replace objects already under the provisioning labels")
		fs.BoolVar(&p.generate, "generate", false, "generate the device key pair in the token instead of importing one")
		fs.StringVar(&p.keyType, "type", "ec:p256", "with --generate, the key `KIND`: ec:p256, ec:p384, ec:p521, ed25519, rsa:2048, rsa:3072, rsa:4096")
		fs.StringVar(&p.csrFile, "csr", "", "with --generate, write the CSR to `FILE`")
		fs.StringVar(&p.subject, "subject", "", "with --generate, the CSR's subject `DN`")
		return func(o *options, args []string) error {
			if len(args) > 0 {
				return usagef("provision takes flags only")
			}
			if err := p.check(); err != nil {
				return err
			}
			t, err := o.session(true, mustLogin)
			if err != nil {
				return err
			}
			defer t.close()
			return p.run(t, os.Stdout)
		}
	},
}

// provisioning is one run of provision.
type provisioning struct {
	keyFile, certFile, rootFile, codeVerifyFile, jitpFile string
	force, generate                                       bool
	keyType, csrFile, subject                             string
}

func (p *provisioning) check() error {
	switch {
	case p.generate && (p.keyFile != "" || p.certFile != ""):
		return usagef("--generate makes the key in the token: it takes --csr and --subject, not --key or --cert")
	case p.generate && (p.csrFile == "" || p.subject == ""):
		return usagef("--generate needs --csr FILE and --subject DN")
	case !p.generate && p.keyFile == "" && p.certFile == "" && p.rootFile == "" && p.codeVerifyFile == "" && p.jitpFile == "":
		return usagef("give the files to provision (--key and --cert), or --generate")
	case p.keyFile != "" && p.certFile == "":
		return usagef("--key comes with its certificate, --cert")
	}
	if p.generate {
		if spec, ok := keyTypes[p.keyType]; !ok || !spec.csr {
			return usagef("--type %q: one of ec:p256, ec:p384, ec:p521, ed25519, rsa:2048, rsa:3072, rsa:4096", p.keyType)
		}
		if _, err := parseSubject(p.subject); err != nil {
			return err
		}
	}
	return nil
}

// inputs are a provisioning's files, all read and checked before the
// token is touched.
type inputs struct {
	key, cert  pki.Item
	extraCerts []struct {
		label string
		der   []byte
	}
	codeVerify crypto.PublicKey
	subject    pkix.Name
	certKeyID  []byte // the CKA_ID of the token's key a lone --cert is for
}

// read reads and checks every input of p, against the token of t.
func (p *provisioning) read(t *tokenSession) (*inputs, error) {
	in := &inputs{}
	var err error
	if p.keyFile != "" {
		if in.key, err = onlyItemFile(p.keyFile, ck.CKO_PRIVATE_KEY); err != nil {
			return nil, err
		}
		if err := deviceKeySize(p.keyFile, publicOf(in.key.Value)); err != nil {
			return nil, err
		}
	}
	if p.certFile != "" {
		if in.cert, err = onlyItemFile(p.certFile, ck.CKO_CERTIFICATE); err != nil {
			return nil, err
		}
	}
	if p.keyFile != "" {
		kp, ok := publicOf(in.key.Value).(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !kp.Equal(publicOf(in.cert.Value)) {
			return nil, fmt.Errorf("the certificate %s is not for the key %s: their public keys differ", p.certFile, p.keyFile)
		}
	}
	if p.certFile != "" && p.keyFile == "" {
		// A certificate alone is for the device key the token already
		// holds (one --generate made): it takes that key's CKA_ID.
		id, ok, err := t.keyIDFor(publicOf(in.cert.Value), labelDevicePrivKey)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("the certificate %s is not for the token's %q: provision --key FILE --cert %s imports a key with it",
				p.certFile, labelDevicePrivKey, p.certFile)
		}
		in.certKeyID = id
	}
	for _, extra := range []struct{ file, label string }{{p.rootFile, labelRootCert}, {p.jitpFile, labelJITPCert}} {
		if extra.file == "" {
			continue
		}
		c, err := onlyItemFile(extra.file, ck.CKO_CERTIFICATE)
		if err != nil {
			return nil, err
		}
		in.extraCerts = append(in.extraCerts, struct {
			label string
			der   []byte
		}{extra.label, c.Value.(*x509.Certificate).Raw})
	}
	if p.codeVerifyFile != "" {
		if in.codeVerify, err = codeVerifyKeyIn(p.codeVerifyFile); err != nil {
			return nil, err
		}
	}
	if p.generate {
		in.subject, _ = parseSubject(p.subject)
		// The CSR is written after the key is made: check first that it
		// can be, leaving no file behind.
		_, statErr := os.Stat(p.csrFile)
		f, err := os.OpenFile(p.csrFile, os.O_WRONLY|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("the CSR file: %w", err)
		}
		f.Close()
		if statErr != nil {
			os.Remove(p.csrFile)
		}
	}
	return in, nil
}

// labels are the provisioning labels this run stores objects under.
func (p *provisioning) labels() []string {
	var labels []string
	// A new device key makes the old device certificate stale.
	if p.certFile != "" || p.keyFile != "" || p.generate {
		labels = append(labels, labelDeviceCert)
	}
	if p.keyFile != "" || p.generate {
		labels = append(labels, labelDevicePrivKey, labelDevicePubKey)
	}
	for _, f := range []struct{ file, label string }{{p.rootFile, labelRootCert}, {p.codeVerifyFile, labelCodeVerify}, {p.jitpFile, labelJITPCert}} {
		if f.file != "" && !slices.Contains(labels, f.label) {
			labels = append(labels, f.label)
		}
	}
	return labels
}

// run provisions the token of t, printing the URIs of what it stores.
// Every input is read and checked first; if a write fails, the objects
// this run made are destroyed again and those it was to replace stay.
func (p *provisioning) run(t *tokenSession, w io.Writer) error {
	in, err := p.read(t)
	if err != nil {
		return err
	}
	labels := p.labels()
	replaced, err := t.existing(labels, p.force)
	if err != nil {
		return err
	}
	var out []string
	if err := p.write(t, in, &out); err != nil {
		t.rollback(labels, replaced)
		return err
	}
	for _, h := range replaced {
		if err := t.s.DestroyObject(h); err != nil {
			return fmt.Errorf("the new objects are in, but one they replace could not be destroyed: %w", err)
		}
	}
	fmt.Fprintln(w, strings.Join(out, "\n"))
	return nil
}

// write stores what p provisions, adding the URIs to out.
func (p *provisioning) write(t *tokenSession, in *inputs, out *[]string) error {
	var id []byte
	switch {
	case p.generate:
		priv, pub, err := t.generatePair(p.keyType, labelDevicePrivKey, labelDevicePubKey, nil)
		if err != nil {
			return err
		}
		id = keyID(pub)
		der, err := t.csr(priv, in.subject, nil)
		if err != nil {
			return err
		}
		if err := writePEM(p.csrFile, "CERTIFICATE REQUEST", der); err != nil {
			return err
		}
		*out = append(*out, t.uri(labelDevicePrivKey, id, ck.CKO_PRIVATE_KEY), t.uri(labelDevicePubKey, id, ck.CKO_PUBLIC_KEY), "CSR: "+p.csrFile)
	case p.keyFile != "":
		id = keyID(publicOf(in.key.Value))
		uris, err := t.importPair(in.key, labelDevicePrivKey, labelDevicePubKey, id)
		if err != nil {
			return err
		}
		*out = append(*out, uris...)
	default:
		id = in.certKeyID
	}
	if p.certFile != "" {
		uri, err := t.storeCert(in.cert.Value.(*x509.Certificate).Raw, labelDeviceCert, id)
		if err != nil {
			return err
		}
		*out = append(*out, uri)
	}
	for _, c := range in.extraCerts {
		uri, err := t.storeCert(c.der, c.label, nil)
		if err != nil {
			return err
		}
		*out = append(*out, uri)
	}
	if in.codeVerify != nil {
		uri, err := t.codeVerifyKey(in.codeVerify)
		if err != nil {
			return err
		}
		*out = append(*out, uri)
	}
	return nil
}

// rollback destroys the objects under labels that a failed run made:
// all but those it was to replace.
func (t *tokenSession) rollback(labels []string, keep []ck.ObjectHandle) {
	for _, label := range labels {
		hs, _ := t.s.FindObjects(object.Template{object.String(ck.CKA_LABEL, label)})
		for _, h := range hs {
			if !slices.Contains(keep, h) {
				t.s.DestroyObject(h)
			}
		}
	}
}

// deviceKeySize refuses device keys provisioning does not take: EC
// P-256/384/521 and RSA 2048-4096 only.
func deviceKeySize(name string, pub crypto.PublicKey) error {
	if k, ok := pub.(*rsa.PublicKey); ok && (k.N.BitLen() < 2048 || k.N.BitLen() > 4096) {
		return fmt.Errorf("%s is a %d-bit RSA key: provisioning takes RSA 2048 to 4096", name, k.N.BitLen())
	}
	return nil
}

// onlyItemFile is onlyItem of a file.
func onlyItemFile(name string, class ck.ObjectClass) (pki.Item, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return pki.Item{}, err
	}
	return onlyItem(name, b, class)
}

// keyIDFor finds the private key of the token whose public key is pub
// and returns its CKA_ID; ok is false when there is none.
func (t *tokenSession) keyIDFor(pub crypto.PublicKey, label string) (id []byte, ok bool, err error) {
	want, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
	if !ok {
		return nil, false, nil
	}
	hs, err := t.s.FindObjects(object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_PRIVATE_KEY)), object.String(ck.CKA_LABEL, label)})
	if err != nil {
		return nil, false, err
	}
	for _, h := range hs {
		if kp, err := t.publicKey(h); err != nil || !want.Equal(kp) {
			continue
		}
		a, err := t.s.Attributes(h, ck.CKA_ID)
		if err != nil {
			return nil, false, err
		}
		id, _ := a.Find(ck.CKA_ID)
		return id, true, nil
	}
	return nil, false, nil
}

// existing finds the objects already under the provisioning labels: an
// error, or with force the objects to destroy once the new ones are in,
// so that a provisioning that fails halfway leaves the old credentials.
func (t *tokenSession) existing(labels []string, force bool) ([]ck.ObjectHandle, error) {
	var all []ck.ObjectHandle
	for _, label := range labels {
		hs, err := t.s.FindObjects(object.Template{object.String(ck.CKA_LABEL, label)})
		if err != nil {
			return nil, err
		}
		if len(hs) > 0 && !force {
			return nil, fmt.Errorf("the token already holds %d object(s) labelled %q: --force replaces them", len(hs), label)
		}
		all = append(all, hs...)
	}
	return all, nil
}

// importPair imports a parsed private key, private and sensitive, and a
// public key object beside it, both on the token with id, and returns
// their URIs. An X25519 or X448 private key, for key agreement, gets
// CKA_DERIVE, which is false by default, and not CKA_SIGN.
func (t *tokenSession) importPair(key pki.Item, privLabel, pubLabel string, id []byte) ([]string, error) {
	common := object.Template{object.Bool(ck.CKA_TOKEN, true), object.Bytes(ck.CKA_ID, id)}
	// CKA_EXTRACTABLE's default is the token's choice: it is set.
	privT := append(slices.Clone(key.Template), append(common, object.String(ck.CKA_LABEL, privLabel),
		object.Bool(ck.CKA_PRIVATE, true), object.Bool(ck.CKA_SENSITIVE, true), object.Bool(ck.CKA_EXTRACTABLE, false))...)
	if kt, _ := key.Template.ULong(ck.CKA_KEY_TYPE); ck.KeyType(kt) == ck.CKK_EC_MONTGOMERY {
		privT = append(privT, object.Bool(ck.CKA_DERIVE, true), object.Bool(ck.CKA_SIGN, false))
	}
	if _, err := t.s.CreateObject(privT); err != nil {
		return nil, fmt.Errorf("importing the private key: %w", err)
	}
	pubT, err := pki.PublicKeyTemplate(publicOf(key.Value))
	if err != nil {
		return nil, err
	}
	pubT = append(pubT, append(common, object.String(ck.CKA_LABEL, pubLabel), object.Bool(ck.CKA_PRIVATE, false))...)
	if _, err := t.s.CreateObject(pubT); err != nil {
		return nil, fmt.Errorf("importing the public key: %w", err)
	}
	return []string{t.uri(privLabel, id, ck.CKO_PRIVATE_KEY), t.uri(pubLabel, id, ck.CKO_PUBLIC_KEY)}, nil
}

// codeVerifyKeyIn reads the code-verify public key from a file holding
// a public key or a certificate.
func codeVerifyKeyIn(name string) (crypto.PublicKey, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	items, err := pki.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	if len(items) != 1 || (items[0].Kind != ck.CKO_PUBLIC_KEY && items[0].Kind != ck.CKO_CERTIFICATE) {
		return nil, fmt.Errorf("%s holds no single public key or certificate", name)
	}
	return publicOf(items[0].Value), nil
}

// codeVerifyKey stores corePKCS11's "Code Verify Key" public key object.
func (t *tokenSession) codeVerifyKey(pub crypto.PublicKey) (string, error) {
	pubT, err := pki.PublicKeyTemplate(pub)
	if err != nil {
		return "", err
	}
	pubT = append(pubT, object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, false), object.String(ck.CKA_LABEL, labelCodeVerify),
		object.Bool(ck.CKA_VERIFY, true))
	if _, err := t.s.CreateObject(pubT); err != nil {
		return "", fmt.Errorf("storing %q: %w", labelCodeVerify, err)
	}
	return t.uri(labelCodeVerify, nil, ck.CKO_PUBLIC_KEY), nil
}
