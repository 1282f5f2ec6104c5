package token

import (
	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/mech"
)

// GetMechanismList lists the mechanisms of a slot's token (C_GetMechanismList).
func (m *Module) GetMechanismList(id ck.SlotID) ([]ck.MechanismType, error) {
	if _, err := m.token(id); err != nil && ck.ToRV(err) != ck.CKR_TOKEN_NOT_RECOGNIZED {
		return nil, err
	}
	return mech.List(), nil
}

// GetMechanismInfo describes a mechanism (C_GetMechanismInfo).
func (m *Module) GetMechanismInfo(id ck.SlotID, t ck.MechanismType) (mech.Info, error) {
	if _, err := m.token(id); err != nil && ck.ToRV(err) != ck.CKR_TOKEN_NOT_RECOGNIZED {
		return mech.Info{}, err
	}
	mm, err := mech.Lookup(t)
	if err != nil {
		return mech.Info{}, err
	}
	return mm.Info, nil
}
