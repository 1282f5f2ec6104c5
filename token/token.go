package token

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
	"github.com/corepkcs11/corepkcs11/store"
)

// Token is an initialized token in its slot, as this process sees it:
// its record and objects from the store, and this application's login
// state.
type Token struct {
	m     *Module
	store store.Store
	slot  ck.SlotID

	mu       sync.RWMutex // guards everything below
	rec      store.Token
	env      envelope
	sealer   *sealer     // holds the token key: nil until a login in this process unlocks it
	user     ck.UserType // who is logged in, if loggedIn
	loggedIn bool
	objects  index // the token's objects once loaded, and the session objects
	byUID    map[string]*entry
	// records holds the newest record known of each token object, read
	// from the store or written by this process, whether it could be
	// decoded or not (a private one before login).
	records map[string]store.Object
	// gone holds the objects this process deleted, with the generation of
	// the deletion, until a snapshot at least as new no longer has them.
	gone map[string]uint64
	// seen is the generation of the newest snapshot applied.
	seen   uint64
	ro, rw int // this application's open sessions

	// loaded is set once the token's objects are in memory (see
	// ensureLoaded); it changes only under m.reloading and t.mu, and is
	// read without them by calls that need the objects.
	loaded atomic.Bool
}

func newToken(m *Module, rec store.Token) (*Token, error) {
	env, err := decodeEnvelope(rec.Keys)
	if err != nil {
		return nil, err
	}
	return &Token{m: m, store: m.store, slot: ck.SlotID(rec.ID), rec: rec, env: env,
		objects: newIndex(), byUID: map[string]*entry{}, records: map[string]store.Object{}, gone: map[string]uint64{}}, nil
}

// The stored form of an object (store.Object): a public object's
// attributes are in Public, in clear, key material included, because
// the spec makes it usable without a login and so without the token
// key; a CKA_PRIVATE object's are in Sealed, encrypted under the token
// key, and Public is empty. The store file thus never shows more than
// the API shows a caller without a PIN: a token object whose key
// material may not be revealed (sensitive or unextractable) must be
// CKA_PRIVATE.

// decode returns nil, nil for a sealed object while the token key is locked.
//
// It also reads the records of corepkcs11 before 2026-11-28, which
// sealed the key material of public objects apart from their clear
// attributes, and sealed private objects as uvarint length, clear
// attributes, key material. Such records are rewritten in today's form
// the next time the object changes.
func (t *Token) decode(rec store.Object) (*object.Object, error) {
	switch {
	case len(rec.Public) > 0 && len(rec.Sealed) == 0:
		if t.sealer != nil && t.sealer.secret.authenticated {
			if err := t.sealer.verify(t.rec.Serial, rec.UID, rec.Public, rec.MAC); err != nil {
				return nil, err
			}
		}
		return object.Decode(rec.Public)
	case t.sealer == nil:
		return nil, nil
	}
	plain, err := t.sealer.open(t.rec.Serial, rec.UID, rec.Sealed)
	if err != nil {
		return nil, err
	}
	switch {
	case len(rec.Public) > 0 && t.sealer.secret.authenticated:
		return nil, errors.New("a record with a clear and a sealed part, which this token never writes")
	case len(rec.Public) > 0:
		return object.Decode(rec.Public, plain)
	case len(plain) > 0 && plain[0] == object.EncodingVersion:
		return object.Decode(plain)
	}
	// The old private layout: its uvarint length prefix is never the
	// version byte, since no encoding is a single byte long.
	n, k := binary.Uvarint(plain)
	if k <= 0 || n > uint64(len(plain)-k) {
		return nil, errors.New("sealed private object is corrupt")
	}
	return object.Decode(plain[k:k+int(n)], plain[k+int(n):])
}

// encode is decode's inverse. A private object needs the token key:
// CKR_USER_NOT_LOGGED_IN if no login has unlocked it.
func (t *Token) encode(uid string, obj *object.Object) (store.Object, error) {
	rec := store.Object{Token: uint(t.slot), UID: uid, Epoch: t.rec.Epoch}
	if !obj.IsPrivate() {
		if obj.HidesMaterial() {
			return rec, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT,
				"a token key with CKA_PRIVATE false would be stored in clear: it must have CKA_SENSITIVE false and CKA_EXTRACTABLE true")
		}
		rec.Public = obj.Encode()
		switch {
		case t.sealer != nil:
			rec.MAC = t.sealer.sum(t.rec.Serial, uid, rec.Public)
		case t.env.Authenticated:
			return rec, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT,
				"the token authenticates every stored object under its key: writing a token object needs a login")
		}
		return rec, nil
	}
	if t.sealer == nil {
		return rec, ck.Errorf(ck.CKR_USER_NOT_LOGGED_IN, "storing a private object needs the token key, unlocked by a login")
	}
	rec.Sealed = t.sealer.seal(t.rec.Serial, uid, obj.Encode())
	return rec, nil
}

