package main

import (
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"os"
	"strings"

	"golang.org/x/term"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// objectInfo is what list prints of an object.
type objectInfo struct {
	Class   string `json:"class"`
	Label   string `json:"label"`
	ID      string `json:"id"`
	KeyType string `json:"key_type,omitempty"`
	Bits    int    `json:"bits,omitempty"`
	// ParameterSet names the parameter set of an ML-DSA or SLH-DSA key.
	ParameterSet string   `json:"parameter_set,omitempty"`
	Flags        []string `json:"flags"`
	URI          string   `json:"uri"`
}

// flagNames are the boolean attributes list shows, in this order.
var flagNames = []struct {
	t    ck.AttributeType
	name string
}{
	{ck.CKA_TOKEN, "token"}, {ck.CKA_PRIVATE, "private"}, {ck.CKA_SENSITIVE, "sensitive"}, {ck.CKA_EXTRACTABLE, "extractable"},
	{ck.CKA_ALWAYS_SENSITIVE, "always-sensitive"}, {ck.CKA_NEVER_EXTRACTABLE, "never-extractable"}, {ck.CKA_LOCAL, "local"},
	{ck.CKA_SIGN, "sign"}, {ck.CKA_VERIFY, "verify"}, {ck.CKA_ENCRYPT, "encrypt"}, {ck.CKA_DECRYPT, "decrypt"},
	{ck.CKA_WRAP, "wrap"}, {ck.CKA_UNWRAP, "unwrap"}, {ck.CKA_DERIVE, "derive"}, {ck.CKA_TRUSTED, "trusted"},
	{ck.CKA_ENCAPSULATE, "encapsulate"}, {ck.CKA_DECAPSULATE, "decapsulate"},
}

// parameterSetName is the FIPS name of a key's CKA_PARAMETER_SET
// (ML-KEM-768, ML-DSA-65, SLH-DSA-SHAKE-128f), or its CKP_ name for sets this token
// does not implement.
func parameterSetName(kt ck.KeyType, set uint) string {
	switch kt {
	case ck.CKK_ML_KEM:
		if p, ok := object.MLKEMParameterSet(set); ok {
			return p.Name
		}
	case ck.CKK_ML_DSA:
		if p, ok := object.MLDSAParameterSet(set); ok {
			return p.Name
		}
	case ck.CKK_SLH_DSA:
		if p, ok := object.SLHDSAParameterSet(set); ok {
			return p.ID.String()
		}
	}
	return ck.ParameterSetName(kt, ck.ParameterSet(set))
}

// describe reads what list shows of object h.
func (t *tokenSession) describe(h ck.ObjectHandle) (objectInfo, error) {
	types := []ck.AttributeType{ck.CKA_CLASS, ck.CKA_LABEL, ck.CKA_ID, ck.CKA_KEY_TYPE, ck.CKA_MODULUS, ck.CKA_EC_PARAMS, ck.CKA_VALUE_LEN,
		ck.CKA_PARAMETER_SET}
	for _, f := range flagNames {
		types = append(types, f.t)
	}
	a, err := t.s.Attributes(h, types...)
	if err != nil {
		return objectInfo{}, err
	}
	c, _ := a.ULong(ck.CKA_CLASS)
	class := ck.ObjectClass(c)
	label, _ := a.Find(ck.CKA_LABEL)
	id, _ := a.Find(ck.CKA_ID)
	info := objectInfo{Class: classNames[class], Label: string(label), ID: hexID(id), Flags: []string{}, URI: t.uri(string(label), id, class)}
	if info.Class == "" {
		info.Class = class.String()
	}
	if kt, ok := a.ULong(ck.CKA_KEY_TYPE); ok {
		info.KeyType = strings.TrimPrefix(ck.KeyType(kt).String(), "CKK_")
		if n, ok := a.Find(ck.CKA_MODULUS); ok {
			info.Bits = new(big.Int).SetBytes(n).BitLen()
		} else if p, ok := a.Find(ck.CKA_EC_PARAMS); ok {
			if curve, err := object.CurveByParams(p); err == nil {
				info.Bits = curve.Curve.Params().BitSize
			} else if curve, ok := object.OctetCurveByParams(p); ok {
				info.Bits = curve.Bits
			}
		} else if n, ok := a.ULong(ck.CKA_VALUE_LEN); ok {
			info.Bits = 8 * int(n)
		}
		if set, ok := a.ULong(ck.CKA_PARAMETER_SET); ok {
			info.ParameterSet = parameterSetName(ck.KeyType(kt), set)
		}
	}
	for _, f := range flagNames {
		if v, ok := a.Find(f.t); ok && len(v) == 1 && v[0] != 0 {
			info.Flags = append(info.Flags, f.name)
		}
	}
	return info, nil
}

var listCommand = command{
	name:    "list",
	summary: "list the token's objects and their URIs",
	about: "Lists the objects of the token: class, label, id, key type and size, the flags that matter, and each\n" +
		"object's PKCS#11 URI. With a PIN (flag, environment or file; list never prompts) it logs in and shows\n" +
		"private objects too; without one, the public objects.",
	example: "corepkcs11 list --pin-file pin.txt --type private",
	common:  withModule | withToken | withPIN | withJSON,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		typ := fs.String("type", "", "list only objects of this `TYPE`: private, public, cert, data or secret")
		return func(o *options, args []string) error {
			if len(args) > 0 {
				return usagef("list takes no arguments")
			}
			var tmpl object.Template
			if *typ != "" {
				c, ok := classOf(*typ)
				if !ok {
					return usagef("--type %q: private, public, cert, data or secret", *typ)
				}
				tmpl = object.Template{object.ULong(ck.CKA_CLASS, uint(c))}
			}
			t, err := o.session(false, loginIfPIN)
			if err != nil {
				return err
			}
			defer t.close()
			hs, err := t.s.FindObjects(tmpl)
			if err != nil {
				return err
			}
			infos := []objectInfo{}
			for _, h := range hs {
				info, err := t.describe(h)
				if err != nil {
					return err
				}
				infos = append(infos, info)
			}
			if o.json {
				return writeJSON(os.Stdout, infos)
			}
			for _, i := range infos {
				key := ""
				if i.KeyType != "" {
					key = fmt.Sprintf(" %s", i.KeyType)
					if i.Bits > 0 {
						key += fmt.Sprintf(" %d", i.Bits)
					}
					if i.ParameterSet != "" {
						key += " " + i.ParameterSet
					}
				}
				fmt.Printf("%s%s %q id=%s [%s]\n  %s\n", i.Class, key, i.Label, i.ID, strings.Join(i.Flags, " "), i.URI)
			}
			if !t.loggedIn {
				fmt.Fprintln(os.Stderr, "(public objects only: give the PIN to see private ones)")
			}
			return nil
		}
	},
}

