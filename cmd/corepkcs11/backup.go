package main

import (
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/corepkcs11/corepkcs11/store"
	"github.com/corepkcs11/corepkcs11/token"
)

// runBackup is `corepkcs11 backup --out FILE [--store DIR]`: an online
// backup of a whole store, every token and object, taken while other
// processes go on using it (token.Module.Backup).
func runBackup(args []string) error {
	flags := flag.NewFlagSet("backup", flag.ContinueOnError)
	flags.Usage = func() {
		fmt.Fprintf(flags.Output(), `usage: corepkcs11 backup --out FILE [--store DIR]

Copies the whole store, every token and object, to the new file FILE,
while other processes keep using it. Keys stay encrypted as stored: the
copy and a token's PIN give that token's keys.

`)
		flags.PrintDefaults()
	}
	out := flags.String("out", "", "`FILE` to write the backup to; it must not exist (required)")
	dir := flags.String("store", "", "`DIR` of the store to back up (default: $COREPKCS11_STORE, else $XDG_DATA_HOME/corepkcs11, else ~/.local/share/corepkcs11)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("backup: unexpected argument %q", flags.Arg(0))
	}
	if *out == "" {
		return errors.New("backup: --out FILE is required")
	}
	loc := *dir
	if loc == "" {
		var err error
		if loc, err = store.Location(); err != nil {
			return fmt.Errorf("backup: %w", err)
		}
	}
	if loc == store.Memory {
		return errors.New("backup: the in-memory store (" + store.Memory + ") cannot be backed up: it ends with its process")
	}
	// Opening a store creates it: a backup of a store that is not there
	// would be an empty one.
	if _, err := os.Stat(filepath.Join(loc, store.FileName)); err != nil {
		return fmt.Errorf("backup: no store in %s: %w", loc, err)
	}
	if _, err := os.Lstat(*out); err == nil {
		return fmt.Errorf("backup: %s exists; a backup goes to a new file", *out)
	}
	m := token.New(token.Config{Location: loc})
	if err := m.Initialize(); err != nil {
		return fmt.Errorf("backup: opening the store in %s: %w", loc, err)
	}
	defer m.Finalize()
	if err := m.Backup(*out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("backup: %s exists; a backup goes to a new file", *out)
		}
		return fmt.Errorf("backup: %w", err)
	}
	info, err := store.InspectBackup(*out)
	if err != nil {
		return fmt.Errorf("backup: the copy written to %s does not check: %w", *out, err)
	}
	fmt.Printf("wrote %s: %d %s, %d %s, %d bytes (the store in %s at generation %d)\n",
		*out, info.Tokens, backupPlural(info.Tokens, "token", "tokens"), info.Objects, backupPlural(info.Objects, "object", "objects"),
		info.Bytes, loc, info.Generation)
	fmt.Printf("restore: mkdir -m 700 NEWDIR && cp %s NEWDIR/%s, then use it with COREPKCS11_STORE=NEWDIR\n", backupShellQuote(*out), store.FileName)
	return nil
}

func backupPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

var backupShellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// backupShellQuote quotes s for a POSIX shell, if it needs it.
func backupShellQuote(s string) string {
	if backupShellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
