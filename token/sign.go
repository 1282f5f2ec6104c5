package token

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// keyFor resolves the key of a SignInit or VerifyInit: visible, a key
// that permits usage (CKA_SIGN, CKA_VERIFY), of the mechanism's key type,
// and allowed by its CKA_ALLOWED_MECHANISMS.
func (s *Session) keyFor(h ck.ObjectHandle, mm *mech.Mechanism, usage ck.AttributeType) (*object.Object, error) {
	obj, err := s.visibleObject(h, ck.CKR_KEY_HANDLE_INVALID)
	if err != nil {
		return nil, err
	}
	switch obj.Class() {
	case ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY, ck.CKO_SECRET_KEY:
	default:
		return nil, ck.Errorf(ck.CKR_KEY_HANDLE_INVALID, "object %d is a %v, not a key", h, obj.Class())
	}
	if !obj.Bool(usage) {
		return nil, ck.Errorf(ck.CKR_KEY_FUNCTION_NOT_PERMITTED, "key %d does not have %v", h, usage)
	}
	if !mm.Accepts(obj.KeyType()) {
		return nil, ck.Errorf(ck.CKR_KEY_TYPE_INCONSISTENT, "%v does not work with a %v key", mm.Type, obj.KeyType())
	}
	if allowed, _ := obj.Value(ck.CKA_ALLOWED_MECHANISMS); len(allowed) > 0 && !mechanismAllowed(allowed, mm.Type) {
		return nil, ck.Errorf(ck.CKR_MECHANISM_INVALID, "key %d does not allow %v", h, mm.Type)
	}
	return obj, nil
}

func mechanismAllowed(list []byte, t ck.MechanismType) bool {
	for i := 0; i+object.ULongSize <= len(list); i += object.ULongSize {
		if v, _ := object.DecodeULong(list[i : i+object.ULongSize]); ck.MechanismType(v) == t {
			return true
		}
	}
	return false
}

// keyOpInit is the common start of an operation of kind k with a key:
// it claims the session's slot of the kind (see startOp), the mechanism
// must offer the function (flag) and the key must permit it (usage);
// start then creates the operation, which goes into the table.
func (m *Module) keyOpInit(h ck.SessionHandle, mc Mechanism, key ck.ObjectHandle, k opKind, flag ck.Flags, usage ck.AttributeType,
	start func(*mech.Mechanism, *object.Object) (operation, error)) error {
	s, err := m.startOp(h, k)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	mm, err := m.mechanism(mc.Type, flag)
	if err != nil {
		return err
	}
	obj, err := s.keyFor(key, mm, usage)
	if err != nil {
		return err
	}
	op, err := start(mm, obj)
	if err != nil {
		return err
	}
	s.ops[k] = op
	return nil
}

// signOp is a signature in progress.
type signOp struct {
	stage
	signer     mech.Signer
	singlePart bool // the mechanism refuses C_SignUpdate
	authGate
}

// verifyOp is a verification in progress.
type verifyOp struct {
	stage
	verifier   mech.Verifier
	singlePart bool // the mechanism refuses C_VerifyUpdate
}

// SignInit starts a signature with a private key (C_SignInit).
func (m *Module) SignInit(h ck.SessionHandle, mc Mechanism, key ck.ObjectHandle) error {
	return m.keyOpInit(h, mc, key, opSign, ck.CKF_SIGN, ck.CKA_SIGN,
		func(mm *mech.Mechanism, obj *object.Object) (operation, error) {
			signer, err := mm.NewSigner(obj.Key(), mc.Param)
			if err != nil {
				return nil, err
			}
			return &signOp{signer: signer, singlePart: mm.SinglePart, authGate: newAuthGate(obj)}, nil
		})
}

// Sign signs data in one part into sig and returns the signature length
// (C_Sign). A nil sig asks for the length only.
func (m *Module) Sign(h ck.SessionHandle, data, sig []byte) (int, error) {
	return m.signFinish(h, data, sig, singlePart)
}

