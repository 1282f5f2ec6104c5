package client

import (
	"fmt"
	"net/url"
	"strings"
)

// URI is a PKCS#11 URI (RFC 7512) naming a token and an object in it:
// the attributes the corepkcs11 command prints and takes. Empty fields
// match anything.
type URI struct {
	// Token attributes.
	Token, Manufacturer, Serial, Model string
	// Object attributes. Type is one of "private", "public", "cert",
	// "data" and "secret-key".
	Object string
	ID     []byte
	HasID  bool
	Type   string
	// Query attributes.
	PINValue, ModulePath string
}

// ParseURI reads a "pkcs11:" URI. Attributes this command has no use
// for (library-*, slot-*) are accepted and ignored; an unknown one, or
// a repeated one, is an error, as RFC 7512 section 2.3 asks.
func ParseURI(s string) (URI, error) {
	var u URI
	rest, ok := strings.CutPrefix(s, "pkcs11:")
	if !ok {
		return u, fmt.Errorf("%q is not a PKCS#11 URI: it starts with pkcs11:", s)
	}
	path, query, _ := strings.Cut(rest, "?")
	seen := map[string]bool{}
	set := func(kv string, sep string, fields map[string]*string) error {
		if kv == "" {
			return nil
		}
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return fmt.Errorf("PKCS#11 URI attribute %q has no value", kv)
		}
		if seen[k] {
			return fmt.Errorf("PKCS#11 URI attribute %q is given twice", k)
		}
		seen[k] = true
		val, err := url.PathUnescape(v)
		if err != nil {
			// The value is not quoted: it may be a PIN.
			return fmt.Errorf("PKCS#11 URI attribute %s is not percent-encoded correctly", k)
		}
		if k == "id" && sep == ";" {
			u.ID, u.HasID = []byte(val), true
			return nil
		}
		if f, ok := fields[k]; ok {
			*f = val
			return nil
		}
		if strings.HasPrefix(k, "library-") || strings.HasPrefix(k, "slot-") || strings.HasPrefix(k, "x-") || k == "module-name" || k == "pin-source" {
			return nil
		}
		return fmt.Errorf("PKCS#11 URI attribute %q is not one RFC 7512 defines", k)
	}
	pathFields := map[string]*string{"token": &u.Token, "manufacturer": &u.Manufacturer, "serial": &u.Serial, "model": &u.Model, "object": &u.Object, "type": &u.Type}
	for _, kv := range strings.Split(path, ";") {
		if err := set(kv, ";", pathFields); err != nil {
			return u, err
		}
	}
	queryFields := map[string]*string{"pin-value": &u.PINValue, "module-path": &u.ModulePath}
	if query != "" {
		for _, kv := range strings.Split(query, "&") {
			if err := set(kv, "&", queryFields); err != nil {
				return u, err
			}
		}
	}
	switch u.Type {
	case "", "private", "public", "cert", "data", "secret-key":
	default:
		return u, fmt.Errorf("PKCS#11 URI type=%s: RFC 7512 knows private, public, cert, data and secret-key", u.Type)
	}
	return u, nil
}

// String writes the URI with every value percent-encoded but for the
// unreserved characters, which OpenSSL's pkcs11 engine, p11tool and ssh
// all read.
func (u URI) String() string {
	var path []string
	add := func(k, v string) {
		if v != "" {
			path = append(path, k+"="+escape([]byte(v)))
		}
	}
	add("token", u.Token)
	add("manufacturer", u.Manufacturer)
	add("serial", u.Serial)
	add("model", u.Model)
	add("object", u.Object)
	if u.HasID {
		path = append(path, "id="+escapeAll(u.ID))
	}
	add("type", u.Type)
	s := "pkcs11:" + strings.Join(path, ";")
	var query []string
	if u.ModulePath != "" {
		query = append(query, "module-path="+escape([]byte(u.ModulePath)))
	}
	if u.PINValue != "" {
		query = append(query, "pin-value="+escape([]byte(u.PINValue)))
	}
	if len(query) > 0 {
		s += "?" + strings.Join(query, "&")
	}
	return s
}

func escape(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			sb.WriteByte(c)
		} else {
			fmt.Fprintf(&sb, "%%%02X", c)
		}
	}
	return sb.String()
}

// escapeAll percent-encodes every byte, as IDs are written.
func escapeAll(b []byte) string {
	var sb strings.Builder
	for _, c := range b {
		fmt.Fprintf(&sb, "%%%02X", c)
	}
	return sb.String()
}

// Redacted is the URI without its pin-value, for messages.
func (u URI) Redacted() string {
	u.PINValue = ""
	return u.String()
}
