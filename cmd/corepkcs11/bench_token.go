package main

import (
	"bufio"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/miekg/pkcs11"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/client"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/mech/libcrypto"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/token"
)

// The bench tokens' PINs and labels: the bench only uses tokens it makes
// in a temporary store.
const (
	benchSOPIN       = "bench-so-pin"
	benchUserPIN     = "bench-pin"
	benchLabel       = "bench"
	benchStrongLabel = "bench-strong"
)

// benchTarget is a module (or the engine) being measured in a bench child
// process.
type benchTarget struct {
	sp    benchSpec
	col   *benchColumn
	clock benchClock
	rec   func(id string, measure func() (float64, error))
	ours  bool   // corepkcs11, whose tokens have a PIN derivation cost
	c     *cHost // the C host of a module's frequent calls; nil for the engine
}

// rate measures a row's operation: j from the C host for a module, op in
// this process for the engine.
func (b *benchTarget) rate(j cJob, op func() error) (float64, error) {
	if b.c != nil {
		return b.c.rate(b.clock, j, 1)
	}
	return b.clock.rate(benchQuickCount, op)
}

// open loads and initializes the module (C_Initialize), or the engine.
func (b *benchTarget) open() (client.Provider, error) {
	if b.sp.Kind == "engine" {
		return client.Open("", token.Config{Location: filepath.Join(b.sp.Dir, "store")})
	}
	return client.Open(b.sp.Path, token.Config{})
}

// benchToken measures a PKCS#11 module through its C ABI, or the engine
// in this process, on fresh tokens of its own.
func benchToken(sp benchSpec, col *benchColumn) {
	b := &benchTarget{sp: sp, col: col, clock: sp.clock(), rec: col.recorder(sp)}
	if err := b.run(); err != nil {
		col.Err = oneLine(err)
	}
}

