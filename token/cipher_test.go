package token

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"slices"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// aesKey imports a session AES key with value v and the given extra
// attributes.
func aesKey(t *testing.T, m *Module, h ck.SessionHandle, v []byte, extra ...object.Attribute) ck.ObjectHandle {
	t.Helper()
	tmpl := append(object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)), object.Bytes(ck.CKA_VALUE, v)}, extra...)
	key, err := m.CreateObject(h, tmpl)
	must(t, err)
	return key
}

// TestCipherOperationRules: the section 5.2 conventions for encryption
// and decryption, checked against Go's crypto/cipher.
func TestCipherOperationRules(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "cipher")
	h := userSession(t, m, slot)
	kv := bytes.Repeat([]byte{0x2b}, 16)
	key := aesKey(t, m, h, kv)
	iv := bytes.Repeat([]byte{7}, 16)
	cbcPad := Mechanism{Type: ck.CKM_AES_CBC_PAD, Param: iv}
	plain := []byte("twenty-one bytes long")

	block, _ := aes.NewCipher(kv)
	padded := append(bytes.Clone(plain), bytes.Repeat([]byte{11}, 11)...)
	want := make([]byte, len(padded))
	cipher.NewCBCEncrypter(block, iv).CryptBlocks(want, padded)

	// Length query, then a short buffer: both keep the operation.
	must(t, m.EncryptInit(h, cbcPad, key))
	n, err := m.Encrypt(h, plain, nil)
	must(t, err)
	if n != 32 {
		t.Fatalf("length query: %d, want 32", n)
	}
	wantRV(t, "second EncryptInit after a query", m.EncryptInit(h, cbcPad, key), ck.CKR_OK)
	n, err = m.Encrypt(h, plain, make([]byte, 5))
	wantRV(t, "short buffer", err, ck.CKR_BUFFER_TOO_SMALL)
	wantRV(t, "EncryptInit after CKR_BUFFER_TOO_SMALL", m.EncryptInit(h, cbcPad, key), ck.CKR_OPERATION_ACTIVE)
	out := make([]byte, n)
	n, err = m.Encrypt(h, plain, out)
	must(t, err)
	if !bytes.Equal(out[:n], want) {
		t.Fatalf("C_Encrypt = %x, want %x", out[:n], want)
	}
	_, err = m.Encrypt(h, plain, out)
	wantRV(t, "Encrypt after the end", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	// Decrypting with a buffer of the exact plaintext length, shorter
	// than the bound a length query gives, succeeds.
	must(t, m.DecryptInit(h, cbcPad, key))
	bound, err := m.Decrypt(h, want, nil)
	must(t, err)
	if bound < len(plain) {
		t.Fatalf("decrypt bound %d < %d", bound, len(plain))
	}
	back := make([]byte, len(plain))
	n, err = m.Decrypt(h, want, back)
	must(t, err)
	if !bytes.Equal(back[:n], plain) {
		t.Fatalf("C_Decrypt = %q", back[:n])
	}
	must(t, m.DecryptInit(h, cbcPad, key))
	n, err = m.Decrypt(h, want, make([]byte, len(plain)-1))
	if ck.ToRV(err) != ck.CKR_BUFFER_TOO_SMALL || n != len(plain) {
		t.Fatalf("one byte short: %d, %v; want %d and CKR_BUFFER_TOO_SMALL", n, err, len(plain))
	}
	n, err = m.Decrypt(h, want, back)
	if err != nil || !bytes.Equal(back[:n], plain) {
		t.Fatalf("after CKR_BUFFER_TOO_SMALL: %q, %v", back[:n], err)
	}

	// Multi-part: exact update lengths, then mixing forms ends it.
	must(t, m.EncryptInit(h, cbcPad, key))
	got := make([]byte, 0, 32)
	for _, part := range [][]byte{plain[:3], plain[3:19], plain[19:]} {
		n, err := m.EncryptUpdate(h, part, nil)
		must(t, err)
		buf := make([]byte, n)
		n, err = m.EncryptUpdate(h, part, buf)
		must(t, err)
		got = append(got, buf[:n]...)
	}
	n, err = m.EncryptFinal(h, make([]byte, 16))
	must(t, err)
	if got = append(got, make([]byte, 16)[:n]...); len(got) != 32 {
		t.Fatalf("multi-part output %d bytes", len(got))
	}
	must(t, m.EncryptInit(h, cbcPad, key))
	_, err = m.EncryptUpdate(h, plain, make([]byte, 16))
	must(t, err)
	_, err = m.Encrypt(h, plain, make([]byte, 64))
	wantRV(t, "C_Encrypt after C_EncryptUpdate", err, ck.CKR_OPERATION_ACTIVE)
	_, err = m.EncryptFinal(h, make([]byte, 16))
	wantRV(t, "EncryptFinal after the mix", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	// A padding error ends the decryption.
	must(t, m.DecryptInit(h, cbcPad, key))
	_, err = m.Decrypt(h, bytes.Repeat([]byte{1}, 16), make([]byte, 16))
	wantRV(t, "bad padding", err, ck.CKR_ENCRYPTED_DATA_INVALID)
	_, err = m.Decrypt(h, want, back)
	wantRV(t, "Decrypt after an error", err, ck.CKR_OPERATION_NOT_INITIALIZED)

	// C_SessionCancel ends an encryption; key usage is enforced.
	must(t, m.EncryptInit(h, cbcPad, key))
	must(t, m.SessionCancel(h, ck.CKF_ENCRYPT))
	_, err = m.EncryptFinal(h, nil)
	wantRV(t, "after C_SessionCancel", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	noEncrypt := aesKey(t, m, h, kv, object.Bool(ck.CKA_ENCRYPT, false))
	wantRV(t, "key without CKA_ENCRYPT", m.EncryptInit(h, cbcPad, noEncrypt), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	wantRV(t, "short IV", m.EncryptInit(h, Mechanism{Type: ck.CKM_AES_CBC_PAD, Param: iv[:8]}, key), ck.CKR_MECHANISM_PARAM_INVALID)
}

// TestGCMReleasesNothingBeforeTheTag: a tampered ciphertext gives
// CKR_ENCRYPTED_DATA_INVALID, and the multi-part decryption returns no
// plaintext from its updates.
func TestGCMReleasesNothingBeforeTheTag(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "gcm")
	h := userSession(t, m, slot)
	kv := bytes.Repeat([]byte{0x11}, 32)
	key := aesKey(t, m, h, kv)
	gcm := Mechanism{Type: ck.CKM_AES_GCM, Param: mech.GCMParams{IV: make([]byte, 12), AAD: []byte("header"), TagBits: 128}}
	must(t, m.EncryptInit(h, gcm, key))
	sealed := make([]byte, 64)
	n, err := m.Encrypt(h, []byte("attack at dawn"), sealed)
	must(t, err)
	sealed = sealed[:n]
	block, _ := aes.NewCipher(kv)
	aead, _ := cipher.NewGCM(block)
	if plain, err := aead.Open(nil, make([]byte, 12), sealed, []byte("header")); err != nil || string(plain) != "attack at dawn" {
		t.Fatalf("Go's GCM opens %q, %v", plain, err)
	}
	sealed[0] ^= 1
	must(t, m.DecryptInit(h, gcm, key))
	out := make([]byte, 64)
	n, err = m.DecryptUpdate(h, sealed, out)
	if err != nil || n != 0 {
		t.Fatalf("DecryptUpdate released %d bytes, %v", n, err)
	}
	_, err = m.DecryptFinal(h, out)
	wantRV(t, "tampered tag", err, ck.CKR_ENCRYPTED_DATA_INVALID)
	if !bytes.Equal(out, make([]byte, 64)) {
		t.Fatalf("plaintext released: %x", out)
	}
}

// TestWrapPolicy: what may be wrapped, and an unwrapped key's origin.
func TestWrapPolicy(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "wrap")
	h := userSession(t, m, slot)
	kek := aesKey(t, m, h, bytes.Repeat([]byte{1}, 32))
	kw := Mechanism{Type: ck.CKM_AES_KEY_WRAP}
	secret := bytes.Repeat([]byte{0x5a}, 16)
	extractable := aesKey(t, m, h, secret, object.Bool(ck.CKA_EXTRACTABLE, true))
	locked := aesKey(t, m, h, secret)
	trustedOnly := aesKey(t, m, h, secret, object.Bool(ck.CKA_EXTRACTABLE, true), object.Bool(ck.CKA_WRAP_WITH_TRUSTED, true))

	n, err := m.WrapKey(h, kw, kek, extractable, nil)
	must(t, err)
	if n != 24 {
		t.Fatalf("wrapped length %d, want 24", n)
	}
	_, err = m.WrapKey(h, kw, kek, extractable, make([]byte, 1))
	wantRV(t, "short buffer", err, ck.CKR_BUFFER_TOO_SMALL)
	wrapped := make([]byte, n)
	_, err = m.WrapKey(h, kw, kek, extractable, wrapped)
	must(t, err)

	_, err = m.WrapKey(h, kw, kek, locked, wrapped)
	wantRV(t, "non-extractable key", err, ck.CKR_KEY_UNEXTRACTABLE)
	_, err = m.WrapKey(h, kw, kek, trustedOnly, wrapped)
	wantRV(t, "CKA_WRAP_WITH_TRUSTED under an untrusted key", err, ck.CKR_KEY_NOT_WRAPPABLE)
	_, err = m.WrapKey(h, kw, 0x7777, extractable, wrapped)
	wantRV(t, "wrapping key handle", err, ck.CKR_WRAPPING_KEY_HANDLE_INVALID)
	_, err = m.WrapKey(h, kw, kek, 0x7777, wrapped)
	wantRV(t, "key handle", err, ck.CKR_KEY_HANDLE_INVALID)
	noWrap := aesKey(t, m, h, bytes.Repeat([]byte{1}, 32), object.Bool(ck.CKA_WRAP, false))
	_, err = m.WrapKey(h, kw, noWrap, extractable, wrapped)
	wantRV(t, "wrapping key without CKA_WRAP", err, ck.CKR_KEY_FUNCTION_NOT_PERMITTED)

	tmpl := object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES)), object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true)}
	back, err := m.UnwrapKey(h, kw, kek, wrapped, tmpl)
	must(t, err)
	for attr, want := range map[ck.AttributeType]bool{ck.CKA_LOCAL: false, ck.CKA_ALWAYS_SENSITIVE: false, ck.CKA_NEVER_EXTRACTABLE: false} {
		q := []AttributeQuery{{Type: attr, Value: make([]byte, 1)}}
		if err := m.GetAttributeValue(h, back, q); err != nil || (q[0].Value[0] != 0) != want {
			t.Errorf("unwrapped key's %v = %x, %v; want %v", attr, q[0].Value, err, want)
		}
	}
	q := []AttributeQuery{{Type: ck.CKA_VALUE, Value: make([]byte, 16)}}
	if err := m.GetAttributeValue(h, back, q); err != nil || !bytes.Equal(q[0].Value, secret) {
		t.Fatalf("unwrapped CKA_VALUE %x, %v", q[0].Value, err)
	}
	wrapped[3] ^= 1
	_, err = m.UnwrapKey(h, kw, kek, wrapped, tmpl)
	wantRV(t, "tampered wrapping", err, ck.CKR_WRAPPED_KEY_INVALID)
	_, err = m.UnwrapKey(h, kw, 0x7777, wrapped, tmpl)
	wantRV(t, "unwrapping key handle", err, ck.CKR_UNWRAPPING_KEY_HANDLE_INVALID)

	// ECB pads a key's value with zeros to whole blocks; CKA_VALUE_LEN
	// gives the unwrapped key its length back.
	ecb := Mechanism{Type: ck.CKM_AES_ECB}
	odd := bytes.Repeat([]byte{0x33}, 20)
	generic, err := m.CreateObject(h, object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET)),
		object.Bytes(ck.CKA_VALUE, odd), object.Bool(ck.CKA_EXTRACTABLE, true)})
	must(t, err)
	n, err = m.WrapKey(h, ecb, kek, generic, make([]byte, 64))
	must(t, err)
	if n != 32 {
		t.Fatalf("ECB-wrapped 20-byte key: %d bytes, want 32", n)
	}
	wrapped = make([]byte, n)
	_, err = m.WrapKey(h, ecb, kek, generic, wrapped)
	must(t, err)
	back, err = m.UnwrapKey(h, ecb, kek, wrapped, object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET)),
		object.ULong(ck.CKA_VALUE_LEN, 20), object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true)})
	must(t, err)
	q = []AttributeQuery{{Type: ck.CKA_VALUE, Value: make([]byte, 20)}}
	if err := m.GetAttributeValue(h, back, q); err != nil || !bytes.Equal(q[0].Value, odd) {
		t.Fatalf("ECB-unwrapped CKA_VALUE %x, %v", q[0].Value, err)
	}
}

