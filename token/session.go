package token

import (
	"sync"
	"sync/atomic"

	"github.com/corepkcs11/corepkcs11/ck"
)

// Session is one open session. Its mutex serializes the session's own
// operations; sessions never wait on each other except for brief token
// locks.
type Session struct {
	handle ck.SessionHandle
	token  *Token
	rw     bool

	mu sync.Mutex // guards ops, and serializes the session's calls
	// closed is set by close, under mu, before close removes the
	// session's objects under the token lock: Token.add, which installs
	// objects under that lock, reads it there without mu.
	closed atomic.Bool
	ops    [opKinds]operation
}

// OpenSession opens a session with the token in a slot (C_OpenSession).
// flags must include CKF_SERIAL_SESSION; CKF_RW_SESSION makes it read/write.
func (m *Module) OpenSession(id ck.SlotID, flags ck.Flags) (ck.SessionHandle, error) {
	if err := m.refresh(); err != nil {
		return 0, err
	}
	if flags&ck.CKF_SERIAL_SESSION == 0 {
		return 0, ck.CKR_SESSION_PARALLEL_NOT_SUPPORTED
	}
	t, err := m.token(id)
	if err != nil {
		return 0, err
	}
	rw := flags&ck.CKF_RW_SESSION != 0
	t.mu.Lock()
	if !rw && t.loggedIn && t.user == ck.CKU_SO {
		t.mu.Unlock()
		return 0, ck.CKR_SESSION_READ_WRITE_SO_EXISTS
	}
	if rw {
		t.rw++
	} else {
		t.ro++
	}
	t.mu.Unlock()
	s := &Session{handle: ck.SessionHandle(m.nextSession.Add(1)), token: t, rw: rw}
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.initialized {
		return 0, ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	m.sessions[s.handle] = s
	return s.handle, nil
}

// session finds an open session: CKR_SESSION_HANDLE_INVALID if none.
func (m *Module) session(h ck.SessionHandle) (*Session, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.initialized {
		return nil, ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	s, ok := m.sessions[h]
	if !ok {
		return nil, ck.CKR_SESSION_HANDLE_INVALID
	}
	return s, nil
}

// CloseSession closes a session (C_CloseSession), destroying its session
// objects. Closing the application's last session with a token logs it out.
func (m *Module) CloseSession(h ck.SessionHandle) error {
	m.mu.Lock()
	if !m.initialized {
		m.mu.Unlock()
		return ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	s, ok := m.sessions[h]
	if !ok {
		m.mu.Unlock()
		return ck.CKR_SESSION_HANDLE_INVALID
	}
	delete(m.sessions, h)
	m.mu.Unlock()
	s.close()
	return nil
}

// CloseAllSessions closes every session with the token in a slot (C_CloseAllSessions).
func (m *Module) CloseAllSessions(id ck.SlotID) error {
	if _, err := m.token(id); err != nil && ck.ToRV(err) != ck.CKR_TOKEN_NOT_RECOGNIZED {
		return err
	}
	m.mu.Lock()
	var closing []*Session
	for h, s := range m.sessions {
		if s.token.slot == id {
			closing = append(closing, s)
			delete(m.sessions, h)
		}
	}
	m.mu.Unlock()
	for _, s := range closing {
		s.close()
	}
	return nil
}

// close ends the session's operations, destroys its objects and updates
// the token's session counts and login state.
func (s *Session) close() {
	s.mu.Lock()
	s.closed.Store(true)
	for k := range opKinds {
		s.end(k)
	}
	s.mu.Unlock()
	t := s.token
	t.mu.Lock()
	defer t.mu.Unlock()
	var owned []*entry
	for _, e := range t.objects.byHandle {
		if e.owner == s.handle {
			owned = append(owned, e)
		}
	}
	for _, e := range owned {
		t.objects.remove(e)
	}
	if s.rw {
		t.rw--
	} else {
		t.ro--
	}
	if t.ro+t.rw == 0 && t.loggedIn {
		t.logoutLocked()
	}
}

// SessionInfo is CK_SESSION_INFO.
type SessionInfo struct {
	SlotID      ck.SlotID
	State       ck.State
	Flags       ck.Flags
	DeviceError uint
}

// GetSessionInfo describes a session (C_GetSessionInfo).
func (m *Module) GetSessionInfo(h ck.SessionHandle) (SessionInfo, error) {
	s, err := m.session(h)
	if err != nil {
		return SessionInfo{}, err
	}
	info := SessionInfo{SlotID: s.token.slot, Flags: ck.CKF_SERIAL_SESSION}
	if s.rw {
		info.Flags |= ck.CKF_RW_SESSION
	}
	info.State = s.state()
	return info, nil
}

// state is the session's CKS_ state, from its kind and the token's login.
func (s *Session) state() ck.State {
	t := s.token
	t.mu.RLock()
	loggedIn, user := t.loggedIn, t.user
	t.mu.RUnlock()
	switch {
	case loggedIn && user == ck.CKU_SO:
		return ck.CKS_RW_SO_FUNCTIONS
	case loggedIn && s.rw:
		return ck.CKS_RW_USER_FUNCTIONS
	case loggedIn:
		return ck.CKS_RO_USER_FUNCTIONS
	case s.rw:
		return ck.CKS_RW_PUBLIC_SESSION
	}
	return ck.CKS_RO_PUBLIC_SESSION
}

// lock locks the session for an operation; CKR_SESSION_HANDLE_INVALID if
// it was closed meanwhile.
func (s *Session) lock() error {
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return ck.CKR_SESSION_HANDLE_INVALID
	}
	return nil
}

// startOp begins an operation of kind k that reads token objects: it
// picks up other processes' changes, then locks session h and claims
// the kind's table slot (see claim). The caller unlocks s.mu.
func (m *Module) startOp(h ck.SessionHandle, k opKind) (*Session, error) {
	s, _, err := m.tokenSession(h)
	if err != nil {
		return nil, err
	}
	if err := s.start(k); err != nil {
		return nil, err
	}
	return s, nil
}

// start locks the session and claims the table slot of kind k (see
// claim); on success the caller unlocks s.mu.
func (s *Session) start(k opKind) error {
	if err := s.lock(); err != nil {
		return err
	}
	if err := s.claim(k); err != nil {
		s.mu.Unlock()
		return err
	}
	return nil
}

// lockedSession finds and locks a session; the caller unlocks s.mu.
func (m *Module) lockedSession(h ck.SessionHandle) (*Session, error) {
	s, err := m.session(h)
	if err != nil {
		return nil, err
	}
	if err := s.lock(); err != nil {
		return nil, err
	}
	return s, nil
}

// SessionCancel ends the session's active operations named by flags
// (CKF_FIND_OBJECTS, CKF_DIGEST, CKF_SIGN, CKF_VERIFY, CKF_ENCRYPT,
// CKF_DECRYPT), as PKCS#11 3.0's C_SessionCancel does. Cancelling an
// operation that is not active is no error.
func (m *Module) SessionCancel(h ck.SessionHandle, flags ck.Flags) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	for k, f := range cancelFlags {
		if flags&f != 0 {
			s.end(opKind(k))
		}
	}
	return nil
}