func (b *benchTarget) run() error {
	sp, col := b.sp, b.col
	// The libraries the process mapped once the module has run say
	// which crypto ran.
	defer func() { col.Backend = benchBackend(b.ours, sp.Kind == "engine") }()
	if sp.Kind == "engine" {
		b.ours = true
		col.Library = "corepkcs11's engine (package token), " + goVersion()
		col.Token = "a fresh store in a temporary directory; PINs with token.FastKDF (COREPKCS11_KDF=fast)"
	} else {
		// A handle of our own on the library keeps it loaded between
		// the C_Initialize and C_Finalize of the login loops, as a host
		// that finalizes and initializes again would; it also reads
		// C_GetInfo.
		keeper := pkcs11.New(sp.Path)
		if keeper != nil {
			defer keeper.Destroy()
		}
		p, err := b.open()
		if err != nil {
			return err
		}
		if keeper != nil {
			if info, err := keeper.GetInfo(); err == nil {
				col.Library = fmt.Sprintf("%s %d.%d (%s)", strings.TrimSpace(info.LibraryDescription), info.LibraryVersion.Major, info.LibraryVersion.Minor,
					strings.TrimSpace(info.ManufacturerID))
				b.ours = strings.TrimSpace(info.ManufacturerID) == token.Manufacturer
				switch {
				case b.ours:
					col.Token = "a fresh store: $COREPKCS11_STORE set to a temporary directory before loading; C_InitToken with COREPKCS11_KDF=fast, C_InitPIN"
				case strings.Contains(strings.ToLower(info.ManufacturerID), "softhsm"):
					col.Token = "a fresh token directory: $SOFTHSM2_CONF set before loading to a temporary file (objectstore.backend = file); C_InitToken, C_InitPIN"
				}
			}
		}
		if col.Token == "" {
			col.Token = "C_InitToken and C_InitPIN on its first uninitialized slot ($COREPKCS11_STORE and $SOFTHSM2_CONF set to a temporary directory)"
		}
		p.Close()
	}

	// The tokens, and the login rate with no objects.
	p, err := b.open()
	if err != nil {
		return err
	}
	slot, err := benchMakeToken(p, benchLabel)
	if err != nil {
		p.Close()
		return err
	}
	var strongSlot ck.SlotID
	var strongErr error
	if b.ours {
		// The default cost, as a token made without COREPKCS11_KDF has.
		os.Setenv("COREPKCS11_KDF", "strong")
		strongSlot, strongErr = benchMakeToken(p, benchStrongLabel)
		os.Setenv("COREPKCS11_KDF", "fast")
	}
	p.Close()
	// SoftHSMv2 gives a token it initialized another slot at the next
	// C_Initialize: the slots are those after it.
	if p, err = b.open(); err != nil {
		return err
	}
	slot, err = benchFindToken(p, benchLabel)
	if b.ours && strongErr == nil {
		strongSlot, strongErr = benchFindToken(p, benchStrongLabel)
	}
	p.Close()
	if err != nil {
		return err
	}
	col.RSS0, err = b.probe()
	if err != nil {
		col.Notes = append(col.Notes, "resident memory with 0 objects: "+oneLine(err))
	}
	b.rec("login0", func() (float64, error) { return b.clock.rate(benchQuickCount, b.loginCycle(slot, nil)) })
	if b.ours {
		b.rec("loginStrong", func() (float64, error) {
			if strongErr != nil {
				return 0, fmt.Errorf("a token with the strong PIN derivation: %w", strongErr)
			}
			return b.clock.rate(2, b.loginCycle(strongSlot, nil))
		})
	}

	// N objects, and the login rate with them.
	if p, err = b.open(); err != nil {
		return err
	}
	s, err := benchLogin(p, slot)
	if err != nil {
		p.Close()
		return err
	}
	value := make([]byte, 32)
	for i := range sp.Objects {
		if b.sp.Progress && i%1000 == 0 && i > 0 {
			fmt.Fprintf(os.Stderr, "    %d objects\n", i)
		}
		rand.Read(value)
		if _, err := s.CreateObject(benchDataObject(fmt.Sprintf("bench-data-%d", i), value)); err != nil {
			p.Close()
			return fmt.Errorf("creating object %d of %d: %w", i+1, sp.Objects, err)
		}
	}
	p.Close()
	debug.FreeOSMemory()
	col.RSSN, err = b.probe()
	if err != nil {
		col.Notes = append(col.Notes, fmt.Sprintf("resident memory with %d objects: %s", sp.Objects, oneLine(err)))
	}
	b.rec("loginN", func() (float64, error) { return b.clock.rate(benchQuickCount, b.loginCycle(slot, nil)) })
	// What a tool that logs in and looks for its key pays: a module that
	// reads objects at first use reads them here.
	b.rec("loginFindN", func() (float64, error) { return b.clock.rate(2, b.loginCycle(slot, findFirstData)) })

	// The operations, in one session logged in as the user.
	if p, err = b.open(); err != nil {
		return err
	}
	defer p.Close()
	if s, err = benchLogin(p, slot); err != nil {
		return err
	}
	if sp.Kind == "module" {
		if b.c, err = newCHost(sp.Path, slot); err != nil {
			return err
		}
	}
	b.keys(p, slot, s)
	b.objects(s)
	return nil
}

