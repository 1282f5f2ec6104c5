package token

import (
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
func (t *Token) checkPIN(user ck.UserType, pin []byte) ([]byte, error) {
	t.mu.RLock()
	w := &t.env.SO
	if user != ck.CKU_SO {
		w = t.env.User
	}
	locked := *failures(&t.rec, user) >= t.m.cfg.MaxPINFailures
	t.mu.RUnlock()
	if w == nil {
		return nil, ck.CKR_USER_PIN_NOT_INITIALIZED
	}
	if locked {
		return nil, ck.CKR_PIN_LOCKED
	}
	key, unwrapErr := w.unwrap(roleOf(user), pin)
	var updated store.Token
	err := t.store.UpdateToken(uint(t.slot), func(rec *store.Token) error {
		n := failures(rec, user)
		switch {
		case *n >= t.m.cfg.MaxPINFailures:
			return ck.CKR_PIN_LOCKED // locked by another process meanwhile
		case unwrapErr != nil:
			*n++
		case *n == 0:
			return errUnchanged
		default:
			*n = 0
		}
		updated = *rec
		return nil
	})
	switch {
	case err == nil:
		t.mu.Lock()
		t.rec.SOFailures, t.rec.UserFailures = updated.SOFailures, updated.UserFailures
		t.mu.Unlock()
	case errors.Is(err, errUnchanged):
	case ck.ToRV(err) == ck.CKR_PIN_LOCKED:
		return nil, ck.CKR_PIN_LOCKED
	case err != nil:
		return nil, ck.Wrap(ck.CKR_DEVICE_ERROR, err)
	}
	if unwrapErr != nil {
		return nil, ck.CKR_PIN_INCORRECT
	}
	return key, nil
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
	key, err := t.checkPIN(user, pin)
	if err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.loggedIn {
		return ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN // a concurrent Login won
	}
	t.loggedIn, t.user = true, user
	t.unlockLocked(key)
	return nil
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
	t.loggedIn = false
	t.logoutObjectsLocked()
	return nil
}

// logoutObjectsLocked drops private session objects and gives private
// token objects new handles, so handles obtained during the login stop
// working.
func (t *Token) logoutObjectsLocked() {
	var private []*entry
	for _, e := range t.objects.byHandle {
		if e.obj.IsPrivate() {
			private = append(private, e)
		}
	}
	for _, e := range private {
		if e.uid == "" {
			t.objects.remove(e)
		} else {
			t.objects.rehandle(e, t.m.newObjectHandle())
		}
	}
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
	key := t.key
	t.mu.RUnlock()
	switch {
	case !s.rw:
		return ck.CKR_SESSION_READ_ONLY
	case !so:
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	if err := checkPINLen(pin); err != nil {
		return err
	}
	w := wrap(m.cfg.KDF, roleOf(ck.CKU_USER), pin, key)
	return t.updateEnvelope(func(env *envelope, rec *store.Token) {
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
	key, err := t.checkPIN(user, oldPIN)
	if err != nil {
		return err
	}
	w := wrap(m.cfg.KDF, roleOf(user), newPIN, key)
	return t.updateEnvelope(func(env *envelope, _ *store.Token) {
		if user == ck.CKU_SO {
			env.SO = w
		} else {
			env.User = &w
		}
	})
}

// updateEnvelope changes the token's key envelope in the store and in memory.
func (t *Token) updateEnvelope(change func(*envelope, *store.Token)) error {
	var (
		updated store.Token
		env     envelope
	)
	err := t.store.UpdateToken(uint(t.slot), func(rec *store.Token) error {
		var err error
		if env, err = decodeEnvelope(rec.Keys); err != nil {
			return err
		}
		change(&env, rec)
		rec.Keys = env.encode()
		updated = *rec
		return nil
	})
	if err != nil {
		return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
	}
	t.mu.Lock()
	t.rec, t.env = updated, env
	t.mu.Unlock()
	return nil
}
