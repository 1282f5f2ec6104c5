package interop

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh"
)

// pkcs11Tool runs opensc's pkcs11-tool on the module.
func (e env) pkcs11Tool(t *testing.T, args ...string) string {
	t.Helper()
	return e.run(t, "", "pkcs11-tool", append([]string{"--module", modulePath}, args...)...)
}

// genECKey has pkcs11-tool generate a P-256 key pair in slot 0 and
// returns its public key, read back through pkcs11-tool.
func (e env) genECKey(t *testing.T, label, id string) *ecdsa.PublicKey {
	t.Helper()
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--keypairgen", "--key-type", "EC:prime256v1", "--label", label, "--id", id)
	der := filepath.Join(t.TempDir(), "pub.der")
	e.pkcs11Tool(t, "--read-object", "--type", "pubkey", "--label", label, "--output-file", der)
	b, err := os.ReadFile(der)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.ParsePKIXPublicKey(b)
	if err != nil {
		t.Fatalf("pkcs11-tool's public key export: %v", err)
	}
	return pub.(*ecdsa.PublicKey)
}

// TestPkcs11Tool drives the module with opensc's pkcs11-tool: token and
// PIN initialization, its own --test suite, key generation, signing,
// writing, reading and deleting objects.
func TestPkcs11Tool(t *testing.T) {
	e := newEnv(t)
	mustContain(t, "--list-slots before init", e.pkcs11Tool(t, "--list-slots"), "token state:   uninitialized")
	e.initToken(t, "pkcs11-tool")
	mustContain(t, "--list-slots", e.pkcs11Tool(t, "--list-slots"), "token label        : pkcs11-tool", "PIN initialized")
	pub := e.genECKey(t, "tool key", "01")
	mustContain(t, "--test", e.pkcs11Tool(t, "--test", "--login", "--pin", userPIN), "No errors", "SHA256: OK")

	dir := t.TempDir()
	msg, sig := filepath.Join(dir, "msg"), filepath.Join(dir, "sig")
	os.WriteFile(msg, []byte("signed by pkcs11-tool"), 0o600)
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--sign", "--mechanism", "ECDSA-SHA256", "--label", "tool key",
		"--signature-format", "openssl", "--input-file", msg, "--output-file", sig)
	der, _ := os.ReadFile(sig)
	digest := sha256.Sum256([]byte("signed by pkcs11-tool"))
	if !ecdsa.VerifyASN1(pub, digest[:], der) {
		t.Fatal("pkcs11-tool's signature does not verify with Go's crypto")
	}

	data, back := filepath.Join(dir, "data"), filepath.Join(dir, "back")
	os.WriteFile(data, []byte("device configuration"), 0o600)
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--write-object", data, "--type", "data", "--label", "config")
	e.pkcs11Tool(t, "--read-object", "--type", "data", "--label", "config", "--output-file", back)
	if got, _ := os.ReadFile(back); string(got) != "device configuration" {
		t.Errorf("data object read back as %q", got)
	}
	mustContain(t, "--list-objects", e.pkcs11Tool(t, "--login", "--pin", userPIN, "--list-objects"),
		"Private Key Object; EC", "label:      tool key", "Data object", "label:          'config'")
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--delete-object", "--type", "data", "--label", "config")
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--delete-object", "--type", "privkey", "--label", "tool key")
	if out := e.pkcs11Tool(t, "--login", "--pin", userPIN, "--list-objects"); strings.Contains(out, "config") || strings.Contains(out, "Private Key") {
		t.Errorf("deleted objects are still listed:\n%s", out)
	}
}

// TestSSHKeygen lists the token's public keys with ssh-keygen -D.
func TestSSHKeygen(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "ssh")
	pub := e.genECKey(t, "ssh key", "02")
	want, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	out := e.run(t, "", "ssh-keygen", "-D", modulePath)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(want)))
	mustContain(t, "ssh-keygen -D", out, line)
}

// TestP11Kit registers the module with a p11-kit module file and checks
// that p11-kit list-modules sees it and its token. p11-kit reads user
// module files (~/.config/pkcs11/modules) except for root, which gets the
// system directory (/etc/pkcs11/modules) for the length of the test.
func TestP11Kit(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "p11-kit")
	dir := "/etc/pkcs11/modules"
	if os.Geteuid() != 0 {
		home := t.TempDir()
		t.Setenv("HOME", home)
		t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
		dir = filepath.Join(home, ".config", "pkcs11", "modules")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "corepkcs11-test.module")
	if err := os.WriteFile(file, []byte("module: "+modulePath+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(file) })
	out := e.run(t, "", "p11-kit", "list-modules")
	mustContain(t, "p11-kit list-modules", out, "corepkcs11-test:", "library-manufacturer: corepkcs11", "token: p11-kit")
}

// TestLegacySwitch: pkcs11-tool lists the legacy mechanisms (single DES,
// MD5) by default and not with COREPKCS11_LEGACY=0, read from the
// environment at C_Initialize.
func TestLegacySwitch(t *testing.T) {
	e := newEnv(t)
	on := e.pkcs11Tool(t, "--list-mechanisms")
	mustContain(t, "mechanisms by default", on, "DES-KEY-GEN,", "MD5,", "DES3-KEY-GEN,")
	cmd := exec.Command("pkcs11-tool", "--module", modulePath, "--list-mechanisms")
	cmd.Env = append(e.vars(), "COREPKCS11_LEGACY=0")
	off, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("pkcs11-tool: %v\n%s", err, off)
	}
	mustContain(t, "mechanisms with legacy off", string(off), "DES3-KEY-GEN,")
	if strings.Contains(string(off), "DES-KEY-GEN,") || strings.Contains(string(off), "MD5,") {
		t.Errorf("COREPKCS11_LEGACY=0 still lists legacy mechanisms:\n%s", off)
	}
}
