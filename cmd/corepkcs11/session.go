package main

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/client"
	"github.com/corepkcs11/corepkcs11/object"
)

// loginMode says when a command logs in as the user.
type loginMode int

const (
	noLogin    loginMode = iota
	loginIfPIN           // when a PIN is given (flag, environment, file), without prompting
	mustLogin            // always, prompting on a terminal when no PIN is given
)

// tokenSession is a command's loaded module, chosen token and open
// session.
type tokenSession struct {
	p        client.Provider
	slot     client.Slot
	s        client.Session
	loggedIn bool
	pin      []byte // the user PIN it logged in with, read once
}

// session opens the module and a session with the chosen token, and logs
// in as mode says. The caller closes it.
func (o *options) session(rw bool, mode loginMode) (*tokenSession, error) {
	p, err := o.open()
	if err != nil {
		return nil, err
	}
	t := &tokenSession{p: p}
	if t.slot, err = o.pickSlot(p); err != nil {
		p.Close()
		return nil, err
	}
	if t.s, err = p.OpenSession(t.slot.ID, rw); err != nil {
		p.Close()
		return nil, fmt.Errorf("opening a session with %q: %w", t.slot.Token.Label, err)
	}
	var pin []byte
	ok := false
	switch mode {
	case mustLogin:
		pin, err = o.needPIN()
		ok = err == nil
	case loginIfPIN:
		pin, ok, err = o.userPIN(false)
	}
	if err == nil && ok {
		if err = t.s.Login(ck.CKU_USER, pin); err == nil {
			t.loggedIn, t.pin = true, pin
		} else {
			err = t.loginError(err, ck.CKU_USER)
		}
	}
	if err != nil {
		t.close()
		return nil, err
	}
	return t, nil
}

func (t *tokenSession) close() {
	t.s.Close()
	t.p.Close()
}

// loginError says what a failed login means and what to do about it.
func (t *tokenSession) loginError(err error, user ck.UserType) error {
	flags := t.slot.Token.Flags
	if slots, serr := t.p.Slots(); serr == nil {
		for _, s := range slots {
			if s.ID == t.slot.ID {
				flags = s.Token.Flags
			}
		}
	}
	who, low, final, locked := "user", ck.Flags(ck.CKF_USER_PIN_COUNT_LOW), ck.Flags(ck.CKF_USER_PIN_FINAL_TRY), ck.Flags(ck.CKF_USER_PIN_LOCKED)
	if user == ck.CKU_SO {
		who, low, final, locked = "SO", ck.CKF_SO_PIN_COUNT_LOW, ck.CKF_SO_PIN_FINAL_TRY, ck.CKF_SO_PIN_LOCKED
	}
	switch ck.ToRV(err) {
	case ck.CKR_PIN_INCORRECT:
		switch {
		case flags&locked != 0:
			return fmt.Errorf("wrong %s PIN, and it is now locked%s", who, unlockHint(user))
		case flags&final != 0:
			return fmt.Errorf("wrong %s PIN: one more wrong try locks it", who)
		case flags&low != 0:
			return fmt.Errorf("wrong %s PIN: few tries are left before it locks", who)
		}
		return fmt.Errorf("wrong %s PIN", who)
	case ck.CKR_PIN_LOCKED:
		return fmt.Errorf("the %s PIN is locked after too many wrong tries%s", who, unlockHint(user))
	case ck.CKR_USER_PIN_NOT_INITIALIZED:
		return errors.New("the token has no user PIN yet: set one with corepkcs11 pin unlock (with the SO PIN)")
	}
	return fmt.Errorf("login: %w", err)
}

func unlockHint(user ck.UserType) string {
	if user == ck.CKU_SO {
		return ": only re-initializing the token (losing its objects) recovers it"
	}
	return ": the SO sets a new one with corepkcs11 pin unlock"
}

// classNames are the RFC 7512 type names of the object classes.
var classNames = map[ck.ObjectClass]string{
	ck.CKO_PRIVATE_KEY: "private", ck.CKO_PUBLIC_KEY: "public", ck.CKO_CERTIFICATE: "cert",
	ck.CKO_DATA: "data", ck.CKO_SECRET_KEY: "secret-key",
}

// classOf is the class a --type value or a URI type names; "secret"
// is accepted beside RFC 7512's "secret-key".
func classOf(name string) (ck.ObjectClass, bool) {
	if name == "secret" {
		name = "secret-key"
	}
	for c, n := range classNames {
		if n == name {
			return c, true
		}
	}
	return 0, false
}

// objectRef is how a command line names an object: a label or a PKCS#11
// URI (the positional argument) and --id.
type objectRef struct {
	arg string
	id  string
}

// openObject opens the token an object reference names (its URI may
// choose the token and the module) and finds the object in it, of one of
// the classes; the caller closes the session.
func (o *options) openObject(ref objectRef, rw bool, mode loginMode, classes ...ck.ObjectClass) (*tokenSession, ck.ObjectHandle, ck.ObjectClass, error) {
	u, err := ref.prepare(o)
	if err != nil {
		return nil, 0, 0, err
	}
	t, err := o.session(rw, mode)
	if err != nil {
		return nil, 0, 0, err
	}
	h, class, err := t.find(ref, u, classes...)
	if err != nil {
		t.close()
		return nil, 0, 0, err
	}
	return t, h, class, nil
}

