package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/corepkcs11/corepkcs11/qualify"
)

var qualifyCommand = command{
	name:    "qualify",
	summary: "run the qualification suite against a PKCS#11 module",
	about: "Runs corePKCS11's 27 qualification tests, rewritten, and the Extended group against any PKCS#11\n" +
		"module, and prints PASS, FAIL or SKIP for each test. The exit status is 1 if any failed.",
	example: "corepkcs11 qualify --module build/libcorepkcs11.so --pin 1234",
	setup:   qualifyFlags,
}

func qualifyFlags(fs *flag.FlagSet) func(*options, []string) error {
	module := fs.String("module", "", "`PATH` of the PKCS#11 module to qualify (required)")
	slot := fs.Int("slot", -1, "slot of the token under test (default: the first with an initialized token)")
	pin := fs.String("pin", "", "user PIN of the token (required)")
	noRSA := fs.Bool("no-rsa", false, "the module does not support RSA keys")
	noEC := fs.Bool("no-ec", false, "the module does not support EC keys")
	noImport := fs.Bool("no-import", false, "the module does not import private keys")
	noGenerate := fs.Bool("no-generate", false, "the module does not generate key pairs")
	pre := fs.Bool("preprovisioned", false, "the token already holds the labelled credentials (use with one of --no-rsa, --no-ec)")
	group := fs.String("group", "", "comma-separated groups to run: "+strings.Join(qualify.AllGroups, ", ")+"; default the 27 corePKCS11 tests")
	return func(_ *options, args []string) error {
		if len(args) > 0 || *module == "" || *pin == "" {
			return usagef("qualify takes --module and --pin, and no arguments")
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
			return fmt.Errorf("%d failed", sum.Failed)
		}
		return nil
	}
}
