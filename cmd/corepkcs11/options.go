package main

import (
	"bytes"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/client"
	"github.com/corepkcs11/corepkcs11/token"
)

// commonFlags says which of the shared flags a command takes.
type commonFlags uint

const (
	withModule commonFlags = 1 << iota // --module, --store
	withToken                          // --token, --slot
	withPIN                            // --pin, --pin-file
	withSOPIN                          // --so-pin, --so-pin-file
	withJSON                           // --json
	withYes                            // --yes
)

// options are the shared flags' values.
type options struct {
	module, store       string
	token               string
	slot                int
	pin, pinFile        string
	soPIN, soPINFile    string
	json, yes           bool
	has                 commonFlags
	uriToken, uriSerial string // from an object's PKCS#11 URI
	uriModulePath       string
}

func defineCommon(fs *flag.FlagSet, which commonFlags) *options {
	o := &options{slot: -1}
	if which&withModule != 0 {
		fs.StringVar(&o.module, "module", "", "`PATH` of a PKCS#11 module to use (default: corepkcs11's engine in this process, on its store)")
		fs.StringVar(&o.store, "store", "", "`DIR` of corepkcs11's store, without --module (default: $COREPKCS11_STORE, else ~/.local/share/corepkcs11)")
	}
	if which&withToken != 0 {
		fs.StringVar(&o.token, "token", "", "`LABEL` of the token (default: the only initialized token)")
		fs.IntVar(&o.slot, "slot", -1, "`N`: the token in slot N, instead of --token")
	}
	if which&withPIN != 0 {
		fs.StringVar(&o.pin, "pin", "", "the user `PIN`, which other users see in ps: prefer --pin-file, $COREPKCS11_PIN or the prompt on a terminal")
		fs.StringVar(&o.pinFile, "pin-file", "", "`FILE` whose first line is the user PIN")
	}
	if which&withSOPIN != 0 {
		fs.StringVar(&o.soPIN, "so-pin", "", "the Security Officer's `PIN`, which other users see in ps: prefer --so-pin-file, $COREPKCS11_SO_PIN or the prompt")
		fs.StringVar(&o.soPINFile, "so-pin-file", "", "`FILE` whose first line is the SO PIN")
	}
	if which&withJSON != 0 {
		fs.BoolVar(&o.json, "json", false, "print JSON instead of text")
	}
	if which&withYes != 0 {
		fs.BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
	}
	return o
}

// open loads the module the options name.
func (o *options) open() (client.Provider, error) {
	path := o.module
	if path == "" {
		path = o.uriModulePath
	}
	return client.Open(path, token.Config{Location: o.store})
}

// pickSlot finds the token the options name: --slot, --token (or the
// token of an object's URI), or the only initialized token.
func (o *options) pickSlot(p client.Provider) (client.Slot, error) {
	slots, err := p.Slots()
	if err != nil {
		return client.Slot{}, err
	}
	label := o.token
	if label == "" {
		label = o.uriToken
	}
	if o.slot >= 0 {
		for _, s := range slots {
			if s.ID == ck.SlotID(o.slot) && s.TokenPresent {
				return s, nil
			}
		}
		return client.Slot{}, fmt.Errorf("slot %d has no token; %s", o.slot, describeSlots(slots))
	}
	// A URI's serial tells apart tokens that share a label.
	var found []client.Slot
	for _, s := range slots {
		if s.TokenPresent && s.Token.Initialized() && (label == "" || s.Token.Label == label) &&
			(o.uriSerial == "" || s.Token.Serial == o.uriSerial) {
			found = append(found, s)
		}
	}
	var wanted []string
	if label != "" {
		wanted = append(wanted, fmt.Sprintf("labelled %q", label))
	}
	if o.uriSerial != "" {
		wanted = append(wanted, "with serial "+o.uriSerial)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) == 0 && len(wanted) > 0:
		return client.Slot{}, fmt.Errorf("no initialized token %s; %s", strings.Join(wanted, " "), describeSlots(slots))
	case len(found) == 0:
		return client.Slot{}, errors.New("no initialized token: create one with corepkcs11 init --label NAME")
	}
	return client.Slot{}, fmt.Errorf("several tokens: choose one with --token or --slot; %s", describeSlots(found))
}

