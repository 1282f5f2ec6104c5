package token

import (
	"bytes"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
	"github.com/corepkcs11/corepkcs11/object"
)

// verifySigOp is a verification whose signature comes with its start, as
// PKCS#11 3.2's C_VerifySignatureInit gives it. It is the session's
// verification, in the table slot C_VerifyInit's take: one verification
// at a time, which C_SessionCancel's CKF_VERIFY ends. C_Verify,
// C_VerifyUpdate and C_VerifyFinal do not continue it, nor do the
// C_VerifySignature functions continue C_VerifyInit's: the spec has each
// family finish only what its own Init started.
type verifySigOp struct {
	stage
	verifier   mech.Verifier
	singlePart bool   // the mechanism refuses C_VerifySignatureUpdate
	sig        []byte // the signature, copied at the start
}

// VerifySignatureInit starts a verification of sig with a public key
// (C_VerifySignatureInit). A signature of the wrong length is found when
// the verification finishes, with CKR_SIGNATURE_LEN_RANGE: the spec
// allows either, and the verifiers know the length only as they check.
func (m *Module) VerifySignatureInit(h ck.SessionHandle, mc Mechanism, key ck.ObjectHandle, sig []byte) error {
	return m.keyOpInit(h, mc, key, opVerify, ck.CKF_VERIFY, ck.CKA_VERIFY,
		func(mm *mech.Mechanism, obj *object.Object) (operation, error) {
			v, err := mm.NewVerifier(obj.Key(), mc.Param)
			if err != nil {
				return nil, err
			}
			return &verifySigOp{verifier: v, singlePart: mm.SinglePart, sig: bytes.Clone(sig)}, nil
		})
}

// VerifySignature checks the signature over data in one part
// (C_VerifySignature): nil, CKR_SIGNATURE_INVALID or
// CKR_SIGNATURE_LEN_RANGE. It always ends the operation.
func (m *Module) VerifySignature(h ck.SessionHandle, data []byte) error {
	return m.verifySigFinish(h, data, singlePart)
}

// VerifySignatureUpdate adds data to a multi-part verification
// (C_VerifySignatureUpdate); an error ends the operation.
func (m *Module) VerifySignatureUpdate(h ck.SessionHandle, data []byte) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := active[*verifySigOp](s, opVerify)
	if err != nil {
		return err
	}
	if err := op.enterWith(update, op.singlePart); err != nil {
		s.end(opVerify)
		return err
	}
	if err := op.verifier.Update(data); err != nil {
		s.end(opVerify)
		return err
	}
	return nil
}

// VerifySignatureFinal checks the signature of a multi-part verification
// (C_VerifySignatureFinal). It always ends the operation.
func (m *Module) VerifySignatureFinal(h ck.SessionHandle) error {
	return m.verifySigFinish(h, nil, final)
}

func (m *Module) verifySigFinish(h ck.SessionHandle, data []byte, f form) error {
	s, err := m.lockedSession(h)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	op, err := active[*verifySigOp](s, opVerify)
	if err != nil {
		return err
	}
	s.end(opVerify)
	if err := op.enterWith(f, op.singlePart); err != nil {
		return err
	}
	return op.verifier.Verify(data, op.sig)
}
