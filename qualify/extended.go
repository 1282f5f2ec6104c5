package qualify

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"slices"

	"github.com/miekg/pkcs11"
)

// The Extended group: what a team shipping a PKCS#11 consumer most needs
// to know about a token — session and login state, size queries,
// attribute rules, error codes for bad input, persistence. Each check
// cites the behaviour the PKCS#11 2.40 base specification requires.
func init() {
	register("Extended",
		test{name: "SessionStates", run: sessionStates},
		test{name: "LoginRules", run: loginRules},
		test{name: "ReadOnlySession", run: readOnlySession},
		test{name: "PrivateObjectVisibility", run: privateObjectVisibility},
		test{name: "PrivateHandlesAfterLogout", run: privateHandlesAfterLogout},
		test{name: "SessionObjectLifetime", run: sessionObjectLifetime},
		test{name: "SizeQueries", run: sizeQueries},
		test{name: "AttributeRules", run: attributeRules},
		test{name: "TemplateErrors", run: templateErrors},
		test{name: "KeyUseErrors", run: keyUseErrors},
		test{name: "OperationState", run: operationState},
		test{name: "OperationLifeCycle", run: operationLifeCycle},
		test{name: "PublicKeysWithoutLogin", run: publicKeysWithoutLogin},
		test{name: "Persistence", run: persistence},
	)
}

// sessionKey makes a session (CKA_TOKEN false) signing key pair, which
// disappears with the session, and returns the mechanism to sign with.
func sessionKey(t *T, p *pkcs11.Ctx, h pkcs11.SessionHandle) (priv, pub pkcs11.ObjectHandle, mech uint, sigLen int) {
	common := func(label string) []*pkcs11.Attribute {
		return []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label)}
	}
	privT := append(common("qualify session key"), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true), pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, true))
	switch {
	case t.s.opts.EC && t.s.opts.Generate:
		pub, priv, err := p.GenerateKeyPair(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
			append(common("qualify session key"), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true)), privT)
		t.ok("C_GenerateKeyPair", err)
		return priv, pub, pkcs11.CKM_ECDSA, 64
	case t.s.opts.RSA && t.s.opts.Generate:
		pub, priv, err := p.GenerateKeyPair(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_RSA_PKCS_KEY_PAIR_GEN, nil)},
			append(common("qualify session key"), pkcs11.NewAttribute(pkcs11.CKA_MODULUS_BITS, 2048),
				pkcs11.NewAttribute(pkcs11.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true)), privT)
		t.ok("C_GenerateKeyPair", err)
		return priv, pub, pkcs11.CKM_RSA_PKCS, 256
	}
	t.Skipf("needs key pair generation")
	return 0, 0, 0, 0
}

func state(t *T, p *pkcs11.Ctx, h pkcs11.SessionHandle) uint {
	info, err := p.GetSessionInfo(h)
	t.ok("C_GetSessionInfo", err)
	return info.State
}

func sessionStates(t *T) {
	p, rw := t.session() // logged in
	ro, err := p.OpenSession(t.slot(), pkcs11.CKF_SERIAL_SESSION)
	t.ok("C_OpenSession(read-only)", err)
	defer p.CloseSession(ro)
	// Spec 5.6: the login state is the application's, shared by its sessions.
	if s := state(t, p, ro); s != pkcs11.CKS_RO_USER_FUNCTIONS {
		t.Fatalf("a read-only session of a logged-in application is in state %d, want CKS_RO_USER_FUNCTIONS", s)
	}
	if s := state(t, p, rw); s != pkcs11.CKS_RW_USER_FUNCTIONS {
		t.Fatalf("a read/write session of a logged-in application is in state %d, want CKS_RW_USER_FUNCTIONS", s)
	}
	t.ok("C_Logout", p.Logout(rw))
	if s := state(t, p, ro); s != pkcs11.CKS_RO_PUBLIC_SESSION {
		t.Fatalf("after C_Logout a read-only session is in state %d, want CKS_RO_PUBLIC_SESSION", s)
	}
	if s := state(t, p, rw); s != pkcs11.CKS_RW_PUBLIC_SESSION {
		t.Fatalf("after C_Logout a read/write session is in state %d, want CKS_RW_PUBLIC_SESSION", s)
	}
}