func describeSlots(slots []client.Slot) string {
	var parts []string
	for _, s := range slots {
		switch {
		case !s.TokenPresent:
			parts = append(parts, fmt.Sprintf("slot %d: no token", s.ID))
		case !s.Token.Initialized():
			parts = append(parts, fmt.Sprintf("slot %d: uninitialized token", s.ID))
		default:
			parts = append(parts, fmt.Sprintf("slot %d: %q (serial %s)", s.ID, s.Token.Label, s.Token.Serial))
		}
	}
	if len(parts) == 0 {
		return "the module has no slots"
	}
	return "the module has " + strings.Join(parts, ", ")
}

// userPIN is the user PIN from --pin, $COREPKCS11_PIN, --pin-file or,
// when prompt is true and stdin is a terminal, a prompt; ok is false
// when none is given.
func (o *options) userPIN(prompt bool) (pin []byte, ok bool, err error) {
	return pinFrom(o.pin, "COREPKCS11_PIN", o.pinFile, "user PIN", prompt)
}

// soPINValue is userPIN for the Security Officer's PIN.
func (o *options) soPINValue(prompt bool) (pin []byte, ok bool, err error) {
	return pinFrom(o.soPIN, "COREPKCS11_SO_PIN", o.soPINFile, "SO PIN", prompt)
}

// pinFrom finds a PIN: the flag, the file, the environment (explicit
// choices on the command line first), then, when prompt is true and
// stdin is a terminal, a prompt without echo.
func pinFrom(flagValue, env, file, what string, prompt bool) ([]byte, bool, error) {
	switch {
	case flagValue != "":
		return []byte(flagValue), true, nil
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, false, fmt.Errorf("the %s file: %w", what, err)
		}
		line, _, _ := bytes.Cut(b, []byte("\n"))
		return bytes.TrimSuffix(line, []byte("\r")), true, nil
	case os.Getenv(env) != "":
		return []byte(os.Getenv(env)), true, nil
	case prompt && term.IsTerminal(int(os.Stdin.Fd())):
		pin, err := readSecret(what)
		return pin, err == nil, err
	}
	return nil, false, nil
}

// newPINFrom is pinFrom for a PIN being set: a prompt asks twice, since a
// mistyped new PIN locks its owner out.
func newPINFrom(flagValue, env, file, what string) ([]byte, bool, error) {
	if flagValue != "" || file != "" || os.Getenv(env) != "" || !term.IsTerminal(int(os.Stdin.Fd())) {
		return pinFrom(flagValue, env, file, what, false)
	}
	pin, err := readSecret(what)
	if err != nil {
		return nil, false, err
	}
	again, err := readSecret(what + " again")
	if err != nil {
		return nil, false, err
	}
	if !bytes.Equal(pin, again) {
		return nil, false, fmt.Errorf("the two %ss differ", what)
	}
	return pin, true, nil
}

func readSecret(what string) ([]byte, error) {
	fmt.Fprintf(os.Stderr, "%s: ", what)
	pin, err := term.ReadPassword(int(os.Stdin.Fd()))
	fmt.Fprintln(os.Stderr)
	return pin, err
}

// needPIN is userPIN that must find one.
func (o *options) needPIN() ([]byte, error) {
	pin, ok, err := o.userPIN(true)
	if err == nil && !ok {
		err = usagef("this needs the user PIN: give --pin-file, $COREPKCS11_PIN or --pin, or run it on a terminal")
	}
	return pin, err
}

// needSOPIN is soPINValue that must find one.
func (o *options) needSOPIN() ([]byte, error) {
	pin, ok, err := o.soPINValue(true)
	if err == nil && !ok {
		err = usagef("this needs the SO PIN: give --so-pin-file, $COREPKCS11_SO_PIN or --so-pin, or run it on a terminal")
	}
	return pin, err
}

// newPIN is a PIN being set, from --new-pin, $COREPKCS11_NEW_PIN or two
// prompts; flag and env may be those of the user or SO PIN (init).
func newPIN(flagValue, env, file, what string) ([]byte, error) {
	pin, ok, err := newPINFrom(flagValue, env, file, what)
	if err == nil && !ok {
		err = usagef("give the %s with its flag or $%s, or run it on a terminal", what, env)
	}
	return pin, err
}

// parseID reads a CKA_ID given in hex.
func parseID(s string) ([]byte, error) {
	id, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, usagef("--id %q is not hex", s)
	}
	return id, nil
}
