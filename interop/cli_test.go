package interop

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/corepkcs11/corepkcs11/client"
)

// The corepkcs11 command, built once for the tests that need it, into
// the directory TestMain removes.
var cliBuild struct {
	once sync.Once
	path string
	err  error
}

// cli returns a function that runs the corepkcs11 binary bin in env e
// and returns its output, failing the test if it fails.
func (e env) cli(t *testing.T, bin string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		return e.run(t, "", bin, args...)
	}
}

func cliBinary(t *testing.T) string {
	t.Helper()
	cliBuild.once.Do(func() {
		path := filepath.Join(filepath.Dir(modulePath), "corepkcs11")
		build := exec.Command("go", "build", "-o", path, "../cmd/corepkcs11")
		build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
		if out, err := build.CombinedOutput(); err != nil {
			cliBuild.err = fmt.Errorf("building cmd/corepkcs11: %v\n%s", err, out)
			return
		}
		cliBuild.path = path
	})
	if cliBuild.err != nil {
		t.Fatal(cliBuild.err)
	}
	return cliBuild.path
}

const softHSMPath = "/usr/lib/softhsm/libsofthsm2.so"

// cliEnviron is this process's environment without the variables that
// choose corepkcs11's store, PINs and log or SoftHSM's configuration,
// plus extra.
func cliEnviron(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COREPKCS11_") && !strings.HasPrefix(kv, "SOFTHSM2_CONF=") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// cliTarget runs the built corepkcs11 command on one kind of token: the
// engine in the command's process (a store in $COREPKCS11_STORE), or a
// module through --module.
type cliTarget struct {
	t      *testing.T
	bin    string
	env    []string
	module []string // --module PATH, or nothing for the in-process engine
	dir    string   // scratch files
	// What differs between the tokens.
	lockout    bool // the user PIN locks after wrong tries
	oaepSHA256 bool // RSA-PKCS-OAEP with SHA-256, encrypt's default for RSA keys
}

// run runs corepkcs11 with args, and --module when the target has one,
// and checks its exit status.
func (c *cliTarget) run(want int, args ...string) (stdout, stderr string) {
	c.t.Helper()
	return c.runWith("", nil, want, args...)
}

// runWith is run with stdin and more environment variables.
func (c *cliTarget) runWith(stdin string, env []string, want int, args ...string) (string, string) {
	c.t.Helper()
	cmd := exec.Command(c.bin, append(slices.Clone(args), c.module...)...)
	cmd.Env = append(slices.Clone(c.env), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	code := 0
	if err := cmd.Run(); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			c.t.Fatalf("corepkcs11 %s: %v", strings.Join(args, " "), err)
		}
		code = exit.ExitCode()
	}
	if code != want {
		c.t.Fatalf("corepkcs11 %s: exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, want, &stdout, &stderr)
	}
	return stdout.String(), stderr.String()
}

// fail runs a command that must end with exit status want (1 failed, 2
// usage) and one line on stderr, which it returns, holding each of wants.
func (c *cliTarget) fail(want int, wants []string, args ...string) string {
	c.t.Helper()
	return c.failWith("", nil, want, wants, args...)
}

func (c *cliTarget) failWith(stdin string, env []string, want int, wants []string, args ...string) string {
	c.t.Helper()
	_, stderr := c.runWith(stdin, env, want, args...)
	checkErrorLine(c.t, args, stderr, want, wants...)
	return stderr
}

// declined runs a command that asks for confirmation, answers no, and
// checks the question's line and the error's.
func (c *cliTarget) declined(question, wants []string, args ...string) {
	c.t.Helper()
	_, stderr := c.runWith("n\n", nil, 1, args...)
	q, errLine, _ := strings.Cut(stderr, "\n")
	if !strings.HasSuffix(q, "? [y/N] ") {
		c.t.Errorf("corepkcs11 %s: the first line on stderr is not a question: %q", strings.Join(args, " "), q)
	}
	mustContain(c.t, "the question", q, question...)
	checkErrorLine(c.t, args, errLine, 1, wants...)
}

// checkErrorLine checks a failed command's stderr: one line, naming the
// command, holding each of wants; usage errors point to --help.
func checkErrorLine(t *testing.T, args []string, stderr string, code int, wants ...string) {
	t.Helper()
	what := "corepkcs11 " + strings.Join(args, " ")
	line := strings.TrimSuffix(stderr, "\n")
	if line == "" || strings.Contains(line, "\n") || !strings.HasPrefix(line, "corepkcs11") {
		t.Errorf("%s: stderr is not one corepkcs11 line:\n%s", what, stderr)
	}
	if code == 2 && len(args) > 0 && !strings.HasSuffix(line, "--help shows how") && !strings.Contains(line, "--help lists them") {
		t.Errorf("%s: a usage error that does not point to --help: %s", what, line)
	}
	mustContain(t, what, line, wants...)
}

// cliObject is an object as list --json prints it.
type cliObject struct {
	Class   string   `json:"class"`
	Label   string   `json:"label"`
	ID      string   `json:"id"`
	KeyType string   `json:"key_type"`
	Bits    int      `json:"bits"`
	Flags   []string `json:"flags"`
	URI     string   `json:"uri"`
}

func (o cliObject) has(flag string) bool { return slices.Contains(o.Flags, flag) }

// list runs list --json with args.
func (c *cliTarget) list(args ...string) []cliObject {
	c.t.Helper()
	out, _ := c.run(0, append([]string{"list", "--json"}, args...)...)
	var objs []cliObject
	if err := json.Unmarshal([]byte(out), &objs); err != nil {
		c.t.Fatalf("list --json: %v\n%s", err, out)
	}
	return objs
}

// find is the one object of class labelled label.
func (c *cliTarget) find(objs []cliObject, class, label string) cliObject {
	c.t.Helper()
	var found []cliObject
	for _, o := range objs {
		if o.Class == class && o.Label == label {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		c.t.Fatalf("list shows %d %s objects labelled %q, want 1: %+v", len(found), class, label, objs)
	}
	return found[0]
}

// cliToken is a slot's token as tokens --json prints it.
type cliToken struct {
	Slot    uint     `json:"slot"`
	Label   string   `json:"label"`
	Serial  string   `json:"serial"`
	Flags   []string `json:"flags"`
	Objects *int     `json:"objects"`
	URI     string   `json:"uri"`
}

func (c *cliTarget) tokens() map[string]cliToken {
	c.t.Helper()
	out, _ := c.run(0, "tokens", "--json")
	var rows []cliToken
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		c.t.Fatalf("tokens --json: %v\n%s", err, out)
	}
	byLabel := map[string]cliToken{}
	for _, r := range rows {
		if r.Label != "" {
			byLabel[r.Label] = r
		}
	}
	return byLabel
}

func (c *cliTarget) path(name string) string { return filepath.Join(c.dir, name) }

func (c *cliTarget) write(name string, b []byte) string {
	c.t.Helper()
	p := c.path(name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		c.t.Fatal(err)
	}
	return p
}

func (c *cliTarget) read(name string) []byte {
	c.t.Helper()
	b, err := os.ReadFile(c.path(name))
	if err != nil {
		c.t.Fatal(err)
	}
	return b
}

// cliMaterial are keys and certificates OpenSSL makes for the tests to import.
type cliMaterial struct {
	dir                                                 string
	ecKey, ecCert, ecPub, rsaKey, otherCert, aesKeyPath string
	ec                                                  *ecdsa.PrivateKey
	rsa                                                 *rsa.PrivateKey
	aesKey                                              []byte
	conf                                                string // an openssl req configuration with CA, client and server extensions
}

const cliOpenSSLConf = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,digitalSignature
subjectKeyIdentifier = hash
[client]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
[server]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = IP:127.0.0.1
`

// opensslIn runs openssl in dir and returns its output.
func opensslIn(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("openssl", args...)
	cmd.Dir = dir
	cmd.Env = cliEnviron(env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func newCLIMaterial(t *testing.T) cliMaterial {
	t.Helper()
	dir := t.TempDir()
	m := cliMaterial{dir: dir, conf: writeFile(t, dir, "openssl.cnf", []byte(cliOpenSSLConf))}
	p := func(name string) string { return filepath.Join(dir, name) }
	m.ecKey, m.ecCert, m.ecPub, m.rsaKey, m.otherCert = p("ec.key"), p("ec.crt"), p("ec.pub"), p("rsa.der"), p("other.crt")
	// A SEC1 PEM EC key, its self-signed certificate and its public key;
	// a DER RSA key (PKCS#1 or PKCS#8); a certificate for another key.
	opensslIn(t, dir, nil, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", m.ecKey)
	opensslIn(t, dir, nil, "req", "-new", "-x509", "-config", m.conf, "-key", m.ecKey, "-subj", "/CN=cli import", "-days", "2", "-out", m.ecCert)
	opensslIn(t, dir, nil, "pkey", "-in", m.ecKey, "-pubout", "-out", m.ecPub)
	opensslIn(t, dir, nil, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-outform", "DER", "-out", m.rsaKey)
	opensslIn(t, dir, nil, "req", "-new", "-x509", "-config", m.conf, "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
		"-keyout", p("other.key"), "-subj", "/CN=other", "-days", "2", "-out", m.otherCert)

	b, _ := os.ReadFile(m.ecKey)
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "EC PRIVATE KEY" {
		t.Fatalf("openssl ecparam -genkey wrote no SEC1 key:\n%s", b)
	}
	var err error
	if m.ec, err = x509.ParseECPrivateKey(block.Bytes); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(m.rsaKey)
	if m.rsa, err = x509.ParsePKCS1PrivateKey(b); err != nil { // OpenSSL 3.0 writes PKCS#1 here
		k, err8 := x509.ParsePKCS8PrivateKey(b)
		if err8 != nil {
			t.Fatalf("openssl genpkey -outform DER: %v; %v", err, err8)
		}
		m.rsa = k.(*rsa.PrivateKey)
	}
	m.aesKey = make([]byte, 32)
	rand.Read(m.aesKey)
	m.aesKeyPath = writeFile(t, dir, "aes.bin", m.aesKey)
	return m
}

// cliKeyID is the CKA_ID corepkcs11 gives a key and its certificate: the
// SHA-1 of the public key's DER.
func cliKeyID(t *testing.T, pub crypto.PublicKey) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(der)
	return hex.EncodeToString(sum[:])
}

// TestCLI runs the built corepkcs11 command through every command and
// the errors a user meets, on three tokens: corepkcs11's engine in the
// command's process (COREPKCS11_STORE), the built libcorepkcs11.so
// through --module, and SoftHSMv2 through --module.
func TestCLI(t *testing.T) {
	bin := cliBinary(t)
	m := newCLIMaterial(t)
	targets := []struct {
		name  string
		setup func(t *testing.T, dir string) cliTarget
	}{
		{"engine", func(t *testing.T, dir string) cliTarget {
			return cliTarget{env: cliEnviron("COREPKCS11_STORE="+filepath.Join(dir, "store"), "COREPKCS11_LOG_FILE="+filepath.Join(dir, "log")),
				lockout: true, oaepSHA256: true}
		}},
		{"module", func(t *testing.T, dir string) cliTarget {
			return cliTarget{env: cliEnviron("COREPKCS11_STORE="+filepath.Join(dir, "store"), "COREPKCS11_LOG_FILE="+filepath.Join(dir, "log")),
				module: []string{"--module", modulePath}, lockout: true, oaepSHA256: true}
		}},
		{"softhsm", func(t *testing.T, dir string) cliTarget {
			if _, err := os.Stat(softHSMPath); err != nil {
				t.Fatalf("SoftHSMv2 is not installed (scripts/install-deps.sh installs softhsm2): %v", err)
			}
			tokens := filepath.Join(dir, "softhsm-tokens")
			os.Mkdir(tokens, 0o700)
			conf := writeFile(t, dir, "softhsm2.conf", []byte("directories.tokendir = "+tokens+"\nobjectstore.backend = file\nlog.level = ERROR\n"))
			// SoftHSMv2 2.6 never locks a PIN, and does RSA-PKCS-OAEP
			// with SHA-1 only.
			return cliTarget{env: cliEnviron("SOFTHSM2_CONF=" + conf), module: []string{"--module", softHSMPath}}
		}},
	}
	for _, tc := range targets {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			c := tc.setup(t, dir)
			c.t, c.bin, c.dir = t, bin, dir
			cliFlow(t, &c, m)
		})
	}
}

// cliFlow is TestCLI on one target. It makes two tokens, "cli" and
// "other", and works mostly in "cli".
func cliFlow(t *testing.T, c *cliTarget, m cliMaterial) {
	const otherPIN1, otherPIN2 = "2468", "1357"
	in := func(args ...string) []string { return append(args, "--token", "cli", "--pin", userPIN) }

	// tokens and init.
	out, _ := c.run(0, "tokens")
	mustContain(t, "tokens before init", out, "not initialized")
	c.fail(2, []string{"init takes --label"}, "init", "--so-pin", soPIN, "--pin", userPIN)
	out, _ = c.run(0, "init", "--label", "cli", "--so-pin", soPIN, "--pin", userPIN)
	mustContain(t, "init", out, `token "cli" initialized`, "user PIN set", "\npkcs11:token=cli;")
	// The second token takes its PINs from the environment.
	out, _ = c.runWith("", []string{"COREPKCS11_SO_PIN=" + soPIN, "COREPKCS11_PIN=" + otherPIN1}, 0, "init", "--label", "other")
	mustContain(t, "init from the environment", out, `token "other" initialized`)
	toks := c.tokens()
	for _, label := range []string{"cli", "other"} {
		tok, ok := toks[label]
		if !ok || !slices.Contains(tok.Flags, "initialized") || !slices.Contains(tok.Flags, "user PIN set") ||
			!strings.HasPrefix(tok.URI, "pkcs11:token="+label+";") || tok.Serial == "" {
			t.Errorf("tokens --json: token %q is %+v", label, tok)
		}
	}
	c.fail(1, []string{"several tokens: choose one with --token or --slot", `"cli"`, `"other"`}, "list")
	c.fail(1, []string{`no initialized token labelled "nope"`}, "list", "--token", "nope")

	// keygen, every --type; list --json shows each key as made.
	kinds := []struct {
		typ, keyType string
		bits         int
	}{
		{"ec:p256", "EC", 256}, {"ec:p384", "EC", 384}, {"ec:p521", "EC", 521},
		{"rsa:2048", "RSA", 2048}, {"rsa:3072", "RSA", 3072}, {"rsa:4096", "RSA", 4096},
		{"aes:128", "AES", 128}, {"aes:192", "AES", 192}, {"aes:256", "AES", 256},
	}
	label := func(typ string) string { return "gen-" + strings.ReplaceAll(typ, ":", "-") }
	for _, k := range kinds {
		out, _ := c.run(0, in("keygen", "--type", k.typ, "--label", label(k.typ))...)
		if k.keyType == "AES" {
			mustContain(t, "keygen "+k.typ, out, "secret key: pkcs11:token=cli;", "object="+label(k.typ)+";", "type=secret-key")
		} else {
			mustContain(t, "keygen "+k.typ, out, "private key: pkcs11:token=cli;", "public key:  pkcs11:token=cli;", "type=private\n", "type=public\n")
		}
	}
	c.fail(2, []string{`--type "ec:p999"`}, in("keygen", "--type", "ec:p999", "--label", "x")...)
	c.fail(2, []string{"keygen takes --label"}, in("keygen", "--type", "ec:p256")...)
	objs := c.list(in()...)
	for _, k := range kinds {
		class := "private"
		if k.keyType == "AES" {
			class = "secret-key"
		}
		key := c.find(objs, class, label(k.typ))
		if key.KeyType != k.keyType || key.Bits != k.bits {
			t.Errorf("keygen --type %s made a %s key of %d bits", k.typ, key.KeyType, key.Bits)
		}
		for _, f := range []string{"token", "private", "sensitive", "always-sensitive", "never-extractable", "local"} {
			if !key.has(f) {
				t.Errorf("keygen --type %s: the key is not %s: %v", k.typ, f, key.Flags)
			}
		}
		if key.has("extractable") {
			t.Errorf("keygen --type %s: the key is extractable", k.typ)
		}
		if class == "private" {
			if pub := c.find(objs, "public", label(k.typ)); pub.ID != key.ID || pub.KeyType != k.keyType || pub.Bits != k.bits || pub.has("private") {
				t.Errorf("keygen --type %s: public key %+v beside private key %+v", k.typ, pub, key)
			}
		}
	}
	c.run(0, in("keygen", "--type", "ec:p256", "--label", "sig", "--id", "5151")...)
	c.run(0, in("keygen", "--type", "ec:p256", "--label", "twin")...)
	c.run(0, "keygen", "--type", "ec:p256", "--label", "twin", "--token", "other", "--pin", otherPIN1)

	// import, each kind.
	out, _ = c.run(0, in("import", "key", m.ecKey, "--label", "imp")...)
	ecID := cliKeyID(t, &m.ec.PublicKey)
	impURIs := strings.Fields(out)
	if len(impURIs) != 2 || !strings.HasSuffix(impURIs[0], "type=private") || !strings.HasSuffix(impURIs[1], "type=public") {
		t.Fatalf("import key printed %q, not a private and a public key URI", out)
	}
	out, _ = c.run(0, in("import", "cert", m.ecCert, "--label", "imp")...)
	impURIs = append(impURIs, strings.TrimSpace(out))
	c.run(0, in("import", "pubkey", m.ecPub, "--label", "imppub")...)
	data := c.write("data.bin", []byte("device configuration"))
	out, _ = c.run(0, in("import", "data", data, "--label", "impdata")...)
	mustContain(t, "import data", out, "object=impdata;type=data")
	out, _ = c.run(0, in("import", "secret", m.aesKeyPath, "--label", "impaes", "--id", "a5a5")...)
	mustContain(t, "import secret", out, "object=impaes;id=%A5%A5;type=secret-key")
	c.run(0, in("import", "key", m.rsaKey, "--label", "imprsa")...)
	c.fail(2, []string{`import "frob"`}, in("import", "frob", data, "--label", "x")...)
	c.fail(2, []string{"import takes a kind, a FILE and --label"}, in("import", "key", m.ecKey)...)
	c.fail(1, []string{"no-such-file"}, in("import", "key", c.path("no-such-file"), "--label", "x")...)
	c.fail(1, []string{"holds 0 private objects"}, in("import", "key", m.ecCert, "--label", "x")...)

	// list: --json with a URI for each object, --type, without a PIN.
	objs = c.list(in()...)
	for _, o := range objs {
		u, err := client.ParseURI(o.URI)
		if err != nil {
			t.Errorf("list --json: object %q has URI %q: %v", o.Label, o.URI, err)
			continue
		}
		if u.Token != "cli" || u.Object != o.Label || u.Type != o.Class || hex.EncodeToString(u.ID) != o.ID {
			t.Errorf("list --json: object %+v has URI %+v", o, u)
		}
	}
	imp := c.find(objs, "private", "imp")
	if c.find(objs, "cert", "imp").ID != ecID || imp.ID != ecID || c.find(objs, "public", "imppub").ID != ecID {
		t.Errorf("import: the key, its certificate and its public key do not all get CKA_ID %s: %+v", ecID, objs)
	}
	// A private key import makes sensitive and not extractable, and not local.
	for _, name := range []string{"imp", "imprsa"} {
		key := c.find(objs, "private", name)
		if !key.has("sensitive") || !key.has("private") || key.has("extractable") || key.has("local") {
			t.Errorf("import key: %q has flags %v, want private and sensitive, not extractable, not local", name, key.Flags)
		}
	}
	if c.find(objs, "data", "impdata").ID != "" || c.find(objs, "secret-key", "impaes").KeyType != "AES" {
		t.Errorf("import data, secret: %+v", objs)
	}
	for _, typ := range []struct{ flag, class string }{{"private", "private"}, {"public", "public"}, {"cert", "cert"}, {"secret", "secret-key"}, {"data", "data"}} {
		some := c.list(in("--type", typ.flag)...)
		if len(some) == 0 {
			t.Errorf("list --type %s lists nothing", typ.flag)
		}
		for _, o := range some {
			if o.Class != typ.class {
				t.Errorf("list --type %s lists a %s object", typ.flag, o.Class)
			}
		}
	}
	c.fail(2, []string{`--type "bogus"`}, in("list", "--type", "bogus")...)
	out, stderr := c.run(0, "list", "--token", "cli")
	if strings.Contains(out, "private ") || strings.Contains(out, "secret-key ") || !strings.Contains(out, `"imppub"`) {
		t.Errorf("list without a PIN shows private objects, or not the public ones:\n%s", out)
	}
	mustContain(t, "list without a PIN", stderr, "public objects only")
	out, _ = c.run(0, in("list")...)
	mustContain(t, "list", out, `private EC 256 "imp" id=`+ecID+" [", `cert "imp"`, `secret-key AES 256 "impaes" id=a5a5`, `private RSA 4096 "gen-rsa-4096"`, "\n  pkcs11:token=cli;")
	// Each certificate's and key's URI, as list prints it, names it to export.
	for _, o := range objs {
		if o.Class != "cert" && o.Class != "public" && o.Class != "private" {
			continue
		}
		c.run(0, "export", o.URI, "--der", "--out", c.path("by-uri.der"), "--pin", userPIN)
		der := c.read("by-uri.der")
		var err error
		if o.Class == "cert" {
			_, err = x509.ParseCertificate(der)
		} else {
			_, err = x509.ParsePKIXPublicKey(der)
		}
		if err != nil {
			t.Errorf("export %s: %v", o.URI, err)
		}
	}

	// export: PEM on stdout, --der, --out; a label shared by a key and
	// its certificate gives the certificate.
	certPEM, _ := os.ReadFile(m.ecCert)
	certBlock, _ := pem.Decode(certPEM)
	out, _ = c.run(0, "export", "imp", "--token", "cli")
	if b, _ := pem.Decode([]byte(out)); b == nil || b.Type != "CERTIFICATE" || !bytes.Equal(b.Bytes, certBlock.Bytes) {
		t.Errorf("export imp: not the imported certificate:\n%s", out)
	}
	c.run(0, "export", "--id", "5151", "--token", "cli", "--der", "--out", c.path("sig.der"))
	c.run(0, "export", c.find(objs, "public", "sig").URI, "--out", c.path("sig.pem"))
	sigPub, err := x509.ParsePKIXPublicKey(c.read("sig.der"))
	if err != nil {
		t.Fatalf("export --der: %v", err)
	}
	if b, _ := pem.Decode(c.read("sig.pem")); b == nil || b.Type != "PUBLIC KEY" || !bytes.Equal(b.Bytes, c.read("sig.der")) {
		t.Errorf("export --out: not the PEM of what export --der wrote")
	}
	out, _ = c.run(0, "export", "imppub", "--token", "cli")
	if b, _ := pem.Decode([]byte(out)); b == nil || b.Type != "PUBLIC KEY" || cliKeyIDOfDER(t, b.Bytes) != ecID {
		t.Errorf("export imppub: not the imported public key:\n%s", out)
	}

	// Naming a key: label, --id, the URI list prints, a URI whose token=
	// chooses the token (there are two), one with id= and type=.
	msg := c.write("msg", []byte("signed by corepkcs11"))
	digest := sha256.Sum256([]byte("signed by corepkcs11"))
	sigPriv := c.find(objs, "private", "sig")
	names := []struct {
		name         string
		signArgs     []string
		verifyArgs   []string
		withTokenArg bool
	}{
		{"label", []string{"--key", "sig"}, []string{"--key", "sig"}, true},
		{"--id", []string{"--id", "5151"}, []string{"--id", "5151"}, true},
		{"label and --id", []string{"--key", "sig", "--id", "5151"}, []string{"--key", "sig", "--id", "5151"}, true},
		{"URI from list", []string{"--key", sigPriv.URI}, []string{"--key", c.find(objs, "public", "sig").URI}, false},
		{"URI with token= and type=", []string{"--key", "pkcs11:token=cli;object=sig;type=private"}, []string{"--key", "pkcs11:token=cli;object=sig;type=public"}, false},
		{"URI with id=", []string{"--key", "pkcs11:token=cli;id=%51%51;type=private"}, []string{"--key", "pkcs11:token=cli;id=%51Q"}, false},
	}
	for _, n := range names {
		sign := append([]string{"sign", "--in", msg, "--out", c.path("sig"), "--pin", userPIN}, n.signArgs...)
		verify := append([]string{"verify", "--in", msg, "--sig", c.path("sig")}, n.verifyArgs...)
		if n.withTokenArg {
			sign, verify = append(sign, "--token", "cli"), append(verify, "--token", "cli")
		}
		c.run(0, sign...)
		if !ecdsa.VerifyASN1(sigPub.(*ecdsa.PublicKey), digest[:], c.read("sig")) {
			t.Errorf("sign with the key named by %s: the DER signature does not verify with Go's crypto", n.name)
		}
		out, _ := c.run(0, verify...)
		mustContain(t, "verify with the key named by "+n.name, out, "signature verified")
	}
	// The same label in both tokens: token= chooses.
	c.run(0, "export", "pkcs11:token=other;object=twin;type=public", "--der", "--out", c.path("twin-other.der"))
	c.run(0, "export", "pkcs11:token=cli;object=twin;type=public", "--der", "--out", c.path("twin-cli.der"))
	c.run(0, "sign", "--key", "pkcs11:token=other;object=twin;type=private", "--pin", otherPIN1, "--in", msg, "--out", c.path("twin.sig"))
	twinOther, _ := x509.ParsePKIXPublicKey(c.read("twin-other.der"))
	twinCLI, _ := x509.ParsePKIXPublicKey(c.read("twin-cli.der"))
	if !ecdsa.VerifyASN1(twinOther.(*ecdsa.PublicKey), digest[:], c.read("twin.sig")) || ecdsa.VerifyASN1(twinCLI.(*ecdsa.PublicKey), digest[:], c.read("twin.sig")) {
		t.Errorf("sign with pkcs11:token=other;object=twin did not sign with the key of token other")
	}
	c.fail(1, []string{"the signature does not verify"}, "verify", "--key", "pkcs11:token=cli;object=twin;type=public", "--in", msg, "--sig", c.path("twin.sig"))

	// sign and verify, EC: DER by default, as openssl dgst -verify reads
	// it, and --format raw.
	c.run(0, in("sign", "--key", "sig", "--in", msg, "--out", c.path("sig.der-sig"))...)
	out = opensslIn(t, c.dir, nil, "dgst", "-sha256", "-verify", c.path("sig.pem"), "-signature", c.path("sig.der-sig"), msg)
	mustContain(t, "openssl dgst -verify of sign's signature", out, "Verified OK")
	c.run(0, in("sign", "--key", "sig", "--in", msg, "--out", c.path("sig.raw"), "--format", "raw")...)
	if raw := c.read("sig.raw"); len(raw) != 64 || !ecdsa.Verify(sigPub.(*ecdsa.PublicKey), digest[:], new(big.Int).SetBytes(raw[:32]), new(big.Int).SetBytes(raw[32:])) {
		t.Errorf("sign --format raw: %d bytes that are not r||s of a signature", len(raw))
	}
	out, _ = c.run(0, "verify", "--key", "sig", "--token", "cli", "--in", msg, "--sig", c.path("sig.raw"))
	mustContain(t, "verify of a raw signature", out, "signature verified")
	c.fail(2, []string{`--format "pem"`}, in("sign", "--key", "sig", "--in", msg, "--out", c.path("x"), "--format", "pem")...)
	c.fail(2, []string{"sign takes --key, --in and --out"}, in("sign", "--key", "sig", "--in", msg)...)
	tampered := c.write("tampered", []byte("signed by corepkcs11!"))
	c.fail(1, []string{"the signature does not verify"}, "verify", "--key", "sig", "--token", "cli", "--in", tampered, "--sig", c.path("sig.der-sig"))
	// An OpenSSL signature with an imported key's public half, and an
	// imported key's signature checked with the key OpenSSL made.
	opensslIn(t, c.dir, nil, "dgst", "-sha256", "-sign", m.ecKey, "-out", c.path("openssl.sig"), msg)
	out, _ = c.run(0, "verify", "--key", "imppub", "--token", "cli", "--in", msg, "--sig", c.path("openssl.sig"))
	mustContain(t, "verify of OpenSSL's signature", out, "signature verified")
	c.run(0, in("sign", "--key", "imp", "--in", msg, "--out", c.path("imp.sig"))...)
	if !ecdsa.VerifyASN1(&m.ec.PublicKey, digest[:], c.read("imp.sig")) {
		t.Errorf("sign with the imported EC key does not verify with the key's public half")
	}

	// sign and verify, RSA: SHA256-RSA-PKCS by default, and PSS.
	c.run(0, in("export", "gen-rsa-2048", "--der", "--out", c.path("rsa.der"))...)
	rsaAny, err := x509.ParsePKIXPublicKey(c.read("rsa.der"))
	if err != nil {
		t.Fatal(err)
	}
	rsaPub := rsaAny.(*rsa.PublicKey)
	c.run(0, in("sign", "--key", "gen-rsa-2048", "--in", msg, "--out", c.path("rsa.sig"))...)
	if err := rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, digest[:], c.read("rsa.sig")); err != nil {
		t.Errorf("sign with an RSA key: %v", err)
	}
	out, _ = c.run(0, "verify", "--key", "gen-rsa-2048", "--token", "cli", "--in", msg, "--sig", c.path("rsa.sig"))
	mustContain(t, "verify RSA", out, "signature verified")
	out = opensslIn(t, c.dir, nil, "dgst", "-sha256", "-verify", c.path("rsa.der"), "-keyform", "DER", "-signature", c.path("rsa.sig"), msg)
	mustContain(t, "openssl dgst -verify of an RSA signature", out, "Verified OK")
	c.run(0, in("sign", "--key", "gen-rsa-2048", "--mechanism", "SHA256-RSA-PKCS-PSS", "--in", msg, "--out", c.path("pss.sig"))...)
	if err := rsa.VerifyPSS(rsaPub, crypto.SHA256, digest[:], c.read("pss.sig"), &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}); err != nil {
		t.Errorf("sign --mechanism SHA256-RSA-PKCS-PSS: %v", err)
	}
	out, _ = c.run(0, "verify", "--key", "gen-rsa-2048", "--mechanism", "SHA256-RSA-PKCS-PSS", "--token", "cli", "--in", msg, "--sig", c.path("pss.sig"))
	mustContain(t, "verify PSS", out, "signature verified")
	c.fail(1, []string{"the signature does not verify"}, "verify", "--key", "gen-rsa-2048", "--token", "cli", "--in", tampered, "--sig", c.path("rsa.sig"))
	c.run(0, in("sign", "--key", "imprsa", "--in", msg, "--out", c.path("imprsa.sig"))...)
	if err := rsa.VerifyPKCS1v15(&m.rsa.PublicKey, crypto.SHA256, digest[:], c.read("imprsa.sig")); err != nil {
		t.Errorf("sign with the imported RSA key: %v", err)
	}
	c.fail(2, []string{`--mechanism "NOPE"`}, in("sign", "--key", "gen-rsa-2048", "--mechanism", "NOPE", "--in", msg, "--out", c.path("x"))...)
	// An EC private key without its public key object: SoftHSMv2 gives no
	// public half of a private key, sign then goes by the key type.
	c.run(0, in("keygen", "--label", "lonely")...)
	c.run(0, in("export", "lonely", "--der", "--out", c.path("lonely.der"))...)
	c.run(0, in("delete", "pkcs11:object=lonely;type=public", "--yes")...)
	c.run(0, in("sign", "--key", "lonely", "--in", msg, "--out", c.path("lonely.sig"))...)
	if lonely, err := x509.ParsePKIXPublicKey(c.read("lonely.der")); err != nil || !ecdsa.VerifyASN1(lonely.(*ecdsa.PublicKey), digest[:], c.read("lonely.sig")) {
		t.Errorf("sign with an EC key whose public key object is gone: no ECDSA signature (%v)", err)
	}

	// digest and random.
	out, _ = c.run(0, "digest", "--token", "cli", "--in", msg)
	if strings.TrimSpace(out) != hex.EncodeToString(digest[:]) {
		t.Errorf("digest: %s, want SHA-256 %x", out, digest)
	}
	sum384 := sha512.Sum384([]byte("signed by corepkcs11"))
	out, _ = c.runWith("signed by corepkcs11", nil, 0, "digest", "--token", "cli", "--mechanism", "SHA384")
	if strings.TrimSpace(out) != hex.EncodeToString(sum384[:]) {
		t.Errorf("digest --mechanism SHA384 of stdin: %s, want %x", out, sum384)
	}
	c.fail(2, []string{`--mechanism "NOPE"`}, "digest", "--token", "cli", "--mechanism", "NOPE", "--in", msg)
	out, _ = c.run(0, "random", "32", "--token", "cli")
	if b, err := hex.DecodeString(strings.TrimSpace(out)); err != nil || len(b) != 32 {
		t.Errorf("random 32: %q", out)
	}
	c.run(0, "random", "16", "--token", "cli", "--out", c.path("random"))
	if len(c.read("random")) != 16 {
		t.Errorf("random 16 --out wrote %d bytes", len(c.read("random")))
	}
	c.fail(2, []string{`"0" is not a byte count`}, "random", "0", "--token", "cli")
	c.fail(2, []string{"random takes one argument"}, "random", "--token", "cli")

	// encrypt and decrypt: AES-GCM by default (checked with Go's AES and
	// the imported key), AES-CBC-PAD with --iv, RSA-PKCS-OAEP.
	plain := bytes.Repeat([]byte("secret backup "), 10)
	plainFile := c.write("plain", plain)
	block, _ := aes.NewCipher(m.aesKey)
	gcm, _ := cipher.NewGCM(block)
	c.run(0, in("encrypt", "--key", "impaes", "--in", plainFile, "--out", c.path("gcm"))...)
	if enc := c.read("gcm"); len(enc) != 12+len(plain)+16 {
		t.Errorf("encrypt AES-GCM: %d bytes, want a 12-byte IV, %d bytes and a 16-byte tag", len(enc), len(plain))
	} else if got, err := gcm.Open(nil, enc[:12], enc[12:], nil); err != nil || !bytes.Equal(got, plain) {
		t.Errorf("encrypt AES-GCM: Go's AES-GCM does not open it: %v", err)
	}
	c.run(0, in("decrypt", "--key", "impaes", "--in", c.path("gcm"), "--out", c.path("gcm.dec"))...)
	nonce := make([]byte, 12)
	rand.Read(nonce)
	c.write("go.gcm", gcm.Seal(slices.Clone(nonce), nonce, plain, nil))
	c.run(0, in("decrypt", "--id", "a5a5", "--in", c.path("go.gcm"), "--out", c.path("go.gcm.dec"))...)
	if !bytes.Equal(c.read("gcm.dec"), plain) || !bytes.Equal(c.read("go.gcm.dec"), plain) {
		t.Errorf("decrypt AES-GCM: not the plaintext")
	}
	iv := "000102030405060708090a0b0c0d0e0f"
	ivBytes, _ := hex.DecodeString(iv)
	padded := append(slices.Clone(plain), bytes.Repeat([]byte{byte(16 - len(plain)%16)}, 16-len(plain)%16)...)
	want := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, ivBytes).CryptBlocks(want, padded)
	c.run(0, in("encrypt", "--key", "impaes", "--mechanism", "AES-CBC-PAD", "--iv", iv, "--in", plainFile, "--out", c.path("cbc"))...)
	if !bytes.Equal(c.read("cbc"), want) {
		t.Errorf("encrypt --mechanism AES-CBC-PAD --iv: not Go's AES-CBC with PKCS#7 padding")
	}
	c.run(0, in("decrypt", "--key", "impaes", "--mechanism", "AES-CBC-PAD", "--iv", iv, "--in", c.path("cbc"), "--out", c.path("cbc.dec"))...)
	if !bytes.Equal(c.read("cbc.dec"), plain) {
		t.Errorf("decrypt --mechanism AES-CBC-PAD --iv: not the plaintext")
	}
	// A generated key, named by its URI; the CBC IV is random and carried.
	aesURI := c.find(objs, "secret-key", "gen-aes-128").URI
	c.run(0, "encrypt", "--key", aesURI, "--pin", userPIN, "--mechanism", "AES-CBC-PAD", "--in", plainFile, "--out", c.path("cbc2"))
	c.run(0, "decrypt", "--key", aesURI, "--pin", userPIN, "--mechanism", "AES-CBC-PAD", "--in", c.path("cbc2"), "--out", c.path("cbc2.dec"))
	if len(c.read("cbc2")) != 16+len(padded) || !bytes.Equal(c.read("cbc2.dec"), plain) {
		t.Errorf("AES-CBC-PAD with a random IV: %d bytes, or does not decrypt", len(c.read("cbc2")))
	}
	c.fail(1, []string{"decrypt with CKM_AES_GCM"}, in("decrypt", "--key", "gen-aes-256", "--in", c.path("gcm"), "--out", c.path("x"))...)
	c.fail(2, []string{"--iv is not hex"}, in("encrypt", "--key", "impaes", "--iv", "zz", "--in", plainFile, "--out", c.path("x"))...)
	if c.oaepSHA256 {
		c.run(0, in("encrypt", "--key", "gen-rsa-2048", "--in", msg, "--out", c.path("oaep"))...)
		c.run(0, in("decrypt", "--key", "gen-rsa-2048", "--in", c.path("oaep"), "--out", c.path("oaep.dec"))...)
		goOAEP, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, rsaPub, []byte("to the token"), nil)
		if err != nil {
			t.Fatal(err)
		}
		c.write("go.oaep", goOAEP)
		c.run(0, in("decrypt", "--key", "gen-rsa-2048", "--in", c.path("go.oaep"), "--out", c.path("go.oaep.dec"))...)
		if !bytes.Equal(c.read("oaep.dec"), c.read("msg")) || string(c.read("go.oaep.dec")) != "to the token" {
			t.Errorf("RSA-PKCS-OAEP: not the plaintext")
		}
	} else {
		// SoftHSMv2 2.6 refuses OAEP with SHA-256 (C_EncryptInit:
		// "hashAlg must be CKM_SHA_1"); --hash SHA1 asks for what it has.
		c.fail(1, []string{"encrypt with CKM_RSA_PKCS_OAEP: CKR_ARGUMENTS_BAD"}, in("encrypt", "--key", "gen-rsa-2048", "--in", msg, "--out", c.path("oaep"))...)
		c.run(0, in("encrypt", "--key", "gen-rsa-2048", "--hash", "SHA1", "--in", msg, "--out", c.path("oaep1"))...)
		c.run(0, in("decrypt", "--key", "gen-rsa-2048", "--hash", "SHA1", "--in", c.path("oaep1"), "--out", c.path("oaep1.dec"))...)
		if !bytes.Equal(c.read("oaep1.dec"), c.read("msg")) {
			t.Errorf("RSA-PKCS-OAEP with SHA-1: not the plaintext")
		}
	}

	// csr and selfsign.
	c.run(0, in("csr", "--key", "sig", "--subject", "/CN=device-1/O=Acme", "--san", "127.0.0.1", "--san", "dev.example", "--out", c.path("dev.csr"))...)
	csrBlock, _ := pem.Decode(c.read("dev.csr"))
	if csrBlock == nil || csrBlock.Type != "CERTIFICATE REQUEST" {
		t.Fatalf("csr --out wrote no CSR")
	}
	csr, err := x509.ParseCertificateRequest(csrBlock.Bytes)
	if err != nil {
		t.Fatalf("csr: %v", err)
	}
	if err := csr.CheckSignature(); err != nil || csr.Subject.CommonName != "device-1" || !slices.Equal(csr.Subject.Organization, []string{"Acme"}) ||
		len(csr.IPAddresses) != 1 || !slices.Equal(csr.DNSNames, []string{"dev.example"}) || !sigPub.(*ecdsa.PublicKey).Equal(csr.PublicKey) {
		t.Errorf("csr: %v; subject %v, IPs %v, DNS names %v", err, csr.Subject, csr.IPAddresses, csr.DNSNames)
	}
	out, _ = c.run(0, in("csr", "--key", "gen-rsa-2048", "--subject", "CN=rsa-device")...)
	if b, _ := pem.Decode([]byte(out)); b == nil || b.Type != "CERTIFICATE REQUEST" {
		t.Errorf("csr to stdout: %s", out)
	}
	c.fail(2, []string{"--subject"}, in("csr", "--key", "sig", "--subject", "bogus")...)
	c.fail(1, []string{`no private object "nothing" in token "cli"`}, in("csr", "--key", "nothing", "--subject", "/CN=x")...)
	out, _ = c.run(0, in("selfsign", "--key", "gen-rsa-2048", "--subject", "/CN=rsa-self", "--days", "2", "--out", c.path("self.pem"))...)
	rsaKeyObj := c.find(objs, "private", "gen-rsa-2048")
	mustContain(t, "selfsign", out, "object=gen-rsa-2048;", "type=cert")
	certBlock2, _ := pem.Decode(c.read("self.pem"))
	if certBlock2 == nil {
		t.Fatal("selfsign --out wrote no PEM")
	}
	self, err := x509.ParseCertificate(certBlock2.Bytes)
	if err != nil {
		t.Fatalf("selfsign --out: %v", err)
	}
	if err := self.CheckSignature(self.SignatureAlgorithm, self.RawTBSCertificate, self.Signature); err != nil ||
		self.Subject.CommonName != "rsa-self" || self.Issuer.CommonName != "rsa-self" || !rsaPub.Equal(self.PublicKey) {
		t.Errorf("selfsign: %v; subject %v, issuer %v", err, self.Subject, self.Issuer)
	}
	selfObj := c.find(c.list(in("--type", "cert")...), "cert", "gen-rsa-2048")
	if selfObj.ID != rsaKeyObj.ID {
		t.Errorf("selfsign stored the certificate with id %s, not the key's %s", selfObj.ID, rsaKeyObj.ID)
	}
	c.run(0, "export", strings.TrimSpace(out), "--der", "--out", c.path("self.der"))
	if !bytes.Equal(c.read("self.der"), certBlock2.Bytes) {
		t.Errorf("export of the URI selfsign printed is not the certificate it wrote")
	}

	// Objects that are not there, or several.
	c.fail(1, []string{`no private or secret-key object "nothing" in token "cli"`}, in("sign", "--key", "nothing", "--in", msg, "--out", c.path("x"))...)
	c.fail(1, []string{`no cert or public or private object "nothing" in token "cli"`, "(private objects show after a login: give the PIN)"}, "export", "nothing", "--token", "cli")
	c.fail(1, []string{`no object with id ffff in token "cli"`}, in("delete", "--id", "ffff", "--yes")...)
	c.fail(2, []string{`--id "zz" is not hex`}, in("delete", "--id", "zz", "--yes")...)
	c.fail(2, []string{"name the object"}, in("delete", "--yes")...)
	c.fail(2, []string{"is not one RFC 7512 defines"}, in("delete", "pkcs11:token=cli;bogus=1", "--yes")...)
	line := strings.TrimSpace(c.fail(1, []string{`3 objects match "imp": name one by its URI:`}, in("delete", "imp", "--yes")...))
	for _, u := range impURIs {
		if !strings.Contains(line+" ", " "+u+" ") {
			t.Errorf("delete imp: the refusal does not list %s:\n%s", u, line)
		}
	}
	out, _ = c.run(0, in("delete", impURIs[2], "--yes")...)
	mustContain(t, "delete by URI", out, `destroyed cert "imp"`)
	c.fail(1, []string{`2 objects match "imp"`}, in("delete", "imp", "--yes")...)
	c.declined([]string{`destroy data "impdata" (pkcs11:token=cli;`}, []string{"not destroyed: not confirmed (--yes skips the question)"}, in("delete", "impdata")...)
	out, _ = c.runWith("y\n", nil, 0, in("delete", "impdata")...)
	mustContain(t, "delete confirmed", out, `destroyed data "impdata"`)
	out, _ = c.run(0, in("delete", "--id", "a5a5", "--yes")...)
	mustContain(t, "delete --id", out, `destroyed secret-key "impaes"`)
	out, _ = c.run(0, "delete", "pkcs11:token=other;object=twin;type=public", "--pin", otherPIN1, "--yes")
	mustContain(t, "delete in the token token= names", out, `destroyed public "twin"`)
	objs = c.list(in()...)
	for _, o := range objs {
		if (o.Label == "imp" && o.Class == "cert") || o.Label == "impdata" || o.Label == "impaes" {
			t.Errorf("deleted object %s %q is still listed", o.Class, o.Label)
		}
	}
	c.find(objs, "public", "twin") // cli's twin is still there
	c.find(objs, "private", "imp")

	// provision: a key with a certificate that is not its own, usage,
	// then the key, its certificate, a root and a code-verify key; again
	// only with --force.
	c.fail(1, []string{"the certificate " + m.otherCert + " is not for the key " + m.ecKey + ": their public keys differ"},
		in("provision", "--key", m.ecKey, "--cert", m.otherCert)...)
	c.fail(2, []string{"--key comes with its certificate"}, in("provision", "--key", m.ecKey)...)
	c.fail(2, []string{"give the files to provision"}, in("provision")...)
	c.fail(2, []string{"--generate needs --csr FILE and --subject DN"}, in("provision", "--generate", "--subject", "/CN=x")...)
	c.fail(2, []string{"--generate makes the key in the token"}, in("provision", "--generate", "--key", m.ecKey, "--csr", c.path("x"), "--subject", "/CN=x")...)
	provision := in("provision", "--key", m.ecKey, "--cert", m.ecCert, "--root", m.otherCert, "--code-verify", m.ecPub)
	out, _ = c.run(0, provision...)
	if lines := strings.Fields(out); len(lines) != 5 {
		t.Errorf("provision printed %d URIs, want 5:\n%s", len(lines), out)
	}
	mustContain(t, "provision", out, "object=Device%20Priv%20TLS%20Key;id="+cliURIID(ecID)+";type=private\n",
		"object=Device%20Pub%20TLS%20Key;id="+cliURIID(ecID)+";type=public\n", "object=Device%20Cert;id="+cliURIID(ecID)+";type=cert\n",
		"object=Root%20Cert;type=cert\n", "object=Code%20Verify%20Key;type=public\n")
	c.fail(1, []string{`the token already holds 1 object(s) labelled`, "--force replaces them"}, provision...)
	c.run(0, append(provision, "--force")...)
	objs = c.list(in()...)
	for _, o := range []struct{ class, label string }{{"private", "Device Priv TLS Key"}, {"public", "Device Pub TLS Key"}, {"cert", "Device Cert"}, {"cert", "Root Cert"}, {"public", "Code Verify Key"}} {
		obj := c.find(objs, o.class, o.label) // exactly one, after provision --force
		if o.label == "Device Priv TLS Key" && (!obj.has("sensitive") || !obj.has("private") || obj.has("extractable")) {
			t.Errorf("provision: the device key has flags %v, want private and sensitive, not extractable", obj.Flags)
		}
		if strings.HasPrefix(o.label, "Device") && obj.ID != ecID {
			t.Errorf("provision: %q has id %s, want the key's %s", o.label, obj.ID, ecID)
		}
	}
	out, _ = c.run(0, "verify", "--key", "Code Verify Key", "--token", "cli", "--in", msg, "--sig", c.path("openssl.sig"))
	mustContain(t, "verify with the code-verify key", out, "signature verified")
	// --generate: the key pair in the token and a CSR; then the
	// certificate the CA issues takes the key's CKA_ID.
	out, _ = c.run(0, in("provision", "--generate", "--csr", c.path("device.csr"), "--subject", "/CN=device", "--force")...)
	mustContain(t, "provision --generate", out, "object=Device%20Priv%20TLS%20Key;", "type=private\n", "CSR: "+c.path("device.csr"))
	csrBlock, _ = pem.Decode(c.read("device.csr"))
	if csrBlock == nil {
		t.Fatal("provision --generate --csr wrote no PEM")
	}
	if csr, err = x509.ParseCertificateRequest(csrBlock.Bytes); err != nil {
		t.Fatalf("provision --generate --csr: %v", err)
	}
	if err := csr.CheckSignature(); err != nil || csr.Subject.CommonName != "device" {
		t.Fatalf("provision --generate --csr: %v; subject %v", err, csr.Subject)
	}
	devID := cliKeyID(t, csr.PublicKey)
	ca := newCA(t)
	signed := c.write("signed.pem", ca.issue(t, "device", csr.PublicKey, false))
	out, _ = c.run(0, in("provision", "--cert", signed)...)
	mustContain(t, "provision --cert", out, "object=Device%20Cert;id="+cliURIID(devID)+";type=cert")
	objs = c.list(in()...)
	if key := c.find(objs, "private", "Device Priv TLS Key"); key.ID != devID || !key.has("never-extractable") || c.find(objs, "cert", "Device Cert").ID != devID {
		t.Errorf("provision --generate, then --cert: %+v", objs)
	}
	c.fail(1, []string{"the certificate " + m.otherCert + ` is not for the token's "Device Priv TLS Key"`}, in("provision", "--cert", m.otherCert, "--force")...)

	// pin change.
	c.fail(2, []string{"give the new user PIN with --new-pin"}, in("pin", "change")...)
	out, _ = c.run(0, in("pin", "change", "--new-pin", "5678")...)
	mustContain(t, "pin change", out, `user PIN of "cli" changed`)
	c.fail(1, []string{"wrong user PIN"}, in("list")...)
	c.run(0, "list", "--token", "cli", "--pin", "5678")
	c.runWith("", []string{"COREPKCS11_NEW_PIN=" + userPIN}, 0, "pin", "change", "--token", "cli", "--pin-file", c.write("pin.txt", []byte("5678\n")))
	c.run(0, in("list")...)

	// A wrong PIN, until the PIN locks (where the token locks it), and
	// pin unlock.
	wrong := []string{"list", "--token", "other", "--pin", "0000"}
	if c.lockout {
		var lines []string
		for len(lines) < 30 {
			lines = append(lines, c.fail(1, []string{"wrong user PIN"}, wrong...))
			if strings.Contains(lines[len(lines)-1], "locked") {
				break
			}
		}
		n := len(lines)
		if n < 3 || !strings.Contains(lines[n-1], "wrong user PIN, and it is now locked: the SO sets a new one with corepkcs11 pin unlock") ||
			!strings.Contains(lines[n-2], "wrong user PIN: one more wrong try locks it") || !strings.Contains(lines[0], "few tries are left") {
			t.Errorf("wrong PINs until the PIN locks:\n%s", strings.Join(lines, ""))
		}
		c.fail(1, []string{"the user PIN is locked after too many wrong tries: the SO sets a new one with corepkcs11 pin unlock"},
			"list", "--token", "other", "--pin", otherPIN1)
		if !slices.Contains(c.tokens()["other"].Flags, "user PIN locked") {
			t.Errorf("tokens does not say the user PIN is locked: %+v", c.tokens()["other"])
		}
	} else {
		c.fail(1, []string{"wrong user PIN"}, wrong...)
	}
	c.fail(2, []string{"give the new user PIN"}, "pin", "unlock", "--token", "other", "--so-pin", soPIN)
	c.fail(1, []string{"wrong SO PIN"}, "pin", "unlock", "--token", "other", "--so-pin", "87654321", "--new-pin", otherPIN2)
	out, _ = c.run(0, "pin", "unlock", "--token", "other", "--so-pin", soPIN, "--new-pin", otherPIN2)
	mustContain(t, "pin unlock", out, `new user PIN set for "other"`)
	c.run(0, "list", "--token", "other", "--pin", otherPIN2)
	if slices.Contains(c.tokens()["other"].Flags, "user PIN locked") {
		t.Errorf("tokens still says the user PIN is locked after pin unlock")
	}

	// init again: re-initializing a token asks first.
	c.declined([]string{`re-initialize token "other" in slot `, "destroying its objects?"}, []string{"not re-initialized: not confirmed (--yes skips the question)"},
		"init", "--token", "other", "--label", "other2", "--so-pin", soPIN, "--pin", otherPIN2)
	c.fail(1, []string{"wrong SO PIN for re-initializing this token"}, "init", "--token", "other", "--label", "other2", "--so-pin", "87654321", "--pin", otherPIN2, "--yes")
	out, _ = c.run(0, "init", "--token", "other", "--label", "other2", "--so-pin", soPIN, "--pin", otherPIN2, "--yes")
	mustContain(t, "init --token --yes", out, `token "other2" initialized`)
	if objs := c.list("--token", "other2", "--pin", otherPIN2); len(objs) != 0 {
		t.Errorf("a re-initialized token still has objects: %+v", objs)
	}
}

// cliURIID is a hex CKA_ID as the command writes it in a URI.
func cliURIID(h string) string {
	b, _ := hex.DecodeString(h)
	var sb strings.Builder
	for _, c := range b {
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	return sb.String()
}

func cliKeyIDOfDER(t *testing.T, der []byte) string {
	t.Helper()
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		t.Fatal(err)
	}
	return cliKeyID(t, pub)
}

// TestCLIUsage: command lines the command cannot run end with exit
// status 2 and one line pointing to --help; --help itself with 0.
func TestCLIUsage(t *testing.T) {
	c := &cliTarget{t: t, bin: cliBinary(t), dir: t.TempDir()}
	c.env = cliEnviron("COREPKCS11_STORE=" + c.path("store"))
	out, _ := c.run(0, "--help")
	mustContain(t, "--help", out, "usage: corepkcs11 <command>", "  provision ", "  pin unlock ")
	for _, name := range []string{"init", "tokens", "pin change", "pin unlock", "provision", "import", "keygen", "csr", "selfsign", "list",
		"export", "delete", "sign", "verify", "digest", "random", "encrypt", "decrypt"} {
		out, _ := c.run(0, append(strings.Fields(name), "--help")...)
		mustContain(t, name+" --help", out, "usage: corepkcs11 "+name, "example:\n  ", "corepkcs11 "+name+" ", "flags:\n")
	}
	_, stderr := c.run(2)
	mustContain(t, "no arguments", stderr, "usage: corepkcs11 <command>")
	msg := c.write("msg", []byte("x"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frob"}, `unknown command "frob"`},
		{[]string{"pin", "frob"}, `unknown command "pin frob"`},
		{[]string{"list", "--bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"list", "extra"}, "list takes no arguments"},
		{[]string{"list", "--slot", "x"}, `invalid value "x" for flag -slot`},
		{[]string{"tokens", "extra"}, "tokens takes no arguments"},
		{[]string{"init", "--label"}, "flag needs an argument: -label"},
		{[]string{"keygen", "--label", "k", "--type", "dsa:1024"}, `--type "dsa:1024"`},
		{[]string{"keygen", "--label", "k", "--id", "xyz"}, `--id "xyz" is not hex`},
		{[]string{"import", "key"}, "import takes a kind, a FILE and --label"},
		{[]string{"export"}, "name the object"},
		{[]string{"export", "a", "b"}, "one OBJECT only"},
		{[]string{"export", "pkcs11:type=bogus"}, "type=bogus"},
		{[]string{"sign", "--key", "k", "--in", msg}, "sign takes --key, --in and --out"},
		{[]string{"sign", "--key", "k", "--in", msg, "--out", "sig", "--format", "pem"}, `--format "pem"`},
		{[]string{"sign", "--key", "pkcs11:object=k;object=l", "--in", msg, "--out", "sig"}, `"object" is given twice`},
		{[]string{"verify", "--key", "k", "--in", msg}, "verify takes --key, --in and --sig"},
		{[]string{"digest", "--mechanism", "SHA-3000"}, `--mechanism "SHA-3000"`},
		{[]string{"random", "lots"}, `"lots" is not a byte count`},
		{[]string{"random", "2000000"}, `"2000000" is not a byte count`},
		{[]string{"encrypt", "--in", msg, "--out", "x"}, "encrypt takes --key and --out"},
		{[]string{"decrypt", "--key", "k"}, "decrypt takes --key and --out"},
		{[]string{"csr", "--key", "k"}, "csr takes --key and --subject"},
		{[]string{"csr", "--key", "k", "--subject", "/XX=y"}, "XX is not one of"},
		{[]string{"selfsign", "--key", "k", "--subject", "/CN=x", "--days", "0"}, "selfsign takes --key, --subject and --days"},
		{[]string{"provision", "extra"}, "provision takes flags only"},
		{[]string{"provision", "--key", "k.pem"}, "--key comes with its certificate"},
		{[]string{"pin", "change"}, "give the new user PIN"},
		{[]string{"pin", "unlock", "extra"}, "pin unlock takes no arguments"},
		{[]string{"init", "--label", "x", "--kdf", "medium"}, `--kdf "medium": strong or fast`},
		{[]string{"backup"}, "backup takes --out FILE"},
	} {
		c.fail(2, []string{tc.want}, tc.args...)
	}
	// --store chooses the store without $COREPKCS11_STORE.
	c.env = cliEnviron()
	c.run(0, "init", "--store", c.path("flagstore"), "--label", "flag", "--so-pin", soPIN, "--pin", userPIN)
	out, _ = c.run(0, "tokens", "--store", c.path("flagstore"))
	mustContain(t, "tokens --store", out, `"flag"`)
	if _, err := os.Stat(c.path("store")); err == nil {
		t.Errorf("$COREPKCS11_STORE was used although unset")
	}
	// init --kdf fast makes a token whose PINs, set then and later, log
	// in with the cheap derivation; the module alike through its
	// environment.
	for _, module := range [][]string{nil, {"--module", modulePath}} {
		store := c.path(fmt.Sprintf("kdfstore%d", len(module)))
		c.env = cliEnviron("COREPKCS11_STORE=" + store)
		c.run(0, append([]string{"init", "--label", "fast", "--kdf", "fast", "--so-pin", soPIN, "--pin", userPIN}, module...)...)
		c.run(0, append([]string{"pin", "change", "--pin", userPIN, "--new-pin", "changed-pin"}, module...)...)
		out, _ := c.run(0, append([]string{"tokens", "--pin", "changed-pin"}, module...)...)
		mustContain(t, "tokens of a fast token", out, `"fast"`, "0 objects")
		b, err := os.ReadFile(filepath.Join(store, "corepkcs11.db"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(`"m":64`)) || bytes.Contains(b, []byte(`"m":19456`)) {
			t.Errorf("%v: the store does not hold only 64 KiB derivations", module)
		}
	}
	// backup writes a copy that opens as a store.
	c.env = cliEnviron("COREPKCS11_STORE=" + c.path("kdfstore0"))
	out, _ = c.run(0, "backup", "--out", c.path("copy.db"))
	mustContain(t, "backup", out, "1 token", "restore:")
	os.MkdirAll(c.path("restored"), 0o700)
	os.Rename(c.path("copy.db"), filepath.Join(c.path("restored"), "corepkcs11.db"))
	c.env = cliEnviron("COREPKCS11_STORE=" + c.path("restored"))
	out, _ = c.run(0, "tokens", "--pin", "changed-pin")
	mustContain(t, "tokens of the restored store", out, `"fast"`, "0 objects")
	c.fail(1, []string{"exists; a backup goes to a new file"}, "backup", "--out", filepath.Join(c.path("restored"), "corepkcs11.db"))
}

// TestCLIModuleErrors: a module that cannot be loaded is a failure whose
// one line has the dynamic loader's reason.
func TestCLIModuleErrors(t *testing.T) {
	c := &cliTarget{t: t, bin: cliBinary(t), dir: t.TempDir(), env: cliEnviron()}
	missing := c.path("libmissing.so")
	garbage := c.write("libgarbage.so", bytes.Repeat([]byte{0}, 4096))
	cases := []struct {
		path  string
		wants []string
	}{
		{missing, []string{"cannot load the PKCS#11 module " + missing, "cannot open shared object file: No such file or directory"}},
		{garbage, []string{"cannot load the PKCS#11 module " + garbage, "invalid ELF header"}},
	}
	// A library that loads but is no PKCS#11 module.
	if libs, _ := filepath.Glob("/usr/lib/*/libz.so.1"); len(libs) > 0 {
		cases = append(cases, struct {
			path  string
			wants []string
		}{libs[0], []string{"cannot load the PKCS#11 module " + libs[0], "it loads, but has no usable C_GetFunctionList"}})
	}
	for _, tc := range cases {
		for _, cmd := range [][]string{{"tokens"}, {"list", "--pin", userPIN}, {"init", "--label", "x", "--so-pin", soPIN, "--pin", userPIN}} {
			c.fail(1, tc.wants, append(cmd, "--module", tc.path)...)
		}
	}
	// module-path= in an object's URI loads the module too.
	c.fail(1, []string{"cannot load the PKCS#11 module " + missing, "No such file or directory"},
		"export", "pkcs11:object=x?module-path="+strings.ReplaceAll(missing, "/", "%2F"))
}

// TestCLIReadOnlyStore: a store the command may not write. The engine,
// in the command's process or as the module, opens its database for
// writing at C_Initialize, so even reading fails; the engine says why
// (permission denied, with the path), the module only CKR_DEVICE_ERROR
// from C_Initialize, its log (on stderr by default) the why.
func TestCLIReadOnlyStore(t *testing.T) {
	bin := cliBinary(t)
	// Root writes anywhere: the read-only runs then run as nobody, from
	// a directory nobody can read.
	dir, err := os.MkdirTemp("", "corepkcs11-cli-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.WalkDir(dir, func(p string, _ os.DirEntry, _ error) error { os.Chmod(p, 0o755); return nil })
		os.RemoveAll(dir)
	})
	os.Chmod(dir, 0o755)
	for _, f := range []struct{ from, to string }{{bin, "corepkcs11"}, {modulePath, "libcorepkcs11.so"}} {
		b, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.to), b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	store := filepath.Join(dir, "store")
	c := &cliTarget{t: t, bin: filepath.Join(dir, "corepkcs11"), dir: dir, env: cliEnviron("COREPKCS11_STORE=" + store)}
	c.run(0, "init", "--label", "ro", "--so-pin", soPIN, "--pin", userPIN)
	c.run(0, "keygen", "--label", "k", "--pin", userPIN)
	filepath.WalkDir(store, func(p string, d os.DirEntry, _ error) error {
		if d.IsDir() {
			return os.Chmod(p, 0o555)
		}
		return os.Chmod(p, 0o444)
	})
	readOnlyParent := filepath.Join(dir, "ro-parent")
	os.Mkdir(readOnlyParent, 0o555)

	run := func(env []string, args ...string) (int, string) {
		t.Helper()
		cmd := exec.Command(c.bin, args...)
		cmd.Env = env
		if os.Geteuid() == 0 {
			cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0, stderr.String()
		case errors.As(err, &exit):
			return exit.ExitCode(), stderr.String()
		case errors.Is(err, syscall.EPERM):
			t.Skipf("cannot run the command as another user: %v", err)
		}
		t.Fatalf("corepkcs11 %s: %v", strings.Join(args, " "), err)
		return 0, ""
	}
	db := filepath.Join(store, "corepkcs11.db")
	for _, args := range [][]string{{"list", "--pin", userPIN}, {"tokens"}, {"keygen", "--label", "k2", "--pin", userPIN}} {
		code, stderr := run(c.env, args...)
		if code != 1 {
			t.Fatalf("corepkcs11 %s on a read-only store: exit status %d\n%s", strings.Join(args, " "), code, stderr)
		}
		checkErrorLine(t, args, stderr, 1, "store: open "+db+": permission denied")
	}
	code, stderr := run(cliEnviron("COREPKCS11_STORE="+filepath.Join(readOnlyParent, "store")), "init", "--label", "x", "--so-pin", soPIN, "--pin", userPIN)
	if code != 1 {
		t.Fatalf("init in a read-only directory: exit status %d\n%s", code, stderr)
	}
	checkErrorLine(t, []string{"init"}, stderr, 1, "store: mkdir "+filepath.Join(readOnlyParent, "store")+": permission denied")

	// Through the module: its C_Initialize fails with CKR_DEVICE_ERROR,
	// all a CK_RV says; the command adds what that means and where the
	// module's log, here on stderr, says why.
	so := filepath.Join(dir, "libcorepkcs11.so")
	code, stderr = run(c.env, "tokens", "--module", so)
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if code != 1 || !strings.Contains(stderr, "permission denied") || !strings.Contains(lines[len(lines)-1], "corepkcs11 tokens: "+so+": C_Initialize: CKR_DEVICE_ERROR: the module cannot open its storage") ||
		!strings.Contains(lines[len(lines)-1], "writable") {
		t.Errorf("tokens --module on a read-only store: exit status %d\n%s", code, stderr)
	}
	t.Logf("through the module, the command says: %s", lines[len(lines)-1])
}

// TestCLITwinTokens: two tokens with one label; the serial of a URI that
// list printed tells them apart.
func TestCLITwinTokens(t *testing.T) {
	c := &cliTarget{t: t, bin: cliBinary(t), dir: t.TempDir()}
	c.env = cliEnviron("COREPKCS11_STORE=" + c.path("store"))
	c.run(0, "init", "--label", "twin", "--so-pin", soPIN, "--pin", userPIN)
	c.run(0, "init", "--label", "twin", "--so-pin", soPIN, "--pin", userPIN)
	c.run(0, "keygen", "--label", "k", "--slot", "0", "--pin", userPIN)
	c.run(0, "keygen", "--label", "k", "--slot", "1", "--pin", userPIN)
	c.fail(1, []string{"several tokens: choose one with --token or --slot"}, "list", "--token", "twin")
	second := c.find(c.list("--slot", "1"), "public", "k")
	msg := c.write("msg", []byte("twins"))
	c.run(0, "sign", "--key", strings.Replace(second.URI, "type=public", "type=private", 1), "--pin", userPIN, "--in", msg, "--out", c.path("sig"))
	out, _ := c.run(0, "verify", "--key", second.URI, "--in", msg, "--sig", c.path("sig"))
	mustContain(t, "verify by the URI of the second twin", out, "signature verified")
	c.fail(1, []string{"the signature does not verify"}, "verify", "--key", "k", "--slot", "0", "--in", msg, "--sig", c.path("sig"))
	c.fail(1, []string{`no initialized token labelled "twin" with serial 0000`}, "verify", "--key", "pkcs11:token=twin;serial=0000;object=k", "--in", msg, "--sig", c.path("sig"))
}

// TestProvisionTLS: OpenSSL makes a throwaway CA, a P-256 device key and
// its certificate; provision imports them into a token of the built
// module (--module), and openssl s_client, with the private key URI
// provision printed through the pkcs11 engine, completes mutual TLS with
// openssl s_server. Then the same with provision --generate: the CSR is
// signed by the CA with openssl x509 -req and stored with provision
// --cert.
func TestProvisionTLS(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	c := &cliTarget{t: t, bin: cliBinary(t), dir: dir, module: []string{"--module", modulePath},
		env: cliEnviron("COREPKCS11_STORE="+store, "COREPKCS11_LOG_FILE="+filepath.Join(dir, "log"))}
	conf := writeFile(t, dir, "req.cnf", []byte(cliOpenSSLConf)) // engineConfig writes openssl.cnf
	ossl := func(args ...string) string { c.t.Helper(); return opensslIn(c.t, dir, nil, args...) }
	newKey := func(name string) string {
		ossl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", name)
		return filepath.Join(dir, name)
	}
	issue := func(csr, out, ext string, serial int) string {
		ossl("x509", "-req", "-in", csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-set_serial", fmt.Sprint(serial), "-days", "1",
			"-extfile", conf, "-extensions", ext, "-out", out)
		return filepath.Join(dir, out)
	}
	newKey("ca.key")
	ossl("req", "-x509", "-new", "-config", conf, "-key", "ca.key", "-subj", "/CN=cli test CA", "-days", "1", "-extensions", "v3_ca", "-out", "ca.pem")
	newKey("server.key")
	ossl("req", "-new", "-config", conf, "-key", "server.key", "-subj", "/CN=server", "-out", "server.csr")
	issue("server.csr", "server.pem", "server", 2)
	devKey := newKey("device.key")
	ossl("req", "-new", "-config", conf, "-key", "device.key", "-subj", "/CN=device", "-out", "device.csr")
	devCert := issue("device.csr", "device.pem", "client", 3)
	caPEM := filepath.Join(dir, "ca.pem")

	c.run(0, "init", "--label", "tls", "--so-pin", soPIN, "--pin", userPIN)
	engineConf := engineConfig(t, dir)
	// handshake runs s_server and s_client with the token's key, the
	// device certificate exported from the token.
	handshake := func(keyURI string) {
		t.Helper()
		c.run(0, "export", "Device Cert", "--out", c.path("from-token.pem"))
		addr := freePort(t)
		server := exec.Command("openssl", "s_server", "-accept", addr, "-cert", filepath.Join(dir, "server.pem"), "-key", filepath.Join(dir, "server.key"),
			"-CAfile", caPEM, "-Verify", "1", "-verify_return_error", "-naccept", "1", "-www")
		server.Env = cliEnviron()
		waitReady(t, server, "ACCEPT")
		cmd := exec.Command("openssl", "s_client", "-connect", addr, "-engine", "pkcs11", "-keyform", "engine", "-key", keyURI+"?pin-value="+userPIN,
			"-cert", c.path("from-token.pem"), "-CAfile", caPEM, "-verify_return_error", "-ign_eof", "-quiet")
		cmd.Env = append(slices.Clone(c.env), "OPENSSL_CONF="+engineConf)
		cmd.Stdin = strings.NewReader("GET / HTTP/1.0\r\n\r\n")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("openssl s_client: %v\n%s", err, out)
		}
		mustContain(t, "the server's status page, seen by s_client", string(out),
			"HTTP/1.0 200 ok", "Protocol  : TLSv1.3", "Client certificate", "Subject: CN=device")
		if err := server.Wait(); err != nil {
			t.Errorf("s_server: %v", err)
		}
	}
	checkDeviceKey := func(id string) {
		t.Helper()
		objs := c.list("--pin", userPIN)
		key := c.find(objs, "private", "Device Priv TLS Key")
		if !key.has("sensitive") || !key.has("private") || key.has("extractable") || key.ID != id || c.find(objs, "cert", "Device Cert").ID != id {
			t.Errorf("the device key is %+v, its certificate %+v; want a sensitive, not extractable key with id %s, and the certificate's", key, c.find(objs, "cert", "Device Cert"), id)
		}
	}

	t.Run("import", func(t *testing.T) {
		c.t = t
		out, _ := c.run(0, "provision", "--pin", userPIN, "--key", devKey, "--cert", devCert, "--root", caPEM)
		uris := strings.Fields(out)
		if len(uris) != 4 || !strings.HasSuffix(uris[0], "type=private") {
			t.Fatalf("provision printed:\n%s", out)
		}
		b, _ := os.ReadFile(devCert)
		block, _ := pem.Decode(b)
		cert, _ := x509.ParseCertificate(block.Bytes)
		checkDeviceKey(cliKeyID(t, cert.PublicKey))
		handshake(uris[0])
	})
	t.Run("generate", func(t *testing.T) {
		c.t = t
		provision := []string{"provision", "--pin", userPIN, "--generate", "--csr", c.path("gen.csr"), "--subject", "/CN=device"}
		c.fail(1, []string{"labelled", "--force replaces them"}, provision...)
		out, _ := c.run(0, append(provision, "--force")...)
		uris := strings.Fields(out)
		if len(uris) != 4 || !strings.HasSuffix(uris[0], "type=private") || uris[2] != "CSR:" {
			t.Fatalf("provision --generate printed:\n%s", out)
		}
		signed := issue("gen.csr", "signed.pem", "client", 4)
		out, _ = c.run(0, "provision", "--pin", userPIN, "--cert", signed)
		b, _ := os.ReadFile(signed)
		block, _ := pem.Decode(b)
		cert, _ := x509.ParseCertificate(block.Bytes)
		id := cliKeyID(t, cert.PublicKey)
		mustContain(t, "provision --cert", out, "object=Device%20Cert;id="+cliURIID(id)+";type=cert")
		checkDeviceKey(id)
		handshake(uris[0])
	})
}

// TestCLIFailuresLeaveNoTrace: PINs never appear in what the command
// prints; a provisioning that fails leaves the token as it was; a wrong
// PIN given to tokens is an error, not a silent lost try; init --slot on
// a free slot initializes it without asking.
func TestCLIFailuresLeaveNoTrace(t *testing.T) {
	c := &cliTarget{t: t, bin: cliBinary(t), dir: t.TempDir()}
	c.env = cliEnviron("COREPKCS11_STORE=" + c.path("store"))
	m := newCLIMaterial(t)
	c.run(0, "init", "--slot", "0", "--label", "trace", "--so-pin", soPIN, "--pin", userPIN)
	c.run(0, "provision", "--pin", userPIN, "--key", m.ecKey, "--cert", m.ecCert)
	before := c.list("--pin", userPIN)

	const secretPIN = "9876-secret"
	for _, args := range [][]string{
		{"sign", "--key", "pkcs11:token=trace;object=nope?pin-value=" + secretPIN, "--in", m.ecCert, "--out", c.path("sig")},
		{"export", "pkcs11:token=trace;object=nope?pin-value=" + secretPIN + "%zz"},
		{"list", "--pin", secretPIN},
	} {
		cmd := exec.Command(c.bin, args...)
		cmd.Env = c.env
		out, _ := cmd.CombinedOutput()
		if strings.Contains(string(out), secretPIN) {
			t.Errorf("%v prints the PIN:\n%s", args, out)
		}
	}

	bad := c.write("bad.pem", []byte("not a certificate"))
	c.fail(1, []string{"bad.pem"}, "provision", "--pin", userPIN, "--force", "--key", m.ecKey, "--cert", m.ecCert, "--root", bad)
	c.fail(2, []string{"BOGUS is not one of"}, "provision", "--pin", userPIN, "--force", "--generate", "--csr", c.path("g.csr"), "--subject", "CN=x,BOGUS=y")
	c.fail(1, []string{"the CSR file"}, "provision", "--pin", userPIN, "--force", "--generate", "--csr", c.path("no/such/dir/g.csr"), "--subject", "/CN=x")
	if after := c.list("--pin", userPIN); len(after) != len(before) {
		t.Errorf("failed provisionings changed the token: %d objects before, %d after", len(before), len(after))
	}
	c.run(0, "provision", "--pin", userPIN, "--force", "--key", m.ecKey, "--cert", m.ecCert, "--root", m.ecCert, "--jitp", m.ecCert)
	if n := len(c.list("--pin", userPIN, "--type", "cert")); n != 3 {
		t.Errorf("provisioning one file as --root and --jitp: %d certificates, want 3", n)
	}

	c.fail(1, []string{"wrong user PIN"}, "tokens", "--pin", "0000")
	out, _ := c.run(0, "tokens", "--pin", userPIN)
	mustContain(t, "tokens with the PIN", out, `"trace"`, "objects")
}