var deleteCommand = command{
	name:    "delete",
	args:    "OBJECT",
	summary: "destroy an object",
	about: "Destroys one object, named by its label, --id or a PKCS#11 URI. It asks first unless --yes is given,\n" +
		"and refuses a name that matches several objects, listing them.",
	example: "corepkcs11 delete 'pkcs11:token=dev;object=old%20key;type=private' --yes",
	common:  withModule | withToken | withPIN | withYes,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		id := fs.String("id", "", "the object's CKA_ID in `HEX`")
		return func(o *options, args []string) error {
			ref, err := oneObjectArg(args, *id)
			if err != nil {
				return err
			}
			t, h, _, err := o.openObject(ref, true, loginIfPIN)
			if err != nil {
				return err
			}
			defer t.close()
			info, err := t.describe(h)
			if err != nil {
				return err
			}
			if !o.yes {
				if !confirm(fmt.Sprintf("destroy %s %q (%s)?", info.Class, info.Label, info.URI)) {
					return errors.New("not destroyed: not confirmed (--yes skips the question)")
				}
			}
			if err := t.s.DestroyObject(h); err != nil {
				return err
			}
			fmt.Printf("destroyed %s %q\n", info.Class, info.Label)
			return nil
		}
	},
}

var exportCommand = command{
	name:    "export",
	args:    "OBJECT",
	summary: "write a public key or certificate as PEM or DER",
	about: "Writes a public key (SubjectPublicKeyInfo) or a certificate, as PEM on standard output, or to --out,\n" +
		"or as DER with --der. A private key's public half is exported from its CKA_PUBLIC_KEY_INFO.",
	example: "corepkcs11 export 'Device Cert' --out device.pem",
	common:  withModule | withToken | withPIN,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		id := fs.String("id", "", "the object's CKA_ID in `HEX`")
		out := fs.String("out", "", "write to `FILE` instead of standard output")
		der := fs.Bool("der", false, "write DER instead of PEM")
		return func(o *options, args []string) error {
			ref, err := oneObjectArg(args, *id)
			if err != nil {
				return err
			}
			t, h, class, err := o.openObject(ref, false, loginIfPIN, ck.CKO_CERTIFICATE, ck.CKO_PUBLIC_KEY, ck.CKO_PRIVATE_KEY)
			if err != nil {
				return err
			}
			defer t.close()
			blockType, data, err := t.exportable(h, class)
			if err != nil {
				return err
			}
			if !*der {
				data = pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: data})
			}
			if *out == "" {
				_, err = os.Stdout.Write(data)
				return err
			}
			return os.WriteFile(*out, data, 0o644)
		}
	},
}

// exportable is the DER of a certificate, or the SubjectPublicKeyInfo of
// a key, with its PEM block type.
func (t *tokenSession) exportable(h ck.ObjectHandle, class ck.ObjectClass) (string, []byte, error) {
	if class == ck.CKO_CERTIFICATE {
		a, err := t.s.Attributes(h, ck.CKA_VALUE)
		if err != nil {
			return "", nil, err
		}
		v, ok := a.Find(ck.CKA_VALUE)
		if !ok {
			return "", nil, errors.New("the certificate's CKA_VALUE cannot be read")
		}
		return "CERTIFICATE", v, nil
	}
	pub, err := t.publicKey(h)
	if err != nil {
		return "", nil, err
	}
	der, err := object.MarshalPublicKeyInfo(pub)
	return "PUBLIC KEY", der, err
}

// oneObjectArg reads the OBJECT argument of a command that takes one.
func oneObjectArg(args []string, id string) (objectRef, error) {
	switch {
	case len(args) > 1:
		return objectRef{}, usagef("one OBJECT only, not %d", len(args))
	case len(args) == 0 && id == "":
		return objectRef{}, usagef("name the object: a label, --id HEX or a pkcs11: URI")
	case len(args) == 0:
		return objectRef{id: id}, nil
	}
	return objectRef{arg: args[0], id: id}, nil
}

// confirm asks a yes/no question on the terminal.
func confirm(question string) bool {
	fmt.Fprintf(os.Stderr, "%s [y/N] ", question)
	var answer string
	fmt.Fscanln(os.Stdin, &answer)
	if !term.IsTerminal(int(os.Stdin.Fd())) {
		// The answer came from a pipe, not echoed: end the question's
		// line, so that an error after it has one of its own.
		fmt.Fprintln(os.Stderr)
	}
	return strings.EqualFold(answer, "y") || strings.EqualFold(answer, "yes")
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
