package store

import (
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
// newer corepkcs11 is refused rather than misread.
const schemaVersion = 1

const schema = `
CREATE TABLE IF NOT EXISTS meta (
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
INSERT OR IGNORE INTO meta(key, value) VALUES ('next_token_id', 0);
`

// sqliteStore is the default backend: one SQLite database in WAL mode,
// one transaction per change, synchronous=FULL so a commit is on disk
// before the call returns.
type sqliteStore struct {
	db   *sql.DB
	path string

	mu          sync.Mutex // guards dataVersion
	dataVersion int64
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
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	// One connection: PRAGMA data_version is per connection and reports
	// only other connections' commits, which is what Changed needs.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s := &sqliteStore{db: db, path: path}
	if err := s.migrate(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if s.dataVersion, err = s.readDataVersion(); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return s, nil
}

func (s *sqliteStore) migrate() error {
	return s.tx(func(tx *sql.Tx) error {
		var v int
		if err := tx.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
			return err
		}
		switch {
		case v > schemaVersion:
			return fmt.Errorf("schema version %d is newer than this corepkcs11 understands (%d)", v, schemaVersion)
		case v == schemaVersion:
			return nil
		}
		if _, err := tx.Exec(schema); err != nil {
			return err
		}
		_, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion))
		return err
	})
}

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

func (s *sqliteStore) readDataVersion() (int64, error) {
	var v int64
	err := s.db.QueryRow("PRAGMA data_version").Scan(&v)
	return v, err
}

func (s *sqliteStore) Changed() (bool, error) {
	v, err := s.readDataVersion()
	if err != nil {
		return false, fmt.Errorf("store: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := v != s.dataVersion
	s.dataVersion = v
	return changed, nil
}

func (s *sqliteStore) Tokens() ([]Token, error) {
	rows, err := s.db.Query("SELECT id, label, serial, keys, so_failures, user_failures FROM tokens ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Token
	for rows.Next() {
		var t Token
		if err := rows.Scan(&t.ID, &t.Label, &t.Serial, &t.Keys, &t.SOFailures, &t.UserFailures); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *sqliteStore) NextTokenID() (uint, error) {
	var id uint
	if err := s.db.QueryRow("SELECT value FROM meta WHERE key = 'next_token_id'").Scan(&id); err != nil {
		return 0, fmt.Errorf("store: %w", err)
	}
	return id, nil
}

func (s *sqliteStore) CreateToken(t Token) error {
	err := s.tx(func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRow("SELECT count(*) FROM tokens WHERE id = ?", t.ID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrExists
		}
		if _, err := tx.Exec("INSERT INTO tokens(id, label, serial, keys, so_failures, user_failures) VALUES (?, ?, ?, ?, ?, ?)",
			t.ID, t.Label, t.Serial, t.Keys, t.SOFailures, t.UserFailures); err != nil {
			return err
		}
		_, err := tx.Exec("UPDATE meta SET value = max(value, ?) WHERE key = 'next_token_id'", t.ID+1)
		return err
	})
	return wrap(err)
}

func (s *sqliteStore) UpdateToken(id uint, fn func(*Token) error) error {
	err := s.tx(func(tx *sql.Tx) error {
		t := Token{ID: id}
		err := tx.QueryRow("SELECT label, serial, keys, so_failures, user_failures FROM tokens WHERE id = ?", id).
			Scan(&t.Label, &t.Serial, &t.Keys, &t.SOFailures, &t.UserFailures)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if err := fn(&t); err != nil {
			return err
		}
		_, err = tx.Exec("UPDATE tokens SET label = ?, serial = ?, keys = ?, so_failures = ?, user_failures = ? WHERE id = ?",
			t.Label, t.Serial, t.Keys, t.SOFailures, t.UserFailures, id)
		return err
	})
	return wrap(err)
}

func (s *sqliteStore) ResetToken(t Token) error {
	err := s.tx(func(tx *sql.Tx) error {
		res, err := tx.Exec("UPDATE tokens SET label = ?, serial = ?, keys = ?, so_failures = ?, user_failures = ? WHERE id = ?",
			t.Label, t.Serial, t.Keys, t.SOFailures, t.UserFailures, t.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrNotFound
		}
		_, err = tx.Exec("DELETE FROM objects WHERE token = ?", t.ID)
		return err
	})
	return wrap(err)
}

func (s *sqliteStore) DeleteToken(id uint) error {
	_, err := s.db.Exec("DELETE FROM tokens WHERE id = ?", id)
	return wrap(err)
}

func (s *sqliteStore) Objects(token uint) ([]Object, error) {
	rows, err := s.db.Query("SELECT uid, public, sealed FROM objects WHERE token = ? ORDER BY uid", token)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	defer rows.Close()
	var out []Object
	for rows.Next() {
		o := Object{Token: token}
		if err := rows.Scan(&o.UID, &o.Public, &o.Sealed); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *sqliteStore) PutObjects(objs ...Object) error {
	err := s.tx(func(tx *sql.Tx) error {
		for _, o := range objs {
			// NOT NULL columns: an empty part is stored as an empty blob.
			pub, sealed := append([]byte{}, o.Public...), append([]byte{}, o.Sealed...)
			_, err := tx.Exec("INSERT OR REPLACE INTO objects(token, uid, public, sealed) VALUES (?, ?, ?, ?)", o.Token, o.UID, pub, sealed)
			if isForeignKeyError(err) {
				return ErrNotFound
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	return wrap(err)
}

func (s *sqliteStore) DeleteObject(token uint, uid string) error {
	_, err := s.db.Exec("DELETE FROM objects WHERE token = ? AND uid = ?", token, uid)
	return wrap(err)
}

func (s *sqliteStore) Close() error { return s.db.Close() }

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
	if err == nil || errors.Is(err, ErrExists) || errors.Is(err, ErrNotFound) {
		return err
	}
	return fmt.Errorf("store: %w", err)
}
