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