// TestDigestEncryptUpdate: the dual function does what a digest and an
// encryption of the same data do.
func TestDigestEncryptUpdate(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "dual")
	h := userSession(t, m, slot)
	key := aesKey(t, m, h, bytes.Repeat([]byte{9}, 16))
	ctr := Mechanism{Type: ck.CKM_AES_CTR, Param: mech.CTRParams{CounterBits: 32}}
	data := []byte("streamed through both operations")

	_, err := m.DigestEncryptUpdate(h, data, make([]byte, 64))
	wantRV(t, "without operations", err, ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.DigestInit(h, Mechanism{Type: ck.CKM_SHA256}))
	must(t, m.EncryptInit(h, ctr, key))
	enc := make([]byte, len(data))
	n, err := m.DigestEncryptUpdate(h, data, enc)
	must(t, err)
	digest := make([]byte, 32)
	_, err = m.DigestFinal(h, digest)
	must(t, err)
	if sum := sha256.Sum256(data); !bytes.Equal(digest, sum[:]) || n != len(data) {
		t.Fatalf("digest %x, %d bytes encrypted", digest, n)
	}

	must(t, m.DigestInit(h, Mechanism{Type: ck.CKM_SHA256}))
	must(t, m.DecryptInit(h, ctr, key))
	plain := make([]byte, len(enc))
	_, err = m.DecryptDigestUpdate(h, enc, plain)
	must(t, err)
	_, err = m.DigestFinal(h, digest)
	must(t, err)
	if sum := sha256.Sum256(data); !bytes.Equal(plain, data) || !bytes.Equal(digest, sum[:]) {
		t.Fatalf("decrypted %q, digest %x", plain, digest)
	}
}

