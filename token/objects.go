package token

import (
	"errors"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// objectLocked returns the entry for h if this application can see it;
// t.mu is held. A token whose objects are not loaded yet needs no load
// here: this process has no handle of any of its token objects.
func (t *Token) objectLocked(h ck.ObjectHandle) (*entry, error) {
	e, ok := t.objects.byHandle[h]
	if !ok || !t.visibleLocked(e) {
		return nil, ck.Errorf(ck.CKR_OBJECT_HANDLE_INVALID, "object %d", h)
	}
	return e, nil
}

// admitLocked checks that session s may hold obj: token objects need a
// read/write session, private objects a logged-in user.
func (t *Token) admitLocked(s *Session, obj *object.Object) error {
	if obj.IsToken() && !s.rw {
		return ck.CKR_SESSION_READ_ONLY
	}
	if obj.IsPrivate() && !(t.loggedIn && t.user == ck.CKU_USER) {
		return ck.CKR_USER_NOT_LOGGED_IN
	}
	return nil
}

// add stores (for token objects) and indexes new objects, all or none,
// and returns their handles. The store is written without the token
// lock, so a slow disk holds up no other call. A session that closes
// meanwhile takes its new session objects with it, and the call fails
// with CKR_SESSION_HANDLE_INVALID.
func (t *Token) add(s *Session, objs ...*object.Object) ([]ck.ObjectHandle, error) {
	entries := make([]*entry, len(objs))
	recs := make([]store.Object, len(objs))
	var toStore []store.Object
	t.mu.RLock()
	for i, obj := range objs {
		if err := t.admitLocked(s, obj); err != nil {
			t.mu.RUnlock()
			return nil, err
		}
		entries[i] = &entry{obj: obj}
		if !obj.IsToken() {
			entries[i].owner = s.handle
			continue
		}
		rec, err := t.encode(newUID(), obj)
		if err != nil {
			t.mu.RUnlock()
			return nil, err
		}
		recs[i] = rec
		toStore = append(toStore, rec)
	}
	t.mu.RUnlock()
	if s.closed.Load() {
		return nil, ck.CKR_SESSION_HANDLE_INVALID
	}
	var gen uint64
	if len(toStore) > 0 {
		// A token object this process stores joins the token's objects as
		// this process knows them (see installLocked), so they are read
		// first if no call has needed them yet.
		if err := t.ensureLoaded(); err != nil {
			return nil, err
		}
		var err error
		if gen, err = t.store.PutObjects(toStore...); err != nil {
			return nil, storeError(err)
		}
	}
	handles := make([]ck.ObjectHandle, len(entries))
	t.mu.Lock()
	// The session may have closed while its objects were being made (an
	// unwrap decrypts for a while): its session objects would then
	// outlive it, and nothing would ever destroy them, so they go with
	// it. Token objects already stored stay, as if made just before.
	closed := s.closed.Load()
	for i, e := range entries {
		if closed && recs[i].UID == "" {
			continue
		}
		if recs[i].UID != "" {
			recs[i].Version = gen
			if e = t.installLocked(e, recs[i]); e == nil {
				// Gone already (see installLocked): the handle is one
				// that names nothing, as it would after the destruction.
				handles[i] = t.m.newObjectHandle()
				continue
			}
		} else {
			e.handle = t.m.newObjectHandle()
			t.objects.add(e)
		}
		handles[i] = e.handle
	}
	t.mu.Unlock()
	if gen != 0 {
		t.m.wrote(gen)
	}
	if closed && len(toStore) < len(objs) {
		return nil, ck.CKR_SESSION_HANDLE_INVALID
	}
	return handles, nil
}

// addOne is add for a single object.
func (t *Token) addOne(s *Session, obj *object.Object) (ck.ObjectHandle, error) {
	handles, err := t.add(s, obj)
	if err != nil {
		return 0, err
	}
	return handles[0], nil
}

// tokenSession finds a session and refreshes the module from the store.
func (m *Module) tokenSession(h ck.SessionHandle) (*Session, *Token, error) {
	if err := m.refresh(); err != nil {
		return nil, nil, err
	}
	s, err := m.session(h)
	if err != nil {
		return nil, nil, err
	}
	return s, s.token, nil
}

// lockObject finds object oh for session h and locks its token, for
// writing or for reading; the caller must call unlock.
func (m *Module) lockObject(h ck.SessionHandle, oh ck.ObjectHandle, write bool) (s *Session, e *entry, unlock func(), err error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return nil, nil, nil, err
	}
	lock, unlock := t.mu.RLock, t.mu.RUnlock
	if write {
		lock, unlock = t.mu.Lock, t.mu.Unlock
	}
	lock()
	if e, err = t.objectLocked(oh); err != nil {
		unlock()
		return nil, nil, nil, err
	}
	return s, e, unlock, nil
}

