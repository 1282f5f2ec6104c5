package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"

	_ "modernc.org/sqlite" // pure-Go SQLite: no C symbols to clash with the host process
)

// FileName is the database file inside the store directory.
const FileName = "corepkcs11.db"

// schemaVersion is kept in PRAGMA user_version; a store written by a
// newer corepkcs11 is refused rather than misread. Version 2 added the
// store generation, the rows' versions, the tokens' epochs and the
// objects' MACs.
const schemaVersion = 2

// migrations[v] brings a store from schema version v to v+1.
var migrations = []string{
	`CREATE TABLE IF NOT EXISTS meta (
		key   TEXT PRIMARY KEY,
		value INTEGER NOT NULL
	);
	CREATE TABLE IF NOT EXISTS tokens (
		id            INTEGER PRIMARY KEY,
		label         TEXT NOT NULL,
		serial        TEXT NOT NULL,
		keys          BLOB NOT NULL,
		so_failures   INTEGER NOT NULL DEFAULT 0,
		user_failures INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE IF NOT EXISTS objects (
		token  INTEGER NOT NULL REFERENCES tokens(id) ON DELETE CASCADE,
		uid    TEXT NOT NULL,
		public BLOB NOT NULL,
		sealed BLOB NOT NULL,
		PRIMARY KEY (token, uid)
	);
	INSERT OR IGNORE INTO meta(key, value) VALUES ('next_token_id', 0);`,
	`ALTER TABLE tokens ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
	ALTER TABLE tokens ADD COLUMN epoch INTEGER NOT NULL DEFAULT 1;
	ALTER TABLE objects ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
	ALTER TABLE objects ADD COLUMN mac BLOB NOT NULL DEFAULT x'';
	INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', 1);`,
}

// sqliteStore is the default backend: one SQLite database in WAL mode,
// one transaction per change, synchronous=FULL so a commit is on disk
// before the call returns.
type sqliteStore struct {
	db   *sql.DB
	path string

	mu     sync.RWMutex // keeps signal mapped while it is read
	signal *signal      // nil once closed
}

// OpenSQLite opens (creating if needed) the store in directory dir. The
// directory is created with mode 0700 and the database with 0600.
func OpenSQLite(dir string) (Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	f.Close()
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(ON)")
	// With keepWAL: the last connection to close truncates the WAL it
	// keeps, so the next open has nothing to replay.
	q.Add("_pragma", "journal_size_limit(0)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	keepWAL(db)
	s := &sqliteStore{db: db, path: path}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if s.signal, err = openSignal(filepath.Join(dir, SignalName)); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %w", err)
	}
	// A new or stale signal file must not hide what the database holds.
	var gen uint64
	if err := db.QueryRow("SELECT value FROM meta WHERE key = 'generation'").Scan(&gen); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	s.signal.raise(gen)
	return s, nil
}

// keepWAL makes the store's connection keep the -wal and -shm files when
// it closes. SQLite deletes them when its last connection to a database
// closes, so each C_Initialize of a process alone on the store created
// two files and each C_Finalize removed them: two thirds of a
// C_Initialize + C_Login + C_Finalize on ext4 (1.9 ms, 1.15 ms without).
// A failure only costs that time, so it is ignored.
func keepWAL(db *sql.DB) {
	c, err := db.Conn(context.Background())
	if err != nil {
		return
	}
	defer c.Close()
	c.Raw(func(dc any) error {
		if fc, ok := dc.(interface {
			FileControlPersistWAL(dbName string, mode int) (int, error)
		}); ok {
			fc.FileControlPersistWAL("main", 1)
		}
		return nil
	})
}

