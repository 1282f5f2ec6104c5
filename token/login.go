package token

import (
	"bytes"
	"errors"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/store"
)

func roleOf(user ck.UserType) string {
	if user == ck.CKU_SO {
		return "so"
	}
	return "user"
}

// failures returns the counter of wrong PINs for user in rec.
func failures(rec *store.Token, user ck.UserType) *uint {
	if user == ck.CKU_SO {
		return &rec.SOFailures
	}
	return &rec.UserFailures
}

// checkPIN verifies pin for user and returns the token key it unwraps.
// Wrong PINs are counted in the store, so the lockout holds across
// processes and restarts; a right one resets the count.
func (t *Token) checkPIN(user ck.UserType, pin []byte) (tokenSecret, error) {
	sec, _, err := t.checkPINOf(user, pin)
	return sec, err
}

// checkPINOf is checkPIN that also returns the envelope whose wrap the PIN
// opened: a caller that writes the envelope back checks, inside its write,
// that the token key is still that one.
func (t *Token) checkPINOf(user ck.UserType, pin []byte) (tokenSecret, envelope, error) {
	t.m.mu.RLock()
	applied := t.m.applied
	t.m.mu.RUnlock()
	// Copies, taken under the lock: a refresh may replace t.env while the
	// slow derivation runs.
	t.mu.RLock()
	env := t.env
	var w *wrappedKey
	if user == ck.CKU_SO {
		w = &env.SO
	} else if env.User != nil {
		u := *env.User
		w = &u
	}
	failed, epoch := *failures(&t.rec, user), t.rec.Epoch
	t.mu.RUnlock()
	locked := failed >= t.m.cfg.MaxPINFailures
	if w == nil {
		return tokenSecret{}, env, ck.CKR_USER_PIN_NOT_INITIALIZED
	}
	if locked {
		return tokenSecret{}, env, ck.CKR_PIN_LOCKED
	}
	sec, unwrapErr := w.unwrap(roleOf(user), pin)
	if unwrapErr == nil && failed == 0 {
		// Nothing to reset: if no process has written to the store since
		// the state read above, the token is the one whose key the PIN
		// opened and its count is 0, and the login needs no write
		// transaction (a third of a fast-KDF login's time). Otherwise
		// the update below checks both.
		if gen, err := t.store.Generation(); err == nil && gen <= applied {
			return sec, env, nil
		}
	}
	updated, err := t.store.UpdateToken(uint(t.slot), func(rec *store.Token) error {
		n := failures(rec, user)
		switch {
		case rec.Epoch != epoch:
			return errReinitialized // the PIN opened the key of the token before
		case *n >= t.m.cfg.MaxPINFailures:
			return ck.CKR_PIN_LOCKED // locked by another process meanwhile
		case unwrapErr != nil:
			*n++
		case *n == 0:
			return errUnchanged
		default:
			*n = 0
		}
		return nil
	})
	switch {
	case err == nil:
		t.recordWritten(updated)
	case errors.Is(err, errUnchanged):
	case errors.Is(err, errReinitialized):
		return tokenSecret{}, env, err
	case ck.ToRV(err) == ck.CKR_PIN_LOCKED:
		return tokenSecret{}, env, ck.CKR_PIN_LOCKED
	case err != nil:
		return tokenSecret{}, env, ck.Wrap(ck.CKR_DEVICE_ERROR, err)
	}
	if unwrapErr != nil {
		return tokenSecret{}, env, ck.CKR_PIN_INCORRECT
	}
	return sec, env, nil
}

// recordWritten installs a token record this process wrote.
func (t *Token) recordWritten(rec store.Token) {
	t.mu.Lock()
	if rec.Version > t.rec.Version {
		if err := t.setRecordLocked(rec); err != nil {
			t.m.log.Error("token record unreadable", "slot", t.slot, "err", err)
		}
	}
	t.mu.Unlock()
	t.m.wrote(rec.Version)
}

// errUnchanged ends a store update that has nothing to write.
var errUnchanged = errors.New("unchanged")