// isSO reports whether the SO is logged in; t.mu is held.
func (t *Token) isSOLocked() bool { return t.loggedIn && t.user == ck.CKU_SO }

// CreateObject creates an object from a template (C_CreateObject).
func (m *Module) CreateObject(h ck.SessionHandle, tmpl object.Template) (ck.ObjectHandle, error) {
	s, t, err := m.tokenSession(h)
	if err != nil {
		return 0, err
	}
	obj, err := object.New(tmpl, nil, object.Origin{SO: t.isSO()})
	if err != nil {
		return 0, err
	}
	return t.addOne(s, obj)
}

// isSO reports whether the SO is logged in.
func (t *Token) isSO() bool {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.isSOLocked()
}

// DestroyObject destroys an object (C_DestroyObject). A token object
// another process destroyed first gives CKR_OBJECT_HANDLE_INVALID.
func (m *Module) DestroyObject(h ck.SessionHandle, oh ck.ObjectHandle) error {
	s, e, unlock, err := m.lockObject(h, oh, false)
	if err != nil {
		return err
	}
	t := s.token
	switch {
	case e.obj.IsToken() && !s.rw:
		unlock()
		return ck.CKR_SESSION_READ_ONLY
	case !e.obj.Bool(ck.CKA_DESTROYABLE):
		unlock()
		return ck.Errorf(ck.CKR_ACTION_PROHIBITED, "object has CKA_DESTROYABLE false")
	}
	unlock()
	if e.uid == "" {
		t.mu.Lock()
		defer t.mu.Unlock()
		if t.objects.byHandle[oh] != e {
			return ck.Errorf(ck.CKR_OBJECT_HANDLE_INVALID, "object %d", oh)
		}
		t.objects.remove(e)
		return nil
	}
	gen, err := t.store.DeleteObject(uint(t.slot), e.uid)
	t.mu.Lock()
	switch {
	case err == nil:
		t.removeLocked(e.uid, gen)
	case errors.Is(err, store.ErrConflict):
		// Another process destroyed it; forget it now rather than at the
		// next snapshot.
		delete(t.records, e.uid)
		t.dropEntryLocked(e.uid)
	}
	t.mu.Unlock()
	if err != nil {
		return storeError(err)
	}
	t.m.wrote(gen)
	return nil
}

// GetObjectSize returns an object's approximate size in bytes (C_GetObjectSize).
func (m *Module) GetObjectSize(h ck.SessionHandle, oh ck.ObjectHandle) (uint, error) {
	_, e, unlock, err := m.lockObject(h, oh, false)
	if err != nil {
		return 0, err
	}
	defer unlock()
	return uint(e.obj.Size()), nil
}

// AttributeQuery is one CK_ATTRIBUTE of a C_GetAttributeValue template.
type AttributeQuery struct {
	Type ck.AttributeType
	// Value receives the value; nil asks for its length only.
	Value []byte
	// Len is set to the value's length, or CK_UNAVAILABLE_INFORMATION.
	Len uint
}

// GetAttributeValue reads attributes (C_GetAttributeValue). Every query is
// answered even when some fail: the error is then CKR_ATTRIBUTE_SENSITIVE,
// CKR_ATTRIBUTE_TYPE_INVALID or CKR_BUFFER_TOO_SMALL, for the first
// attribute that failed, and that attribute's Len is
// CK_UNAVAILABLE_INFORMATION.
func (m *Module) GetAttributeValue(h ck.SessionHandle, oh ck.ObjectHandle, q []AttributeQuery) error {
	_, e, unlock, err := m.lockObject(h, oh, false)
	if err != nil {
		return err
	}
	defer unlock()
	var first error
	for i := range q {
		v, err := e.obj.Attribute(q[i].Type)
		switch {
		case err != nil:
		case q[i].Value == nil:
		case len(q[i].Value) < len(v):
			err = ck.CKR_BUFFER_TOO_SMALL
		default:
			copy(q[i].Value, v)
		}
		if err != nil {
			q[i].Len = ck.CK_UNAVAILABLE_INFORMATION
			if first == nil {
				first = err
			}
			continue
		}
		q[i].Len = uint(len(v))
	}
	return first
}

