package qualify

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/miekg/pkcs11"
)

// The Capabilities and NoObject groups: what the module offers, and the
// functions that need no object (digest, random).
func init() {
	register("Capabilities", test{name: "Capabilities", run: capabilities})
	register("NoObject",
		test{name: "Digest", run: digest},
		test{name: "Digest_ErrorConditions", run: digestErrors},
		test{name: "GenerateRandom", run: generateRandom},
		test{name: "GenerateRandomMultiThread", run: generateRandomMultiThread},
	)
}

func capabilities(t *T) {
	p := t.initialized()
	slot := t.slot()
	need := []struct {
		mech    uint
		flags   uint
		keySize uint // a key size the mechanism must cover, 0 for none
		when    bool
	}{
		{pkcs11.CKM_SHA256, pkcs11.CKF_DIGEST, 0, true},
		{pkcs11.CKM_RSA_PKCS, pkcs11.CKF_SIGN, 2048, t.s.opts.RSA},
		// Raw RSA, with which FreeRTOS checks RSA signatures round trip.
		{pkcs11.CKM_RSA_X_509, pkcs11.CKF_VERIFY, 2048, t.s.opts.RSA},
		{pkcs11.CKM_ECDSA, pkcs11.CKF_SIGN | pkcs11.CKF_VERIFY, 256, t.s.opts.EC},
		{pkcs11.CKM_EC_KEY_PAIR_GEN, pkcs11.CKF_GENERATE_KEY_PAIR, 256, t.s.opts.EC && t.s.opts.Generate && !t.s.opts.Preprovisioned},
	}
	list, err := p.GetMechanismList(slot)
	t.ok("C_GetMechanismList", err)
	have := map[uint]bool{}
	for _, m := range list {
		have[m.Mechanism] = true
	}
	for _, n := range need {
		if !n.when {
			continue
		}
		name := pkcs11.NewMechanism(n.mech, nil)
		if !have[n.mech] {
			t.Fatalf("C_GetMechanismList lacks mechanism %#x", name.Mechanism)
		}
		info, err := p.GetMechanismInfo(slot, []*pkcs11.Mechanism{name})
		t.ok(fmt.Sprintf("C_GetMechanismInfo(%#x)", n.mech), err)
		if info.Flags&n.flags != n.flags {
			t.Fatalf("mechanism %#x has flags %#x, want %#x", n.mech, info.Flags, n.flags)
		}
		if n.keySize != 0 && (info.MinKeySize > n.keySize || info.MaxKeySize < n.keySize) {
			t.Fatalf("mechanism %#x covers key sizes %d-%d, not %d", n.mech, info.MinKeySize, info.MaxKeySize, n.keySize)
		}
	}
	_, err = p.GetMechanismInfo(slot, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_VENDOR_DEFINED|0x7777, nil)})
	t.rv("C_GetMechanismInfo of an unknown mechanism", err, pkcs11.CKR_MECHANISM_INVALID)
}

var sha256Mech = []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_SHA256, nil)}

// raw returns the module's own function list, for the calls the Go
// binding cannot make.
func (t *T) raw() rawModule {
	t.initialized()
	if t.s.rawErr != nil {
		t.Fatalf("%v", t.s.rawErr)
	}
	return t.s.raw
}

// digestInit starts a SHA-256 digest the way FreeRTOS's Digest tests do,
// with a CK_MECHANISM whose parameter fields are uninitialized: a module
// must ignore them for a mechanism without a parameter.
func (t *T) digestInit(h pkcs11.SessionHandle) {
	if rv := t.raw().initGarbage(opDigest, uint(h), pkcs11.CKM_SHA256, 0); rv != pkcs11.CKR_OK {
		t.Fatalf("C_DigestInit(CKM_SHA256) with uninitialized parameter fields returned %s, want CKR_OK", rvName(rv))
	}
}

func digest(t *T) {
	p, h := t.session()
	data := bytes.Repeat([]byte("corePKCS11 digest test "), 100)
	want := sha256.Sum256(data)
	t.digestInit(h)
	for i := 0; i < len(data); i += 97 {
		t.ok("C_DigestUpdate", p.DigestUpdate(h, data[i:min(i+97, len(data))]))
	}
	got, err := p.DigestFinal(h)
	t.ok("C_DigestFinal", err)
	if !bytes.Equal(got, want[:]) {
		t.Fatalf("multi-part SHA-256 = %x, want %x", got, want)
	}
	t.digestInit(h)
	got, err = p.Digest(h, data)
	t.ok("C_Digest", err)
	if !bytes.Equal(got, want[:]) {
		t.Fatalf("single-part SHA-256 = %x, want %x", got, want)
	}
	empty := sha256.Sum256(nil)
	t.digestInit(h)
	if got, err := p.DigestFinal(h); err != nil || !bytes.Equal(got, empty[:]) {
		t.Fatalf("SHA-256 of nothing = %x, %v", got, err)
	}
}

func digestErrors(t *T) {
	p, h := t.session()
	t.rv("C_DigestUpdate without C_DigestInit", p.DigestUpdate(h, []byte("x")), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	_, err := p.DigestFinal(h)
	t.rv("C_DigestFinal without C_DigestInit", err, pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	t.rv("C_DigestInit with an unknown mechanism", p.DigestInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_VENDOR_DEFINED|0x7777, nil)}), pkcs11.CKR_MECHANISM_INVALID)
	t.digestInit(h)
	t.rv("second C_DigestInit", p.DigestInit(h, sha256Mech), pkcs11.CKR_OPERATION_ACTIVE)
	_, err = p.DigestFinal(h)
	t.ok("C_DigestFinal", err)
	t.rv("C_DigestInit on a closed session", p.DigestInit(pkcs11.SessionHandle(0xdead), sha256Mech), pkcs11.CKR_SESSION_HANDLE_INVALID)
}

func generateRandom(t *T) {
	p, h := t.session()
	for _, n := range []int{1, 16, 32, 1000} {
		a, err := p.GenerateRandom(h, n)
		t.ok("C_GenerateRandom", err)
		b, err := p.GenerateRandom(h, n)
		t.ok("C_GenerateRandom", err)
		if len(a) != n || len(b) != n {
			t.Fatalf("asked for %d bytes, got %d and %d", n, len(a), len(b))
		}
		if n >= 16 && (bytes.Equal(a, b) || bytes.Equal(a, make([]byte, n))) {
			t.Fatalf("two %d-byte draws are equal or zero", n)
		}
	}
	_, err := p.GenerateRandom(pkcs11.SessionHandle(0xdead), 16)
	t.rv("C_GenerateRandom on a closed session", err, pkcs11.CKR_SESSION_HANDLE_INVALID)
}

func generateRandomMultiThread(t *T) {
	t.session()
	var mu = make(chan struct{}, 1)
	seen := map[string]bool{}
	t.parallel(4, func(p *pkcs11.Ctx, h pkcs11.SessionHandle) error {
		for range 50 {
			b, err := p.GenerateRandom(h, 32)
			if err != nil {
				return fmt.Errorf("C_GenerateRandom: %w", err)
			}
			mu <- struct{}{}
			dup := seen[string(b)]
			seen[string(b)] = true
			<-mu
			if dup {
				return fmt.Errorf("C_GenerateRandom repeated a 32-byte value across threads")
			}
		}
		return nil
	})
}
