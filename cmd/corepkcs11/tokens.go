package main

import (
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

// tokenFlagNames are the CK_TOKEN_INFO flags tokens shows, in words.
var tokenFlagNames = []struct {
	f    ck.Flags
	name string
}{
	{ck.CKF_TOKEN_INITIALIZED, "initialized"}, {ck.CKF_LOGIN_REQUIRED, "login required"},
	{ck.CKF_USER_PIN_INITIALIZED, "user PIN set"}, {ck.CKF_USER_PIN_COUNT_LOW, "user PIN count low"},
	{ck.CKF_USER_PIN_FINAL_TRY, "user PIN final try"}, {ck.CKF_USER_PIN_LOCKED, "user PIN locked"},
	{ck.CKF_SO_PIN_COUNT_LOW, "SO PIN count low"}, {ck.CKF_SO_PIN_FINAL_TRY, "SO PIN final try"},
	{ck.CKF_SO_PIN_LOCKED, "SO PIN locked"}, {ck.CKF_WRITE_PROTECTED, "write protected"},
}

func tokenFlagWords(f ck.Flags) []string {
	words := []string{}
	if f&ck.CKF_TOKEN_INITIALIZED == 0 {
		words = append(words, "not initialized")
	}
	for _, n := range tokenFlagNames {
		if f&n.f != 0 {
			words = append(words, n.name)
		}
	}
	return words
}

// tokenRow is what tokens prints of a slot.
type tokenRow struct {
	Slot    ck.SlotID `json:"slot"`
	Label   string    `json:"label"`
	Serial  string    `json:"serial"`
	Model   string    `json:"model"`
	Flags   []string  `json:"flags"`
	Objects *int      `json:"objects,omitempty"`
	URI     string    `json:"uri,omitempty"`
}

var tokensCommand = command{
	name:    "tokens",
	summary: "list the slots and their tokens",
	about: "Lists every slot with a token: slot, label, serial, the token's flags in words (initialized, login\n" +
		"required, PIN count low, final try, locked) and how many objects it shows, with the token's PKCS#11\n" +
		"URI. A PIN logs in to the token --token names, or to the only initialized one, to count private\n" +
		"objects too.",
	example: "corepkcs11 tokens --module /usr/lib/softhsm/libsofthsm2.so",
	common:  withModule | withToken | withPIN | withJSON,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		return func(o *options, args []string) error {
			if len(args) > 0 {
				return usagef("tokens takes no arguments")
			}
			p, err := o.open()
			if err != nil {
				return err
			}
			defer p.Close()
			slots, err := p.Slots()
			if err != nil {
				return err
			}
			pin, withPIN, err := o.userPIN(false)
			if err != nil {
				return err
			}
			// The PIN is one token's: it is tried on the token --token names,
			// or on the only initialized one, never on all of them.
			initialized := 0
			for _, s := range slots {
				if s.TokenPresent && s.Token.Initialized() {
					initialized++
				}
			}
			rows := []tokenRow{}
			for _, s := range slots {
				if !s.TokenPresent {
					continue
				}
				r := tokenRow{Slot: s.ID, Label: s.Token.Label, Serial: s.Token.Serial, Model: s.Token.Model,
					Flags: tokenFlagWords(s.Token.Flags)}
				if s.Token.Initialized() {
					r.URI = tokenURI(s.Token)
					login := withPIN && ((o.slot < 0 && o.token == "" && initialized == 1) || (o.slot < 0 && s.Token.Label == o.token) ||
						s.ID == ck.SlotID(o.slot))
					n, ok, err := countObjects(p, s, pin, login)
					if err != nil {
						return err
					}
					if ok {
						r.Objects = &n
					}
				}
				rows = append(rows, r)
			}
			if o.json {
				return writeJSON(os.Stdout, rows)
			}
			for _, r := range rows {
				objects := ""
				if r.Objects != nil {
					objects = fmt.Sprintf(", %d objects", *r.Objects)
				}
				fmt.Printf("slot %d: %q serial %s [%s]%s\n", r.Slot, r.Label, r.Serial, strings.Join(r.Flags, ", "), objects)
				if r.URI != "" {
					fmt.Printf("  %s\n", r.URI)
				}
			}
			return nil
		}
	},
}

// countObjects counts the objects a session of slot s sees, logged in
// when login is true: a failed login is an error, since it used up one
// of the PIN's tries.
func countObjects(p client.Provider, s client.Slot, pin []byte, login bool) (int, bool, error) {
	sess, err := p.OpenSession(s.ID, false)
	if err != nil {
		return 0, false, nil
	}
	defer sess.Close()
	if login {
		if err := sess.Login(ck.CKU_USER, pin); err != nil && ck.ToRV(err) != ck.CKR_USER_ALREADY_LOGGED_IN {
			t := &tokenSession{p: p, slot: s}
			return 0, false, fmt.Errorf("token %q: %w", s.Token.Label, t.loginError(err, ck.CKU_USER))
		}
	}
	hs, err := sess.FindObjects(nil)
	return len(hs), err == nil, nil
}