func loginRules(t *T) {
	p, h := t.session()
	t.rv("C_Login when the user is logged in", p.Login(h, pkcs11.CKU_USER, t.s.opts.PIN), pkcs11.CKR_USER_ALREADY_LOGGED_IN)
	t.rv("C_Login as SO when the user is logged in", p.Login(h, pkcs11.CKU_SO, "00000000"), pkcs11.CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
	t.ok("C_Logout", p.Logout(h))
	t.rv("second C_Logout", p.Logout(h), pkcs11.CKR_USER_NOT_LOGGED_IN)
	t.rv("C_Login with a wrong PIN", p.Login(h, pkcs11.CKU_USER, t.s.opts.PIN+"-wrong"), pkcs11.CKR_PIN_INCORRECT)
	t.rv("C_Login with an unknown user type", p.Login(h, 7, t.s.opts.PIN), pkcs11.CKR_USER_TYPE_INVALID)
	t.ok("C_Login", p.Login(h, pkcs11.CKU_USER, t.s.opts.PIN))
}

func dataObject(label string, token, private bool) []*pkcs11.Attribute {
	return []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, token),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, private), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label),
		pkcs11.NewAttribute(pkcs11.CKA_VALUE, []byte("qualify data "+label)),
	}
}

func readOnlySession(t *T) {
	p, rw := t.session()
	ro, err := p.OpenSession(t.slot(), pkcs11.CKF_SERIAL_SESSION)
	t.ok("C_OpenSession(read-only)", err)
	defer p.CloseSession(ro)
	_, err = p.CreateObject(ro, dataObject("qualify ro", true, false))
	t.rv("creating a token object in a read-only session", err, pkcs11.CKR_SESSION_READ_ONLY)
	o, err := p.CreateObject(ro, dataObject("qualify ro", false, false))
	t.ok("creating a session object in a read-only session", err)
	t.ok("C_DestroyObject", p.DestroyObject(ro, o))
	tok, err := p.CreateObject(rw, dataObject("qualify ro", true, false))
	t.ok("C_CreateObject", err)
	t.created(tok)
	t.rv("destroying a token object in a read-only session", p.DestroyObject(ro, tok), pkcs11.CKR_SESSION_READ_ONLY)
	t.rv("changing a token object in a read-only session",
		p.SetAttributeValue(ro, tok, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "x")}), pkcs11.CKR_SESSION_READ_ONLY)
}

func privateObjectVisibility(t *T) {
	p, h := t.session()
	o, err := p.CreateObject(h, dataObject("qualify private", true, true))
	t.ok("C_CreateObject(private token object)", err)
	t.created(o)
	t.ok("C_Logout", p.Logout(h))
	if hs, err := find(p, h, pkcs11.CKO_DATA, "qualify private"); err != nil || len(hs) != 0 {
		t.Fatalf("logged out, a search finds %d private objects (%v)", len(hs), err)
	}
	_, err = p.CreateObject(h, dataObject("qualify private 2", false, true))
	t.rv("creating a private object when logged out", err, pkcs11.CKR_USER_NOT_LOGGED_IN)
	t.ok("C_Login", p.Login(h, pkcs11.CKU_USER, t.s.opts.PIN))
	hs, err := find(p, h, pkcs11.CKO_DATA, "qualify private")
	if err != nil || len(hs) != 1 {
		t.Fatalf("logged in again, a search finds %d private objects (%v)", len(hs), err)
	}
	t.created(hs[0])
}

