package interop

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/pkcs11"
)

// Multi-process tests: two processes, each loading the module through
// github.com/miekg/pkcs11, on one token in one store. The children are
// this test binary, re-executed with roleVar naming what to do.

const (
	roleVar   = "COREPKCS11_TEST_ROLE"
	moduleVar = "COREPKCS11_TEST_MODULE"
)

// rounds is how many times each scenario runs: a few in `make test`,
// many in `make soak` (COREPKCS11_SOAK=1).
func rounds() int {
	if os.Getenv("COREPKCS11_SOAK") != "" {
		return 50
	}
	return 3
}

// child starts this binary in role with args, on e's store.
func (e env) child(t *testing.T, role string, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(e.vars(), roleVar+"="+role, moduleVar+"="+modulePath)
	return cmd
}

// runBoth runs two children at once and returns their outputs.
func runBoth(t *testing.T, a, b *exec.Cmd) (string, string) {
	t.Helper()
	var wg sync.WaitGroup
	outs := make([]string, 2)
	for i, cmd := range []*exec.Cmd{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := cmd.CombinedOutput()
			outs[i] = string(out)
			if err != nil {
				outs[i] += fmt.Sprintf("\nexit: %v", err)
			}
		}()
	}
	wg.Wait()
	return outs[0], outs[1]
}

// field returns the value of "name=value" in a child's output.
func field(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+"="); ok {
			return v
		}
	}
	return ""
}

// TestProcessesDestroyWhileSetting: process A keeps setting CKA_LABEL of
// a token object through its handle while process B destroys the object.
// The object must stay destroyed, and A must learn it
// (CKR_OBJECT_HANDLE_INVALID), never keep writing into the void.
func TestProcessesDestroyWhileSetting(t *testing.T) {
	for round := range rounds() {
		e := newEnv(t)
		e.initToken(t, "mp")
		e.genECKey(t, "mp key", "01")
		delay, ready := strconv.Itoa(rand.IntN(300)), filepath.Join(t.TempDir(), "ready")
		a, b := runBoth(t, e.child(t, "set-label", ready), e.child(t, "destroy-public", delay, ready))
		if field(b, "destroyed") != "yes" {
			t.Fatalf("round %d: B did not destroy the key:\n%s", round, b)
		}
		if rv := field(a, "stopped"); rv != "CKR_OBJECT_HANDLE_INVALID" {
			t.Fatalf("round %d: A's writes ended with %q, want CKR_OBJECT_HANDLE_INVALID:\n%s", round, rv, a)
		}
		if objs := e.pkcs11Tool(t, "--list-objects", "--type", "pubkey"); strings.Contains(objs, "Public Key Object") {
			t.Fatalf("round %d: the destroyed key is back:\n%s", round, objs)
		}
	}
}

// TestProcessesNoLostUpdate: A sets CKA_LABEL while B sets CKA_ID of the
// same public key, 200 times each; both last values must be there.
func TestProcessesNoLostUpdate(t *testing.T) {
	const writes = "200"
	for round := range rounds() {
		e := newEnv(t)
		e.initToken(t, "mp")
		e.genECKey(t, "mp key", "01")
		a, b := runBoth(t, e.child(t, "set-attribute", "label", writes), e.child(t, "set-attribute", "id", writes))
		if field(a, "done") != writes || field(b, "done") != writes {
			t.Fatalf("round %d: writers did not finish:\nA: %s\nB: %s", round, a, b)
		}
		objs := e.pkcs11Tool(t, "--list-objects", "--type", "pubkey")
		if !strings.Contains(objs, "label:      label-199") || !strings.Contains(objs, "ID:         69642d313939") {
			t.Fatalf("round %d: a writer's last value is lost:\n%s", round, objs)
		}
	}
}

// TestProcessesPINChangeKeepsLogins: A stays logged in and signs while B
// changes the user PIN and back; A's signing must never fail.
func TestProcessesPINChangeKeepsLogins(t *testing.T) {
	for round := range rounds() {
		e := newEnv(t)
		e.initToken(t, "mp")
		e.genECKey(t, "mp key", "01")
		dir := t.TempDir()
		ready, stop := filepath.Join(dir, "ready"), filepath.Join(dir, "stop")
		a, b := runBoth(t, e.child(t, "sign", "60s", ready, stop), e.child(t, "change-pin", "3", ready, stop))
		if field(b, "changed") != "3" {
			t.Fatalf("round %d: B did not change the PIN:\n%s", round, b)
		}
		if field(a, "failures") != "0" || field(a, "signed") == "0" || field(a, "signed") == "" {
			t.Fatalf("round %d: A's signing failed while B changed the PIN:\n%s", round, a)
		}
	}
}