var initCommand = command{
	name:    "init",
	summary: "initialize a token and set its user PIN",
	about: "Initializes the token of a free slot (one whose token is not initialized) with the label and the SO\n" +
		"PIN, and sets the user PIN. With --token or --slot naming an initialized token it re-initializes it,\n" +
		"destroying its objects, after confirmation (--yes skips it). Prints the slot, the serial and the\n" +
		"token's PKCS#11 URI.",
	example: "COREPKCS11_SO_PIN=so-secret COREPKCS11_PIN=1234 corepkcs11 init --label dev",
	common:  withModule | withToken | withPIN | withSOPIN | withYes,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		label := fs.String("label", "", "the new token's `LABEL` (required)")
		kdf := fs.String("kdf", "", "the cost of deriving keys from the token's PINs: `strong` (argon2id, 19 MiB; the default, also\n"+
			"      from $COREPKCS11_KDF) or fast (64 KiB: logins under a millisecond, for CI and test tokens; a copied\n"+
			"      store then gives up a short PIN in seconds); corepkcs11's module only")
		return func(o *options, args []string) error {
			if len(args) > 0 || *label == "" {
				return usagef("init takes --label and no arguments")
			}
			if *kdf == "" {
				*kdf = os.Getenv("COREPKCS11_KDF")
			}
			if *kdf != "" {
				if _, err := token.KDFNamed(*kdf); err != nil {
					return usagef("--kdf %q: strong or fast", *kdf)
				}
				// The module reads it at C_InitToken, in this process.
				os.Setenv("COREPKCS11_KDF", *kdf)
			}
			p, err := o.open()
			if err != nil {
				return err
			}
			defer p.Close()
			slot, reinit, err := o.initSlot(p)
			if err != nil {
				return err
			}
			if reinit && !o.yes && !confirm(fmt.Sprintf("re-initialize token %q in slot %d, destroying its objects?", slot.Token.Label, slot.ID)) {
				return errors.New("not re-initialized: not confirmed (--yes skips the question)")
			}
			soPIN, err := newPIN(o.soPIN, "COREPKCS11_SO_PIN", o.soPINFile, "new SO PIN")
			if err != nil {
				return err
			}
			userPIN, err := newPIN(o.pin, "COREPKCS11_PIN", o.pinFile, "new user PIN")
			if err != nil {
				return err
			}
			if err := checkNewToken(p, slot, *label, soPIN, userPIN); err != nil {
				return err
			}
			tok, err := initToken(p, slot.ID, *label, soPIN, userPIN)
			if err != nil {
				return err
			}
			// No slot number: other modules (SoftHSMv2) give a token
			// another slot in the next process; the label and serial stay.
			fmt.Printf("token %q initialized, serial %s, user PIN set\n%s\n", tok.Label, tok.Serial, tokenURI(tok))
			return nil
		}
	},
}

// checkNewToken refuses what would leave a token half made: a PIN the
// token does not take (C_InitToken would succeed, C_InitPIN not). A
// label another initialized token has is allowed, with a warning: the
// serial in its URIs tells them apart.
func checkNewToken(p client.Provider, slot client.Slot, label string, soPIN, userPIN []byte) error {
	tok := slot.Token
	for what, pin := range map[string][]byte{"SO PIN": soPIN, "user PIN": userPIN} {
		if tok.MaxPIN > 0 && (uint(len(pin)) < tok.MinPIN || uint(len(pin)) > tok.MaxPIN) {
			return fmt.Errorf("the %s has %d characters; the token takes %s", what, len(pin), pinLengths(tok))
		}
	}
	slots, err := p.Slots()
	if err != nil {
		return err
	}
	for _, s := range slots {
		if s.ID != slot.ID && s.TokenPresent && s.Token.Initialized() && s.Token.Label == label {
			fmt.Fprintf(os.Stderr, "note: token serial %s is labelled %q too; --token will not tell them apart, URIs with serial= will\n", s.Token.Serial, label)
		}
	}
	return nil
}

// pinLengths says which PIN lengths a token takes.
func pinLengths(tok client.TokenInfo) string {
	return fmt.Sprintf("PINs of %d to %d characters", tok.MinPIN, tok.MaxPIN)
}

