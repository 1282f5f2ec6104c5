package mech

import (
	"bytes"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// FuzzSignerInput feeds every signature mechanism any parameter and
// message, as C_SignInit and C_Sign callers may: refusals are PKCS#11
// errors, never panics.
func FuzzSignerInput(f *testing.F) {
	keys()
	f.Add(uint8(0), pssBytes(ck.CKM_SHA256, ck.CKG_MGF1_SHA256, 32), make([]byte, 32))
	f.Add(uint8(3), []byte{}, []byte("message"))
	var signers []*Mechanism
	for _, t := range List() {
		if m, _ := Lookup(t); m.NewSigner != nil {
			signers = append(signers, m)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, param, msg []byte) {
		m := signers[int(which)%len(signers)]
		key := any(ecKey)
		switch {
		case m.Accepts(ck.CKK_RSA):
			key = rsaKey
		case m.Accepts(ck.CKK_EC_EDWARDS):
			key = edKey
		case m.Accepts(ck.CKK_ML_DSA):
			key = mldsaKey
		case m.Accepts(ck.CKK_SLH_DSA):
			key = &slhdsaKey
		}
		s, err := m.NewSigner(key, paramFrom(m.Param, param))
		if err != nil {
			if ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
				t.Fatalf("%v: %v", m.Type, err)
			}
			return
		}
		if _, err := s.Sign(msg); err != nil && ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
			t.Fatalf("%v: %v", m.Type, err)
		}
	})
}

func pssBytes(h ck.MechanismType, mgf ck.MGF, sLen uint) []byte {
	var b []byte
	for _, v := range []uint{uint(h), uint(mgf), sLen} {
		b = append(b, object.EncodeULong(v)...)
	}
	return b
}

// paramFrom makes a Param of the kind a mechanism takes from fuzz bytes,
// CK_ULONG fields read as the C boundary reads them; a kind the bytes
// cannot fill gets the bytes themselves, which the mechanism must refuse.
func paramFrom(kind ParamKind, b []byte) Param {
	ulong := func(i int) uint {
		if len(b) < (i+1)*object.ULongSize {
			return 0
		}
		v, _ := object.DecodeULong(b[i*object.ULongSize : (i+1)*object.ULongSize])
		return v
	}
	switch kind {
	case NoParam:
		return nil
	case ULongParam:
		return ulong(0)
	case PSSParam:
		return PSSParams{Hash: ck.MechanismType(ulong(0)), MGF: ck.MGF(ulong(1)), SaltLen: ulong(2)}
	case OAEPParam:
		return OAEPParams{Hash: ck.MechanismType(ulong(0)), MGF: ck.MGF(ulong(1)), Source: ulong(2), Label: tail(b, 3*object.ULongSize)}
	case GCMParam:
		rest := tail(b, 2*object.ULongSize)
		n := min(int(ulong(0)%300), len(rest))
		return GCMParams{IV: rest[:n], IVBits: 8 * uint(n), AAD: rest[n:], TagBits: ulong(1)}
	case CTRParam:
		var c CTRParams
		c.CounterBits = ulong(0)
		copy(c.Block[:], tail(b, object.ULongSize))
		return c
	case EdDSAParam:
		if ulong(0)%3 == 0 {
			return nil
		}
		return EdDSAParams{Prehash: ulong(0)%2 == 0, Context: tail(b, object.ULongSize)}
	case SignContextParam:
		if ulong(0)%5 == 4 {
			return nil
		}
		return SignContext{Hedge: ck.Hedge(ulong(0) % 5), Context: tail(b, object.ULongSize)}
	}
	return b
}

func tail(b []byte, from int) []byte {
	if len(b) < from {
		return nil
	}
	return b[from:]
}

// FuzzCipher runs every encryption mechanism on any parameter, key
// length, message and split into parts, as C_EncryptInit and its
// callers may: refusals are PKCS#11 errors, never panics; Update gives
// exactly what OutLen announced and Final no more than its bound; and
// what encrypts decrypts back to the message.
func FuzzCipher(f *testing.F) {
	keys()
	f.Add(uint8(0), []byte{}, uint8(16), []byte("sixteen byte msg"), uint8(5))
	f.Add(uint8(3), make([]byte, 40), uint8(32), []byte("message"), uint8(1))
	var ciphers []*Mechanism
	for _, t := range List() {
		if m, _ := Lookup(t); m.NewEncrypter != nil {
			ciphers = append(ciphers, m)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, param []byte, keyLen uint8, msg []byte, split uint8) {
		m := ciphers[int(which)%len(ciphers)]
		var enc, dec any = bytes.Repeat([]byte{0x5c}, int(keyLen)%40), nil
		dec = enc
		if m.Accepts(ck.CKK_RSA) {
			enc, dec = &rsaKey.PublicKey, rsaKey
		}
		p := paramFrom(m.Param, param)
		c, err := m.NewEncrypter(enc, p)
		if err != nil {
			if ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
				t.Fatalf("%v: %v", m.Type, err)
			}
			return
		}
		whole := msg
		cut := 0
		if len(msg) > 0 {
			cut = int(split) % (len(msg) + 1)
		}
		var out []byte
		if !m.SinglePart {
			want := c.OutLen(cut, false)
			got, err := c.Update(nil, msg[:cut])
			if err != nil {
				if ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
					t.Fatalf("%v Update: %v", m.Type, err)
				}
				return
			}
			if len(got) != want {
				t.Fatalf("%v Update gave %d bytes, OutLen said %d", m.Type, len(got), want)
			}
			out, msg = got, msg[cut:]
		}
		bound := c.OutLen(len(msg), true)
		n := len(out)
		out, err = c.Final(out, msg)
		if err != nil {
			if ck.ToRV(err) == ck.CKR_GENERAL_ERROR {
				t.Fatalf("%v Final: %v", m.Type, err)
			}
			return
		}
		if len(out)-n > bound {
			t.Fatalf("%v Final gave %d bytes, more than its bound %d", m.Type, len(out)-n, bound)
		}
		d, err := m.NewDecrypter(dec, p)
		if err != nil {
			t.Fatalf("%v: encrypts but cannot start decrypting: %v", m.Type, err)
		}
		var back []byte
		if !m.SinglePart {
			// Decrypted in two parts as well, cut elsewhere.
			cut := int(split) * 7 % (len(out) + 1)
			want := d.OutLen(cut, false)
			if back, err = d.Update(nil, out[:cut]); err != nil || len(back) != want {
				t.Fatalf("%v decrypting Update gave %d bytes (%v), OutLen said %d", m.Type, len(back), err, want)
			}
			out = out[cut:]
		}
		bound = d.OutLen(len(out), true)
		n = len(back)
		back, err = d.Final(back, out)
		if err != nil {
			t.Fatalf("%v: what it encrypted does not decrypt: %v", m.Type, err)
		}
		if len(back)-n > bound {
			t.Fatalf("%v decrypting Final gave %d bytes, more than its bound %d", m.Type, len(back)-n, bound)
		}
		// Raw RSA gives the whole k-byte block, the message left-padded.
		pad := len(back) - len(whole)
		if pad < 0 || !bytes.Equal(back[pad:], whole) || (pad > 0 && m.Type != ck.CKM_RSA_X_509) || bytes.Count(back[:pad], []byte{0}) != pad {
			t.Fatalf("%v: %x decrypts to %x", m.Type, whole, back)
		}
	})
}