// prepare reads a URI reference before the token is chosen: its token
// and module-path choose them when the flags do not.
func (r objectRef) prepare(o *options) (client.URI, error) {
	if !strings.HasPrefix(r.arg, "pkcs11:") {
		return client.URI{}, nil
	}
	u, err := client.ParseURI(r.arg)
	if err != nil {
		return u, usagef("%v", err)
	}
	if o.token != "" && u.Token != "" && o.token != u.Token {
		return u, usagef("--token %q and the URI's token=%s name different tokens", o.token, u.Token)
	}
	o.uriToken, o.uriSerial, o.uriModulePath = u.Token, u.Serial, u.ModulePath
	if u.PINValue != "" && o.pin == "" {
		o.pin = u.PINValue
	}
	return u, nil
}

// template is the search template the reference stands for, limited to
// the classes given (any when none).
func (r objectRef) template(u client.URI) (object.Template, error) {
	var tmpl object.Template
	switch {
	case strings.HasPrefix(r.arg, "pkcs11:"):
		if u.Object != "" {
			tmpl = append(tmpl, object.String(ck.CKA_LABEL, u.Object))
		}
		if u.HasID {
			tmpl = append(tmpl, object.Bytes(ck.CKA_ID, u.ID))
		}
		if u.Type != "" {
			c, _ := classOf(u.Type)
			tmpl = append(tmpl, object.ULong(ck.CKA_CLASS, uint(c)))
		}
	case r.arg != "":
		tmpl = append(tmpl, object.String(ck.CKA_LABEL, r.arg))
	}
	if r.id != "" {
		id, err := parseID(r.id)
		if err != nil {
			return nil, err
		}
		tmpl = append(tmpl, object.Bytes(ck.CKA_ID, id))
	}
	if len(tmpl) == 0 {
		return nil, usagef("name the object: a label, --id HEX or a pkcs11: URI")
	}
	return tmpl, nil
}

// find resolves the reference to exactly one object of one of the
// classes (any when none is given). The classes are tried in order, so
// that a label a key pair shares names the half the command wants.
func (t *tokenSession) find(r objectRef, u client.URI, classes ...ck.ObjectClass) (ck.ObjectHandle, ck.ObjectClass, error) {
	tmpl, err := r.template(u)
	if err != nil {
		return 0, 0, err
	}
	hs, err := t.s.FindObjects(tmpl)
	if err != nil {
		return 0, 0, err
	}
	byClass := map[ck.ObjectClass][]ck.ObjectHandle{}
	for _, h := range hs {
		c, err := t.class(h)
		if err != nil {
			return 0, 0, err
		}
		byClass[c] = append(byClass[c], h)
	}
	var matches []ck.ObjectHandle
	if len(classes) == 0 {
		matches = hs
	}
	for _, c := range classes {
		if len(byClass[c]) > 0 {
			matches = byClass[c]
			break
		}
	}
	what := r.describe()
	switch len(matches) {
	case 1:
		c, err := t.class(matches[0])
		return matches[0], c, err
	case 0:
		hint := ""
		if !t.loggedIn {
			hint = " (private objects show after a login: give the PIN)"
		}
		return 0, 0, fmt.Errorf("no %s %s in token %q%s", classList(classes), what, t.slot.Token.Label, hint)
	}
	var uris []string
	for _, h := range matches {
		info, err := t.describe(h)
		if err != nil {
			return 0, 0, err
		}
		uris = append(uris, info.URI)
	}
	return 0, 0, fmt.Errorf("%d objects match %s: name one by its URI: %s", len(matches), what, strings.Join(uris, " "))
}

func (r objectRef) describe() string {
	arg := r.arg
	if u, err := client.ParseURI(arg); err == nil {
		arg = u.Redacted() // never a PIN in a message
	}
	switch {
	case arg != "" && r.id != "":
		return fmt.Sprintf("%q with id %s", arg, r.id)
	case r.id != "":
		return "with id " + r.id
	}
	return fmt.Sprintf("%q", arg)
}

func classList(classes []ck.ObjectClass) string {
	if len(classes) == 0 {
		return "object"
	}
	var names []string
	for _, c := range classes {
		names = append(names, classNames[c])
	}
	return strings.Join(names, " or ") + " object"
}

func (t *tokenSession) class(h ck.ObjectHandle) (ck.ObjectClass, error) {
	a, err := t.s.Attributes(h, ck.CKA_CLASS)
	if err != nil {
		return 0, err
	}
	v, ok := a.ULong(ck.CKA_CLASS)
	if !ok {
		return 0, fmt.Errorf("object %d has no CKA_CLASS", h)
	}
	return ck.ObjectClass(v), nil
}

// uri is the PKCS#11 URI of an object of this token.
func (t *tokenSession) uri(label string, id []byte, class ck.ObjectClass) string {
	tok := t.slot.Token
	return client.URI{Token: tok.Label, Manufacturer: tok.Manufacturer, Serial: tok.Serial, Model: tok.Model,
		Object: label, ID: id, HasID: len(id) > 0, Type: classNames[class]}.String()
}

// tokenURI is the PKCS#11 URI of the token itself.
func tokenURI(tok client.TokenInfo) string {
	return client.URI{Token: tok.Label, Manufacturer: tok.Manufacturer, Serial: tok.Serial, Model: tok.Model}.String()
}

func hexID(id []byte) string { return hex.EncodeToString(id) }
