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
	var list []ck.MechanismType
	for _, t := range mech.List() {
		if _, err := m.mechanism(t, 0); err == nil {
			list = append(list, t)
		}
	}
	return list, nil
}

// GetMechanismInfo describes a mechanism (C_GetMechanismInfo).
func (m *Module) GetMechanismInfo(id ck.SlotID, t ck.MechanismType) (mech.Info, error) {
	if _, err := m.token(id); err != nil && ck.ToRV(err) != ck.CKR_TOKEN_NOT_RECOGNIZED {
		return mech.Info{}, err
	}
	mm, err := m.mechanism(t, 0)
	if err != nil {
		return mech.Info{}, err
	}
	return mm.Info, nil
}

// mechanism finds a mechanism that offers the functions in flag (CKF_SIGN,
// …; 0 to describe it): CKR_MECHANISM_INVALID for one the token lacks, or
// a legacy one while legacy mechanisms are off. A legacy one put to use is
// logged.
func (m *Module) mechanism(t ck.MechanismType, flag ck.Flags) (*mech.Mechanism, error) {
	mm, err := mech.Lookup(t)
	if err != nil {
		return nil, err
	}
	if mm.Info.Flags&flag != flag {
		return nil, ck.Errorf(ck.CKR_MECHANISM_INVALID, "%v cannot be used for this function", t)
	}
	if mm.Legacy {
		m.mu.RLock()
		off := m.noLegacy
		m.mu.RUnlock()
		if off {
			return nil, ck.Errorf(ck.CKR_MECHANISM_INVALID, "%v is a legacy mechanism, and legacy mechanisms are off", t)
		}
		if flag != 0 {
			m.warnLegacy(mm)
		}
	}
	return mm, nil
}

// warnLegacy logs, once per mechanism and module, the use of a legacy
// mechanism.
func (m *Module) warnLegacy(mm *mech.Mechanism) {
	if _, logged := m.legacyUsed.LoadOrStore(mm.Type, true); !logged {
		m.log.Warn("legacy mechanism used: its algorithm is broken; COREPKCS11_LEGACY=0 turns legacy mechanisms off", "mechanism", mm.Type)
	}
}