// initToken initializes the token in slot with label and the SO PIN, and
// sets its user PIN.
func initToken(p client.Provider, slot ck.SlotID, label string, soPIN, userPIN []byte) (client.TokenInfo, error) {
	if err := p.InitToken(slot, soPIN, label); err != nil {
		if ck.ToRV(err) == ck.CKR_PIN_INCORRECT {
			return client.TokenInfo{}, errors.New("wrong SO PIN for re-initializing this token")
		}
		return client.TokenInfo{}, fmt.Errorf("C_InitToken: %w", err)
	}
	s, err := p.OpenSession(slot, true)
	if err != nil {
		return client.TokenInfo{}, err
	}
	defer s.Close()
	if err := s.Login(ck.CKU_SO, soPIN); err != nil {
		return client.TokenInfo{}, fmt.Errorf("SO login: %w", err)
	}
	defer s.Logout()
	if err := s.InitPIN(userPIN); err != nil {
		return client.TokenInfo{}, fmt.Errorf("the token is initialized, but setting the user PIN failed (%w): set one with corepkcs11 pin unlock", err)
	}
	slots, err := p.Slots()
	if err != nil {
		return client.TokenInfo{}, err
	}
	for _, sl := range slots {
		if sl.ID == slot {
			return sl.Token, nil
		}
	}
	return client.TokenInfo{}, fmt.Errorf("slot %d is gone", slot)
}

// initSlot picks the slot init works on: the named token (to
// re-initialize), or the first free slot.
func (o *options) initSlot(p client.Provider) (client.Slot, bool, error) {
	slots, err := p.Slots()
	if err != nil {
		return client.Slot{}, false, err
	}
	switch {
	case o.slot >= 0:
		for _, s := range slots {
			if s.ID == ck.SlotID(o.slot) && s.TokenPresent {
				return s, s.Token.Initialized(), nil
			}
		}
		return client.Slot{}, false, fmt.Errorf("slot %d has no token; %s", o.slot, describeSlots(slots))
	case o.token != "":
		s, err := o.pickSlot(p)
		return s, err == nil, err
	}
	for _, s := range slots {
		if s.TokenPresent && !s.Token.Initialized() {
			return s, false, nil
		}
	}
	return client.Slot{}, false, fmt.Errorf("no free slot: %s; re-initialize one with --token LABEL", describeSlots(slots))
}

var pinChangeCommand = command{
	name:    "pin change",
	summary: "change the user PIN",
	about:   "Changes the user PIN: the current one from --pin (or its other sources), the new one from --new-pin\n" + "or $COREPKCS11_NEW_PIN.",
	example: "corepkcs11 pin change --pin 1234 --new-pin 5678",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		newPINFlag := fs.String("new-pin", "", "the new user `PIN` (default: $COREPKCS11_NEW_PIN, else two prompts on a terminal)")
		return func(o *options, args []string) error {
			if len(args) > 0 {
				return usagef("pin change takes no arguments")
			}
			if *newPINFlag == "" && os.Getenv("COREPKCS11_NEW_PIN") == "" && !term.IsTerminal(int(os.Stdin.Fd())) {
				return usagef("give the new user PIN with --new-pin or $COREPKCS11_NEW_PIN, or run it on a terminal")
			}
			t, err := o.session(true, mustLogin)
			if err != nil {
				return err
			}
			defer t.close()
			next, err := newPIN(*newPINFlag, "COREPKCS11_NEW_PIN", "", "new user PIN")
			if err != nil {
				return err
			}
			if err := t.s.SetPIN(t.pin, next); err != nil {
				if ck.ToRV(err) == ck.CKR_PIN_LEN_RANGE || ck.ToRV(err) == ck.CKR_PIN_INVALID {
					return fmt.Errorf("the new PIN is refused (%v): the token takes %s", err, pinLengths(t.slot.Token))
				}
				return t.loginError(err, ck.CKU_USER)
			}
			fmt.Printf("user PIN of %q changed\n", t.slot.Token.Label)
			return nil
		}
	},
}

var pinUnlockCommand = command{
	name:    "pin unlock",
	summary: "set a new user PIN as the SO (after a lockout)",
	about:   "Logs in as the Security Officer and sets a new user PIN (C_InitPIN), which unlocks a locked one.",
	example: "corepkcs11 pin unlock --so-pin so-secret --new-pin 1234",
	common:  withModule | withToken | withSOPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		newPINFlag := fs.String("new-pin", "", "the new user `PIN` (default: $COREPKCS11_NEW_PIN, else two prompts on a terminal)")
		return func(o *options, args []string) error {
			if len(args) > 0 {
				return usagef("pin unlock takes no arguments")
			}
			next, err := newPIN(*newPINFlag, "COREPKCS11_NEW_PIN", "", "new user PIN")
			if err != nil {
				return err
			}
			soPIN, err := o.needSOPIN()
			if err != nil {
				return err
			}
			t, err := o.session(true, noLogin)
			if err != nil {
				return err
			}
			defer t.close()
			if err := t.s.Login(ck.CKU_SO, soPIN); err != nil {
				return t.loginError(err, ck.CKU_SO)
			}
			defer t.s.Logout()
			if err := t.s.InitPIN(next); err != nil {
				return fmt.Errorf("setting the user PIN: %w", err)
			}
			fmt.Printf("new user PIN set for %q\n", t.slot.Token.Label)
			return nil
		}
	},
}