// keys measures the key and crypto operations.
func (b *benchTarget) keys(p client.Provider, slot ck.SlotID, s client.Session) {
	clock, rec := b.clock, b.rec
	digest := make([]byte, 32)
	rand.Read(digest)

	// Key generation in a session of its own, whose closing destroys the
	// session keys it made.
	rec("ecGen", func() (float64, error) {
		gs, err := p.OpenSession(slot, true)
		if err != nil {
			return 0, err
		}
		defer gs.Close()
		return clock.rate(benchQuickCount, func() error {
			_, _, err := gs.GenerateKeyPair(client.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, benchECPublic(false), benchPrivate(false))
			return err
		})
	})

	// The signing keys are token objects, as a device's are.
	ec := signKey{id: "ec", mech: ck.CKM_ECDSA}
	ec.pub, ec.priv, ec.err = s.GenerateKeyPair(client.Mechanism{Type: ck.CKM_EC_KEY_PAIR_GEN}, benchECPublic(true), benchPrivate(true))
	b.signRows(s, ec, digest)
	rsaPubT := object.Template{object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_VERIFY, true), object.String(ck.CKA_LABEL, "bench-rsa"),
		object.ULong(ck.CKA_MODULUS_BITS, 2048), object.Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1})}
	rsa := signKey{id: "rsa", mech: ck.CKM_SHA256_RSA_PKCS}
	rsa.pub, rsa.priv, rsa.err = s.GenerateKeyPair(client.Mechanism{Type: ck.CKM_RSA_PKCS_KEY_PAIR_GEN}, rsaPubT, benchPrivate(true))
	b.signRows(s, rsa, digest)

	aesKey, aesErr := s.GenerateKey(client.Mechanism{Type: ck.CKM_AES_KEY_GEN}, object.Template{
		object.ULong(ck.CKA_CLASS, uint(ck.CKO_SECRET_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)),
		object.Bool(ck.CKA_TOKEN, false), object.ULong(ck.CKA_VALUE_LEN, 32), object.Bool(ck.CKA_ENCRYPT, true), object.Bool(ck.CKA_DECRYPT, true)})
	// One IV counter for both rows: they encrypt under the same key.
	var iv benchIV
	for _, c := range []struct {
		id   string
		size int
	}{{"gcm1K", 1 << 10}, {"gcm1M", 1 << 20}} {
		msg := make([]byte, c.size)
		rec(c.id, func() (float64, error) {
			if aesErr != nil {
				return 0, aesErr
			}
			return b.rate(cJob{kind: loopEncrypt, mech: ck.CKM_AES_GCM, key: aesKey, in: msg, outLen: len(msg) + 16}, func() error {
				m := client.Mechanism{Type: ck.CKM_AES_GCM, Param: mech.GCMParams{IV: iv.next(), IVBits: 96, TagBits: 128}}
				_, err := s.Encrypt(m, aesKey, msg)
				return err
			})
		})
	}

	macValue := make([]byte, 32)
	rand.Read(macValue)
	macKey, macErr := s.CreateObject(object.Template{
		object.ULong(ck.CKA_CLASS, uint(ck.CKO_SECRET_KEY)), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET)),
		object.Bool(ck.CKA_TOKEN, false), object.Bool(ck.CKA_SIGN, true), object.Bool(ck.CKA_VERIFY, true), object.Bytes(ck.CKA_VALUE, macValue)})
	kib := make([]byte, 1<<10)
	rec("hmac1K", func() (float64, error) {
		if macErr != nil {
			return 0, macErr
		}
		return b.rate(cJob{kind: loopSign, mech: ck.CKM_SHA256_HMAC, key: macKey, in: kib, outLen: 64}, func() error {
			_, err := s.Sign(client.Mechanism{Type: ck.CKM_SHA256_HMAC}, macKey, kib)
			return err
		})
	})

	for _, c := range []struct {
		id   string
		size int
	}{{"sha64", 64}, {"sha1M", 1 << 20}} {
		msg := make([]byte, c.size)
		rec(c.id, func() (float64, error) {
			return b.rate(cJob{kind: loopDigest, mech: ck.CKM_SHA256, in: msg, outLen: 64}, func() error {
				_, err := s.Digest(client.Mechanism{Type: ck.CKM_SHA256}, msg)
				return err
			})
		})
	}
	rec("rand32", func() (float64, error) {
		return b.rate(cJob{kind: loopRandom, outLen: 32}, func() error {
			_, err := s.Random(32)
			return err
		})
	})

	// Each thread signs in a session of its own; the user's login
	// covers them all.
	for _, k := range []signKey{ec, rsa} {
		measures := make([]func(benchClock) (float64, error), len(b.sp.Threads))
		for i, n := range b.sp.Threads {
			measures[i] = func(slice benchClock) (float64, error) {
				if k.err != nil {
					return 0, k.err
				}
				if b.c != nil {
					return b.c.rate(slice, k.signJob(digest), n)
				}
				ops := make([]func() error, n)
				for i := range n {
					ts, err := p.OpenSession(slot, false)
					if err != nil {
						return 0, err
					}
					defer ts.Close()
					ops[i] = k.sign(ts, digest)
				}
				return slice.rateThreads(benchQuickCount, ops)
			}
		}
		recThreads(rec, k.id+"Sign", b.sp.Threads, clock, measures)
	}
}