// unlockLocked makes the token key available and loads what it opens:
// the sealed records, and the clear ones again, now that their MACs can
// be checked.
func (t *Token) unlockLocked(sec tokenSecret) {
	if t.sealer != nil {
		return
	}
	t.sealer = newSealer(sec)
	for _, rec := range t.records {
		t.loadLocked(rec)
	}
}

// lockLocked forgets the token key and every object only it opens, as a
// logout must: a later login unwraps the key and decodes them again, with
// new handles.
func (t *Token) lockLocked() {
	if t.sealer == nil {
		return
	}
	t.sealer.wipe()
	t.sealer = nil
	for uid, rec := range t.records {
		if len(rec.Sealed) > 0 {
			t.dropEntryLocked(uid)
		}
	}
}

func newUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// visibleLocked reports whether this application may see e now:
// CKA_PRIVATE objects only while the normal user is logged in.
func (t *Token) visibleLocked(e *entry) bool {
	return !e.obj.IsPrivate() || (t.loggedIn && t.user == ck.CKU_USER)
}

// userPINSet reports CKF_USER_PIN_INITIALIZED.
func (t *Token) userPINSetLocked() bool { return t.env.User != nil }

// TokenInfo is CK_TOKEN_INFO without padding.
type TokenInfo struct {
	Label, ManufacturerID, Model, SerialNumber string
	Flags                                      ck.Flags
	MaxSessionCount, SessionCount              uint
	MaxRwSessionCount, RwSessionCount          uint
	MaxPinLen, MinPinLen                       uint
	TotalPublicMemory, FreePublicMemory        uint
	TotalPrivateMemory, FreePrivateMemory      uint
	HardwareVersion, FirmwareVersion           ck.Version
	UTCTime                                    string
}

// PIN lengths accepted, in bytes.
const (
	MinPINLen = 4
	MaxPINLen = 255
)

