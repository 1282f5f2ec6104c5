// Package qualify is the qualification suite: the 27 tests with which
// FreeRTOS qualifies a corePKCS11 port (the PKCS#11 group of
// FreeRTOS-Libraries-Integration-Tests), written anew from what those
// tests are documented to check and from the PKCS#11 specification, plus
// an extended group. It drives any PKCS#11 module through its C ABI, so it
// qualifies corepkcs11 and other modules alike; signatures and digests are
// checked with Go's crypto, never with the module under test.
package qualify

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/miekg/pkcs11"
)

// Labels are the object labels the suite provisions and looks for; the
// defaults are corePKCS11's.
type Labels struct {
	PrivateKey, PublicKey, Certificate, RootCert, CodeVerifyKey, JITPCert string
}

// DefaultLabels are corePKCS11's well-known labels.
var DefaultLabels = Labels{
	PrivateKey:    "Device Priv TLS Key",
	PublicKey:     "Device Pub TLS Key",
	Certificate:   "Device Cert",
	RootCert:      "Root Cert",
	CodeVerifyKey: "Code Verify Key",
	JITPCert:      "JITP Cert",
}

// Options are the suite's configuration, as corePKCS11's
// test_param_config.h has them.
type Options struct {
	Module string
	// Slot is the slot of the token under test; nil means the first slot
	// with an initialized token.
	Slot *uint
	PIN  string
	// Key functions and provisioning mechanisms the module supports.
	RSA, EC, Import, Generate bool
	// Preprovisioned: the labelled keys and certificate already exist;
	// the suite neither creates nor destroys them.
	Preprovisioned bool
	// Groups to run; empty means the 27 corePKCS11 tests.
	Groups []string
	Labels Labels
}

// Status is a test's outcome.
type Status int

// Outcomes.
const (
	Pass Status = iota
	Fail
	Skip
)

func (s Status) String() string { return [...]string{"PASS", "FAIL", "SKIP"}[s] }

// Result is one test's outcome and, for anything but PASS, the reason.
type Result struct {
	Group, Name string
	Status      Status
	Reason      string
	Duration    time.Duration
}

// Summary counts the outcomes of a run.
type Summary struct{ Passed, Failed, Skipped int }

type test struct {
	group, name string
	run         func(*T)
}

// CoreGroups are the groups of the 27 corePKCS11 tests, in their order.
var CoreGroups = []string{"StartFinish", "Capabilities", "NoObject", "RSA", "EC"}

// AllGroups lists every group, the extended one last.
var AllGroups = append(slices.Clone(CoreGroups), "Extended")

var tests []test

func register(group string, ts ...test) {
	for _, t := range ts {
		t.group = group
		tests = append(tests, t)
	}
}

// Run runs the selected groups against the module, printing one line per
// test to w and a closing "N passed, M failed, K skipped" line.
func Run(opts Options, w io.Writer) (Summary, error) {
	if opts.Labels == (Labels{}) {
		opts.Labels = DefaultLabels
	}
	groups := opts.Groups
	if len(groups) == 0 {
		groups = CoreGroups
	}
	for _, g := range groups {
		if !slices.Contains(AllGroups, g) {
			return Summary{}, fmt.Errorf("unknown group %q (groups: %v)", g, AllGroups)
		}
	}
	if !opts.RSA && !opts.EC {
		return Summary{}, fmt.Errorf("at least one key function (RSA or EC) must be enabled")
	}
	if opts.Preprovisioned && opts.RSA && opts.EC {
		return Summary{}, fmt.Errorf("pre-provisioned credentials are tested with one key function: pass --no-rsa or --no-ec")
	}
	s := &suite{opts: opts}
	defer s.close()
	var sum Summary
	for _, g := range groups {
		for _, tc := range tests {
			if tc.group != g {
				continue
			}
			r := s.run(tc)
			switch r.Status {
			case Pass:
				sum.Passed++
				fmt.Fprintf(w, "%s %s/%s\n", r.Status, r.Group, r.Name)
			default:
				if r.Status == Fail {
					sum.Failed++
				} else {
					sum.Skipped++
				}
				fmt.Fprintf(w, "%s %s/%s: %s\n", r.Status, r.Group, r.Name, r.Reason)
			}
		}
		s.groupDone()
	}
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", sum.Passed, sum.Failed, sum.Skipped)
	return sum, nil
}

// suite holds what tests share: the loaded module, the slot, the objects
// created (destroyed when their group ends, so nothing is left behind).
type suite struct {
	opts    Options
	p       *pkcs11.Ctx
	raw     rawModule
	rawErr  error
	slot    uint
	slotErr error
	mu      sync.Mutex
	created []pkcs11.ObjectHandle
	creds   *credentials // the current key group's keys
	// anchor is a session the suite keeps open and logged in, so the
	// application stays logged in between tests: the spec invalidates
	// handles to private objects when the last session closes.
	anchor   pkcs11.SessionHandle
	anchored bool
}

func (s *suite) run(tc test) Result {
	t := &T{s: s, result: Result{Group: tc.group, Name: tc.name}}
	start := time.Now()
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer t.runCleanups()
		defer func() {
			if r := recover(); r != nil {
				t.result.Status, t.result.Reason = Fail, fmt.Sprintf("panic: %v", r)
			}
		}()
		tc.run(t)
	}()
	<-done
	t.result.Duration = time.Since(start)
	return t.result
}