// signKey is a key pair of the sign, verify and threads rows, whose ids
// begin with id.
type signKey struct {
	id        string
	mech      ck.MechanismType
	pub, priv ck.ObjectHandle
	err       error // of the key pair's generation
}

// sign signs digest with k in session s, for the loops in Go.
func (k signKey) sign(s client.Session, digest []byte) func() error {
	return func() error { _, err := s.Sign(client.Mechanism{Type: k.mech}, k.priv, digest); return err }
}

// signJob is the same signature for the C loops.
func (k signKey) signJob(digest []byte) cJob {
	return cJob{kind: loopSign, mech: k.mech, key: k.priv, in: digest, outLen: 512}
}

// signRows measures k's sign and verify rows.
func (b *benchTarget) signRows(s client.Session, k signKey, digest []byte) {
	m := client.Mechanism{Type: k.mech}
	b.rec(k.id+"Sign", func() (float64, error) {
		if k.err != nil {
			return 0, k.err
		}
		return b.rate(k.signJob(digest), k.sign(s, digest))
	})
	b.rec(k.id+"Verify", func() (float64, error) {
		if k.err != nil {
			return 0, k.err
		}
		sig, err := s.Sign(m, k.priv, digest)
		if err != nil {
			return 0, err
		}
		return b.rate(cJob{kind: loopVerify, mech: k.mech, key: k.pub, in: digest, sig: sig},
			func() error { return s.Verify(m, k.pub, digest, sig) })
	})
}

// objects measures finding, creating and destroying token objects.
func (b *benchTarget) objects(s client.Session) {
	clock, rec := b.clock, b.rec
	i := 0
	rec("find", func() (float64, error) {
		return b.rate(cJob{kind: loopFind, objects: b.sp.Objects}, func() error {
			label := fmt.Sprintf("bench-data-%d", i%b.sp.Objects)
			i += 7919 // a prime: labels all over the token
			hs, err := s.FindObjects(object.Template{object.String(ck.CKA_LABEL, label)})
			if err == nil && len(hs) != 1 {
				err = fmt.Errorf("%d objects labelled %q, not 1", len(hs), label)
			}
			return err
		})
	})
	var made []ck.ObjectHandle
	value := make([]byte, 32)
	rand.Read(value)
	rec("create", func() (float64, error) {
		return clock.rate(benchQuickCount, func() error {
			h, err := s.CreateObject(benchDataObject(fmt.Sprintf("bench-new-%d", len(made)), value))
			if err == nil {
				made = append(made, h)
			}
			return err
		})
	})
	rec("destroy", func() (float64, error) {
		if len(made) == 0 {
			return 0, errors.New("no object was created")
		}
		return clock.rate(benchQuickCount, func() error {
			if len(made) == 0 {
				return errBenchDone
			}
			h := made[len(made)-1]
			made = made[:len(made)-1]
			return s.DestroyObject(h)
		})
	})
}

