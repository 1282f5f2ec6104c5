package store

import (
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"syscall"
)

// Backups. A backup is one SQLite file: a consistent copy of every token
// and object of a store, taken while other processes keep using it. Its
// records are the stored bytes, so sealed attributes stay encrypted under
// their token keys, which stay wrapped under the PINs.
//
// Restoring is giving a store directory the backup as its database: in a
// new directory (mode 0700), copy the file to FileName and point
// COREPKCS11_STORE at the directory. The directory must hold nothing else
// of a store: a leftover FileName-wal would be replayed into the backup.
// The signal file (SignalName) is made on open and raised to the
// backup's generation, and one left there from before is harmless.

// Backuper is a Store that can copy itself while in use. Only the SQLite
// store is one; call Backup rather than asserting it.
type Backuper interface {
	// Backup writes a consistent snapshot of every token and object to a
	// new file at path, which must not exist, and syncs it to disk. Other
	// users of the store, in this process and others, go on reading and
	// writing meanwhile.
	Backup(path string) error
}

// ErrNoBackup is Backup's answer for a store that cannot be backed up:
// the in-memory one has no file, and ends with its process.
var ErrNoBackup = errors.New("store: only the SQLite store can be backed up")

// Backup writes a backup of s to the new file path (see Backuper):
// ErrNoBackup if s cannot be backed up, an error matching fs.ErrExist if
// path exists.
func Backup(s Store, path string) error {
	b, ok := s.(Backuper)
	if !ok {
		return ErrNoBackup
	}
	return b.Backup(path)
}

// Backup copies the database with VACUUM INTO, which reads it in one
// read transaction: a WAL reader sees the state of the last commit before
// it began and blocks no writer. It runs on a connection of its own, so
// the store's connection stays free for this process's calls while the
// copy is written. The copy goes to a temporary file beside path, is
// synced, and is then linked to path, so a backup that failed or was
// interrupted never appears at path.
func (s *sqliteStore) Backup(path string) error {
	if _, err := s.Generation(); err != nil {
		return err // closed
	}
	dst, err := filepath.Abs(path)
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("store: backup: %s: %w", path, fs.ErrExist)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: backup: %w", err)
	}
	// VACUUM INTO writes into an empty file; this one has mode 0600,
	// which the copy keeps, as the database has.
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*.tmp")
	if err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := vacuumInto(s.path, tmp.Name()); err != nil {
		return fmt.Errorf("store: backup of %s: %w", s.path, err)
	}
	// SQLite does not sync the file VACUUM INTO writes.
	if err := syncPath(tmp.Name()); err != nil {
		return fmt.Errorf("store: backup: %w", err)
	}
	if err := publish(tmp.Name(), dst); err != nil {
		return fmt.Errorf("store: backup: %s: %w", path, err)
	}
	if err := syncPath(filepath.Dir(dst)); err != nil && !errors.Is(err, syscall.EINVAL) {
		return fmt.Errorf("store: backup: %w", err)
	}
	return nil
}

// vacuumInto copies the database at src to the empty file dst.
func vacuumInto(src, dst string) error {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	db, err := sql.Open("sqlite", fileURI(src, q))
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.Exec("VACUUM INTO ?", dst)
	return err
}

// publish gives the file tmp the name dst, failing with fs.ErrExist if
// dst exists. A hard link cannot replace a file; where the file system
// has none (FAT), a rename does, after a check that dst is still free.
func publish(tmp, dst string) error {
	err := os.Link(tmp, dst)
	if err == nil || errors.Is(err, fs.ErrExist) {
		return err
	}
	if _, statErr := os.Lstat(dst); statErr == nil {
		return fs.ErrExist
	}
	return os.Rename(tmp, dst)
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// fileURI is the SQLite URI of the file at path with query q; the path
// is escaped, so that a '?' or '#' in it is not taken for the query.
func fileURI(path string, q url.Values) string {
	return (&url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}).String()
}

// BackupInfo describes a backup file.
type BackupInfo struct {
	Tokens     int    // initialized tokens
	Objects    int    // token objects, of all tokens
	Bytes      int64  // the file's size
	Generation uint64 // the store's generation when the backup was taken
}

// InspectBackup checks that the file at path is a store database this
// corepkcs11 can open, intact (SQLite's quick_check), and describes it.
// It opens the file read-only and changes nothing.
func InspectBackup(path string) (BackupInfo, error) {
	var info BackupInfo
	abs, err := filepath.Abs(path)
	if err != nil {
		return info, fmt.Errorf("store: %w", err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return info, fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return info, fmt.Errorf("store: %s is not a file", path)
	}
	info.Bytes = fi.Size()
	db, err := sql.Open("sqlite", fileURI(abs, url.Values{"mode": {"ro"}}))
	if err != nil {
		return info, fmt.Errorf("store: %s: %w", path, err)
	}
	defer db.Close()
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return info, fmt.Errorf("store: %s: %w", path, err)
	}
	if version != schemaVersion {
		return info, fmt.Errorf("store: %s: schema version %d, not a store of this corepkcs11 (%d)", path, version, schemaVersion)
	}
	var check string
	if err := db.QueryRow("PRAGMA quick_check").Scan(&check); err != nil {
		return info, fmt.Errorf("store: %s: %w", path, err)
	}
	if check != "ok" {
		return info, fmt.Errorf("store: %s is damaged: %s", path, check)
	}
	if err := db.QueryRow("SELECT (SELECT count(*) FROM tokens), (SELECT count(*) FROM objects), (SELECT value FROM meta WHERE key = 'generation')").
		Scan(&info.Tokens, &info.Objects, &info.Generation); err != nil {
		return info, fmt.Errorf("store: %s: %w", path, err)
	}
	return info, nil
}