// TestWrapTemplates: a wrapping key's CKA_WRAP_TEMPLATE limits what it
// wraps, and an unwrapping key's CKA_UNWRAP_TEMPLATE is imposed on what
// it unwraps.
func TestWrapTemplates(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "templates")
	h := userSession(t, m, slot)
	onlyLabelled, err := object.EncodeTemplate(object.Template{object.String(ck.CKA_LABEL, "exportable"), object.Bool(ck.CKA_EXTRACTABLE, true)})
	must(t, err)
	noDecrypt, err := object.EncodeTemplate(object.Template{object.Bool(ck.CKA_DECRYPT, false)})
	must(t, err)
	kek := aesKey(t, m, h, bytes.Repeat([]byte{1}, 32), object.Bytes(ck.CKA_WRAP_TEMPLATE, onlyLabelled), object.Bytes(ck.CKA_UNWRAP_TEMPLATE, noDecrypt))
	kw := Mechanism{Type: ck.CKM_AES_KEY_WRAP}
	secret := bytes.Repeat([]byte{0x77}, 16)
	labelled := aesKey(t, m, h, secret, object.Bool(ck.CKA_EXTRACTABLE, true), object.String(ck.CKA_LABEL, "exportable"))
	other := aesKey(t, m, h, secret, object.Bool(ck.CKA_EXTRACTABLE, true), object.String(ck.CKA_LABEL, "other"))

	wrapped := make([]byte, 24)
	_, err = m.WrapKey(h, kw, kek, other, wrapped)
	wantRV(t, "a key outside CKA_WRAP_TEMPLATE", err, ck.CKR_KEY_NOT_WRAPPABLE)
	_, err = m.WrapKey(h, kw, kek, labelled, wrapped)
	must(t, err)

	aes := object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_AES))}
	_, err = m.UnwrapKey(h, kw, kek, wrapped, append(aes, object.Bool(ck.CKA_DECRYPT, true)))
	wantRV(t, "a template against CKA_UNWRAP_TEMPLATE", err, ck.CKR_TEMPLATE_INCONSISTENT)
	back, err := m.UnwrapKey(h, kw, kek, wrapped, aes)
	must(t, err)
	got, err := m.GetAttributes(h, back, ck.CKA_DECRYPT, ck.CKA_ENCRYPT)
	must(t, err)
	if got[0].Value[0] != 0 || got[1].Value[0] != 1 {
		t.Fatalf("unwrapped key: CKA_DECRYPT %x, CKA_ENCRYPT %x; want false, true", got[0].Value, got[1].Value)
	}
	tmpl, err := m.GetAttributes(h, kek, ck.CKA_WRAP_TEMPLATE)
	must(t, err)
	if decoded, err := object.DecodeTemplate(tmpl[0].Value); err != nil || len(decoded) != 2 {
		t.Fatalf("CKA_WRAP_TEMPLATE reads back as %v, %v", decoded, err)
	}
	_, err = m.CreateObject(h, append(aes, object.Bytes(ck.CKA_VALUE, secret), object.Bytes(ck.CKA_WRAP_TEMPLATE, []byte{1, 2, 3})))
	wantRV(t, "a malformed CKA_WRAP_TEMPLATE", err, ck.CKR_ATTRIBUTE_VALUE_INVALID)
}