// TestProcessesMixed: four processes create, find, sign, set attributes
// and destroy on one token at once. No call may fail, and each process
// finds every object another announced (by a file, after its
// C_CreateObject returned) on its next search.
func TestProcessesMixed(t *testing.T) {
	const n = "15"
	e := newEnv(t)
	e.initToken(t, "mp")
	e.genECKey(t, "mp key", "01")
	markers := t.TempDir()
	var wg sync.WaitGroup
	outs := make([]string, 4)
	for k := range outs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := e.child(t, "mixed", strconv.Itoa(k), n, markers).CombinedOutput()
			outs[k] = string(out)
			if err != nil {
				outs[k] += fmt.Sprintf("\nexit: %v", err)
			}
		}()
	}
	wg.Wait()
	for k, out := range outs {
		if field(out, "done") != n {
			t.Errorf("process %d:\n%s", k, out)
		}
	}
	if objs := e.pkcs11Tool(t, "--login", "--pin", userPIN, "--list-objects", "--type", "data"); strings.Count(objs, "Data object") != 60 {
		t.Errorf("want 60 data objects, have:\n%s", objs)
	}
}

// TestProcessesChangesBeforeFirstFind: process A initializes the module
// and logs in, which reads no object (issue 17); only after other
// processes destroyed and created objects, or re-initialized the token,
// does it make its first search, which must find the token as it is
// then: no destroyed object, every new one, nothing of the token before
// a re-initialization, whose end of A's login A must see too.
func TestProcessesChangesBeforeFirstFind(t *testing.T) {
	for _, reinit := range []bool{false, true} {
		e := newEnv(t)
		e.initToken(t, "mp")
		e.runChild(t, "data", "create", "kept", "doomed")
		dir := t.TempDir()
		ready, start := filepath.Join(dir, "ready"), filepath.Join(dir, "start")
		first := e.child(t, "first-find", ready, start)
		done := make(chan string, 1)
		go func() {
			out, err := first.CombinedOutput()
			if err != nil {
				out = fmt.Appendf(out, "\nexit: %v", err)
			}
			done <- string(out)
		}()
		if err := waitFile(ready); err != nil {
			t.Fatal(err, <-done)
		}
		want, wantState := "born,kept", "CKS_RW_USER_FUNCTIONS"
		if reinit {
			e.initToken(t, "mp2")
			e.runChild(t, "data", "create", "reborn")
			want, wantState = "reborn", "CKS_RW_PUBLIC_SESSION"
		} else {
			e.runChild(t, "data", "destroy", "doomed")
			e.runChild(t, "data", "create", "born")
		}
		if err := os.WriteFile(start, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		out := <-done
		if got := field(out, "labels"); got != want {
			t.Errorf("re-initialized %v: the first search finds %q, want %q:\n%s", reinit, got, want, out)
		}
		if got := field(out, "state"); got != wantState {
			t.Errorf("re-initialized %v: the session is in state %s after the first search, want %s:\n%s", reinit, got, wantState, out)
		}
	}
}

// runChild runs a child in role with args to its end, failing the test
// if it fails.
func (e env) runChild(t *testing.T, role string, args ...string) string {
	t.Helper()
	out, err := e.child(t, role, args...).CombinedOutput()
	if err != nil || field(string(out), "error") != "" {
		t.Fatalf("%s %v: %v\n%s", role, args, err, out)
	}
	return string(out)
}

// killRounds runs a child that changes the token's keys (role) until it
// is killed with SIGKILL, at a random moment after its first completed
// change, while three others sign; allowed lists the errors a signer may
// see (none: every signature must succeed), and check judges the token
// left behind.
func killRounds(t *testing.T, role string, allowed []string, check func(e env)) {
	for round := range rounds() {
		e := newEnv(t)
		e.initToken(t, "mp")
		e.genECKey(t, "mp key", "01")
		// The signers log in first: a PIN the victim changed before their
		// login would be a wrong PIN, not a failure of the token.
		ready, stop := t.TempDir(), filepath.Join(t.TempDir(), "stop")
		signers := make([]*exec.Cmd, 3)
		outs := make([][]byte, 3)
		var wg sync.WaitGroup
		for i := range signers {
			signers[i] = e.child(t, "sign", "60s", filepath.Join(ready, strconv.Itoa(i)), stop)
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], _ = signers[i].CombinedOutput()
			}()
		}
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if entries, _ := os.ReadDir(ready); len(entries) == len(signers) {
				break
			}
			if time.Now().After(deadline) {
				wg.Wait()
				t.Fatalf("round %d: the signers did not start: %s", round, outs)
			}
		}
		victim := e.child(t, role)
		var out, stderr bytes.Buffer
		victim.Stderr = &stderr
		stdout, err := victim.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := victim.Start(); err != nil {
			t.Fatal(err)
		}
		stepped := make(chan bool, 1)
		go func() {
			scan := bufio.NewScanner(stdout)
			first := true
			for scan.Scan() {
				out.WriteString(scan.Text() + "\n")
				if first && scan.Text() == "step=1" {
					first = false
					stepped <- true
				}
			}
			close(stepped)
		}()
		select {
		case ok := <-stepped:
			if !ok {
				victim.Wait()
				t.Fatalf("round %d: %s ended without a change:\n%s", round, role, out.String())
			}
		case <-time.After(30 * time.Second):
			victim.Process.Kill()
			t.Fatalf("round %d: %s made no change in 30 s", round, role)
		}
		time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond)
		victim.Process.Kill()
		victim.Wait()
		for range stepped {
		}
		if err := os.WriteFile(stop, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if field(out.String(), "error") != "" {
			t.Fatalf("round %d: %s failed before it was killed:\n%s%s", round, role, out.String(), stderr.String())
		}
		for i, o := range outs {
			if field(string(o), "signed") == "" {
				t.Fatalf("round %d: signer %d did not run:\n%s", round, i, o)
			}
			for _, code := range strings.Split(field(string(o), "errors"), ",") {
				if code != "" && !slices.Contains(allowed, code) {
					t.Fatalf("round %d: signer %d got %s while %s ran:\n%s", round, i, code, role, o)
				}
			}
		}
		check(e)
	}
}