// loginCycle is one C_Initialize, C_OpenSession, C_Login as the user,
// then, unless nil, after in the logged-in session, and C_Finalize.
func (b *benchTarget) loginCycle(slot ck.SlotID, after func(client.Session) error) func() error {
	return func() error {
		p, err := b.open()
		if err != nil {
			return err
		}
		defer p.Close()
		s, err := p.OpenSession(slot, false)
		if err != nil {
			return err
		}
		if err := s.Login(ck.CKU_USER, []byte(benchUserPIN)); err != nil || after == nil {
			return err
		}
		return after(s)
	}
}

// findFirstData searches by label for the first of the bench's data
// objects, as a tool that logs in and looks for its key does.
func findFirstData(s client.Session) error {
	hs, err := s.FindObjects(object.Template{object.String(ck.CKA_LABEL, "bench-data-0")})
	if err == nil && len(hs) != 1 {
		err = fmt.Errorf("%d objects labelled bench-data-0, not 1", len(hs))
	}
	return err
}

// probe measures, in a new process, the resident memory of a host that
// loads the module and logs in to the bench token with what the store
// holds now.
func (b *benchTarget) probe() (int64, error) {
	sp := b.sp
	sp.Role = "probe"
	sp.Out = filepath.Join(sp.Dir, "probe.json")
	var r benchProbeResult
	if err := runBenchChild(sp, &r); err != nil {
		return 0, err
	}
	if r.Err != "" {
		return 0, errors.New(r.Err)
	}
	b.col.RSSBase = r.Base
	return r.RSS, nil
}

// benchProbeResult is what a probe process reports: its resident memory
// before loading the module and after C_Initialize and C_Login.
type benchProbeResult struct {
	Base, RSS int64
	Err       string
}

// benchProbe is the probe process's work.
func benchProbe(sp benchSpec) (r benchProbeResult) {
	debug.FreeOSMemory()
	r.Base = residentMemory()
	b := &benchTarget{sp: sp}
	p, err := b.open()
	if err != nil {
		r.Err = err.Error()
		return r
	}
	defer p.Close()
	slot, err := benchFindToken(p, benchLabel)
	var s client.Session
	if err == nil {
		s, err = benchLogin(p, slot)
	}
	if err == nil {
		// A search makes a module hold the token's objects: corepkcs11
		// reads them at the first call that needs them.
		_, err = s.FindObjects(object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_DATA))})
	}
	if err != nil {
		r.Err = err.Error()
		return r
	}
	r.RSS = residentMemory()
	return r
}

// benchMakeToken initializes a token labelled label on the module's first
// uninitialized slot and sets its user PIN; it returns the token's slot.
func benchMakeToken(p client.Provider, label string) (ck.SlotID, error) {
	slots, err := p.Slots()
	if err != nil {
		return 0, err
	}
	for _, sl := range slots {
		if !sl.TokenPresent || sl.Token.Initialized() {
			continue
		}
		if err := p.InitToken(sl.ID, []byte(benchSOPIN), label); err != nil {
			return 0, fmt.Errorf("C_InitToken: %w", err)
		}
		// SoftHSMv2 moves a token it initializes to a slot of its own.
		slot, err := benchFindToken(p, label)
		if err != nil {
			return 0, err
		}
		s, err := p.OpenSession(slot, true)
		if err != nil {
			return 0, err
		}
		defer s.Close()
		if err := s.Login(ck.CKU_SO, []byte(benchSOPIN)); err != nil {
			return 0, fmt.Errorf("the SO's login: %w", err)
		}
		if err := s.InitPIN([]byte(benchUserPIN)); err != nil {
			return 0, fmt.Errorf("C_InitPIN: %w", err)
		}
		return slot, s.Logout()
	}
	return 0, errors.New("the module has no uninitialized token to make the bench token in")
}

func benchFindToken(p client.Provider, label string) (ck.SlotID, error) {
	slots, err := p.Slots()
	if err != nil {
		return 0, err
	}
	for _, sl := range slots {
		if sl.TokenPresent && sl.Token.Initialized() && sl.Token.Label == label {
			return sl.ID, nil
		}
	}
	return 0, fmt.Errorf("no token labelled %q after C_InitToken; %s", label, describeSlots(slots))
}

