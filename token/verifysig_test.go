package token

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// importECPublic stores key's public half as a session object.
func importECPublic(t *testing.T, m *Module, h ck.SessionHandle, key *ecdsa.PrivateKey) ck.ObjectHandle {
	t.Helper()
	point, err := key.PublicKey.Bytes()
	must(t, err)
	der, err := asn1.Marshal(point)
	must(t, err)
	pub, err := m.CreateObject(h, object.Template{class(ck.CKO_PUBLIC_KEY), object.ULong(ck.CKA_KEY_TYPE, uint(ck.CKK_EC)),
		object.Bytes(ck.CKA_EC_PARAMS, object.Curves[0].Params), object.Bytes(ck.CKA_EC_POINT, der)})
	must(t, err)
	return pub
}

// TestVerifySignature checks PKCS#11 3.2's C_VerifySignature* against
// signatures Go's crypto/ecdsa made, in one part and in several.
func TestVerifySignature(t *testing.T) {
	m := newModule(t, nil)
	h := userSession(t, m, readyToken(t, m, "verify"))
	key := newECKey(t)
	pub := importECPublic(t, m, h, key)
	msg := []byte("a message signed outside the token")
	digest := sha256.Sum256(msg)
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	must(t, err)
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	bad := append([]byte(nil), sig...)
	bad[7] ^= 1

	sha256ECDSA := Mechanism{Type: ck.CKM_ECDSA_SHA256}
	tests := []struct {
		name  string
		sig   []byte
		parts [][]byte // nil: C_VerifySignature with msg
		want  ck.RV
	}{
		{"one part", sig, nil, ck.CKR_OK},
		{"one part, bad signature", bad, nil, ck.CKR_SIGNATURE_INVALID},
		{"one part, short signature", sig[:63], nil, ck.CKR_SIGNATURE_LEN_RANGE},
		{"parts", sig, [][]byte{msg[:9], msg[9:]}, ck.CKR_OK},
		{"parts, bad signature", bad, [][]byte{msg[:9], msg[9:]}, ck.CKR_SIGNATURE_INVALID},
		{"parts, other message", sig, [][]byte{msg[:9]}, ck.CKR_SIGNATURE_INVALID},
	}
	for _, tt := range tests {
		must(t, m.VerifySignatureInit(h, sha256ECDSA, pub, tt.sig))
		var err error
		if tt.parts == nil {
			err = m.VerifySignature(h, msg)
		} else {
			for _, p := range tt.parts {
				must(t, m.VerifySignatureUpdate(h, p))
			}
			err = m.VerifySignatureFinal(h)
		}
		wantRV(t, tt.name, err, tt.want)
		wantRV(t, tt.name+": the operation ended", m.VerifySignatureFinal(h), ck.CKR_OPERATION_NOT_INITIALIZED)
	}

	// The signature is copied at the start: changing the caller's buffer
	// afterwards changes nothing.
	given := append([]byte(nil), sig...)
	must(t, m.VerifySignatureInit(h, sha256ECDSA, pub, given))
	given[0] ^= 0xff
	must(t, m.VerifySignature(h, msg))

	// CKM_ECDSA signs a hash in one part: updates are refused.
	must(t, m.VerifySignatureInit(h, Mechanism{Type: ck.CKM_ECDSA}, pub, sig))
	wantRV(t, "CKM_ECDSA update", m.VerifySignatureUpdate(h, digest[:]), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.VerifySignatureInit(h, Mechanism{Type: ck.CKM_ECDSA}, pub, sig))
	must(t, m.VerifySignature(h, digest[:]))
}

// TestVerifySignatureState checks that C_VerifySignatureInit's operation
// is the session's verification, finished only by its own functions.
func TestVerifySignatureState(t *testing.T) {
	m := newModule(t, nil)
	h := userSession(t, m, readyToken(t, m, "verify"))
	pub, priv := genEC(t, m, h, "k", false)
	mc := Mechanism{Type: ck.CKM_ECDSA_SHA256}
	sig := make([]byte, 64)
	must(t, m.SignInit(h, mc, priv))
	_, err := m.Sign(h, []byte("m"), sig)
	must(t, err)

	must(t, m.VerifySignatureInit(h, mc, pub, sig))
	wantRV(t, "VerifyInit during it", m.VerifyInit(h, mc, pub), ck.CKR_OPERATION_ACTIVE)
	wantRV(t, "VerifySignatureInit during it", m.VerifySignatureInit(h, mc, pub, sig), ck.CKR_OPERATION_ACTIVE)
	wantRV(t, "C_Verify on it", m.Verify(h, []byte("m"), sig), ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "C_VerifyUpdate on it", m.VerifyUpdate(h, []byte("m")), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.VerifySignature(h, []byte("m"))) // still active after those

	must(t, m.VerifyInit(h, mc, pub))
	wantRV(t, "C_VerifySignature on C_VerifyInit's", m.VerifySignature(h, []byte("m")), ck.CKR_OPERATION_NOT_INITIALIZED)
	wantRV(t, "C_VerifySignatureUpdate on C_VerifyInit's", m.VerifySignatureUpdate(h, []byte("m")), ck.CKR_OPERATION_NOT_INITIALIZED)
	must(t, m.Verify(h, []byte("m"), sig))

	must(t, m.VerifySignatureInit(h, mc, pub, sig))
	must(t, m.VerifySignatureUpdate(h, []byte("m")))
	wantRV(t, "one part after an update", m.VerifySignature(h, []byte("m")), ck.CKR_OPERATION_ACTIVE)
	wantRV(t, "ended by the mix", m.VerifySignatureFinal(h), ck.CKR_OPERATION_NOT_INITIALIZED)

	must(t, m.VerifySignatureInit(h, mc, pub, sig))
	must(t, m.SessionCancel(h, ck.CKF_VERIFY))
	wantRV(t, "after C_SessionCancel(CKF_VERIFY)", m.VerifySignature(h, []byte("m")), ck.CKR_OPERATION_NOT_INITIALIZED)

	wantRV(t, "with the private key", m.VerifySignatureInit(h, mc, priv, sig), ck.CKR_KEY_FUNCTION_NOT_PERMITTED)
	wantRV(t, "a digest mechanism", m.VerifySignatureInit(h, Mechanism{Type: ck.CKM_SHA256}, pub, sig), ck.CKR_MECHANISM_INVALID)
	wantRV(t, "no such session", m.VerifySignatureInit(9999, mc, pub, sig), ck.CKR_SESSION_HANDLE_INVALID)
}
