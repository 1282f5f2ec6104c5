package interop

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDebugLog checks that COREPKCS11_LOG=debug logs each call with its
// function, handles, mechanism and attribute names and CK_RV, to
// COREPKCS11_LOG_FILE, and never a PIN.
func TestDebugLog(t *testing.T) {
	e := newEnv(t)
	const so, user = "so-Zq8vW3xK", "user-Pj5mT7rB"
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--init-token", "--slot", "0", "--label", "logged", "--so-pin", so)
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--init-pin", "--slot", "0", "--login", "--so-pin", so, "--pin", user)
	t.Setenv("COREPKCS11_LOG", "debug")
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--login", "--pin", user, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "logged key")
	e.run(t, "hello", "pkcs11-tool", "--module", modulePath, "--login", "--pin", user, "--sign", "--mechanism", "ECDSA-SHA256", "--label", "logged key")
	b, err := os.ReadFile(e.log)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	mustContain(t, "debug log", log,
		"msg=C_Initialize", "msg=C_Login", "user=CKU_USER", "msg=C_GenerateKeyPair", "mechanism=CKM_EC_KEY_PAIR_GEN",
		"CKA_EC_PARAMS", "msg=C_SignInit", "mechanism=CKM_ECDSA_SHA256", "msg=C_Sign ", "rv=CKR_OK", "session=", "took=")
	for _, pin := range []string{so, user} {
		if strings.Contains(log, pin) {
			t.Errorf("the log contains a PIN")
		}
	}
}

// TestPanicLog builds the module as make module does (without symbol
// table, DWARF or file paths) plus an exported entry that panics (the
// tag corepkcs11_panic, module/diag_panic.go), and calls it from C
// (testdata/panic.c): the host gets CKR_GENERAL_ERROR and the log, at its
// default level, the panic with a stack that names each frame's function,
// file (relative to the module path) and line: Go's function table, which
// the stripping keeps, is what the stack is printed from.
func TestPanicLog(t *testing.T) {
	e := newEnv(t)
	dir := t.TempDir()
	so := filepath.Join(dir, "libcorepkcs11-panic.so")
	args := append(append([]string{"build"}, buildFlags...), "-tags", "corepkcs11_panic", "-buildmode=c-shared", "-o", so, "../module")
	build := exec.Command("go", args...)
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	f, err := elf.Open(so)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{".symtab", ".debug_info"} {
		if f.Section(name) != nil {
			t.Errorf("the module has a %s section: not built as make module builds it", name)
		}
	}
	f.Close()
	bin := filepath.Join(dir, "panic")
	if out, err := exec.Command("gcc", "-O1", "-Wall", "-Werror", "-I", "../module", "-o", bin, "testdata/panic.c", "-ldl").CombinedOutput(); err != nil {
		t.Fatalf("compiling testdata/panic.c: %v\n%s", err, out)
	}
	out, err := e.try("", bin, so)
	if err != nil {
		t.Fatalf("%s: %v\n%s", bin, err, out)
	}
	b, err := os.ReadFile(e.log)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	if n := strings.Count(log, "msg=panic"); n != 2 {
		t.Errorf("%d panics logged, want 2:\n%s", n, log)
	}
	mustContain(t, "panic log", log, "level=ERROR", "function=corepkcs11_panic", "assignment to entry in nil map",
		"main.corepkcs11_panic()", "main.recoverPanic(", "github.com/corepkcs11/corepkcs11/module/diag_panic.go:", "github.com/corepkcs11/corepkcs11/module/log.go:")
	if src, _ := filepath.Abs("../module"); strings.Contains(log, src) {
		t.Errorf("the stack names files by the build's paths (%s): not built with -trimpath", src)
	}
	t.Logf("the log:\n%s", log)
}