// module loads the module once and initializes it if it is not.
func (s *suite) module() (*pkcs11.Ctx, error) {
	if s.p == nil {
		s.p = pkcs11.New(s.opts.Module)
		if s.p == nil {
			return nil, fmt.Errorf("cannot load %s", s.opts.Module)
		}
		s.raw, s.rawErr = loadRaw(s.opts.Module)
	}
	return s.p, nil
}

func (s *suite) close() {
	if s.p != nil {
		s.groupDone()
		s.p.Finalize()
		s.p.Destroy()
	}
}

// groupDone destroys what the group's tests created and left.
func (s *suite) groupDone() { s.destroyCreated() }

// destroyCreated destroys every object the suite created and forgets the
// group's credentials.
func (s *suite) destroyCreated() {
	s.mu.Lock()
	created := s.created
	s.created, s.creds = nil, nil
	s.mu.Unlock()
	if len(created) == 0 || s.p == nil {
		return
	}
	h, err := s.p.OpenSession(s.slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	if err != nil {
		return
	}
	defer s.p.CloseSession(h)
	s.p.Login(h, pkcs11.CKU_USER, s.opts.PIN)
	for _, o := range created {
		s.p.DestroyObject(h, o)
	}
}

// T is one test's handle on the suite, in the manner of testing.T.
type T struct {
	s        *suite
	result   Result
	cleanups []func()
}

// Fatalf fails the test and stops it.
func (t *T) Fatalf(format string, args ...any) {
	t.result.Status, t.result.Reason = Fail, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Skipf skips the test and stops it.
func (t *T) Skipf(format string, args ...any) {
	t.result.Status, t.result.Reason = Skip, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// Cleanup runs fn when the test ends, last registered first.
func (t *T) Cleanup(fn func()) { t.cleanups = append(t.cleanups, fn) }

func (t *T) runCleanups() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}

// ok fails the test if err is not nil.
func (t *T) ok(what string, err error) {
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// rv fails the test unless err is the PKCS#11 error want (CKR_OK: nil).
func (t *T) rv(what string, err error, want uint) {
	if got := rvOf(err); got != want {
		t.Fatalf("%s returned %s, want %s", what, rvName(got), rvName(want))
	}
}

func rvOf(err error) uint {
	if err == nil {
		return pkcs11.CKR_OK
	}
	if e, ok := err.(pkcs11.Error); ok {
		return uint(e)
	}
	return pkcs11.CKR_GENERAL_ERROR
}

func rvName(rv uint) string {
	if rv == pkcs11.CKR_OK {
		return "CKR_OK"
	}
	return pkcs11.Error(rv).Error()
}

// initialized returns the module, initialized.
func (t *T) initialized() *pkcs11.Ctx {
	p, err := t.s.module()
	t.ok("loading the module", err)
	switch err := p.Initialize(); rvOf(err) {
	case pkcs11.CKR_OK:
		t.s.anchored = false
	case pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED:
	default:
		t.Fatalf("C_Initialize: %v", err)
	}
	return p
}

// slot returns the slot under test.
func (t *T) slot() uint {
	p := t.initialized()
	if t.s.opts.Slot != nil {
		t.s.slot = *t.s.opts.Slot
		return t.s.slot
	}
	slots, err := p.GetSlotList(true)
	t.ok("C_GetSlotList", err)
	for _, sl := range slots {
		if info, err := p.GetTokenInfo(sl); err == nil && info.Flags&pkcs11.CKF_TOKEN_INITIALIZED != 0 {
			t.s.slot = sl
			return sl
		}
	}
	t.Fatalf("no slot with an initialized token; give --slot")
	return 0
}

// session opens a read/write session on the slot under test, logged in
// as the user; it closes when the test ends.
func (t *T) session() (*pkcs11.Ctx, pkcs11.SessionHandle) {
	p := t.initialized()
	if !t.s.anchored {
		a, err := p.OpenSession(t.slot(), pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
		t.ok("C_OpenSession", err)
		t.s.anchor, t.s.anchored = a, true
	}
	h, err := p.OpenSession(t.slot(), pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	t.ok("C_OpenSession", err)
	t.Cleanup(func() { p.CloseSession(h) })
	if err := p.Login(h, pkcs11.CKU_USER, t.s.opts.PIN); err != nil && rvOf(err) != pkcs11.CKR_USER_ALREADY_LOGGED_IN {
		t.Fatalf("C_Login: %v", err)
	}
	return p, h
}

// created records objects for destruction when the group ends.
func (t *T) created(hs ...pkcs11.ObjectHandle) {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.created = append(t.s.created, hs...)
}

// forget drops objects the test destroyed itself.
func (t *T) forget(h pkcs11.ObjectHandle) {
	t.s.mu.Lock()
	defer t.s.mu.Unlock()
	t.s.created = slices.DeleteFunc(t.s.created, func(o pkcs11.ObjectHandle) bool { return o == h })
}

// parallel runs fn on n goroutines, each on its own OS thread with its
// own session, and fails the test with the first error.
func (t *T) parallel(n int, fn func(p *pkcs11.Ctx, h pkcs11.SessionHandle) error) {
	p := t.initialized()
	slot := t.slot()
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			h, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
			if err != nil {
				errs <- fmt.Errorf("C_OpenSession: %w", err)
				return
			}
			defer p.CloseSession(h)
			errs <- fn(p, h)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("%v", err)
		}
	}
}