// TestAlwaysAuthenticateDecrypt: a CKA_ALWAYS_AUTHENTICATE private key
// decrypts only after a context-specific login given for that decryption.
func TestAlwaysAuthenticateDecrypt(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "auth decrypt")
	h := userSession(t, m, slot)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := object.Template{class(ck.CKO_PRIVATE_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_RSA)),
		object.Bytes(ck.CKA_MODULUS, key.N.Bytes()), object.Bytes(ck.CKA_PUBLIC_EXPONENT, []byte{1, 0, 1}),
		object.Bytes(ck.CKA_PRIVATE_EXPONENT, key.D.Bytes()), object.Bool(ck.CKA_ALWAYS_AUTHENTICATE, true)}
	priv, err := m.CreateObject(h, tmpl)
	must(t, err)
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, &key.PublicKey, []byte("secret"))
	pkcs1 := Mechanism{Type: ck.CKM_RSA_PKCS}
	out := make([]byte, 256)

	must(t, m.DecryptInit(h, pkcs1, priv))
	if n, err := m.Decrypt(h, ct, nil); err != nil || n != 256 {
		t.Fatalf("length query before the context login = %d, %v", n, err)
	}
	_, err = m.Decrypt(h, ct, out)
	wantRV(t, "Decrypt without a context login", err, ck.CKR_USER_NOT_LOGGED_IN)
	must(t, m.DecryptInit(h, pkcs1, priv))
	must(t, m.Login(h, ck.CKU_CONTEXT_SPECIFIC, []byte(userPIN)))
	n, err := m.Decrypt(h, ct, out)
	if err != nil || string(out[:n]) != "secret" {
		t.Fatalf("Decrypt after the context login: %q, %v", out[:n], err)
	}
	must(t, m.DecryptInit(h, pkcs1, priv))
	_, err = m.Decrypt(h, ct, out)
	wantRV(t, "the login was for one decryption only", err, ck.CKR_USER_NOT_LOGGED_IN)
}

