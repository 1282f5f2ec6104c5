package token

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// opKind is a kind of session operation. A session runs at most one
// operation of each kind at a time, and they all live in one table
// (Session.ops) with one way in (claim) and one way out (end).
type opKind uint8

const (
	opFind opKind = iota
	opDigest
	opSign
	opVerify
	opEncrypt
	opDecrypt
	opKinds // the number of kinds
)

// cancelFlags are the C_SessionCancel flags that name each kind.
var cancelFlags = [opKinds]ck.Flags{
	opFind:    ck.CKF_FIND_OBJECTS,
	opDigest:  ck.CKF_DIGEST,
	opSign:    ck.CKF_SIGN,
	opVerify:  ck.CKF_VERIFY,
	opEncrypt: ck.CKF_ENCRYPT,
	opDecrypt: ck.CKF_DECRYPT,
}

// operation is an entry of a session's operation table.
type operation interface {
	// busy reports whether a new C_*Init of the kind must be refused
	// with CKR_OPERATION_ACTIVE rather than replace this operation.
	busy() bool
}

// claim takes the table slot of kind k for a new operation, with s.mu
// held: CKR_OPERATION_ACTIVE if the operation there is busy, and
// otherwise that operation ends, so that a new C_*Init that fails
// leaves none behind.
func (s *Session) claim(k opKind) error {
	if op := s.ops[k]; op != nil && op.busy() {
		return ck.CKR_OPERATION_ACTIVE
	}
	s.ops[k] = nil
	return nil
}

// end ends session s's operation of kind k, if any; s.mu is held.
func (s *Session) end(k opKind) { s.ops[k] = nil }

// active returns session s's operation of kind k with its type, or
// CKR_OPERATION_NOT_INITIALIZED; s.mu is held.
func active[T operation](s *Session, k opKind) (T, error) {
	op, ok := s.ops[k].(T)
	if !ok {
		return op, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	return op, nil
}

// authGate is part of the operations whose key may have
// CKA_ALWAYS_AUTHENTICATE (signatures, decryptions): such an operation
// waits for a C_Login with CKU_CONTEXT_SPECIFIC before it may finish.
type authGate struct {
	needAuth bool // no context-specific login has been given yet
}

func newAuthGate(key *object.Object) authGate {
	return authGate{needAuth: key.Bool(ck.CKA_ALWAYS_AUTHENTICATE)}
}

func (g *authGate) gate() *authGate { return g }

// checkAuth refuses to finish an operation still waiting for its login.
func (g *authGate) checkAuth() error {
	if g.needAuth {
		return ck.Errorf(ck.CKR_USER_NOT_LOGGED_IN, "the key needs a CKU_CONTEXT_SPECIFIC login for each operation")
	}
	return nil
}

// gated is an operation with an authGate.
type gated interface {
	operation
	gate() *authGate
}

// awaitingLogin returns the session's operation that waits for a
// context-specific login, or nil; s.mu is held.
func (s *Session) awaitingLogin() gated {
	for _, k := range []opKind{opSign, opDecrypt} {
		if op, ok := s.ops[k].(gated); ok && op.gate().needAuth {
			return op
		}
	}
	return nil
}

// updater enters the multi-part stage of session s's digest, signature
// or verification (kind k) and returns what feeds it data; s.mu is held.
// An error ends the operation.
func (s *Session) updater(k opKind) (func([]byte) error, error) {
	var st *stage
	var singlePartOnly bool
	var feed func([]byte) error
	switch op := s.ops[k].(type) {
	case *digestOp:
		st, feed = &op.stage, func(p []byte) error { op.h.Write(p); return nil }
	case *signOp:
		st, singlePartOnly, feed = &op.stage, op.singlePart, op.signer.Update
	case *verifyOp:
		st, singlePartOnly, feed = &op.stage, op.singlePart, op.verifier.Update
	default:
		return nil, ck.CKR_OPERATION_NOT_INITIALIZED
	}
	if err := st.enterWith(update, singlePartOnly); err != nil {
		s.end(k)
		return nil, err
	}
	return feed, nil
}

// update feeds data to session h's operation of kind k (C_DigestUpdate,
// C_SignUpdate, C_VerifyUpdate).
func (m *Module) update(h ck.SessionHandle, k opKind, data []byte) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	feed, err := s.updater(k)
	if err != nil {
		return err
	}
	if err := feed(data); err != nil {
		s.end(k)
		return err
	}
	return nil
}