// benchLogin opens a read-write session with the token in slot and logs
// in as the user.
func benchLogin(p client.Provider, slot ck.SlotID) (client.Session, error) {
	s, err := p.OpenSession(slot, true)
	if err != nil {
		return nil, err
	}
	if err := s.Login(ck.CKU_USER, []byte(benchUserPIN)); err != nil {
		return nil, fmt.Errorf("login: %w", err)
	}
	return s, nil
}

// benchDataObject is a durable, public data object of 32 bytes.
func benchDataObject(label string, value []byte) object.Template {
	return object.Template{object.ULong(ck.CKA_CLASS, uint(ck.CKO_DATA)), object.Bool(ck.CKA_TOKEN, true), object.Bool(ck.CKA_PRIVATE, false),
		object.String(ck.CKA_LABEL, label), object.Bytes(ck.CKA_VALUE, value)}
}

func benchECPublic(onToken bool) object.Template {
	return object.Template{object.Bool(ck.CKA_TOKEN, onToken), object.Bool(ck.CKA_VERIFY, true), object.String(ck.CKA_LABEL, "bench-ec"),
		object.Bytes(ck.CKA_EC_PARAMS, object.Curves[0].Params)}
}

// benchPrivate is a private key's template: private, sensitive, not
// extractable, for signing.
func benchPrivate(onToken bool) object.Template {
	return object.Template{object.Bool(ck.CKA_TOKEN, onToken), object.Bool(ck.CKA_PRIVATE, true), object.Bool(ck.CKA_SENSITIVE, true),
		object.Bool(ck.CKA_EXTRACTABLE, false), object.Bool(ck.CKA_SIGN, true), object.String(ck.CKA_LABEL, "bench-key")}
}

// benchBackend says which crypto library ran the operations. The
// corepkcs11 module signs on OpenSSL's libcrypto when it loads it (and
// nothing else in this process does), on Go's crypto otherwise; the
// engine in this process always runs on Go's crypto. For other modules
// it names the crypto libraries the process mapped once the module had
// run.
func benchBackend(ours, engine bool) string {
	libs := mappedCryptoLibraries()
	if ours {
		if !engine && slices.Contains(libs, libcrypto.Library) {
			return "OpenSSL libcrypto (" + libcrypto.Library + ", loaded by the module) for RSA and ECDSA signatures; Go crypto for the rest"
		}
		return mech.GoCrypto
	}
	if len(libs) == 0 {
		return "unknown: no known crypto library mapped in the process"
	}
	names := map[string]string{"libcrypto": "OpenSSL libcrypto", "libbotan": "Botan", "libgcrypt": "libgcrypt", "libnss3": "NSS",
		"libsoftokn3": "NSS softokn", "libmbedcrypto": "Mbed TLS", "libwolfssl": "wolfSSL"}
	var parts []string
	for _, l := range libs {
		name := l
		for prefix, n := range names {
			if strings.HasPrefix(l, prefix) {
				name = n + " (" + l + ")"
			}
		}
		parts = append(parts, name)
	}
	return strings.Join(parts, ", ")
}

// mappedCryptoLibraries lists the crypto libraries in /proc/self/maps.
func mappedCryptoLibraries() []string {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	seen := map[string]bool{}
	var libs []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 {
			continue
		}
		base := filepath.Base(fields[5])
		for _, prefix := range []string{"libcrypto.so", "libbotan", "libgcrypt.so", "libnss3.so", "libsoftokn3.so", "libmbedcrypto.so", "libwolfssl.so"} {
			if strings.HasPrefix(base, prefix) && !seen[base] {
				seen[base] = true
				libs = append(libs, base)
			}
		}
	}
	return libs
}

// residentMemory is this process's VmRSS in bytes, or 0.
func residentMemory() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(rest), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