// TestUnwrapOracles: C_UnwrapKey tells an attacker nothing about a
// wrapped key it may not read: not by cutting it short, not by guessing
// its value in the template, not by raw RSA, and not by PKCS#1 v1.5
// padding errors.
func TestUnwrapOracles(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "oracles")
	h := userSession(t, m, slot)
	kek := aesKey(t, m, h, bytes.Repeat([]byte{1}, 32))
	secret := bytes.Repeat([]byte{0x42}, 32)
	key := aesKey(t, m, h, secret, object.Bool(ck.CKA_EXTRACTABLE, true))
	kw := Mechanism{Type: ck.CKM_AES_KEY_WRAP}
	wrapped := make([]byte, 40)
	_, err := m.WrapKey(h, kw, kek, key, wrapped)
	must(t, err)
	generic := object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_GENERIC_SECRET))}

	_, err = m.UnwrapKey(h, kw, kek, wrapped, append(generic, object.ULong(ck.CKA_VALUE_LEN, 1)))
	wantRV(t, "a key cut short to one byte", err, ck.CKR_TEMPLATE_INCONSISTENT)
	_, err = m.UnwrapKey(h, kw, kek, wrapped, append(generic, object.Bytes(ck.CKA_VALUE, secret)))
	wantRV(t, "the right CKA_VALUE in the template", err, ck.CKR_TEMPLATE_INCONSISTENT)

	rsaPub, rsaPriv, rsaKey := importRSA(t, m, h)
	_, err = m.WrapKey(h, Mechanism{Type: ck.CKM_RSA_X_509}, rsaPub, key, make([]byte, 256))
	wantRV(t, "wrapping with raw RSA", err, ck.CKR_MECHANISM_INVALID)
	_, err = m.UnwrapKey(h, Mechanism{Type: ck.CKM_RSA_X_509}, rsaPriv, make([]byte, 256), generic)
	wantRV(t, "unwrapping with raw RSA", err, ck.CKR_MECHANISM_INVALID)

	pkcs1 := Mechanism{Type: ck.CKM_RSA_PKCS}
	_, err = m.UnwrapKey(h, pkcs1, rsaPriv, make([]byte, 256), generic)
	wantRV(t, "CKM_RSA_PKCS without the key's length", err, ck.CKR_TEMPLATE_INCOMPLETE)
	withLen := append(slices.Clone(generic), object.ULong(ck.CKA_VALUE_LEN, 32), object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true))
	good, _ := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, secret)
	bad := bytes.Clone(good)
	bad[0] ^= 0x80
	for name, ct := range map[string][]byte{"good padding": good, "bad padding": bad, "a short ciphertext": good[:100]} {
		k, err := m.UnwrapKey(h, pkcs1, rsaPriv, ct, withLen)
		if err != nil {
			t.Fatalf("CKM_RSA_PKCS unwrap of %s: %v; every failure must look like a key", name, err)
		}
		v, err := m.GetAttributes(h, k, ck.CKA_VALUE)
		must(t, err)
		if got := bytes.Equal(v[0].Value, secret); got != (name == "good padding") || len(v[0].Value) != 32 {
			t.Errorf("%s unwrapped to the secret: %v (%d bytes)", name, got, len(v[0].Value))
		}
	}
}

