package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
)

func TestSignerWithGoCrypto(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "signer")
	h := userSession(t, m, slot)
	_, ecPriv := genEC(t, m, h, "ec", false)
	_, rsaPriv, _ := importRSA(t, m, h)
	digest := sha256.Sum256([]byte("message"))
	for name, key := range map[string]ck.ObjectHandle{"EC": ecPriv, "RSA": rsaPriv} {
		s, err := m.NewSigner(h, key)
		must(t, err)
		for _, opts := range []crypto.SignerOpts{crypto.SHA256, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: rsa.PSSSaltLengthEqualsHash}} {
			if _, isPSS := opts.(*rsa.PSSOptions); isPSS && name == "EC" {
				continue
			}
			sig, err := s.Sign(rand.Reader, digest[:], opts)
			must(t, err)
			var ok bool
			switch pub := s.Public().(type) {
			case *ecdsa.PublicKey:
				ok = ecdsa.VerifyASN1(pub, digest[:], sig)
			case *rsa.PublicKey:
				if pss, isPSS := opts.(*rsa.PSSOptions); isPSS {
					ok = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, pss) == nil
				} else {
					ok = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
				}
			}
			if !ok {
				t.Errorf("%s %T: signature does not verify", name, opts)
			}
		}
	}
}

// TestMutualTLS completes a TLS 1.3 handshake on 127.0.0.1 whose client
// key lives in the token.
func TestMutualTLS(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "tls")
	h := userSession(t, m, slot)
	_, priv := genEC(t, m, h, "Device Priv TLS Key", true)
	signer, err := m.NewSigner(h, priv)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "device"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	clientDER, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, signer.Public(), signer) // self-signed by the token
	must(t, err)
	clientCert, _ := x509.ParseCertificate(clientDER)

	serverKey := newECKey(t)
	stmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "server"}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	serverDER, _ := x509.CreateCertificate(rand.Reader, stmpl, stmpl, &serverKey.PublicKey, serverKey)
	serverCert, _ := x509.ParseCertificate(serverDER)

	clientPool, serverPool := x509.NewCertPool(), x509.NewCertPool()
	clientPool.AddCert(clientCert)
	serverPool.AddCert(serverCert)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverDER}, PrivateKey: serverKey}},
		ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: clientPool,
	})
	must(t, err)
	defer ln.Close()
	serverErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			serverErr <- err
			return
		}
		defer c.Close()
		serverErr <- c.(*tls.Conn).Handshake()
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{
		RootCAs:      serverPool,
		Certificates: []tls.Certificate{{Certificate: [][]byte{clientDER}, PrivateKey: signer}},
	})
	must(t, err)
	defer conn.Close()
	must(t, conn.Handshake())
	if err := <-serverErr; err != nil {
		t.Fatalf("server side: %v", err)
	}
	if peers := conn.ConnectionState().PeerCertificates; len(peers) == 0 || peers[0].Subject.CommonName != "server" {
		t.Error("no server certificate")
	}
}

// TestSignerDecrypts: an RSA key's Signer is a crypto.Decrypter for what
// Go's crypto/rsa encrypts to its public key.
func TestSignerDecrypts(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "decrypter")
	h := userSession(t, m, slot)
	_, priv, key := importRSA(t, m, h)
	s, err := m.NewSigner(h, priv)
	must(t, err)
	var d crypto.Decrypter = s
	secret := []byte("pre-master secret, 48 bytes long, for instance.")

	pkcs1, _ := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, secret)
	if got, err := d.Decrypt(rand.Reader, pkcs1, nil); err != nil || string(got) != string(secret) {
		t.Fatalf("PKCS#1 v1.5: %q, %v", got, err)
	}
	oaepOpts := &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA1, Label: []byte("context")}
	oaep, _ := rsa.EncryptOAEPWithOptions(rand.Reader, &key.PublicKey, secret, oaepOpts)
	if got, err := d.Decrypt(rand.Reader, oaep, oaepOpts); err != nil || string(got) != string(secret) {
		t.Fatalf("OAEP: %q, %v", got, err)
	}
	if _, err := d.Decrypt(rand.Reader, oaep, &rsa.OAEPOptions{Hash: crypto.SHA256}); ck.ToRV(err) != ck.CKR_ENCRYPTED_DATA_INVALID {
		t.Fatalf("OAEP with the wrong label and MGF: %v", err)
	}
	// A session key of the wrong length comes back as random bytes.
	opts := &rsa.PKCS1v15DecryptOptions{SessionKeyLen: 16}
	if got, err := d.Decrypt(rand.Reader, pkcs1, opts); err != nil || len(got) != 16 || string(got) == string(secret[:16]) {
		t.Fatalf("session key: %q, %v", got, err)
	}
	short, _ := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, secret[:16])
	if got, err := d.Decrypt(rand.Reader, short, opts); err != nil || string(got) != string(secret[:16]) {
		t.Fatalf("session key of the right length: %q, %v", got, err)
	}
}
