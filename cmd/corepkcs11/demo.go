package main

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/client"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
)

// The demo's PINs: it only ever uses a token it creates itself.
const (
	demoSOPIN   = "demo-so-pin"
	demoUserPIN = "demo-user-pin"
)

var demoCommand = command{
	name:    "demo",
	summary: "provision a device, authenticate TLS and verify firmware, end to end",
	about: "Runs the corePKCS11 story on a throwaway token with the code of provision --generate: a device key\n" +
		"pair generated in the token, a CSR it signs, the certificate a CA issues; then mutual TLS 1.2 and 1.3\n" +
		"on 127.0.0.1 with the key in the token, and a signed firmware image verified by the token.",
	example: "corepkcs11 demo",
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		dir := fs.String("store", "", "store `DIR` to create the demo token in (default: a new temporary directory, removed afterwards)")
		return func(_ *options, args []string) error {
			if len(args) > 0 {
				return usagef("demo takes no arguments")
			}
			return runDemo(*dir, os.Stdout)
		}
	},
}

func runDemo(dir string, w io.Writer) error {
	work, err := os.MkdirTemp("", "corepkcs11-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	if dir == "" {
		dir = filepath.Join(work, "store")
	}
	o := &options{store: dir, slot: -1}
	p, err := o.open()
	if err != nil {
		return err
	}
	defer p.Close()
	fmt.Fprintf(w, "store: %s\n", dir)
	slot, _, err := o.initSlot(p)
	if err != nil {
		return err
	}
	tok, err := initToken(p, slot.ID, "corepkcs11 demo", []byte(demoSOPIN), []byte(demoUserPIN))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "token %q initialized in slot %d, user PIN set\n", tok.Label, slot.ID)
	o.pin, o.slot = demoUserPIN, int(slot.ID)
	t, err := o.session(true, mustLogin)
	if err != nil {
		return err
	}
	defer t.close()
	d := &demo{t: t, w: w, work: work}
	for _, step := range []struct {
		name string
		run  func() error
	}{
		{"provision", d.provision},
		{"tls", d.tls},
		{"ota", d.ota},
		{"objects", d.list},
	} {
		if err := step.run(); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
	}
	fmt.Fprintln(w, "demo complete")
	return nil
}

type demo struct {
	t       *tokenSession
	w       io.Writer
	work    string
	caKey   *ecdsa.PrivateKey
	caCert  *x509.Certificate
	devCert []byte
	signer  tokenSigner
}

// provision does what corePKCS11's provisioning does, with the code of
// provision --generate: a device key pair generated inside the token, a
// CSR it signs, and the certificates a CA issues stored beside it.
func (d *demo) provision() error {
	csrFile := filepath.Join(d.work, "device.csr")
	gen := provisioning{generate: true, keyType: "ec:p256", csrFile: csrFile, subject: "/CN=device-0001"}
	if err := gen.run(d.t, d.w); err != nil {
		return err
	}
	var err error
	if d.caKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
		return err
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "corepkcs11 demo CA"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &d.caKey.PublicKey, d.caKey)
	if err != nil {
		return err
	}
	d.caCert, _ = x509.ParseCertificate(caDER)
	b, err := os.ReadFile(csrFile)
	if err != nil {
		return err
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return errors.New("the CSR file holds no PEM")
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil || csr.CheckSignature() != nil {
		return errors.New("the token's CSR signature does not verify")
	}
	devTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: csr.Subject, NotBefore: time.Now().Add(-time.Minute),
		NotAfter: time.Now().Add(24 * time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if d.devCert, err = x509.CreateCertificate(rand.Reader, devTmpl, d.caCert, csr.PublicKey, d.caKey); err != nil {
		return err
	}
	certFile, rootFile := filepath.Join(d.work, "device.pem"), filepath.Join(d.work, "ca.pem")
	if err := writePEM(certFile, "CERTIFICATE", d.devCert); err != nil {
		return err
	}
	if err := writePEM(rootFile, "CERTIFICATE", caDER); err != nil {
		return err
	}
	fmt.Fprintln(d.w, "the CA issued the device certificate from the token's CSR; storing it and the root:")
	store := provisioning{certFile: certFile, rootFile: rootFile}
	if err := store.run(d.t, d.w); err != nil {
		return err
	}
	priv, _, err := d.t.find(objectRef{arg: labelDevicePrivKey}, client.URI{}, ck.CKO_PRIVATE_KEY)
	if err != nil {
		return err
	}
	d.signer, err = d.t.signerFor(priv)
	return err
}

// tls authenticates TLS connections on 127.0.0.1 with the device key,
// in TLS 1.2 and 1.3: the server only accepts clients whose certificate
// the CA issued.
func (d *demo) tls() error {
	serverKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	stmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	serverDER, err := x509.CreateCertificate(rand.Reader, stmpl, d.caCert, &serverKey.PublicKey, d.caKey)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AddCert(d.caCert)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		if err := d.handshake(version, pool, serverDER, serverKey); err != nil {
			return fmt.Errorf("%s: %w", tls.VersionName(version), err)
		}
	}
	return nil
}