// privateHandlesAfterLogout: spec 5.6 (C_Logout) — "any of the
// application's handles to private objects become invalid (even if a
// user is later logged back into the token, those handles remain
// invalid)". A consumer must look keys up again after a new login.
func privateHandlesAfterLogout(t *T) {
	p, h := t.session()
	o, err := p.CreateObject(h, dataObject("qualify handle", true, true))
	t.ok("C_CreateObject(private token object)", err)
	t.created(o)
	t.ok("C_Logout", p.Logout(h))
	t.ok("C_Login", p.Login(h, pkcs11.CKU_USER, t.s.opts.PIN))
	hs, _ := find(p, h, pkcs11.CKO_DATA, "qualify handle")
	t.created(hs...)
	_, err = p.GetAttributeValue(h, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	if rvOf(err) != pkcs11.CKR_OBJECT_HANDLE_INVALID {
		t.Fatalf("a handle to a private object from before C_Logout still works after a new C_Login (%s); the spec makes it invalid", rvName(rvOf(err)))
	}
}

// sessionObjectLifetime: spec 4.4 — session objects live as long as the
// session that made them, and are visible to the application's other sessions.
func sessionObjectLifetime(t *T) {
	p, h := t.session()
	other, err := p.OpenSession(t.slot(), pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	t.ok("C_OpenSession", err)
	o, err := p.CreateObject(other, dataObject("qualify session object", false, false))
	t.ok("C_CreateObject(session object)", err)
	if _, err := p.GetAttributeValue(h, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)}); err != nil {
		t.Fatalf("another session of the application cannot read the session object: %v", err)
	}
	t.ok("C_CloseSession", p.CloseSession(other))
	_, err = p.GetAttributeValue(h, o, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	t.rv("reading a session object after its session closed", err, pkcs11.CKR_OBJECT_HANDLE_INVALID)
}

// sizeQueries: spec 5.2 — a NULL buffer returns the length with CKR_OK; a
// short one returns CKR_BUFFER_TOO_SMALL with the length; neither ends the
// operation.
func sizeQueries(t *T) {
	p, h := t.session()
	priv, _, mech, sigLen := sessionKey(t, p, h)
	data := make([]byte, 32)
	if mech == pkcs11.CKM_RSA_PKCS {
		data = append(append([]byte(nil), sha256DigestInfo...), data...)
	}
	t.ok("C_SignInit", p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, priv))
	if rv, n, _ := t.raw().sign(uint(h), data, -1); rv != pkcs11.CKR_OK || n != uint(sigLen) {
		t.Fatalf("C_Sign length query: %s, length %d; want CKR_OK, %d", rvName(rv), n, sigLen)
	}
	if rv, n, _ := t.raw().sign(uint(h), data, 8); rv != pkcs11.CKR_BUFFER_TOO_SMALL || n != uint(sigLen) {
		t.Fatalf("C_Sign into 8 bytes: %s, length %d; want CKR_BUFFER_TOO_SMALL, %d", rvName(rv), n, sigLen)
	}
	if rv, n, _ := t.raw().sign(uint(h), data, sigLen); rv != pkcs11.CKR_OK || n != uint(sigLen) {
		t.Fatalf("C_Sign after the queries: %s, length %d; the operation must still be active", rvName(rv), n)
	}
	if rv, _, _ := t.raw().sign(uint(h), data, sigLen); rv != pkcs11.CKR_OPERATION_NOT_INITIALIZED {
		t.Fatalf("C_Sign after a signature returned %s, want CKR_OPERATION_NOT_INITIALIZED", rvName(rv))
	}
	label := "qualify session key"
	if rv, n := t.raw().attribute(uint(h), uint(priv), pkcs11.CKA_LABEL, -1); rv != pkcs11.CKR_OK || n != uint(len(label)) {
		t.Fatalf("C_GetAttributeValue length query: %s, %d; want CKR_OK, %d", rvName(rv), n, len(label))
	}
	if rv, n := t.raw().attribute(uint(h), uint(priv), pkcs11.CKA_LABEL, 3); rv != pkcs11.CKR_BUFFER_TOO_SMALL || n != ^uint(0) {
		t.Fatalf("C_GetAttributeValue into 3 bytes: %s, length %#x; want CKR_BUFFER_TOO_SMALL, CK_UNAVAILABLE_INFORMATION", rvName(rv), n)
	}
	secret := uint(pkcs11.CKA_VALUE)
	if mech == pkcs11.CKM_RSA_PKCS {
		secret = pkcs11.CKA_PRIVATE_EXPONENT
	}
	if rv, n := t.raw().attribute(uint(h), uint(priv), secret, -1); rv != pkcs11.CKR_ATTRIBUTE_SENSITIVE || n != ^uint(0) {
		t.Fatalf("C_GetAttributeValue of a sensitive value: %s, length %#x; want CKR_ATTRIBUTE_SENSITIVE, CK_UNAVAILABLE_INFORMATION", rvName(rv), n)
	}
}

