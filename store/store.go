// Package store is corepkcs11's Platform Abstraction Layer: where tokens
// and their objects persist. corePKCS11's PAL saves, finds and reads
// objects by label; this one keeps whole objects of many tokens, commits
// each change atomically and durably, and tells a process when another one
// has committed, so several processes can share one store.
//
// Porting corepkcs11 to new storage means implementing Store. The store
// never sees a CKA_PRIVATE object in clear: the engine seals it before Put.
package store

import (
	"errors"
	"os"
	"path/filepath"
)

// Token is the persistent record of an initialized token.
type Token struct {
	ID     uint   // slot ID, stable for the life of the token
	Label  string // CK_TOKEN_INFO.label, without padding
	Serial string // CK_TOKEN_INFO.serialNumber, without padding
	// Keys is the engine's key envelope (PIN-wrapped token key, salts,
	// KDF parameters, whether the user PIN is set); opaque to the store.
	Keys         []byte
	SOFailures   uint // consecutive wrong SO PINs
	UserFailures uint // consecutive wrong user PINs
	// Version is the generation of the write that stored this record; the
	// store sets it.
	Version uint64
	// Epoch is the generation of the write that created or last reset the
	// token; the store sets it. Objects made for an older epoch are refused.
	Epoch uint64
}

// Object is the persistent record of a token object.
type Object struct {
	Token uint   // the token's ID
	UID   string // unique within the store, never reused
	// Version is the generation of the write that stored this record. The
	// store sets it; a write names the version it replaces (0 for a new
	// object), so that no process overwrites a change it has not seen.
	Version uint64
	Public  []byte // attributes stored in clear; empty for CKA_PRIVATE objects
	Sealed  []byte // attributes encrypted under the token key
	MAC     []byte // the engine's authentication of Public
	// Epoch is the token's Epoch the record was made for (not stored): a
	// write of it after the token was reset is refused with ErrReset.
	Epoch uint64
}

// Snapshot is what a store holds, read at one instant: every token, and
// the objects of the tokens the reader asked for.
type Snapshot struct {
	// Generation counts the writes committed to the store, by any process;
	// every record in the snapshot has a Version at most Generation.
	Generation uint64
	Tokens     []Token // by ascending ID
	// Objects holds, by token ID, the objects of the tokens asked for
	// (see Store.Snapshot) by ascending UID: an entry, empty if the token
	// has no objects, for each token asked for, and none for the others.
	Objects     map[uint][]Object
	NextTokenID uint // the ID the next created token will get
}

// AllObjects asks Store.Snapshot for the objects of every token.
func AllObjects(uint) bool { return true }

// Store persists tokens and objects. Every write is one atomic, durable
// transaction that advances the store's generation, and every method is
// safe for concurrent use, also by several processes on one store.
type Store interface {
	// Snapshot reads every token, and the objects of each token for which
	// objectsOf returns true (none if it is nil), in one consistent view.
	// Objects are most of a store: a process reads those of the tokens it
	// uses, when it first uses them, not all of them at C_Initialize.
	Snapshot(objectsOf func(token uint) bool) (Snapshot, error)
	// Generation is the number of writes committed so far, by any
	// process, or a little more while a write is committing. It is cheap:
	// callers poll it to learn whether to take a Snapshot.
	Generation() (uint64, error)

	// CreateToken adds a token; ErrExists if its ID is taken.
	CreateToken(t Token) (Token, error)
	// UpdateToken applies fn to the current record of token id and stores
	// the result, atomically with respect to other processes, and returns
	// it. ErrNotFound if there is no such token.
	UpdateToken(id uint, fn func(*Token) error) (Token, error)
	// ResetToken replaces token t.ID's record, if it still has t.Version,
	// and deletes all its objects, in one transaction (C_InitToken of an
	// existing token). ErrConflict if the record changed, ErrNotFound if
	// the token is gone.
	ResetToken(t Token) (Token, error)
	// DeleteToken removes a token and its objects.
	DeleteToken(id uint) error

	// PutObjects creates or replaces objects, all in one transaction (a
	// key pair is stored whole or not at all), and returns the generation
	// it wrote, which is each object's new Version. An object with Version
	// 0 must not exist yet; any other must still have that Version:
	// otherwise ErrConflict, and nothing is written. ErrNotFound if an
	// object's token does not exist, ErrReset if it was reset since the
	// object's Epoch.
	PutObjects(objs ...Object) (uint64, error)
	// DeleteObject removes an object and returns the generation of the
	// deletion; ErrConflict if it does not exist.
	DeleteObject(token uint, uid string) (uint64, error)

	// Close releases the store.
	Close() error
}

// Errors a Store returns.
var (
	ErrExists   = errors.New("store: token already exists")
	ErrNotFound = errors.New("store: no such token")
	ErrConflict = errors.New("store: the record changed since it was read")
	ErrReset    = errors.New("store: the token was re-initialized since the record was made")
)

// Memory is the value of COREPKCS11_STORE that selects the ephemeral
// in-memory backend.
const Memory = ":memory:"

// Location returns where the store lives: $COREPKCS11_STORE if set, else
// $XDG_DATA_HOME/corepkcs11, else $HOME/.local/share/corepkcs11.
func Location() (string, error) { return LocationFrom(os.Getenv) }

// LocationFrom is Location with the environment read through getenv. The
// C module passes the C library's getenv: a Go runtime inside a shared
// library sees only the environment the process started with, not what
// the host set before loading it.
func LocationFrom(getenv func(string) string) (string, error) {
	if loc := getenv("COREPKCS11_STORE"); loc != "" {
		return loc, nil
	}
	if xdg := getenv("XDG_DATA_HOME"); xdg != "" {
		return filepath.Join(xdg, "corepkcs11"), nil
	}
	home := getenv("HOME")
	if home == "" {
		return "", errors.New("store: no COREPKCS11_STORE, XDG_DATA_HOME or HOME to place the store")
	}
	return filepath.Join(home, ".local", "share", "corepkcs11"), nil
}

// Open opens the store at location: the in-memory backend for Memory,
// otherwise the SQLite database in that directory, created if missing.
func Open(location string) (Store, error) {
	if location == Memory {
		return NewMemory(), nil
	}
	return OpenSQLite(location)
}