// migrate brings the schema to schemaVersion. A store already there,
// every open but the first, is only read: a write transaction would cost
// each C_Initialize a commit and an fsync, and wait on other processes'
// writers.
func (s *sqliteStore) migrate() error {
	var current int
	if err := s.db.QueryRow("PRAGMA user_version").Scan(&current); err != nil {
		return err
	}
	if current == schemaVersion {
		return nil
	}
	return s.tx(func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		if v > schemaVersion {
			return fmt.Errorf("schema version %d is newer than this corepkcs11 understands (%d)", v, schemaVersion)
		}
		for ; v < schemaVersion; v++ {
			if _, err := tx.Exec(migrations[v]); err != nil {
				return fmt.Errorf("migrating to schema version %d: %w", v+1, err)
			}
		}
		_, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

// tx runs fn in a write transaction (BEGIN IMMEDIATE).
func (s *sqliteStore) tx(fn func(*sql.Tx) error) error {
	tx, err := s.db.Begin()
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// write runs fn in a write transaction that advances the generation,
// and returns the new generation. The signal is raised just before the
// commit, so no reader can miss a committed write.
func (s *sqliteStore) write(fn func(tx *sql.Tx, gen uint64) error) (uint64, error) {
	var gen uint64
	err := s.tx(func(tx *sql.Tx) error {
		if err := tx.QueryRow("UPDATE meta SET value = value + 1 WHERE key = 'generation' RETURNING value").Scan(&gen); err != nil {
			return err
		}
		if err := fn(tx, gen); err != nil {
			return err
		}
		s.mu.RLock()
		defer s.mu.RUnlock()
		if s.signal == nil {
			return errClosed
		}
		s.signal.raise(gen)
		return nil
	})
	return gen, wrap(err)
}

// Generation reads the shared signal, which may run ahead of the
// committed generation while a write commits.
func (s *sqliteStore) Generation() (uint64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.signal == nil {
		return 0, errClosed
	}
	return s.signal.load(), nil
}

var errClosed = errors.New("store: closed")

func (s *sqliteStore) Snapshot(objectsOf func(uint) bool) (Snapshot, error) {
	snap, err := s.readSnapshot(objectsOf)
	if err != nil {
		return snap, err
	}
	sig, err := s.Generation()
	if err != nil || sig <= snap.Generation {
		return snap, err
	}
	// The signal is ahead: a writer raised it and is committing, or never
	// will (it was killed, or its commit failed). Taking the write lock
	// waits for a live one; then the database's generation is raised to
	// the signal, so that readers stop taking snapshots for nothing.
	if err := s.tx(func(tx *sql.Tx) error {
		_, err := tx.Exec("UPDATE meta SET value = max(value, ?) WHERE key = 'generation'", sig)
		return err
	}); err != nil {
		return snap, fmt.Errorf("store: %w", err)
	}
	return s.readSnapshot(objectsOf)
}

func (s *sqliteStore) readSnapshot(objectsOf func(uint) bool) (Snapshot, error) {
	snap := Snapshot{Objects: map[uint][]Object{}}
	// A read transaction sees one state of the database: WAL readers are
	// isolated from commits made while they read.
	tx, err := s.db.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return snap, fmt.Errorf("store: %w", err)
	}
	defer tx.Rollback()
	if err := tx.QueryRow("SELECT (SELECT value FROM meta WHERE key = 'generation'), (SELECT value FROM meta WHERE key = 'next_token_id')").
		Scan(&snap.Generation, &snap.NextTokenID); err != nil {
		return snap, fmt.Errorf("store: %w", err)
	}
	rows, err := tx.Query("SELECT id, label, serial, keys, so_failures, user_failures, version, epoch FROM tokens ORDER BY id")
	if err != nil {
		return snap, fmt.Errorf("store: %w", err)
	}
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Label, &t.Serial, &t.Keys, &t.SOFailures, &t.UserFailures, &t.Version, &t.Epoch); err != nil {
			rows.Close()
			return snap, fmt.Errorf("store: %w", err)
		}
		snap.Tokens = append(snap.Tokens, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return snap, fmt.Errorf("store: %w", err)
	}
	for _, t := range snap.Tokens {
		if objectsOf == nil || !objectsOf(t.ID) {
			continue
		}
		objs, err := readObjects(tx, t.ID)
		if err != nil {
			return snap, fmt.Errorf("store: %w", err)
		}
		snap.Objects[t.ID] = objs
	}
	return snap, nil
}

// readObjects reads the objects of one token, a range of the primary key.
func readObjects(tx *sql.Tx, token uint) ([]Object, error) {
	objs := []Object{}
	rows, err := tx.Query("SELECT uid, version, public, sealed, mac FROM objects WHERE token = ? ORDER BY uid", token)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		o := Object{Token: token}
		if err := rows.Scan(&o.UID, &o.Version, &o.Public, &o.Sealed, &o.MAC); err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	return objs, rows.Err()
}

func (s *sqliteStore) CreateToken(t Token) (Token, error) {
	gen, err := s.write(func(tx *sql.Tx, gen uint64) error {
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM tokens WHERE id = ?", t.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		if _, err := tx.Exec("INSERT INTO tokens(id, label, serial, keys, so_failures, user_failures, version, epoch) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
			t.ID, t.Label, t.Serial, t.Keys, t.SOFailures, t.UserFailures, gen, gen); err != nil {
			return err
		}
		_, err := tx.Exec("UPDATE meta SET value = max(value, ?) WHERE key = 'next_token_id'", t.ID+1)
		return err
	})
	t.Version, t.Epoch = gen, gen
	return t, err
}

