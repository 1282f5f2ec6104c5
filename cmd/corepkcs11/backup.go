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

var backupCommand = command{
	name:    "backup",
	summary: "copy the whole store while it is in use",
	about: "Copies corepkcs11's whole store, every token and object, to the new file --out, while other\n" +
		"processes keep using it. Keys stay encrypted as stored: the copy and a token's PIN give that token's\n" +
		"keys. Prints how to restore it.",
	example: "corepkcs11 backup --out /var/backups/corepkcs11-$(date +%F).db",
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		outFile := fs.String("out", "", "`FILE` to write the backup to; it must not exist (required)")
		dir := fs.String("store", "", "`DIR` of the store to back up (default: $COREPKCS11_STORE, else $XDG_DATA_HOME/corepkcs11, else ~/.local/share/corepkcs11)")
		return func(_ *options, args []string) error {
			if len(args) > 0 || *outFile == "" {
				return usagef("backup takes --out FILE and no arguments")
			}
			return backup(*dir, *outFile)
		}
	},
}

// backup copies the store in dir (default: the configured one) to out.
func backup(dir, out string) error {
	loc := dir
	if loc == "" {
		var err error
		if loc, err = store.Location(); err != nil {
			return err
		}
	}
	if loc == store.Memory {
		return errors.New("the in-memory store (" + store.Memory + ") cannot be backed up: it ends with its process")
	}
	// Opening a store creates it: a backup of a store that is not there
	// would be an empty one.
	if _, err := os.Stat(filepath.Join(loc, store.FileName)); err != nil {
		return fmt.Errorf("no store in %s: %w", loc, err)
	}
	if _, err := os.Lstat(out); err == nil {
		return fmt.Errorf("%s exists; a backup goes to a new file", out)
	}
	m := token.New(token.Config{Location: loc})
	if err := m.Initialize(); err != nil {
		return fmt.Errorf("opening the store in %s: %w", loc, err)
	}
	defer m.Finalize()
	if err := m.Backup(out); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s exists; a backup goes to a new file", out)
		}
		return err
	}
	info, err := store.InspectBackup(out)
	if err != nil {
		return fmt.Errorf("the copy written to %s does not check: %w", out, err)
	}
	fmt.Printf("wrote %s: %d %s, %d %s, %d bytes (the store in %s at generation %d)\n",
		out, info.Tokens, backupPlural(info.Tokens, "token", "tokens"), info.Objects, backupPlural(info.Objects, "object", "objects"),
		info.Bytes, loc, info.Generation)
	fmt.Printf("restore: mkdir -m 700 NEWDIR && cp %s NEWDIR/%s, then use it with COREPKCS11_STORE=NEWDIR\n", backupShellQuote(out), store.FileName)
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
