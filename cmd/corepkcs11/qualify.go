package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/corepkcs11/corepkcs11/qualify"
)

func runQualify(args []string) error {
	fs := flag.NewFlagSet("qualify", flag.ContinueOnError)
	module := fs.String("module", "", "path of the PKCS#11 module to qualify (required)")
	slot := fs.Int("slot", -1, "slot of the token under test (default: the first with an initialized token)")
	pin := fs.String("pin", "", "user PIN of the token (required)")
	noRSA := fs.Bool("no-rsa", false, "the module does not support RSA keys")
	noEC := fs.Bool("no-ec", false, "the module does not support EC keys")
	noImport := fs.Bool("no-import", false, "the module does not import private keys")
	noGenerate := fs.Bool("no-generate", false, "the module does not generate key pairs")
	pre := fs.Bool("preprovisioned", false, "the token already holds the labelled credentials (use with one of --no-rsa, --no-ec)")
	group := fs.String("group", "", "comma-separated groups to run: "+strings.Join(qualify.AllGroups, ", ")+"; default the 27 corePKCS11 tests")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *module == "" || *pin == "" {
		return errors.New("qualify: --module and --pin are required")
	}
	opts := qualify.Options{
		Module: *module, PIN: *pin,
		RSA: !*noRSA, EC: !*noEC, Import: !*noImport, Generate: !*noGenerate, Preprovisioned: *pre,
	}
	if *slot >= 0 {
		s := uint(*slot)
		opts.Slot = &s
	}
	if *group != "" {
		opts.Groups = strings.Split(*group, ",")
	}
	sum, err := qualify.Run(opts, os.Stdout)
	if err != nil {
		return err
	}
	if sum.Failed > 0 {
		return fmt.Errorf("qualify: %d failed", sum.Failed)
	}
	return nil
}