// loginWorks reports whether pin logs the user in.
func (e env) loginWorks(pin string) bool {
	_, err := e.try("", "pkcs11-tool", "--module", modulePath, "--login", "--pin", pin, "--list-objects")
	return err == nil
}

// TestKillDuringSetPIN: whatever instant C_SetPIN is killed at, the
// token keeps the old PIN or the new one, and others' logins go on.
func TestKillDuringSetPIN(t *testing.T) {
	killRounds(t, "change-pin-forever", nil, func(e env) {
		if e.loginWorks(userPIN) == e.loginWorks(otherPIN) {
			t.Fatal("after the kill, not exactly one of the two PINs works")
		}
	})
}

// TestKillDuringInitPIN: the same for the SO's C_InitPIN.
func TestKillDuringInitPIN(t *testing.T) {
	killRounds(t, "init-pin-forever", nil, func(e env) {
		if e.loginWorks(userPIN) == e.loginWorks(otherPIN) {
			t.Fatal("after the kill, not exactly one of the two PINs works")
		}
	})
}

// TestKillDuringInitToken: killed in C_InitToken, the token is the old
// one (user PIN and key pair) or a re-initialized one (no user PIN, no
// objects), and the SO PIN opens it either way. Signers see their key
// and login go with a re-initialization, and nothing worse.
func TestKillDuringInitToken(t *testing.T) {
	allowed := []string{"CKR_KEY_HANDLE_INVALID", "CKR_OBJECT_HANDLE_INVALID", "CKR_USER_NOT_LOGGED_IN"}
	killRounds(t, "init-token-forever", allowed, func(e env) {
		info := e.run(t, "", "pkcs11-tool", "--module", modulePath, "--list-token-slots")
		objs := e.run(t, "", "pkcs11-tool", "--module", modulePath, "--list-objects")
		switch {
		case strings.Contains(info, "label        : mp\n"):
			if !e.loginWorks(userPIN) {
				t.Fatalf("the old token lost its user PIN:\n%s", info)
			}
			if !strings.Contains(e.pkcs11Tool(t, "--login", "--pin", userPIN, "--list-objects"), "Private Key Object") {
				t.Fatal("the old token lost its key pair")
			}
		case strings.Contains(info, "label        : mp-a\n"), strings.Contains(info, "label        : mp-b\n"):
			if !strings.Contains(info, "PIN not initialized") && strings.Contains(info, "PIN initialized") {
				t.Fatalf("a re-initialized token has a user PIN:\n%s", info)
			}
			if e.loginWorks(userPIN) || strings.Contains(objs, "Object") {
				t.Fatalf("a re-initialized token keeps the old user PIN or objects:\n%s", objs)
			}
		default:
			t.Fatalf("the token is in no known state:\n%s", info)
		}
		if out, err := e.try("", "pkcs11-tool", "--module", modulePath, "--init-pin", "--login", "--so-pin", soPIN, "--pin", userPIN); err != nil {
			t.Fatalf("the SO PIN does not open the token: %s\n%s", out, info)
		}
	})
}