// Login logs a user into the session's token for the whole application
// (C_Login). CKU_CONTEXT_SPECIFIC authorizes the session's pending
// operation on a CKA_ALWAYS_AUTHENTICATE key.
func (m *Module) Login(h ck.SessionHandle, user ck.UserType, pin []byte) error {
	if err := m.refresh(); err != nil {
		return err
	}
	s, err := m.session(h)
	if err != nil {
		return err
	}
	t := s.token
	switch user {
	case ck.CKU_CONTEXT_SPECIFIC:
		return s.contextLogin(pin)
	case ck.CKU_SO, ck.CKU_USER:
	default:
		return ck.Errorf(ck.CKR_USER_TYPE_INVALID, "user type %v", user)
	}
	t.mu.RLock()
	loggedIn, current, ro := t.loggedIn, t.user, t.ro
	t.mu.RUnlock()
	switch {
	case loggedIn && current == user:
		return ck.CKR_USER_ALREADY_LOGGED_IN
	case loggedIn:
		return ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN
	case user == ck.CKU_SO && ro > 0:
		return ck.CKR_SESSION_READ_ONLY_EXISTS
	}
	// The PIN is checked without the lock; if another process
	// re-initialized the token meanwhile, the key it opened is dead, and
	// the PIN is checked again against the token as it is now.
	for range maxWriteAttempts {
		sec, env, err := t.checkPINOf(user, pin)
		if errors.Is(err, errReinitialized) {
			if err := m.refresh(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		t.mu.Lock()
		switch {
		case !t.env.sameKey(env):
			t.mu.Unlock()
			continue
		case t.loggedIn:
			t.mu.Unlock()
			return ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN // a concurrent Login won
		}
		t.loggedIn, t.user = true, user
		t.unlockLocked(sec)
		t.mu.Unlock()
		return nil
	}
	return ck.Errorf(ck.CKR_FUNCTION_FAILED, "the token kept being re-initialized by other processes")
}

// Logout ends the application's login on the session's token (C_Logout).
// As the spec requires, the application's handles to private objects
// become invalid and its private session objects are destroyed.
func (m *Module) Logout(h ck.SessionHandle) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	t := s.token
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.loggedIn {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	t.logoutLocked()
	return nil
}

// logoutLocked ends the application's login: private session objects
// are destroyed, and the token key and the private token objects it
// opened are dropped from memory, so handles obtained during the login
// stop working.
func (t *Token) logoutLocked() {
	t.loggedIn = false
	var private []*entry
	for _, e := range t.objects.byHandle {
		if e.obj.IsPrivate() && e.uid == "" {
			private = append(private, e)
		}
	}
	for _, e := range private {
		t.objects.remove(e)
	}
	t.lockLocked()
}

// InitPIN sets the user PIN; the SO must be logged in, in a read/write
// session (C_InitPIN). It also clears a user PIN lockout.
func (m *Module) InitPIN(h ck.SessionHandle, pin []byte) error {
	s, err := m.session(h)
	if err != nil {
		return err
	}
	t := s.token
	t.mu.RLock()
	so := t.loggedIn && t.user == ck.CKU_SO
	env := t.env
	var sec tokenSecret
	if t.sealer != nil {
		sec = t.sealer.secret
		sec.key = bytes.Clone(sec.key)
	}
	t.mu.RUnlock()
	switch {
	case !s.rw:
		return ck.CKR_SESSION_READ_ONLY
	case !so || sec.key == nil:
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	if err := checkPINLen(pin); err != nil {
		return err
	}
	// The token's PINs keep the cost chosen when it was initialized, as
	// the SO's login proved it.
	w := wrap(sec.kdf, roleOf(ck.CKU_USER), pin, sec)
	clear(sec.key)
	return t.updateEnvelope(env, func(env *envelope, rec *store.Token) {
		env.User = &w
		rec.UserFailures = 0
	})
}

// SetPIN changes the PIN of the logged-in SO, or else of the user
// (C_SetPIN), in a read/write session.
func (m *Module) SetPIN(h ck.SessionHandle, oldPIN, newPIN []byte) error {
	if err := m.refresh(); err != nil {
		return err
	}
	s, err := m.session(h)
	if err != nil {
		return err
	}
	if !s.rw {
		return ck.CKR_SESSION_READ_ONLY
	}
	t := s.token
	t.mu.RLock()
	user := ck.CKU_USER
	if t.loggedIn && t.user == ck.CKU_SO {
		user = ck.CKU_SO
	}
	t.mu.RUnlock()
	if err := checkPINLen(newPIN); err != nil {
		return err
	}
	sec, env, err := t.checkPINOf(user, oldPIN)
	if err != nil {
		return err
	}
	w := wrap(sec.kdf, roleOf(user), newPIN, sec)
	return t.updateEnvelope(env, func(env *envelope, _ *store.Token) {
		if user == ck.CKU_SO {
			env.SO = w
		} else {
			env.User = &w
		}
	})
}

// updateEnvelope changes the token's key envelope in the store and in
// memory, provided the stored envelope still wraps the token key of from,
// which the caller's wrap was made with. If another process
// re-initialized the token meanwhile, the wrap would be of a dead key:
// the caller's login or PIN belonged to the token before.
func (t *Token) updateEnvelope(from envelope, change func(*envelope, *store.Token)) error {
	updated, err := t.store.UpdateToken(uint(t.slot), func(rec *store.Token) error {
		env, err := decodeEnvelope(rec.Keys)
		if err != nil {
			return err
		}
		if !env.sameKey(from) {
			return errReinitialized
		}
		change(&env, rec)
		rec.Keys = env.encode()
		return nil
	})
	switch {
	case errors.Is(err, errReinitialized):
		return ck.Wrap(ck.CKR_USER_NOT_LOGGED_IN, err)
	case err != nil:
		return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
	}
	t.recordWritten(updated)
	return nil
}

// errReinitialized ends a write derived from a token key that another
// process replaced with C_InitToken, or a PIN check that opened it: the
// check starts again on the token as it is.
var errReinitialized = errors.New("the token was re-initialized by another process")
