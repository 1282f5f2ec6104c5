package token

import "github.com/corepkcs11/corepkcs11/ck"

// stage is how far an operation (digest, sign, verify, encrypt, decrypt)
// has come. It decides what may follow, as the base spec's section 5.2
// and each function's text have it: an operation finishes either with
// its single-part function (C_Digest, C_Sign, C_Encrypt, …) or with its
// multi-part ones (…Update, then …Final), never a mix.
type stage uint8

const (
	// fresh: initialized, nothing called yet.
	fresh stage = iota
	// queried: only successful length queries of the single-part
	// function so far. Such an operation has done nothing a client must
	// finish, and corePKCS11's clients start the next operation after a
	// length query: a new C_*Init replaces it.
	queried
	// single: the single-part function answered CKR_BUFFER_TOO_SMALL;
	// the operation must end with that function.
	single
	// multi: an update (or C_DigestKey, or a final length query) was
	// called; the operation must end with the final function.
	multi
)

// form is the kind of call made on an operation.
type form uint8

const (
	singlePart form = iota // C_Digest, C_Sign, C_Verify, C_Encrypt, C_Decrypt
	update                 // C_DigestUpdate, C_DigestKey, C_SignUpdate, C_EncryptUpdate, …
	final                  // C_DigestFinal, C_SignFinal, C_EncryptFinal, …
)

// busy reports whether a new C_*Init of the kind must be refused with
// CKR_OPERATION_ACTIVE.
func (st stage) busy() bool { return st != queried }

// enter checks a call of form f against the stage and advances it. A
// call that mixes the single-part and multi-part forms gets
// CKR_OPERATION_ACTIVE, and the caller ends the operation, as it does on
// every error but CKR_BUFFER_TOO_SMALL.
func (st *stage) enter(f form) error {
	switch {
	case f == singlePart && *st == multi:
		return ck.Errorf(ck.CKR_OPERATION_ACTIVE, "the single-part function after the multi-part ones")
	case f != singlePart && (*st == queried || *st == single):
		return ck.Errorf(ck.CKR_OPERATION_ACTIVE, "a multi-part function after the single-part one")
	case f != singlePart:
		*st = multi
	}
	return nil
}

// output applies the output buffer convention (section 5.2) to a call
// of form f whose result is n bytes long: a nil out asks for the length
// only, a short one gets CKR_BUFFER_TOO_SMALL. done reports that the
// call ends there; the operation stays active either way.
func (st *stage) output(f form, out []byte, n int) (done bool, err error) {
	switch {
	case out == nil:
		if f == singlePart && *st == fresh {
			*st = queried
		}
		return true, nil
	case len(out) < n:
		if f == singlePart {
			*st = single
		}
		return true, ck.CKR_BUFFER_TOO_SMALL
	}
	return false, nil
}

// enterWith is enter for an operation whose mechanism may be
// single-part only (CKM_ECDSA, CKM_RSA_PKCS, …): those refuse the
// multi-part calls with CKR_OPERATION_NOT_INITIALIZED, the code SoftHSMv2
// gives, since their input is a hash or one block, not a stream.
func (st *stage) enterWith(f form, singlePartOnly bool) error {
	if err := st.enter(f); err != nil {
		return err
	}
	if singlePartOnly && f != singlePart {
		return ck.Errorf(ck.CKR_OPERATION_NOT_INITIALIZED, "the mechanism is single-part: it takes its whole input in one call")
	}
	return nil
}
