package token

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"golang.org/x/crypto/argon2"

	"github.com/corepkcs11/corepkcs11/ck"
)

// KDF holds the argon2id cost of turning a PIN into a key-encryption key.
// It is recorded with each wrapped key, so a token keeps working when the
// default changes.
type KDF struct {
	Time      uint32 `json:"t"`
	MemoryKiB uint32 `json:"m"`
	Threads   uint8  `json:"p"`
}

// DefaultKDF is the cost for new PINs: argon2id with 19 MiB and two
// passes, the OWASP password storage recommendation ("strong").
var DefaultKDF = KDF{Time: 2, MemoryKiB: 19 * 1024, Threads: 1}

// FastKDF is the cost a token made for CI and tests may choose ("fast"):
// argon2id with 64 KiB and one pass, so that a login costs well under a
// millisecond. It gives up the protection of a short PIN against whoever
// copies the store file: trying all 10,000 four-digit PINs then takes
// seconds instead of a quarter of an hour per core.
var FastKDF = KDF{Time: 1, MemoryKiB: 64, Threads: 1}

// KDFFromEnv is the cost COREPKCS11_KDF names in an environment, read
// with getenv: DefaultKDF when it is unset.
func KDFFromEnv(getenv func(string) string) (KDF, error) {
	name := getenv("COREPKCS11_KDF")
	if name == "" {
		return DefaultKDF, nil
	}
	k, err := KDFNamed(name)
	if err != nil {
		return KDF{}, ck.Errorf(ck.CKR_ARGUMENTS_BAD, "COREPKCS11_KDF=%s: strong or fast", name)
	}
	return k, nil
}

// KDFNamed is the KDF of a cost name: "strong" (DefaultKDF) or "fast"
// (FastKDF).
func KDFNamed(name string) (KDF, error) {
	switch name {
	case "strong":
		return DefaultKDF, nil
	case "fast":
		return FastKDF, nil
	}
	return KDF{}, ck.Errorf(ck.CKR_ARGUMENTS_BAD, "PIN key derivation %q: strong or fast", name)
}

// wrappedKey is the token key encrypted under a key derived from one PIN.
type wrappedKey struct {
	KDF   KDF    `json:"kdf"`
	Salt  []byte `json:"salt"`
	Nonce []byte `json:"nonce"`
	Box   []byte `json:"box"`
}

// envelope is what a token stores about its keys (store.Token.Keys): the
// token key wrapped under the SO PIN and, once set, the user PIN.
type envelope struct {
	Version int `json:"v"`
	// KeyID names the token key, chosen at random with it: a changed
	// KeyID means the token was re-initialized, while C_SetPIN and
	// C_InitPIN rewrap the same key and keep it.
	KeyID []byte `json:"kid,omitempty"`
	// Authenticated tells a process without the token key that the token
	// authenticates its records, so that it must not write any. It is a
	// hint in clear: the authoritative flag is inside each wrap.
	Authenticated bool        `json:"auth,omitempty"`
	SO            wrappedKey  `json:"so"`
	User          *wrappedKey `json:"user,omitempty"`
}

// newEnvelope is the envelope of a new token secret wrapped under soPIN.
func newEnvelope(kdf KDF, soPIN []byte, sec tokenSecret) envelope {
	id := make([]byte, 16)
	rand.Read(id)
	return envelope{Version: envelopeVersion, KeyID: id, Authenticated: sec.authenticated, SO: wrap(kdf, "so", soPIN, sec)}
}

// tokenSecret is what each PIN's wrap holds: the token key, and whether
// the token authenticates every record with it (sealed, or with a MAC).
// Tokens made before records were authenticated say no; their clear
// records are taken as they are.
type tokenSecret struct {
	key           []byte
	authenticated bool
	// kdf is the cost of the wrap this secret came out of: the token's
	// choice, proven by the unwrap (other costs derive another key). PINs
	// set with this secret get it; never from the envelope, whose cost
	// fields anyone who can write the store file may edit.
	kdf KDF
}

func newTokenSecret() tokenSecret {
	k := make([]byte, 32)
	rand.Read(k)
	return tokenSecret{key: k, authenticated: true}
}

// encode is the wrap's plaintext: the key, then a flags byte; the key
// alone in wraps made before the flag existed.
func (s tokenSecret) encode() []byte {
	flags := byte(0)
	if s.authenticated {
		flags = 1
	}
	return append(bytes.Clone(s.key), flags)
}

func decodeSecret(b []byte) (tokenSecret, error) {
	switch len(b) {
	case 32:
		return tokenSecret{key: b}, nil
	case 33:
		return tokenSecret{key: b[:32], authenticated: b[32]&1 != 0}, nil
	}
	return tokenSecret{}, fmt.Errorf("a wrapped token key of %d bytes", len(b))
}

// sameKey reports whether e and o wrap the same token key. Envelopes
// written before key IDs existed have none, and count as the same key.
func (e envelope) sameKey(o envelope) bool { return bytes.Equal(e.KeyID, o.KeyID) }

const envelopeVersion = 1