func (s *sqliteStore) UpdateToken(id uint, fn func(*Token) error) (Token, error) {
	t := Token{ID: id}
	gen, err := s.write(func(tx *sql.Tx, gen uint64) error {
		err := tx.QueryRow("SELECT label, serial, keys, so_failures, user_failures, epoch FROM tokens WHERE id = ?", id).
			Scan(&t.Label, &t.Serial, &t.Keys, &t.SOFailures, &t.UserFailures, &t.Epoch)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		epoch := t.Epoch
		if err := fn(&t); err != nil {
			return err
		}
		t.ID, t.Epoch = id, epoch
		_, err = tx.Exec("UPDATE tokens SET label = ?, serial = ?, keys = ?, so_failures = ?, user_failures = ?, version = ? WHERE id = ?",
			t.Label, t.Serial, t.Keys, t.SOFailures, t.UserFailures, gen, id)
		return err
	})
	t.Version = gen
	return t, err
}

func (s *sqliteStore) ResetToken(t Token) (Token, error) {
	gen, err := s.write(func(tx *sql.Tx, gen uint64) error {
		var version uint64
		err := tx.QueryRow("SELECT version FROM tokens WHERE id = ?", t.ID).Scan(&version)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		case version != t.Version:
			return ErrConflict
		}
		if _, err := tx.Exec("UPDATE tokens SET label = ?, serial = ?, keys = ?, so_failures = ?, user_failures = ?, version = ?, epoch = ? WHERE id = ?",
			t.Label, t.Serial, t.Keys, t.SOFailures, t.UserFailures, gen, gen, t.ID); err != nil {
			return err
		}
		_, err = tx.Exec("DELETE FROM objects WHERE token = ?", t.ID)
		return err
	})
	t.Version, t.Epoch = gen, gen
	return t, err
}

func (s *sqliteStore) DeleteToken(id uint) error {
	_, err := s.write(func(tx *sql.Tx, _ uint64) error {
		_, err := tx.Exec("DELETE FROM tokens WHERE id = ?", id)
		return err
	})
	return err
}

func (s *sqliteStore) PutObjects(objs ...Object) (uint64, error) {
	return s.write(func(tx *sql.Tx, gen uint64) error {
		for _, o := range objs {
			var epoch uint64
			err := tx.QueryRow("SELECT epoch FROM tokens WHERE id = ?", o.Token).Scan(&epoch)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return ErrNotFound
			case err != nil:
				return err
			case epoch != o.Epoch:
				return ErrReset
			}
			// NOT NULL columns: an empty part is stored as an empty blob.
			pub, sealed, mac := append([]byte{}, o.Public...), append([]byte{}, o.Sealed...), append([]byte{}, o.MAC...)
			var res sql.Result
			if o.Version == 0 {
				res, err = tx.Exec("INSERT OR IGNORE INTO objects(token, uid, public, sealed, mac, version) VALUES (?, ?, ?, ?, ?, ?)",
					o.Token, o.UID, pub, sealed, mac, gen)
			} else {
				res, err = tx.Exec("UPDATE objects SET public = ?, sealed = ?, mac = ?, version = ? WHERE token = ? AND uid = ? AND version = ?",
					pub, sealed, mac, gen, o.Token, o.UID, o.Version)
			}
			if isForeignKeyError(err) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return ErrConflict
			}
		}
		return nil
	})
}

func (s *sqliteStore) DeleteObject(token uint, uid string) (uint64, error) {
	return s.write(func(tx *sql.Tx, _ uint64) error {
		res, err := tx.Exec("DELETE FROM objects WHERE token = ? AND uid = ?", token, uid)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return ErrConflict
		}
		return nil
	})
}

func (s *sqliteStore) Close() error {
	err := s.db.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.signal != nil {
		s.signal.close()
		s.signal = nil
	}
	return err
}

// sqliteConstraintForeignKey is SQLITE_CONSTRAINT_FOREIGNKEY, the
// extended result code for an object whose token does not exist.
const sqliteConstraintForeignKey = 787

func isForeignKeyError(err error) bool {
	var coded interface{ Code() int }
	return errors.As(err, &coded) && coded.Code() == sqliteConstraintForeignKey
}

// wrap gives errors from the database the store's prefix; the sentinel
// errors pass through unchanged.
func wrap(err error) error {
	if err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrReset) {
		return err
	}
	return fmt.Errorf("store: %w", err)
}
