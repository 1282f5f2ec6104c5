package interop

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
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
		delay := strconv.Itoa(rand.IntN(300))
		a, b := runBoth(t, e.child(t, "set-label"), e.child(t, "destroy-public", delay))
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
		a, b := runBoth(t, e.child(t, "sign", "2s"), e.child(t, "change-pin", "3"))
		if field(b, "changed") != "3" {
			t.Fatalf("round %d: B did not change the PIN:\n%s", round, b)
		}
		if field(a, "failures") != "0" || field(a, "signed") == "0" || field(a, "signed") == "" {
			t.Fatalf("round %d: A's signing failed while B changed the PIN:\n%s", round, a)
		}
	}
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
	if role != "change-pin" {
		// Writing token objects needs the token key, which a login unlocks.
		if err := p.Login(h, pkcs11.CKU_USER, userPIN); err != nil {
			fmt.Println("error=", err)
			return 1
		}
	}
	if err := roles[role](p, h, os.Args[1:]); err != nil {
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
		}
		return fmt.Sprintf("%#x", uint(e))
	}
	return err.Error()
}

var roles = map[string]func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error{
	// set-label: set the public key's CKA_LABEL until a call fails or 10 s pass.
	"set-label": func(p *pkcs11.Ctx, h pkcs11.SessionHandle, _ []string) error {
		key, err := findOne(p, h, pkcs11.CKO_PUBLIC_KEY)
		if err != nil {
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
	},
	// destroy-public MS: wait MS milliseconds, then destroy the public key.
	"destroy-public": func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		ms, _ := strconv.Atoi(args[0])
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
	},
	// set-attribute label|id N: set the public key's CKA_LABEL (or CKA_ID)
	// to label-0 … label-(N-1) (id-0 …).
	"set-attribute": func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
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
	},
	// sign D: sign with the private key for duration D, counting failures.
	"sign": func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		d, _ := time.ParseDuration(args[0])
		key, err := findOne(p, h, pkcs11.CKO_PRIVATE_KEY)
		if err != nil {
			return err
		}
		digest := sha256.Sum256([]byte("multi-process"))
		signed, failures := 0, 0
		var first error
		for deadline := time.Now().Add(d); time.Now().Before(deadline); {
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
				if first == nil {
					first = err
				}
				continue
			}
			signed++
		}
		fmt.Printf("signed=%d\nfailures=%d\nfirst=%v\n", signed, failures, first)
		return nil
	},
	// change-pin N: change the user PIN to another and back, N times.
	"change-pin": func(p *pkcs11.Ctx, h pkcs11.SessionHandle, args []string) error {
		n, _ := strconv.Atoi(args[0])
		other := string(bytes.Repeat([]byte("9"), 6))
		for range n {
			if err := p.SetPIN(h, userPIN, other); err != nil {
				return err
			}
			if err := p.SetPIN(h, other, userPIN); err != nil {
				return err
			}
		}
		fmt.Printf("changed=%d\n", n)
		return nil
	},
}