func (d *demo) handshake(version uint16, pool *x509.CertPool, serverDER []byte, serverKey *ecdsa.PrivateKey) error {
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: pool,
		MinVersion: version, MaxVersion: version,
	})
	if err != nil {
		return err
	}
	defer ln.Close()
	greeting := make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			greeting <- "accept: " + err.Error()
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			greeting <- "handshake: " + err.Error()
			return
		}
		fmt.Fprintf(c, "hello %s\n", tc.ConnectionState().PeerCertificates[0].Subject.CommonName)
		greeting <- ""
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		RootCAs:      pool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{d.devCert}, PrivateKey: d.signer}},
		MinVersion:   version, MaxVersion: version,
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return err
	}
	if msg := <-greeting; msg != "" {
		return errors.New("server " + msg)
	}
	fmt.Fprintf(d.w, "%s: mutual TLS handshake on %s, client key in the token; server says: %s",
		tls.VersionName(conn.ConnectionState().Version), ln.Addr(), line)
	return nil
}

// ota verifies a firmware image the way corePKCS11's OTA agent does:
// C_Digest, then C_Verify with the "Code Verify Key".
func (d *demo) ota() error {
	vendor, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	firmware := make([]byte, 64*1024)
	rand.Read(firmware)
	sum := sha256.Sum256(firmware)
	der, err := ecdsa.SignASN1(rand.Reader, vendor, sum[:])
	if err != nil {
		return err
	}
	raw, err := pki.ECDSASignatureToRaw(der, pki.P256Size)
	if err != nil {
		return err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&vendor.PublicKey)
	if err != nil {
		return err
	}
	vendorFile := filepath.Join(d.work, "code-verify.pem")
	if err := writePEM(vendorFile, "PUBLIC KEY", pubDER); err != nil {
		return err
	}
	if err := (&provisioning{codeVerifyFile: vendorFile}).run(d.t, d.w); err != nil {
		return err
	}
	key, _, err := d.t.find(objectRef{arg: labelCodeVerify}, client.URI{}, ck.CKO_PUBLIC_KEY)
	if err != nil {
		return err
	}
	verify := func(image []byte) error {
		digest, err := d.t.s.Digest(client.Mechanism{Type: ck.CKM_SHA256}, image)
		if err != nil {
			return err
		}
		return d.t.s.Verify(client.Mechanism{Type: ck.CKM_ECDSA}, key, digest, raw)
	}
	if err := verify(firmware); err != nil {
		return fmt.Errorf("genuine image: %w", err)
	}
	firmware[100] ^= 1
	if rv := ck.ToRV(verify(firmware)); rv != ck.CKR_SIGNATURE_INVALID {
		return fmt.Errorf("tampered image gave %v, want CKR_SIGNATURE_INVALID", rv)
	}
	fmt.Fprintln(d.w, "firmware signature verified with \"Code Verify Key\"; a tampered image gives CKR_SIGNATURE_INVALID")
	return nil
}

func (d *demo) list() error {
	hs, err := d.t.s.FindObjects(object.Template{})
	if err != nil {
		return err
	}
	fmt.Fprintln(d.w, "objects in the token:")
	for _, h := range hs {
		info, err := d.t.describe(h)
		if err != nil {
			return err
		}
		fmt.Fprintf(d.w, "  %-7s %q\n", info.Class, info.Label)
	}
	return nil
}