// GetAttributes is GetAttributeValue for Go callers: the values of the
// given attributes, or the first error.
func (m *Module) GetAttributes(h ck.SessionHandle, oh ck.ObjectHandle, types ...ck.AttributeType) (object.Template, error) {
	q := make([]AttributeQuery, len(types))
	for i, t := range types {
		q[i].Type = t
	}
	if err := m.GetAttributeValue(h, oh, q); err != nil {
		return nil, err
	}
	for i := range q {
		q[i].Value = make([]byte, q[i].Len)
	}
	if err := m.GetAttributeValue(h, oh, q); err != nil {
		return nil, err
	}
	out := make(object.Template, len(q))
	for i := range q {
		out[i] = object.Attribute{Type: q[i].Type, Value: q[i].Value[:q[i].Len]}
	}
	return out, nil
}

// maxWriteAttempts bounds how often a write of an object that another
// process keeps changing is derived afresh and tried again.
const maxWriteAttempts = 16

// SetAttributeValue changes attributes of an object (C_SetAttributeValue).
// The change is applied to the object as the store last had it: if
// another process changed the object meanwhile, the change is applied
// again to that newer version, so neither write is lost; if it destroyed
// the object, the call gives CKR_OBJECT_HANDLE_INVALID.
func (m *Module) SetAttributeValue(h ck.SessionHandle, oh ck.ObjectHandle, tmpl object.Template) error {
	for range maxWriteAttempts {
		s, e, unlock, err := m.lockObject(h, oh, false)
		if err != nil {
			return err
		}
		t := s.token
		if e.obj.IsToken() && !s.rw {
			unlock()
			return ck.CKR_SESSION_READ_ONLY
		}
		old := e.obj
		obj, err := old.Set(tmpl, t.isSOLocked())
		if err != nil {
			unlock()
			return err
		}
		if e.uid == "" {
			unlock()
			if t.replaceSessionObject(e, old, obj) {
				return nil
			}
			continue
		}
		rec, err := t.encode(e.uid, obj)
		rec.Version = t.records[e.uid].Version
		unlock()
		if err != nil {
			return err
		}
		gen, err := t.store.PutObjects(rec)
		if errors.Is(err, store.ErrConflict) {
			// Changed or destroyed elsewhere: a snapshot brings the newer
			// version for the next attempt, or shows the handle gone.
			if err := m.reload(t.store, true, nil); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return storeError(err)
		}
		rec.Version = gen
		t.mu.Lock()
		t.installLocked(&entry{obj: obj}, rec)
		t.mu.Unlock()
		t.m.wrote(gen)
		return nil
	}
	return ck.Errorf(ck.CKR_FUNCTION_FAILED, "object %d kept changing in other processes", oh)
}

// replaceSessionObject replaces e's object old with obj, unless another
// call changed or destroyed it since obj was derived from old.
func (t *Token) replaceSessionObject(e *entry, old, obj *object.Object) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if cur, ok := t.objects.byHandle[e.handle]; !ok || cur != e || e.obj != old {
		return false
	}
	t.objects.replace(e, obj)
	return true
}

// CopyObject copies an object, changing the attributes in tmpl (C_CopyObject).
func (m *Module) CopyObject(h ck.SessionHandle, oh ck.ObjectHandle, tmpl object.Template) (ck.ObjectHandle, error) {
	s, e, unlock, err := m.lockObject(h, oh, false)
	if err != nil {
		return 0, err
	}
	t := s.token
	obj, err := e.obj.Copy(tmpl, t.isSOLocked())
	unlock()
	if err != nil {
		return 0, err
	}
	return t.addOne(s, obj)
}