// runRole is a child process's whole life: it loads the module, opens a
// session on the token and plays role, printing its results as
// name=value lines.
func runRole(role string) int {
	p := pkcs11.New(os.Getenv(moduleVar))
	if p == nil {
		fmt.Println("error=cannot load the module")
		return 1
	}
	defer p.Destroy()
	if err := p.Initialize(); err != nil {
		fmt.Println("error=", err)
		return 1
	}
	defer p.Finalize()
	slots, err := p.GetSlotList(true)
	if err != nil || len(slots) < 2 {
		fmt.Println("error=no token", err)
		return 1
	}
	h, err := p.OpenSession(slots[0], pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		fmt.Println("error=", err)
		return 1
	}
	r := roles[role]
	if r.login != "" {
		user, pin := uint(pkcs11.CKU_USER), userPIN
		if r.login == "so" {
			user, pin = pkcs11.CKU_SO, soPIN
		}
		if err := p.Login(h, user, pin); err != nil {
			fmt.Println("error=", err)
			return 1
		}
	}
	if err := r.run(p, h, os.Args[1:]); err != nil {
		fmt.Println("error=", err)
		return 1
	}
	return 0
}

func findOne(p *pkcs11.Ctx, h pkcs11.SessionHandle, class uint) (pkcs11.ObjectHandle, error) {
	if err := p.FindObjectsInit(h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, class)}); err != nil {
		return 0, err
	}
	defer p.FindObjectsFinal(h)
	found, _, err := p.FindObjects(h, 2)
	if err != nil {
		return 0, err
	}
	if len(found) != 1 {
		return 0, fmt.Errorf("%d objects of class %d", len(found), class)
	}
	return found[0], nil
}

func rvName(err error) string {
	if e, ok := err.(pkcs11.Error); ok {
		switch e {
		case pkcs11.CKR_OBJECT_HANDLE_INVALID:
			return "CKR_OBJECT_HANDLE_INVALID"
		case pkcs11.CKR_KEY_HANDLE_INVALID:
			return "CKR_KEY_HANDLE_INVALID"
		case pkcs11.CKR_USER_NOT_LOGGED_IN:
			return "CKR_USER_NOT_LOGGED_IN"
		}
		return fmt.Sprintf("%#x", uint(e))
	}
	return err.Error()
}

// role is what a child process does, and who it logs in as first:
// "user", "so", or "" for no one.
type role struct {
	login string
	run   func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error
}