// GetTokenInfo describes the token in a slot (C_GetTokenInfo).
func (m *Module) GetTokenInfo(id ck.SlotID) (TokenInfo, error) {
	if err := m.refresh(); err != nil {
		return TokenInfo{}, err
	}
	info := TokenInfo{
		ManufacturerID:     Manufacturer,
		Model:              "software token",
		MaxSessionCount:    ck.CK_EFFECTIVELY_INFINITE,
		MaxRwSessionCount:  ck.CK_EFFECTIVELY_INFINITE,
		MaxPinLen:          MaxPINLen,
		MinPinLen:          MinPINLen,
		TotalPublicMemory:  ck.CK_UNAVAILABLE_INFORMATION,
		FreePublicMemory:   ck.CK_UNAVAILABLE_INFORMATION,
		TotalPrivateMemory: ck.CK_UNAVAILABLE_INFORMATION,
		FreePrivateMemory:  ck.CK_UNAVAILABLE_INFORMATION,
		HardwareVersion:    Version,
		FirmwareVersion:    Version,
		Flags:              ck.CKF_RNG | ck.CKF_LOGIN_REQUIRED | ck.CKF_DUAL_CRYPTO_OPERATIONS,
	}
	t, err := m.token(id)
	if ck.ToRV(err) == ck.CKR_TOKEN_NOT_RECOGNIZED {
		return info, nil // the uninitialized token
	}
	if err != nil {
		return TokenInfo{}, err
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	info.Label, info.SerialNumber = t.rec.Label, t.rec.Serial
	info.SessionCount, info.RwSessionCount = uint(t.ro+t.rw), uint(t.rw)
	info.Flags |= ck.CKF_TOKEN_INITIALIZED | ck.CKF_RESTORE_KEY_NOT_NEEDED
	if t.userPINSetLocked() {
		info.Flags |= ck.CKF_USER_PIN_INITIALIZED
	}
	info.Flags |= m.pinFlags(t.rec.UserFailures, ck.CKF_USER_PIN_COUNT_LOW, ck.CKF_USER_PIN_FINAL_TRY, ck.CKF_USER_PIN_LOCKED)
	info.Flags |= m.pinFlags(t.rec.SOFailures, ck.CKF_SO_PIN_COUNT_LOW, ck.CKF_SO_PIN_FINAL_TRY, ck.CKF_SO_PIN_LOCKED)
	return info, nil
}

func (m *Module) pinFlags(failures uint, low, final, locked ck.Flags) ck.Flags {
	switch {
	case failures >= m.cfg.MaxPINFailures:
		return locked
	case failures == m.cfg.MaxPINFailures-1:
		return low | final
	case failures > 0:
		return low
	}
	return 0
}

func checkPINLen(pin []byte) error {
	if len(pin) < MinPINLen || len(pin) > MaxPINLen {
		return ck.Errorf(ck.CKR_PIN_LEN_RANGE, "a PIN is %d to %d bytes", MinPINLen, MaxPINLen)
	}
	return nil
}

// MaxLabelLen is the size of CK_TOKEN_INFO.label.
const MaxLabelLen = 32

// InitToken initializes the token in a slot (C_InitToken). In the slot
// with the uninitialized token it creates a token whose SO PIN is soPIN,
// and a new empty slot appears. On an existing token it checks soPIN and
// destroys every object; the user PIN becomes uninitialized.
func (m *Module) InitToken(id ck.SlotID, soPIN []byte, label string) error {
	return m.InitTokenKDF(id, soPIN, label, m.cfg.KDF)
}

// InitTokenKDF is InitToken with the cost of deriving keys from the
// token's PINs, which the token keeps for every PIN set later.
func (m *Module) InitTokenKDF(id ck.SlotID, soPIN []byte, label string, kdf KDF) error {
	if err := m.refresh(); err != nil {
		return err
	}
	if err := checkPINLen(soPIN); err != nil {
		return err
	}
	if len(label) > MaxLabelLen {
		return ck.Errorf(ck.CKR_ARGUMENTS_BAD, "label is longer than %d bytes", MaxLabelLen)
	}
	t, err := m.token(id)
	switch ck.ToRV(err) {
	case ck.CKR_TOKEN_NOT_RECOGNIZED:
		return m.createToken(id, soPIN, label, kdf)
	case ck.CKR_OK:
		return t.reinit(soPIN, label, kdf)
	}
	return err
}

func (m *Module) createToken(id ck.SlotID, soPIN []byte, label string, kdf KDF) error {
	serial := make([]byte, 8)
	rand.Read(serial)
	rec, err := m.store.CreateToken(store.Token{
		ID:     uint(id),
		Label:  label,
		Serial: hex.EncodeToString(serial),
		Keys:   newEnvelope(kdf, soPIN, newTokenSecret()).encode(),
	})
	if errors.Is(err, store.ErrExists) {
		return ck.Errorf(ck.CKR_SLOT_ID_INVALID, "slot %d was initialized by another process", id)
	}
	if err != nil {
		return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
	}
	t, err := newToken(m, rec)
	if err != nil {
		return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
	}
	m.mu.Lock()
	if _, ok := m.tokens[id]; !ok {
		m.tokens[id] = t
	}
	m.emptySlot = max(m.emptySlot, id+1)
	m.mu.Unlock()
	m.wrote(rec.Version)
	return nil
}

// reinit re-initializes the token (C_InitToken on an initialized token):
// a new token key wrapped under soPIN, no user PIN, no objects. It fails
// with CKR_PIN_INCORRECT, not silently, if another process re-initialized
// the token (perhaps with another SO PIN) after soPIN was checked.
func (t *Token) reinit(soPIN []byte, label string, kdf KDF) error {
	t.mu.RLock()
	open := t.ro + t.rw
	t.mu.RUnlock()
	if open > 0 {
		return ck.CKR_SESSION_EXISTS
	}
	_, checked, err := t.checkPINOf(ck.CKU_SO, soPIN)
	if err != nil {
		return err
	}
	env := newEnvelope(kdf, soPIN, newTokenSecret())
	var rec store.Token
	for attempt := 0; ; attempt++ {
		t.mu.RLock()
		current := t.env
		rec = t.rec
		t.mu.RUnlock()
		if !current.sameKey(checked) {
			return ck.Wrap(ck.CKR_PIN_INCORRECT, errReinitialized)
		}
		rec.Label = label
		rec.SOFailures, rec.UserFailures = 0, 0
		rec.Keys = env.encode()
		rec, err = t.store.ResetToken(rec)
		if !errors.Is(err, store.ErrConflict) || attempt == maxWriteAttempts {
			break
		}
		// Another process wrote the token record (a PIN counter, a new
		// PIN wrap): read it and try again from it.
		if err := t.m.reload(t.store, true, nil); err != nil {
			return err
		}
	}
	switch {
	case errors.Is(err, store.ErrConflict):
		return ck.Wrap(ck.CKR_FUNCTION_FAILED, fmt.Errorf("the token record kept changing in other processes: %w", err))
	case err != nil:
		return storeError(err)
	}
	// The new key ID ends logins and drops every object.
	t.recordWritten(rec)
	return nil
}