// attributeRules: spec 4.1.2 and table 10 — which attributes may change,
// and in which direction.
func attributeRules(t *T) {
	p, h := t.session()
	priv, _, _, _ := sessionKey(t, p, h)
	t.ok("changing CKA_LABEL", p.SetAttributeValue(h, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "qualify renamed")}))
	got, err := p.GetAttributeValue(h, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, nil)})
	t.ok("C_GetAttributeValue", err)
	if string(got[0].Value) != "qualify renamed" {
		t.Fatalf("CKA_LABEL is %q after the change", got[0].Value)
	}
	t.rv("changing CKA_CLASS", p.SetAttributeValue(h, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA)}), pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	t.rv("turning CKA_SENSITIVE off", p.SetAttributeValue(h, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false)}), pkcs11.CKR_ATTRIBUTE_READ_ONLY)
	t.rv("setting CKA_LOCAL", p.SetAttributeValue(h, priv, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LOCAL, false)}), pkcs11.CKR_ATTRIBUTE_READ_ONLY)
}

// templateErrors: spec 5.7 (C_CreateObject) return values for bad templates.
func templateErrors(t *T) {
	p, h := t.session()
	_, err := p.CreateObject(h, []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_LABEL, "no class"), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false)})
	t.rv("C_CreateObject without CKA_CLASS", err, pkcs11.CKR_TEMPLATE_INCOMPLETE)
	_, err = p.CreateObject(h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY), pkcs11.NewAttribute(pkcs11.CKA_KEY_TYPE, pkcs11.CKK_EC),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256)})
	t.rv("C_CreateObject of an EC private key without CKA_VALUE", err, pkcs11.CKR_TEMPLATE_INCOMPLETE)
	_, err = p.CreateObject(h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false),
		pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true)})
	t.rv("C_CreateObject with CKA_TOKEN both false and true", err, pkcs11.CKR_TEMPLATE_INCONSISTENT)
	_, err = p.CreateObject(h, []*pkcs11.Attribute{
		{Type: pkcs11.CKA_CLASS, Value: []byte{0, 0, 0}}, pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false)})
	t.rv("C_CreateObject with a 3-byte CKA_CLASS", err, pkcs11.CKR_ATTRIBUTE_VALUE_INVALID)
}

// keyUseErrors: spec 5.11 (C_SignInit) return values for the wrong key or mechanism.
func keyUseErrors(t *T) {
	p, h := t.session()
	priv, pub, mech, _ := sessionKey(t, p, h)
	m := []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}
	t.rv("C_SignInit with a digest mechanism", p.SignInit(h, sha256Mech, priv), pkcs11.CKR_MECHANISM_INVALID)
	t.rv("C_SignInit with an invalid key handle", p.SignInit(h, m, pkcs11.ObjectHandle(0x7fff_fff0)), pkcs11.CKR_KEY_HANDLE_INVALID)
	if err := p.SignInit(h, m, pub); rvOf(err) != pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED && rvOf(err) != pkcs11.CKR_KEY_TYPE_INCONSISTENT {
		t.Fatalf("C_SignInit with a public key returned %s, want CKR_KEY_FUNCTION_NOT_PERMITTED or CKR_KEY_TYPE_INCONSISTENT", rvName(rvOf(err)))
	}
	other := uint(pkcs11.CKM_RSA_PKCS)
	if mech == pkcs11.CKM_RSA_PKCS {
		other = pkcs11.CKM_ECDSA
	}
	t.rv("C_SignInit with a mechanism for another key type", p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(other, nil)}, priv), pkcs11.CKR_KEY_TYPE_INCONSISTENT)
}