// TestUnwrapUnpaddedBlocks: the block modes without padding give back a
// DES key by its type's length, and do not wrap private keys.
func TestUnwrapUnpaddedBlocks(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "unpadded")
	h := userSession(t, m, slot)
	kek := aesKey(t, m, h, bytes.Repeat([]byte{1}, 16))
	des3 := bytes.Repeat([]byte{0x4c}, 24)
	key, err := m.CreateObject(h, object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_DES3)),
		object.Bytes(ck.CKA_VALUE, des3), object.Bool(ck.CKA_EXTRACTABLE, true)})
	must(t, err)
	cbc := Mechanism{Type: ck.CKM_AES_CBC, Param: make([]byte, 16)}
	wrapped := make([]byte, 64)
	n, err := m.WrapKey(h, cbc, kek, key, wrapped)
	must(t, err)
	if n != 32 {
		t.Fatalf("a DES3 key under AES-CBC: %d bytes, want 32", n)
	}
	back, err := m.UnwrapKey(h, cbc, kek, wrapped[:n], object.Template{class(ck.CKO_SECRET_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_DES3)),
		object.Bool(ck.CKA_SENSITIVE, false), object.Bool(ck.CKA_EXTRACTABLE, true)})
	must(t, err)
	v, err := m.GetAttributes(h, back, ck.CKA_VALUE)
	if err != nil || !bytes.Equal(v[0].Value, des3) {
		t.Fatalf("unwrapped DES3 value %x, %v", v, err)
	}

	ecPriv := newECKey(t)
	priv, err := m.CreateObject(h, append(ecImportTemplate(ecPriv, "exportable"), object.Bool(ck.CKA_EXTRACTABLE, true)))
	must(t, err)
	_, err = m.WrapKey(h, cbc, kek, priv, wrapped)
	wantRV(t, "a private key under AES-CBC", err, ck.CKR_KEY_NOT_WRAPPABLE)
	kwp := Mechanism{Type: ck.CKM_AES_KEY_WRAP_KWP}
	n, err = m.WrapKey(h, kwp, kek, priv, nil)
	must(t, err)
	wrapped = make([]byte, n)
	_, err = m.WrapKey(h, kwp, kek, priv, wrapped)
	must(t, err)
	_, err = m.UnwrapKey(h, kwp, kek, wrapped, object.Template{class(ck.CKO_PRIVATE_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC))})
	must(t, err)
}

// TestEncryptOverlapping: input and output may share memory in any way,
// through the Go API as through the C ABI.
func TestEncryptOverlapping(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "overlap")
	h := userSession(t, m, slot)
	kv := bytes.Repeat([]byte{3}, 16)
	key := aesKey(t, m, h, kv)
	ctr := Mechanism{Type: ck.CKM_AES_CTR, Param: mech.CTRParams{CounterBits: 128}}
	msg := []byte("0123456789abcdef0123456789abcdef!")
	want := make([]byte, len(msg))
	block, _ := aes.NewCipher(kv)
	cipher.NewCTR(block, make([]byte, 16)).XORKeyStream(want, msg)
	buf := make([]byte, len(msg)+1)
	copy(buf, msg)
	must(t, m.EncryptInit(h, ctr, key))
	n, err := m.EncryptUpdate(h, buf[:len(msg)], buf[1:])
	must(t, err)
	if !bytes.Equal(buf[1:1+n], want) {
		t.Fatalf("shifted in-place CTR = %x, want %x", buf[1:1+n], want)
	}
}
