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
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/pki"
	"github.com/corepkcs11/corepkcs11/token"
)

// The demo's PINs: it only ever uses a token it creates itself.
const (
	demoSOPIN   = "demo-so-pin"
	demoUserPIN = "demo-user-pin"
)

var demoCommand = command{
	name:    "demo",
	summary: "provision a device, authenticate TLS and verify firmware, end to end",
	about: "Runs the corePKCS11 story on a throwaway token: provisions a device key pair and certificate,\n" +
		"authenticates mutual TLS on 127.0.0.1 with the key in the token, and verifies a signed firmware image.",
	example: "corepkcs11 demo",
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		dir := fs.String("store", "", "store `DIR` to create the demo token in (default: a new temporary directory, removed afterwards)")
		return func(_ *options, args []string) error {
			if len(args) > 0 {
				return usagef("demo takes no arguments")
			}
			return runDemo(*dir)
		}
	},
}

func runDemo(dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "corepkcs11-demo-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	d := &demo{m: token.New(token.Config{Location: dir})}
	if err := d.m.Initialize(); err != nil {
		return err
	}
	defer d.m.Finalize()
	fmt.Printf("store: %s\n", dir)
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
	fmt.Println("demo complete")
	return nil
}

type demo struct {
	m       *token.Module
	h       ck.SessionHandle
	signer  *token.Signer
	caKey   *ecdsa.PrivateKey
	caCert  *x509.Certificate
	devCert []byte
}

// provision does what corePKCS11's provisioning demo does: a token, a
// device key pair generated inside it, and the device and root
// certificates stored beside it.
func (d *demo) provision() error {
	slots, err := d.m.GetSlotList(true)
	if err != nil {
		return err
	}
	slot := slots[len(slots)-1] // the slot with the uninitialized token
	if err := d.m.InitToken(slot, []byte(demoSOPIN), "corepkcs11 demo"); err != nil {
		return err
	}
	if d.h, err = d.m.OpenSession(slot, ck.CKF_SERIAL_SESSION|ck.CKF_RW_SESSION); err != nil {
		return err
	}
	for _, step := range []func() error{
		func() error { return d.m.Login(d.h, ck.CKU_SO, []byte(demoSOPIN)) },
		func() error { return d.m.InitPIN(d.h, []byte(demoUserPIN)) },
		func() error { return d.m.Logout(d.h) },
		func() error { return d.m.Login(d.h, ck.CKU_USER, []byte(demoUserPIN)) },
	} {
		if err := step(); err != nil {
			return err
		}
	}
	fmt.Printf("token initialized in slot %d, user PIN set, logged in\n", slot)

	id := object.Bytes(ck.CKA_ID, []byte{0x01})
	_, priv, err := d.m.GenerateKeyPair(d.h, token.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN},
		object.Template{object.Bytes(ck.CKA_EC_PARAMS, object.Curves[0].Params), object.Bool(ck.CKA_TOKEN, true),
			object.String(ck.CKA_LABEL, "Device Pub TLS Key"), id},
		object.Template{object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, true), object.Bool(ck.CKA_SENSITIVE, true),
			object.String(ck.CKA_LABEL, "Device Priv TLS Key"), id})
	if err != nil {
		return err
	}
	if d.signer, err = d.m.NewSigner(d.h, priv); err != nil {
		return err
	}
	fmt.Println("generated P-256 key pair \"Device Priv TLS Key\" in the token")

	// A certificate authority outside the token issues the device
	// certificate from a CSR the token signed.
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
	csrDER, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "device-0001"}}, d.signer)
	if err != nil {
		return fmt.Errorf("CSR signed by the token: %w", err)
	}
	csr, err := x509.ParseCertificateRequest(csrDER)
	if err != nil || csr.CheckSignature() != nil {
		return errors.New("the token's CSR signature does not verify")
	}
	devTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: csr.Subject, NotBefore: time.Now().Add(-time.Minute),
		NotAfter: time.Now().Add(24 * time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if d.devCert, err = x509.CreateCertificate(rand.Reader, devTmpl, d.caCert, csr.PublicKey, d.caKey); err != nil {
		return err
	}
	for _, c := range []struct {
		label string
		der   []byte
	}{{"Device Cert", d.devCert}, {"Root Cert", caDER}} {
		cert, _ := x509.ParseCertificate(c.der)
		tmpl := append(pki.CertificateTemplate(cert), object.String(ck.CKA_LABEL, c.label), object.Bool(ck.CKA_TOKEN, true))
		if c.label == "Device Cert" {
			tmpl = append(tmpl, id)
		}
		if _, err := d.m.CreateObject(d.h, tmpl); err != nil {
			return err
		}
	}
	fmt.Println("CSR signed in the token; \"Device Cert\" and \"Root Cert\" stored")
	return nil
}

// tls authenticates a TLS connection on 127.0.0.1 with the device key:
// the server only accepts clients whose certificate the CA issued.
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
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: pool,
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
	fmt.Printf("mutual TLS %s handshake on %s, client key in the token; server says: %s",
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
	tmpl, err := pki.PublicKeyTemplate(&vendor.PublicKey)
	if err != nil {
		return err
	}
	key, err := d.m.CreateObject(d.h, append(tmpl, object.String(ck.CKA_LABEL, "Code Verify Key"), object.Bool(ck.CKA_TOKEN, true)))
	if err != nil {
		return err
	}
	verify := func(image []byte) error {
		if err := d.m.DigestInit(d.h, token.Mechanism{Type: ck.CKM_SHA256}); err != nil {
			return err
		}
		digest := make([]byte, 32)
		if _, err := d.m.Digest(d.h, image, digest); err != nil {
			return err
		}
		if err := d.m.VerifyInit(d.h, token.Mechanism{Type: ck.CKM_ECDSA}, key); err != nil {
			return err
		}
		return d.m.Verify(d.h, digest, raw)
	}
	if err := verify(firmware); err != nil {
		return fmt.Errorf("genuine image: %w", err)
	}
	firmware[100] ^= 1
	if rv := ck.ToRV(verify(firmware)); rv != ck.CKR_SIGNATURE_INVALID {
		return fmt.Errorf("tampered image gave %v, want CKR_SIGNATURE_INVALID", rv)
	}
	fmt.Println("firmware signature verified with \"Code Verify Key\"; a tampered image gives CKR_SIGNATURE_INVALID")
	return nil
}

func (d *demo) list() error {
	if err := d.m.FindObjectsInit(d.h, nil); err != nil {
		return err
	}
	handles, err := d.m.FindObjects(d.h, 100)
	if err != nil {
		return err
	}
	if err := d.m.FindObjectsFinal(d.h); err != nil {
		return err
	}
	fmt.Println("objects in the token:")
	for _, h := range handles {
		attrs, err := d.m.GetAttributes(d.h, h, ck.CKA_CLASS, ck.CKA_LABEL)
		if err != nil {
			return err
		}
		c, _ := object.DecodeULong(attrs[0].Value)
		fmt.Printf("  %-16v %q\n", ck.ObjectClass(c), attrs[1].Value)
	}
	return nil
}
