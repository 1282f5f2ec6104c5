// Package token is the corepkcs11 engine: module state, slots and
// tokens, sessions and login state, and the operations of the PKCS#11
// 2.40 base specification, with its return codes. Its API is PKCS#11
// shaped — a Module has one method per C_ function and every method's
// error carries the CK_RV the function returns (see ck.ToRV) — so the C
// ABI layer only converts arguments, and Go programs can use a token
// in-process without cgo.
//
// A Module is safe for concurrent use. Locks are per token and per
// session and guard memory: none is held while the store is written or a
// PIN derived, and a signature holds only its own session's lock.
package token

import (
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/store"
)

// Version is the library version reported by C_GetInfo.
var Version = ck.Version{Major: 0, Minor: 1}

// Manufacturer is reported in C_GetInfo, C_GetSlotInfo and C_GetTokenInfo.
const Manufacturer = "corepkcs11"

// Config configures a Module. The zero value opens the default store.
type Config struct {
	// Store is used as it is when set; the module does not close it.
	Store store.Store
	// Location is opened with store.Open when Store is nil; empty means
	// the location Locate finds at each Initialize.
	Location string
	// Locate finds the store when Location is empty; nil means
	// store.Location (COREPKCS11_STORE, XDG_DATA_HOME, ~/.local/share).
	Locate func() (string, error)
	// KDF is the cost of deriving keys from new PINs; zero means DefaultKDF.
	KDF KDF
	// MaxPINFailures is how many consecutive wrong PINs lock a PIN; zero means 10.
	MaxPINFailures uint
	// Log receives internal failures; nil discards them.
	Log *slog.Logger
	// DisableLegacy, asked at each Initialize, turns off the mechanisms of
	// broken algorithms (mech.Mechanism.Legacy); nil leaves them on.
	DisableLegacy func() bool
}

// Module is one PKCS#11 module instance: what C_Initialize creates and
// C_Finalize ends. Methods return CKR_CRYPTOKI_NOT_INITIALIZED outside
// that span.
type Module struct {
	cfg Config
	log *slog.Logger

	mu          sync.RWMutex // guards the fields below
	initialized bool
	store       store.Store
	ownStore    bool
	tokens      map[ck.SlotID]*Token
	emptySlot   ck.SlotID // the slot holding the uninitialized token
	sessions    map[ck.SessionHandle]*Session
	applied     uint64 // the store generation the tokens are up to date with
	noLegacy    bool   // legacy mechanisms are off

	legacyUsed sync.Map // legacy mechanism types already logged as used

	reloading sync.Mutex // one snapshot at a time (see reload)

	// Handles are never reused for the life of the Module, across
	// C_Finalize and C_Initialize.
	nextSession atomic.Uint64
	nextObject  atomic.Uint64
}

// New returns a module; call Initialize before anything else.
func New(cfg Config) *Module {
	if cfg.KDF == (KDF{}) {
		cfg.KDF = DefaultKDF
	}
	if cfg.MaxPINFailures == 0 {
		cfg.MaxPINFailures = 10
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &Module{cfg: cfg, log: log}
}

// Initialize opens the store and reads its tokens (C_Initialize).
func (m *Module) Initialize() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.initialized {
		return ck.CKR_CRYPTOKI_ALREADY_INITIALIZED
	}
	st, own := m.cfg.Store, false
	if st == nil {
		loc := m.cfg.Location
		if loc == "" {
			locate := m.cfg.Locate
			if locate == nil {
				locate = store.Location
			}
			var err error
			if loc, err = locate(); err != nil {
				return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
			}
		}
		var err error
		if st, err = store.Open(loc); err != nil {
			return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
		}
		own = true
	}
	// The token records only: each token's objects are read when a call
	// first needs them (see Token.ensureLoaded).
	snap, err := st.Snapshot(nil)
	if err != nil {
		if own {
			st.Close()
		}
		return ck.Wrap(ck.CKR_DEVICE_ERROR, err)
	}
	m.store, m.ownStore = st, own
	m.noLegacy = m.cfg.DisableLegacy != nil && m.cfg.DisableLegacy()
	m.tokens, m.emptySlot, m.applied = map[ck.SlotID]*Token{}, 0, 0
	m.sessions = map[ck.SessionHandle]*Session{}
	m.applyLocked(snap)
	m.initialized = true
	return nil
}