// errWrongPIN means the PIN did not unwrap the token key.
var errWrongPIN = errors.New("wrong PIN")

func (e envelope) encode() []byte {
	b, err := json.Marshal(e)
	if err != nil {
		panic(err) // only plain fields: cannot fail
	}
	return b
}

func decodeEnvelope(b []byte) (envelope, error) {
	var e envelope
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("token key envelope: %w", err)
	}
	if e.Version != envelopeVersion {
		return e, fmt.Errorf("token key envelope version %d is not supported", e.Version)
	}
	// The costs are read from the store, which anyone who can write the
	// file may edit: a cost this module never writes is refused rather
	// than run (an enormous one would take the process's memory or time).
	for _, w := range []*wrappedKey{&e.SO, e.User} {
		if w != nil && !w.KDF.sane() {
			return e, fmt.Errorf("token key envelope: PIN derivation cost %+v is out of range", w.KDF)
		}
	}
	return e, nil
}

// sane reports whether k is a cost this module could have written: from
// FastKDF to a few times DefaultKDF (at most 8 passes, 128 MiB and 4
// threads), so that an edited store can neither make a login take the
// machine's memory nor claim a cost below the cheapest preset.
func (k KDF) sane() bool {
	return k.Time >= FastKDF.Time && k.Time <= 8 && k.MemoryKiB >= FastKDF.MemoryKiB && k.MemoryKiB <= 128<<10 &&
		k.Threads >= 1 && k.Threads <= 4
}

func aead(key []byte) cipher.AEAD {
	block, err := aes.NewCipher(key)
	if err != nil {
		panic(err) // keys here are always 32 bytes
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return g
}

func (k KDF) derive(pin, salt []byte) []byte {
	return argon2.IDKey(pin, salt, k.Time, k.MemoryKiB, k.Threads, 32)
}

// wrap encrypts the token secret under a key derived from pin; role
// binds the result to its slot in the envelope.
func wrap(kdf KDF, role string, pin []byte, sec tokenSecret) wrappedKey {
	w := wrappedKey{KDF: kdf, Salt: make([]byte, 16), Nonce: make([]byte, 12)}
	rand.Read(w.Salt)
	rand.Read(w.Nonce)
	w.Box = aead(kdf.derive(pin, w.Salt)).Seal(nil, w.Nonce, sec.encode(), []byte("corepkcs11 token key "+role))
	return w
}

// unwrap recovers the token secret, or errWrongPIN. It costs one
// argon2id derivation, so callers run it outside locks.
func (w wrappedKey) unwrap(role string, pin []byte) (tokenSecret, error) {
	plain, err := aead(w.KDF.derive(pin, w.Salt)).Open(nil, w.Nonce, w.Box, []byte("corepkcs11 token key "+role))
	if err != nil {
		return tokenSecret{}, errWrongPIN
	}
	sec, err := decodeSecret(plain)
	sec.kdf = w.KDF
	return sec, err
}

// sealer protects object records under a token key: it encrypts
// CKA_PRIVATE records and authenticates clear ones. The additional data
// and the MAC bind each record to its token serial and object UID, so
// records cannot be swapped between objects in the store file.
type sealer struct {
	aead   cipher.AEAD
	mac    []byte // the HMAC-SHA256 key of clear records, derived from the token key
	secret tokenSecret
}

func newSealer(sec tokenSecret) *sealer {
	mac, err := hkdf.Key(sha256.New, sec.key, nil, "corepkcs11 record mac", 32)
	if err != nil {
		panic(err) // 32 bytes of SHA-256 output: cannot fail
	}
	return &sealer{aead: aead(sec.key), mac: mac, secret: sec}
}

// wipe zeroes the key bytes the sealer holds. The AES key schedule
// inside the AEAD is out of Go's reach; the sealer must not be used after.
func (s *sealer) wipe() {
	clear(s.secret.key)
	clear(s.mac)
}

func (s *sealer) seal(serial, uid string, plain []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plain, []byte(serial+"/"+uid))
}

func (s *sealer) open(serial, uid string, box []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(box) < n {
		return nil, errors.New("sealed record too short")
	}
	plain, err := s.aead.Open(nil, box[:n], box[n:], []byte(serial+"/"+uid))
	if err != nil {
		return nil, fmt.Errorf("sealed record of object %s does not open: %w", uid, err)
	}
	return plain, nil
}

// sum is the MAC of a clear record: HMAC-SHA256 over the token serial,
// the object UID and the record, each length-prefixed.
func (s *sealer) sum(serial, uid string, public []byte) []byte {
	h := hmac.New(sha256.New, s.mac)
	for _, part := range [][]byte{[]byte(serial), []byte(uid), public} {
		h.Write(binary.AppendUvarint(nil, uint64(len(part))))
		h.Write(part)
	}
	return h.Sum(nil)
}

// verify checks a clear record's MAC.
func (s *sealer) verify(serial, uid string, public, mac []byte) error {
	if !hmac.Equal(s.sum(serial, uid, public), mac) {
		return fmt.Errorf("the record of object %s fails authentication: edited outside corepkcs11", uid)
	}
	return nil
}
