// Package interop tests build/libcorepkcs11.so the way its users load it:
// from C with dlopen, from Go through github.com/miekg/pkcs11, and with
// the real consumers (pkcs11-tool, p11tool, OpenSSL, ssh-keygen, PyKCS11,
// Java, p11-kit), which scripts/install-deps.sh installs.
package interop

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// modulePath is the module under test, built once by TestMain.
var modulePath string

// buildFlags are those make module builds the module with (the Makefile's
// BUILDFLAGS): the tests load the module as it ships, without symbol
// table, DWARF or file paths.
var buildFlags = []string{"-trimpath", "-ldflags=-s -w"}

func TestMain(m *testing.M) {
	if role := os.Getenv(roleVar); role != "" {
		// A child process of a multi-process test (processes_test.go).
		os.Exit(runRole(role))
	}
	dir, err := os.MkdirTemp("", "corepkcs11-interop-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	modulePath = filepath.Join(dir, "libcorepkcs11.so")
	build := exec.Command("go", append(append([]string{"build"}, buildFlags...), "-buildmode=c-shared", "-o", modulePath, "../module")...)
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building the module: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// env is a fresh store for one test, with the module's log in a file.
type env struct {
	store, log string
	extra      []string // more environment variables, NAME=value
}

func newEnv(t *testing.T) env {
	t.Helper()
	dir := t.TempDir()
	return env{store: filepath.Join(dir, "store"), log: filepath.Join(dir, "module.log")}
}

func (e env) vars() []string {
	return append(append(os.Environ(), "COREPKCS11_STORE="+e.store, "COREPKCS11_LOG_FILE="+e.log), e.extra...)
}

// run runs a command against the env's store and returns its combined
// output, failing the test if it fails.
func (e env) run(t *testing.T, stdin string, name string, args ...string) string {
	t.Helper()
	out, err := e.try(stdin, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func (e env) try(stdin string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Env = e.vars()
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// Fixed PINs of the tokens the tests create.
const (
	soPIN   = "12345678"
	userPIN = "1234"
)

// initToken makes slot 0 a token labelled label with both PINs set, using pkcs11-tool.
func (e env) initToken(t *testing.T, label string) {
	t.Helper()
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--init-token", "--slot", "0", "--label", label, "--so-pin", soPIN)
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--init-pin", "--slot", "0", "--login", "--so-pin", soPIN, "--pin", userPIN)
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s: output lacks %q:\n%s", what, w, out)
		}
	}
}