// Finalize closes every session and the store (C_Finalize).
func (m *Module) Finalize() error {
	m.mu.Lock()
	if !m.initialized {
		m.mu.Unlock()
		return ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	m.initialized = false
	sessions := m.sessions
	st, own := m.store, m.ownStore
	m.sessions, m.tokens, m.store = nil, nil, nil
	m.mu.Unlock()
	for _, s := range sessions {
		s.close()
	}
	// Closing checkpoints the database: disk work, done without the lock.
	if own {
		if err := st.Close(); err != nil {
			m.log.Error("closing store", "err", err)
		}
	}
	return nil
}

// Info is CK_INFO without padding.
type Info struct {
	CryptokiVersion    ck.Version
	ManufacturerID     string
	Flags              ck.Flags
	LibraryDescription string
	LibraryVersion     ck.Version
}

// GetInfo describes the library (C_GetInfo).
func (m *Module) GetInfo() (Info, error) {
	if err := m.check(); err != nil {
		return Info{}, err
	}
	return Info{
		CryptokiVersion:    ck.Version{Major: ck.CRYPTOKI_VERSION_MAJOR, Minor: ck.CRYPTOKI_VERSION_MINOR},
		ManufacturerID:     Manufacturer,
		LibraryDescription: "corepkcs11 software token",
		LibraryVersion:     Version,
	}, nil
}

func (m *Module) check() error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.initialized {
		return ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	return nil
}

// GetSlotList lists slot IDs (C_GetSlotList). Every slot holds a token,
// so tokenPresent changes nothing: the last slot always holds an
// uninitialized token for C_InitToken.
func (m *Module) GetSlotList(tokenPresent bool) ([]ck.SlotID, error) {
	if err := m.refresh(); err != nil {
		return nil, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	ids := slices.Sorted(maps.Keys(m.tokens))
	return append(ids, m.emptySlot), nil
}

// token returns the initialized token in slot id: CKR_SLOT_ID_INVALID
// for no such slot, CKR_TOKEN_NOT_RECOGNIZED for the uninitialized one.
func (m *Module) token(id ck.SlotID) (*Token, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if !m.initialized {
		return nil, ck.CKR_CRYPTOKI_NOT_INITIALIZED
	}
	if t, ok := m.tokens[id]; ok {
		return t, nil
	}
	if id == m.emptySlot {
		return nil, ck.CKR_TOKEN_NOT_RECOGNIZED
	}
	return nil, ck.Errorf(ck.CKR_SLOT_ID_INVALID, "slot %d", id)
}

// SlotInfo is CK_SLOT_INFO without padding.
type SlotInfo struct {
	SlotDescription string
	ManufacturerID  string
	Flags           ck.Flags
	HardwareVersion ck.Version
	FirmwareVersion ck.Version
}

// GetSlotInfo describes a slot (C_GetSlotInfo).
func (m *Module) GetSlotInfo(id ck.SlotID) (SlotInfo, error) {
	if err := m.refresh(); err != nil {
		return SlotInfo{}, err
	}
	if _, err := m.token(id); err != nil && ck.ToRV(err) != ck.CKR_TOKEN_NOT_RECOGNIZED {
		return SlotInfo{}, err
	}
	return SlotInfo{
		SlotDescription: fmt.Sprintf("corepkcs11 slot %d", id),
		ManufacturerID:  Manufacturer,
		Flags:           ck.CKF_TOKEN_PRESENT,
		HardwareVersion: Version,
		FirmwareVersion: Version,
	}, nil
}

func (m *Module) newObjectHandle() ck.ObjectHandle {
	return ck.ObjectHandle(m.nextObject.Add(1))
}
