package interop

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// engineConfig writes an OpenSSL configuration that loads libp11's
// pkcs11 engine (libengine-pkcs11-openssl) with the module under test.
func engineConfig(t *testing.T, dir string) string {
	t.Helper()
	enginePath := "/usr/lib/x86_64-linux-gnu/engines-3/pkcs11.so"
	if matches, _ := filepath.Glob("/usr/lib/*/engines-3/pkcs11.so"); len(matches) > 0 {
		enginePath = matches[0]
	}
	conf := filepath.Join(dir, "openssl.cnf")
	body := fmt.Sprintf(`openssl_conf = openssl_init
[openssl_init]
engines = engine_section
[engine_section]
pkcs11 = pkcs11_section
[pkcs11_section]
engine_id = pkcs11
dynamic_path = %s
MODULE_PATH = %s
init = 0
`, enginePath, modulePath)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

// testCA is a throwaway CA for the TLS tests.
type testCA struct {
	key  *ecdsa.PrivateKey
	cert *x509.Certificate
}

func newCA(t *testing.T) testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "interop CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return testCA{key, cert}
}

// issue returns a PEM certificate for pub, for a client or for a server on 127.0.0.1.
func (ca testCA) issue(t *testing.T, cn string, pub any, server bool) []byte {
	t.Helper()
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if server {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, pub, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestOpenSSL signs with a token key through OpenSSL's pkcs11 engine,
// addressed by a pkcs11: URI, and completes a mutually authenticated TLS
// handshake between openssl s_server and s_client whose client key lives
// in the token.
func TestOpenSSL(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "openssl")
	pub := e.genECKey(t, "tlsclient", "03")
	dir := t.TempDir()
	conf := engineConfig(t, dir)
	keyURI := "pkcs11:token=openssl;object=tlsclient;type=private;pin-value=" + userPIN
	openssl := func(stdin string, args ...string) string {
		t.Helper()
		cmd := exec.Command("openssl", args...)
		cmd.Env = append(e.vars(), "OPENSSL_CONF="+conf)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	digest := sha256.Sum256([]byte("signed through the engine"))
	in, sig := writeFile(t, dir, "digest", digest[:]), filepath.Join(dir, "sig")
	openssl("", "pkeyutl", "-engine", "pkcs11", "-keyform", "engine", "-inkey", keyURI, "-sign", "-in", in, "-out", sig)
	der, _ := os.ReadFile(sig)
	if !ecdsa.VerifyASN1(pub, digest[:], der) {
		t.Fatal("the engine's signature does not verify with Go's crypto")
	}

	ca := newCA(t)
	serverKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	serverKeyDER, _ := x509.MarshalPKCS8PrivateKey(serverKey)
	caPEM := writeFile(t, dir, "ca.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.cert.Raw}))
	serverPEM := writeFile(t, dir, "server.pem", ca.issue(t, "server", &serverKey.PublicKey, true))
	serverKeyPEM := writeFile(t, dir, "server.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: serverKeyDER}))
	clientPEM := writeFile(t, dir, "client.pem", ca.issue(t, "token client", pub, false))

	addr := freePort(t)
	server := exec.Command("openssl", "s_server", "-accept", addr, "-cert", serverPEM, "-key", serverKeyPEM,
		"-CAfile", caPEM, "-Verify", "1", "-verify_return_error", "-naccept", "1", "-www")
	waitReady(t, server, "ACCEPT")
	out := openssl("GET / HTTP/1.0\r\n\r\n", "s_client", "-connect", addr, "-engine", "pkcs11", "-keyform", "engine",
		"-key", keyURI, "-cert", clientPEM, "-CAfile", caPEM, "-verify_return_error", "-ign_eof", "-quiet")
	mustContain(t, "the server's status page, seen by s_client", out,
		"HTTP/1.0 200 ok", "Protocol  : TLSv1.3", "Client certificate", "Subject: CN=token client")
	if err := server.Wait(); err != nil {
		t.Errorf("s_server: %v", err)
	}
}

// waitReady starts a server and returns once it prints ready; its
// output keeps draining in the background. The server is killed when
// the test ends, if still running.
func waitReady(t *testing.T, cmd *exec.Cmd, ready string) {
	t.Helper()
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	timeout := time.After(30 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("%s exited before it was ready", cmd.Path)
			}
			if strings.Contains(line, ready) {
				go func() {
					for range lines {
					}
				}()
				return
			}
		case <-timeout:
			t.Fatalf("%s not ready after 30s", cmd.Path)
		}
	}
}

// TestOpenSSLDecrypt decrypts with a token RSA key through OpenSSL's
// pkcs11 engine: openssl pkeyutl encrypts with the exported public key,
// and the engine decrypts with the private key, addressed by a pkcs11:
// URI, in PKCS#1 v1.5 and in OAEP with SHA-1 and with SHA-256. The
// module's log shows that the engine asked the token for CKM_RSA_PKCS and
// CKM_RSA_PKCS_OAEP, not for raw RSA with the padding done by OpenSSL.
func TestOpenSSLDecrypt(t *testing.T) {
	t.Setenv("COREPKCS11_LOG", "debug")
	e := newEnv(t)
	e.initToken(t, "openssl")
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--keypairgen", "--key-type", "rsa:2048", "--label", "rsa decrypt", "--id", "04")
	dir := t.TempDir()
	der := filepath.Join(dir, "pub.der")
	e.pkcs11Tool(t, "--read-object", "--type", "pubkey", "--label", "rsa decrypt", "--output-file", der)
	b, _ := os.ReadFile(der)
	if _, err := x509.ParsePKIXPublicKey(b); err != nil {
		t.Fatalf("pkcs11-tool's public key export: %v", err)
	}
	pubPEM := writeFile(t, dir, "pub.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: b}))
	conf := engineConfig(t, dir)
	keyURI := "pkcs11:token=openssl;object=rsa%20decrypt;type=private;pin-value=" + userPIN
	openssl := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("openssl", args...)
		cmd.Env = append(e.vars(), "OPENSSL_CONF="+conf)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}

	secret := make([]byte, 32)
	rand.Read(secret)
	in := writeFile(t, dir, "secret", secret)
	for _, c := range []struct {
		name, mechanism string
		opts            []string
	}{
		{"PKCS#1 v1.5", "mechanism=CKM_RSA_PKCS ", nil},
		{"OAEP SHA-1", "mechanism=CKM_RSA_PKCS_OAEP ", []string{"-pkeyopt", "rsa_padding_mode:oaep"}},
		{"OAEP SHA-256", "mechanism=CKM_RSA_PKCS_OAEP ", []string{"-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", "rsa_oaep_md:sha256", "-pkeyopt", "rsa_mgf1_md:sha256"}},
	} {
		os.Truncate(e.log, 0)
		enc, dec := filepath.Join(dir, "enc"), filepath.Join(dir, "dec")
		openssl(append([]string{"pkeyutl", "-encrypt", "-pubin", "-inkey", pubPEM, "-in", in, "-out", enc}, c.opts...)...)
		openssl(append([]string{"pkeyutl", "-decrypt", "-engine", "pkcs11", "-keyform", "engine", "-inkey", keyURI, "-in", enc, "-out", dec}, c.opts...)...)
		if got, _ := os.ReadFile(dec); !bytes.Equal(got, secret) {
			t.Errorf("%s: the engine decrypted %d bytes, not the secret", c.name, len(got))
		}
		log, _ := os.ReadFile(e.log)
		var inits []string
		for _, line := range strings.Split(string(log), "\n") {
			if strings.Contains(line, "msg=C_DecryptInit ") {
				inits = append(inits, line)
			}
		}
		if len(inits) != 1 || !strings.Contains(inits[0], c.mechanism) || !strings.Contains(string(log), "msg=C_Decrypt ") {
			t.Errorf("%s: the engine's decryption is not one C_DecryptInit with %s and C_Decrypt; the module's log:\n%s", c.name, c.mechanism, log)
		}
	}
}