// SignUpdate adds data to a multi-part signature (C_SignUpdate).
func (m *Module) SignUpdate(h ck.SessionHandle, data []byte) error {
	return m.update(h, opSign, data)
}

// SignFinal finishes a multi-part signature into sig (C_SignFinal).
func (m *Module) SignFinal(h ck.SessionHandle, sig []byte) (int, error) {
	return m.signFinish(h, nil, sig, final)
}

func (m *Module) signFinish(h ck.SessionHandle, data, sig []byte, f form) (int, error) {
	s, err := m.lockedSession(h)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	op, err := active[*signOp](s, opSign)
	if err != nil {
		return 0, err
	}
	if err := op.enterWith(f, op.singlePart); err != nil {
		s.end(opSign)
		return 0, err
	}
	n := op.signer.Len()
	if done, err := op.output(f, sig, n); done {
		return n, err
	}
	s.end(opSign)
	if err := op.checkAuth(); err != nil {
		return 0, err
	}
	out, err := op.signer.Sign(data)
	if err != nil {
		return 0, err
	}
	return copy(sig, out), nil
}

// contextLogin authorizes the pending signature or decryption with a
// CKA_ALWAYS_AUTHENTICATE key (C_Login with CKU_CONTEXT_SPECIFIC).
func (s *Session) contextLogin(pin []byte) error {
	t := s.token
	t.mu.RLock()
	user := t.loggedIn && t.user == ck.CKU_USER
	t.mu.RUnlock()
	if !user {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	if err := s.lock(); err != nil {
		return err
	}
	pending := s.awaitingLogin()
	s.mu.Unlock()
	if pending == nil {
		return ck.Errorf(ck.CKR_OPERATION_NOT_INITIALIZED, "no operation waits for a context-specific login")
	}
	if _, err := t.checkPIN(ck.CKU_USER, pin); err != nil {
		return err
	}
	if err := s.lock(); err != nil {
		return err
	}
	defer s.mu.Unlock()
	// The PIN check ran unlocked: authorize only the operation it was
	// given for, not one that replaced it meanwhile.
	if s.awaitingLogin() != pending {
		return ck.Errorf(ck.CKR_OPERATION_NOT_INITIALIZED, "the operation ended during the context-specific login")
	}
	pending.gate().needAuth = false
	return nil
}

// VerifyInit starts a verification with a public key (C_VerifyInit).
func (m *Module) VerifyInit(h ck.SessionHandle, mc Mechanism, key ck.ObjectHandle) error {
	return m.keyOpInit(h, mc, key, opVerify, ck.CKF_VERIFY, ck.CKA_VERIFY,
		func(mm *mech.Mechanism, obj *object.Object) (operation, error) {
			v, err := mm.NewVerifier(obj.Key(), mc.Param)
			if err != nil {
				return nil, err
			}
			return &verifyOp{verifier: v, singlePart: mm.SinglePart}, nil
		})
}

// Verify checks a signature over data in one part (C_Verify): nil,
// CKR_SIGNATURE_INVALID or CKR_SIGNATURE_LEN_RANGE. It always ends the
// operation.
func (m *Module) Verify(h ck.SessionHandle, data, sig []byte) error {
	return m.verifyFinish(h, data, sig, singlePart)
}

// VerifyUpdate adds data to a multi-part verification (C_VerifyUpdate).
func (m *Module) VerifyUpdate(h ck.SessionHandle, data []byte) error {
	return m.update(h, opVerify, data)
}

// VerifyFinal checks the signature of a multi-part verification (C_VerifyFinal).
func (m *Module) VerifyFinal(h ck.SessionHandle, sig []byte) error {
	return m.verifyFinish(h, nil, sig, final)
}

func (m *Module) verifyFinish(h ck.SessionHandle, data, sig []byte, f form) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := active[*verifyOp](s, opVerify)
	if err != nil {
		return err
	}
	s.end(opVerify)
	if err := op.enterWith(f, op.singlePart); err != nil {
		return err
	}
	return op.verifier.Verify(data, sig)
}