// operationState: spec 5.2 and 5.11 — one operation of a kind at a time;
// a finished or failed operation is over.
func operationState(t *T) {
	p, h := t.session()
	priv, pub, mech, _ := sessionKey(t, p, h)
	m := []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}
	data := make([]byte, 32)
	if mech == pkcs11.CKM_RSA_PKCS {
		data = append(append([]byte(nil), sha256DigestInfo...), data...)
	}
	t.ok("C_SignInit", p.SignInit(h, m, priv))
	t.rv("second C_SignInit", p.SignInit(h, m, priv), pkcs11.CKR_OPERATION_ACTIVE)
	sig, err := p.Sign(h, data)
	t.ok("C_Sign", err)
	_, err = p.Sign(h, data)
	t.rv("C_Sign after the signature", err, pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	bad := bytes.Clone(sig)
	bad[len(bad)/2] ^= 1
	t.ok("C_VerifyInit", p.VerifyInit(h, m, pub))
	t.rv("C_Verify of a tampered signature", p.Verify(h, data, bad), pkcs11.CKR_SIGNATURE_INVALID)
	t.rv("C_Verify after a failed verification", p.Verify(h, data, sig), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
}

// operationLifeCycle: spec 5.2 and each function's text, as
// google/pkcs11test reads them. Any error but CKR_BUFFER_TOO_SMALL ends
// the operation, CKR_ARGUMENTS_BAD included; the single-part and
// multi-part forms do not mix; a C_*Init after nothing but a length query
// starts afresh, as corePKCS11's clients expect; mechanisms that sign
// their input as it is refuse C_SignUpdate; and a mechanism without a
// parameter ignores its uninitialized parameter fields.
func operationLifeCycle(t *T) {
	p, h := t.session()
	r := t.raw()
	s := uint(h)
	data := []byte("operation life cycle")
	step := func(what string, rv, want uint) {
		if rv != want {
			t.Fatalf("%s returned %s, want %s", what, rvName(rv), rvName(want))
		}
	}
	digest := func(final bool, size int, nullLen bool) uint {
		rv, _ := r.digest(s, final, data, size, nullLen)
		return rv
	}
	init := func() uint { return rvOf(p.DigestInit(h, sha256Mech)) }

	step("C_DigestInit with uninitialized parameter fields", r.initGarbage(opDigest, s, pkcs11.CKM_SHA256, 0), pkcs11.CKR_OK)
	step("C_Digest", digest(false, 64, false), pkcs11.CKR_OK)
	step("C_DigestInit", init(), pkcs11.CKR_OK)
	step("C_Digest with a NULL length pointer", digest(false, 64, true), pkcs11.CKR_ARGUMENTS_BAD)
	step("C_Digest after the refused C_Digest", digest(false, 64, false), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	step("C_DigestInit", init(), pkcs11.CKR_OK)
	step("C_DigestFinal with a NULL length pointer", digest(true, 64, true), pkcs11.CKR_ARGUMENTS_BAD)
	step("C_DigestFinal after the refused C_DigestFinal", digest(true, 64, false), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	step("C_DigestInit", init(), pkcs11.CKR_OK)
	step("C_DigestUpdate", rvOf(p.DigestUpdate(h, data)), pkcs11.CKR_OK)
	step("C_DigestFinal length query", digest(true, -1, false), pkcs11.CKR_OK)
	step("C_Digest after C_DigestUpdate", digest(false, 64, false), pkcs11.CKR_OPERATION_ACTIVE)
	step("C_DigestFinal after the mixed call", digest(true, 64, false), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	step("C_DigestInit", init(), pkcs11.CKR_OK)
	step("C_Digest length query", digest(false, -1, false), pkcs11.CKR_OK)
	step("C_DigestFinal after a C_Digest length query", digest(true, 64, false), pkcs11.CKR_OPERATION_ACTIVE)
	step("C_Digest after the mixed call", digest(false, 64, false), pkcs11.CKR_OPERATION_NOT_INITIALIZED)
	step("C_DigestInit", init(), pkcs11.CKR_OK)
	step("C_Digest length query", digest(false, -1, false), pkcs11.CKR_OK)
	step("C_DigestInit after the length query", init(), pkcs11.CKR_OK)
	step("C_Digest", digest(false, 64, false), pkcs11.CKR_OK)
	step("C_DigestInit", init(), pkcs11.CKR_OK)
	step("C_DigestUpdate", rvOf(p.DigestUpdate(h, data)), pkcs11.CKR_OK)
	step("C_DigestInit during a multi-part digest", init(), pkcs11.CKR_OPERATION_ACTIVE)
	step("C_DigestFinal", digest(true, 64, false), pkcs11.CKR_OK)

	priv, _, mech, sigLen := sessionKey(t, p, h)
	input := make([]byte, 32)
	if mech == pkcs11.CKM_RSA_PKCS {
		input = append(bytes.Clone(sha256DigestInfo), input...)
	}
	sign := func(size int) uint {
		rv, _, _ := r.sign(s, input, size)
		return rv
	}
	step("C_SignInit with uninitialized parameter fields", r.initGarbage(opSign, s, mech, uint(priv)), pkcs11.CKR_OK)
	step("C_Sign", sign(sigLen), pkcs11.CKR_OK)
	signInit := func() uint { return rvOf(p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, priv)) }
	step("C_SignInit", signInit(), pkcs11.CKR_OK)
	step("C_SignInit on a fresh signature", signInit(), pkcs11.CKR_OPERATION_ACTIVE)
	step("C_Sign length query", sign(-1), pkcs11.CKR_OK)
	step("C_SignInit after the length query", signInit(), pkcs11.CKR_OK)
	step("C_Sign", sign(sigLen), pkcs11.CKR_OK)
	t.ok("C_SignInit", p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(mech, nil)}, priv))
	if err := p.SignUpdate(h, input); err == nil {
		t.Fatalf("C_SignUpdate with single-part mechanism %#x returned CKR_OK", mech)
	}
	if rv := sign(sigLen); rv != pkcs11.CKR_OPERATION_NOT_INITIALIZED {
		t.Fatalf("C_Sign after a refused C_SignUpdate returned %s, want CKR_OPERATION_NOT_INITIALIZED", rvName(rv))
	}
}

// publicKeysWithoutLogin: a session that is not logged in may generate
// and use keys with CKA_PRIVATE false (spec 4.4, 6.7), as
// google/pkcs11test's KeyPairTest and SignTest do.
func publicKeysWithoutLogin(t *T) {
	if !t.s.opts.EC || !t.s.opts.Generate {
		t.Skipf("needs EC key pair generation")
	}
	// A fresh start: no login in this process since, so nothing a login
	// unlocked is left over. The next test initializes and logs in again.
	t.ok("C_Finalize", t.initialized().Finalize())
	p := t.initialized()
	h, err := p.OpenSession(t.slot(), pkcs11.CKF_SERIAL_SESSION)
	t.ok("C_OpenSession", err)
	defer p.CloseSession(h)
	if st := state(t, p, h); st != pkcs11.CKS_RO_PUBLIC_SESSION {
		t.Fatalf("session state %d after C_Initialize, want CKS_RO_PUBLIC_SESSION", st)
	}
	public := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, false), pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false)}
	pub, priv, err := p.GenerateKeyPair(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		append(slices.Clone(public), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true)),
		append(slices.Clone(public), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true)))
	t.ok("C_GenerateKeyPair of public session keys without login", err)
	digest := make([]byte, 32)
	t.ok("C_SignInit", p.SignInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, priv))
	sig, err := p.Sign(h, digest)
	t.ok("C_Sign with a public key without login", err)
	t.ok("C_VerifyInit", p.VerifyInit(h, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, pub))
	t.ok("C_Verify", p.Verify(h, digest, sig))

	// A public token key pair, as pkcs11test's KeyPairTest makes it in a
	// read/write session without login. The spec lets a token refuse such
	// keys with CKR_TEMPLATE_INCONSISTENT, never for want of a login.
	rw, err := p.OpenSession(t.slot(), pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	t.ok("C_OpenSession", err)
	defer p.CloseSession(rw)
	onToken := []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true), pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false),
		pkcs11.NewAttribute(pkcs11.CKA_LABEL, "qualify public token key")}
	pub, priv, err = p.GenerateKeyPair(rw, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_EC_KEY_PAIR_GEN, nil)},
		append(slices.Clone(onToken), pkcs11.NewAttribute(pkcs11.CKA_EC_PARAMS, p256), pkcs11.NewAttribute(pkcs11.CKA_VERIFY, true)),
		append(slices.Clone(onToken), pkcs11.NewAttribute(pkcs11.CKA_SIGN, true),
			pkcs11.NewAttribute(pkcs11.CKA_SENSITIVE, false), pkcs11.NewAttribute(pkcs11.CKA_EXTRACTABLE, true)))
	switch rvOf(err) {
	case pkcs11.CKR_TEMPLATE_INCONSISTENT:
		return
	case pkcs11.CKR_OK:
	default:
		t.Fatalf("C_GenerateKeyPair of a public token key pair without login returned %s, want CKR_OK or CKR_TEMPLATE_INCONSISTENT", rvName(rvOf(err)))
	}
	defer p.DestroyObject(rw, priv)
	defer p.DestroyObject(rw, pub)
	t.ok("C_SignInit with the public token key", p.SignInit(rw, []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}, priv))
	_, err = p.Sign(rw, digest)
	t.ok("C_Sign with the public token key without login", err)
}