// Writing token objects needs the token key, which a login unlocks.
var roles = map[string]role{
	// set-label READY: set the public key's CKA_LABEL until a call fails
	// or 10 s pass; create the file READY once the key is found.
	"set-label": {"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		key, err := findOne(p, h, pkcs11.CKO_PUBLIC_KEY)
		if err != nil {
			return err
		}
		if err := os.WriteFile(args[0], nil, 0o600); err != nil {
			return err
		}
		deadline := time.Now().Add(10 * time.Second)
		for i := 0; time.Now().Before(deadline); i++ {
			if err := p.SetAttributeValue(h, key, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, fmt.Sprintf("label-%d", i))}); err != nil {
				fmt.Printf("sets=%d\nstopped=%s\n", i, rvName(err))
				return nil
			}
		}
		fmt.Println("stopped=never")
		return nil
	}},
	// destroy-public MS READY: once the file READY exists, wait MS
	// milliseconds, then destroy the public key.
	"destroy-public": {"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		ms, _ := strconv.Atoi(args[0])
		if err := waitFile(args[1]); err != nil {
			return err
		}
		time.Sleep(time.Duration(ms) * time.Millisecond)
		key, err := findOne(p, h, pkcs11.CKO_PUBLIC_KEY)
		if err != nil {
			return err
		}
		if err := p.DestroyObject(h, key); err != nil {
			return err
		}
		fmt.Println("destroyed=yes")
		return nil
	}},
	// set-attribute label|id N: set the public key's CKA_LABEL (or CKA_ID)
	// to label-0 … label-(N-1) (id-0 …).
	"set-attribute": {"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		typ := uint(pkcs11.CKA_LABEL)
		if args[0] == "id" {
			typ = pkcs11.CKA_ID
		}
		n, _ := strconv.Atoi(args[1])
		key, err := findOne(p, h, pkcs11.CKO_PUBLIC_KEY)
		if err != nil {
			return err
		}
		for i := range n {
			if err := p.SetAttributeValue(h, key, []*pkcs11.Attribute{pkcs11.NewAttribute(typ, fmt.Sprintf("%s-%d", args[0], i))}); err != nil {
				return fmt.Errorf("write %d: %w", i, err)
			}
		}
		fmt.Printf("done=%d\n", n)
		return nil
	}},
	// sign D [READY [STOP]]: sign with the private key for duration D, or
	// until the file STOP exists, counting failures; once logged in,
	// create the file READY.
	"sign": {"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		d, _ := time.ParseDuration(args[0])
		key, err := findOne(p, h, pkcs11.CKO_PRIVATE_KEY)
		if err != nil {
			return err
		}
		if len(args) > 1 {
			if err := os.WriteFile(args[1], nil, 0o600); err != nil {
				return err
			}
		}
		digest := sha256.Sum256([]byte("multi-process"))
		signed, failures := 0, 0
		codes := map[string]bool{}
		stopped := func() bool {
			if len(args) < 3 {
				return false
			}
			_, err := os.Stat(args[2])
			return err == nil
		}
		for deadline := time.Now().Add(d); time.Now().Before(deadline) && !stopped(); {
			err := p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, key)
			if err == nil {
				var sig []byte
				sig, err = p.Sign(h, digest[:])
				if err == nil && len(sig) != 64 {
					err = fmt.Errorf("signature of %d bytes", len(sig))
				}
			}
			if err != nil {
				failures++
				codes[rvName(err)] = true
				continue
			}
			signed++
		}
		fmt.Printf("signed=%d\nfailures=%d\nerrors=%s\n", signed, failures, strings.Join(slices.Sorted(maps.Keys(codes)), ","))
		return nil
	}},
	// change-pin N READY STOP: once the file READY exists, change the user
	// PIN to another and back, N times, then create the file STOP.
	"change-pin": {"", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		n, _ := strconv.Atoi(args[0])
		if err := waitFile(args[1]); err != nil {
			return err
		}
		defer os.WriteFile(args[2], nil, 0o600)
		for range n {
			if err := p.SetPIN(h, userPIN, otherPIN); err != nil {
				return err
			}
			if err := p.SetPIN(h, otherPIN, userPIN); err != nil {
				return err
			}
		}
		fmt.Printf("changed=%d\n", n)
		return nil
	}},
	// change-pin-forever: change the user PIN to another and back until killed.
	"change-pin-forever": {"", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, _ []string) error {
		for {
			if err := p.SetPIN(h, userPIN, otherPIN); err != nil {
				return err
			}
			fmt.Println("step=1")
			if err := p.SetPIN(h, otherPIN, userPIN); err != nil {
				return err
			}
			fmt.Println("step=1")
		}
	}},
	// init-pin-forever: as the SO, set the user PIN to one and the other until killed.
	"init-pin-forever": {"so", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, _ []string) error {
		for {
			for _, pin := range []string{otherPIN, userPIN} {
				if err := p.InitPIN(h, pin); err != nil {
					return err
				}
				fmt.Println("step=1")
			}
		}
	}},
	// init-token-forever: re-initialize the token, labelled one way and
	// the other, until killed. C_InitToken needs no session open.
	"init-token-forever": {"", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, _ []string) error {
		info, err := p.GetSessionInfo(h)
		if err != nil {
			return err
		}
		if err := p.CloseSession(h); err != nil {
			return err
		}
		for {
			for _, label := range []string{"mp-a", "mp-b"} {
				if err := p.InitToken(info.SlotID, soPIN, label); err != nil {
					return err
				}
				fmt.Println("step=1")
			}
		}
	}},
	// data create|destroy LABEL...: create public "mixed" data objects
	// with these labels, or destroy the ones with them.
	"data": {"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		for _, label := range args[1:] {
			tmpl := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
				pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false), pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "mixed"), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}
			if args[0] == "create" {
				if _, err := p.CreateObject(h, tmpl); err != nil {
					return fmt.Errorf("create %s: %w", label, err)
				}
				continue
			}
			if err := p.FindObjectsInit(h, tmpl[3:]); err != nil {
				return err
			}
			found, _, err := p.FindObjects(h, 2)
			p.FindObjectsFinal(h)
			if err != nil || len(found) != 1 {
				return fmt.Errorf("finding %s: %d objects, %v", label, len(found), err)
			}
			if err := p.DestroyObject(h, found[0]); err != nil {
				return fmt.Errorf("destroy %s: %w", label, err)
			}
		}
		return nil
	}},
	// first-find READY START: once logged in, create the file READY and
	// wait for the file START; then print the labels of the "mixed" data
	// objects a search finds, and the session's state.
	"first-find": {"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		if err := os.WriteFile(args[0], nil, 0o600); err != nil {
			return err
		}
		if err := waitFile(args[1]); err != nil {
			return err
		}
		found, err := findLabels(p, h)
		if err != nil {
			return err
		}
		info, err := p.GetSessionInfo(h)
		if err != nil {
			return err
		}
		state := map[uint]string{pkcs11.CKS_RW_PUBLIC_SESSION: "CKS_RW_PUBLIC_SESSION", pkcs11.CKS_RW_USER_FUNCTIONS: "CKS_RW_USER_FUNCTIONS"}[info.State]
		fmt.Printf("labels=%s\nstate=%s\n", strings.Join(slices.Sorted(maps.Keys(found)), ","), state)
		return nil
	}},
	// mixed K N MARKERS: process K of a few, N times: create a token data
	// object and announce it with a file in MARKERS; check that every
	// object announced before is found; sign; set and read back its own
	// object's value; create and destroy a scratch object.
	"mixed": {"user", func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		k, markers := args[0], args[2]
		n, _ := strconv.Atoi(args[1])
		key, err := findOne(p, h, pkcs11.CKO_PRIVATE_KEY)
		if err != nil {
			return err
		}
		digest := sha256.Sum256([]byte("mixed"))
		data := func(app, label string) []*pkcs11.Attribute {
			return []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
				pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, app), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}
		}
		for i := range n {
			label := fmt.Sprintf("p%s-%d", k, i)
			own, err := p.CreateObject(h, data("mixed", label))
			if err != nil {
				return fmt.Errorf("create %s: %w", label, err)
			}
			if err := os.WriteFile(filepath.Join(markers, label), nil, 0o600); err != nil {
				return err
			}
			announced, err := os.ReadDir(markers)
			if err != nil {
				return err
			}
			found, err := findLabels(p, h)
			if err != nil {
				return fmt.Errorf("find: %w", err)
			}
			for _, a := range announced {
				if !found[a.Name()] {
					return fmt.Errorf("object %s was announced but is not found", a.Name())
				}
			}
			if err := p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, key); err != nil {
				return fmt.Errorf("sign init: %w", err)
			}
			if _, err := p.Sign(h, digest[:]); err != nil {
				return fmt.Errorf("sign: %w", err)
			}
			value := []byte(fmt.Sprintf("value-%d", i))
			if err := p.SetAttributeValue(h, own, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, value)}); err != nil {
				return fmt.Errorf("set: %w", err)
			}
			got, err := p.GetAttributeValue(h, own, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
			if err != nil || !bytes.Equal(got[0].Value, value) {
				return fmt.Errorf("read back %q, %v", got[0].Value, err)
			}
			// Scratch objects are not "mixed": another process's search
			// may return one and see it destroyed before reading it.
			scratch, err := p.CreateObject(h, data("scratch", label))
			if err != nil {
				return fmt.Errorf("create scratch: %w", err)
			}
			if err := p.DestroyObject(h, scratch); err != nil {
				return fmt.Errorf("destroy scratch: %w", err)
			}
		}
		fmt.Printf("done=%d\n", n)
		return nil
	}},
}

// waitFile waits for another process to create the file path.
func waitFile(path string) error {
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s never appeared", path)
		}
	}
}

// otherPIN is the user PIN the PIN-changing roles switch to and back from.
const otherPIN = "999999"

// findLabels returns the labels of the token's "mixed" data objects.
func findLabels(p *pkcs11.Ctx, h pkcs11.SessionHandle) (map[string]bool, error) {
	if err := p.FindObjectsInit(h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_APPLICATION, "mixed")}); err != nil {
		return nil, err
	}
	defer p.FindObjectsFinal(h)
	labels := map[string]bool{}
	for {
		found, _, err := p.FindObjects(h, 100)
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return labels, nil
		}
		for _, o := range found {
			attrs, err := p.GetAttributeValue(h, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
			if err != nil {
				return nil, err
			}
			labels[string(attrs[0].Value)] = true
		}
	}
}