// persistence: a token object outlives C_Finalize and C_Initialize.
func persistence(t *T) {
	p, h := t.session()
	label := fmt.Sprintf("qualify persistence %x", randomBytes(4))
	value := randomBytes(24)
	o, err := p.CreateObject(h, []*pkcs11.Attribute{
		pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_DATA), pkcs11.NewAttribute(pkcs11.CKA_TOKEN, true),
		pkcs11.NewAttribute(pkcs11.CKA_PRIVATE, false), pkcs11.NewAttribute(pkcs11.CKA_LABEL, label), pkcs11.NewAttribute(pkcs11.CKA_VALUE, value)})
	t.ok("C_CreateObject", err)
	t.created(o)
	t.ok("C_Finalize", p.Finalize())
	t.s.anchored = false
	t.forget(o)
	p, h = t.session()
	hs, err := find(p, h, pkcs11.CKO_DATA, label)
	t.ok("finding the object again", err)
	if len(hs) != 1 {
		t.Fatalf("after C_Finalize and C_Initialize %d objects have the label", len(hs))
	}
	t.created(hs[0])
	got, err := p.GetAttributeValue(h, hs[0], []*pkcs11.Attribute{pkcs11.NewAttribute(pkcs11.CKA_VALUE, nil)})
	t.ok("C_GetAttributeValue", err)
	if !bytes.Equal(got[0].Value, value) {
		t.Fatalf("CKA_VALUE changed across C_Finalize and C_Initialize")
	}
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}
