package token

import (
	"bytes"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/store"
)

func TestLifecycle(t *testing.T) {
	m := New(Config{Store: store.NewMemory(), KDF: testKDF})
	calls := map[string]func() error{
		"GetInfo":        func() error { _, err := m.GetInfo(); return err },
		"GetSlotList":    func() error { _, err := m.GetSlotList(true); return err },
		"GetTokenInfo":   func() error { _, err := m.GetTokenInfo(0); return err },
		"OpenSession":    func() error { _, err := m.OpenSession(0, ck.CKF_SERIAL_SESSION); return err },
		"CloseSession":   func() error { return m.CloseSession(1) },
		"Login":          func() error { return m.Login(1, ck.CKU_USER, []byte(userPIN)) },
		"GenerateRandom": func() error { return m.GenerateRandom(1, make([]byte, 4)) },
		"Finalize":       m.Finalize,
	}
	for name, call := range calls {
		wantRV(t, name+" before Initialize", call(), ck.CKR_CRYPTOKI_NOT_INITIALIZED)
	}
	must(t, m.Initialize())
	wantRV(t, "second Initialize", m.Initialize(), ck.CKR_CRYPTOKI_ALREADY_INITIALIZED)
	info, err := m.GetInfo()
	must(t, err)
	if info.CryptokiVersion != (ck.Version{Major: 2, Minor: 40}) || info.ManufacturerID != Manufacturer {
		t.Errorf("GetInfo = %+v", info)
	}
	must(t, m.Finalize())
	wantRV(t, "second Finalize", m.Finalize(), ck.CKR_CRYPTOKI_NOT_INITIALIZED)
	must(t, m.Initialize())
	must(t, m.Finalize())
}

func TestSlotsAndInitToken(t *testing.T) {
	m := newModule(t, nil)
	slots, err := m.GetSlotList(true)
	must(t, err)
	if !slices.Equal(slots, []ck.SlotID{0}) {
		t.Fatalf("fresh store slots = %v, want [0]", slots)
	}
	info, err := m.GetTokenInfo(0)
	must(t, err)
	if info.Flags&ck.CKF_TOKEN_INITIALIZED != 0 {
		t.Error("the empty slot's token claims to be initialized")
	}
	_, err = m.OpenSession(0, ck.CKF_SERIAL_SESSION)
	wantRV(t, "OpenSession on the uninitialized token", err, ck.CKR_TOKEN_NOT_RECOGNIZED)
	wantRV(t, "InitToken with a short PIN", m.InitToken(0, []byte("123"), "x"), ck.CKR_PIN_LEN_RANGE)
	wantRV(t, "InitToken on a missing slot", m.InitToken(7, []byte(soPIN), "x"), ck.CKR_SLOT_ID_INVALID)
	_, err = m.GetTokenInfo(7)
	wantRV(t, "GetTokenInfo(7)", err, ck.CKR_SLOT_ID_INVALID)
	_, err = m.GetSlotInfo(7)
	wantRV(t, "GetSlotInfo(7)", err, ck.CKR_SLOT_ID_INVALID)

	must(t, m.InitToken(0, []byte(soPIN), "first"))
	slots, _ = m.GetSlotList(false)
	if !slices.Equal(slots, []ck.SlotID{0, 1}) {
		t.Fatalf("after InitToken slots = %v, want [0 1]", slots)
	}
	info, _ = m.GetTokenInfo(0)
	wantFlags := ck.Flags(ck.CKF_TOKEN_INITIALIZED | ck.CKF_LOGIN_REQUIRED | ck.CKF_RNG | ck.CKF_DUAL_CRYPTO_OPERATIONS)
	if info.Label != "first" || info.Flags&wantFlags != wantFlags || info.Flags&ck.CKF_USER_PIN_INITIALIZED != 0 || len(info.SerialNumber) != 16 {
		t.Errorf("token info = %+v", info)
	}

	// Re-initialization needs the SO PIN, no open sessions, and wipes objects.
	h := mustOpen(t, m, 0, true)
	must(t, m.Login(h, ck.CKU_SO, []byte(soPIN)))
	must(t, m.InitPIN(h, []byte(userPIN)))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	genEC(t, m, h, "doomed", true)
	wantRV(t, "InitToken with a session open", m.InitToken(0, []byte(soPIN), "again"), ck.CKR_SESSION_EXISTS)
	must(t, m.CloseSession(h))
	wantRV(t, "InitToken with a wrong SO PIN", m.InitToken(0, []byte("wrong-pin"), "again"), ck.CKR_PIN_INCORRECT)
	must(t, m.InitToken(0, []byte(soPIN), "again"))
	info, _ = m.GetTokenInfo(0)
	if info.Label != "again" || info.Flags&ck.CKF_USER_PIN_INITIALIZED != 0 {
		t.Errorf("after re-init: %+v", info)
	}
	h = mustOpen(t, m, 0, true)
	if objs := find(t, m, h, nil); len(objs) != 0 {
		t.Errorf("re-init left %d objects", len(objs))
	}
	wantRV(t, "user login after re-init", m.Login(h, ck.CKU_USER, []byte(userPIN)), ck.CKR_USER_PIN_NOT_INITIALIZED)
}

func TestLogin(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "login")
	ro := mustOpen(t, m, slot, false)
	rw := mustOpen(t, m, slot, true)

	wantRV(t, "bad user type", m.Login(rw, ck.UserType(7), []byte(userPIN)), ck.CKR_USER_TYPE_INVALID)
	wantRV(t, "SO login with a read-only session open", m.Login(rw, ck.CKU_SO, []byte(soPIN)), ck.CKR_SESSION_READ_ONLY_EXISTS)
	wantRV(t, "logout before login", m.Logout(rw), ck.CKR_USER_NOT_LOGGED_IN)
	wantRV(t, "wrong PIN", m.Login(ro, ck.CKU_USER, []byte("nope-nope")), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(ro, ck.CKU_USER, []byte(userPIN)))

	// Login state belongs to the application: every session sees it.
	for _, c := range []struct {
		h    ck.SessionHandle
		want ck.State
	}{{ro, ck.CKS_RO_USER_FUNCTIONS}, {rw, ck.CKS_RW_USER_FUNCTIONS}} {
		info, err := m.GetSessionInfo(c.h)
		must(t, err)
		if info.State != c.want {
			t.Errorf("session %d state %v, want %v", c.h, info.State, c.want)
		}
	}
	wantRV(t, "second user login", m.Login(rw, ck.CKU_USER, []byte(userPIN)), ck.CKR_USER_ALREADY_LOGGED_IN)
	wantRV(t, "SO login while user is in", m.Login(rw, ck.CKU_SO, []byte(soPIN)), ck.CKR_USER_ANOTHER_ALREADY_LOGGED_IN)
	must(t, m.Logout(rw))
	wantRV(t, "second logout", m.Logout(ro), ck.CKR_USER_NOT_LOGGED_IN)
	if info, _ := m.GetSessionInfo(ro); info.State != ck.CKS_RO_PUBLIC_SESSION {
		t.Errorf("after logout: %v", info.State)
	}

	must(t, m.CloseSession(ro))
	must(t, m.Login(rw, ck.CKU_SO, []byte(soPIN)))
	if info, _ := m.GetSessionInfo(rw); info.State != ck.CKS_RW_SO_FUNCTIONS {
		t.Errorf("SO session state %v", info.State)
	}
	_, err := m.OpenSession(slot, ck.CKF_SERIAL_SESSION)
	wantRV(t, "read-only session while SO is in", err, ck.CKR_SESSION_READ_WRITE_SO_EXISTS)
	wantRV(t, "InitPIN with a short PIN", m.InitPIN(rw, []byte("12")), ck.CKR_PIN_LEN_RANGE)
	must(t, m.Logout(rw))
	wantRV(t, "InitPIN without SO", m.InitPIN(rw, []byte(userPIN)), ck.CKR_USER_NOT_LOGGED_IN)

	// Closing the last session logs the application out.
	must(t, m.Login(rw, ck.CKU_USER, []byte(userPIN)))
	must(t, m.CloseSession(rw))
	h := mustOpen(t, m, slot, true)
	if info, _ := m.GetSessionInfo(h); info.State != ck.CKS_RW_PUBLIC_SESSION {
		t.Errorf("after closing all sessions the state is %v", info.State)
	}
}

func TestSetPIN(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "setpin")
	ro := mustOpen(t, m, slot, false)
	wantRV(t, "SetPIN in a read-only session", m.SetPIN(ro, []byte(userPIN), []byte("new-pin-1")), ck.CKR_SESSION_READ_ONLY)
	rw := mustOpen(t, m, slot, true)
	wantRV(t, "SetPIN with a wrong old PIN", m.SetPIN(rw, []byte("wrong-pin"), []byte("new-pin-1")), ck.CKR_PIN_INCORRECT)
	wantRV(t, "SetPIN to a short PIN", m.SetPIN(rw, []byte(userPIN), []byte("1")), ck.CKR_PIN_LEN_RANGE)
	must(t, m.SetPIN(rw, []byte(userPIN), []byte("new-pin-1")))
	wantRV(t, "login with the old PIN", m.Login(rw, ck.CKU_USER, []byte(userPIN)), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(rw, ck.CKU_USER, []byte("new-pin-1")))
	must(t, m.Logout(rw))
	must(t, m.CloseSession(ro))
	must(t, m.Login(rw, ck.CKU_SO, []byte(soPIN)))
	must(t, m.SetPIN(rw, []byte(soPIN), []byte("new-so-pin")))
	must(t, m.Logout(rw))
	must(t, m.Login(rw, ck.CKU_SO, []byte("new-so-pin")))
}

func TestPINLockout(t *testing.T) {
	st := store.NewMemory()
	m := newModule(t, st) // MaxPINFailures: 3
	slot := readyToken(t, m, "lock")
	h := mustOpen(t, m, slot, true)
	steps := []ck.Flags{ck.CKF_USER_PIN_COUNT_LOW, ck.CKF_USER_PIN_COUNT_LOW | ck.CKF_USER_PIN_FINAL_TRY, ck.CKF_USER_PIN_LOCKED}
	pinFlags := ck.Flags(ck.CKF_USER_PIN_COUNT_LOW | ck.CKF_USER_PIN_FINAL_TRY | ck.CKF_USER_PIN_LOCKED)
	for i, want := range steps {
		wantRV(t, "wrong PIN", m.Login(h, ck.CKU_USER, []byte("bad-pin-0")), ck.CKR_PIN_INCORRECT)
		info, _ := m.GetTokenInfo(slot)
		if info.Flags&pinFlags != want {
			t.Errorf("after %d failures flags %#x, want %#x", i+1, info.Flags&pinFlags, want)
		}
	}
	wantRV(t, "right PIN when locked", m.Login(h, ck.CKU_USER, []byte(userPIN)), ck.CKR_PIN_LOCKED)

	// The count is in the store: another module instance sees the lock.
	other := newModule(t, st)
	oh := mustOpen(t, other, slot, true)
	wantRV(t, "right PIN in another instance", other.Login(oh, ck.CKU_USER, []byte(userPIN)), ck.CKR_PIN_LOCKED)

	// The SO's InitPIN clears it.
	must(t, m.Login(h, ck.CKU_SO, []byte(soPIN)))
	must(t, m.InitPIN(h, []byte(userPIN)))
	must(t, m.Logout(h))
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	if info, _ := m.GetTokenInfo(slot); info.Flags&pinFlags != 0 {
		t.Errorf("flags after reset %#x", info.Flags&pinFlags)
	}
	// A right PIN after one failure resets the count.
	must(t, m.Logout(h))
	wantRV(t, "wrong PIN", m.Login(h, ck.CKU_USER, []byte("bad-pin-0")), ck.CKR_PIN_INCORRECT)
	must(t, m.Login(h, ck.CKU_USER, []byte(userPIN)))
	if info, _ := m.GetTokenInfo(slot); info.Flags&pinFlags != 0 {
		t.Errorf("a right PIN did not reset the count: %#x", info.Flags&pinFlags)
	}
}

func TestSessions(t *testing.T) {
	m := newModule(t, nil)
	slot := readyToken(t, m, "sessions")
	_, err := m.OpenSession(slot, 0)
	wantRV(t, "OpenSession without CKF_SERIAL_SESSION", err, ck.CKR_SESSION_PARALLEL_NOT_SUPPORTED)
	_, err = m.OpenSession(99, ck.CKF_SERIAL_SESSION)
	wantRV(t, "OpenSession on a missing slot", err, ck.CKR_SLOT_ID_INVALID)
	seen := map[ck.SessionHandle]bool{}
	for range 5 {
		h := mustOpen(t, m, slot, false)
		if seen[h] || h == 0 {
			t.Fatalf("session handle %d reused or zero", h)
		}
		seen[h] = true
		must(t, m.CloseSession(h))
	}
	wantRV(t, "CloseSession twice", m.CloseSession(1), ck.CKR_SESSION_HANDLE_INVALID)
	a, b := mustOpen(t, m, slot, false), mustOpen(t, m, slot, true)
	info, _ := m.GetTokenInfo(slot)
	if info.SessionCount != 2 || info.RwSessionCount != 1 {
		t.Errorf("session counts %d/%d", info.SessionCount, info.RwSessionCount)
	}
	must(t, m.CloseAllSessions(slot))
	_, err = m.GetSessionInfo(a)
	wantRV(t, "closed session", err, ck.CKR_SESSION_HANDLE_INVALID)
	_, err = m.GetSessionInfo(b)
	wantRV(t, "closed session", err, ck.CKR_SESSION_HANDLE_INVALID)
	if info, _ := m.GetTokenInfo(slot); info.SessionCount != 0 {
		t.Errorf("session count after CloseAllSessions %d", info.SessionCount)
	}
	// Handles stay unique across Finalize and Initialize.
	must(t, m.Finalize())
	must(t, m.Initialize())
	h := mustOpen(t, m, slot, false)
	if seen[h] || h == a || h == b {
		t.Errorf("handle %d reused after re-initialization", h)
	}
}

func TestMechanismInfo(t *testing.T) {
	m := newModule(t, nil)
	list, err := m.GetMechanismList(0)
	must(t, err)
	for _, want := range []ck.MechanismType{ck.CKM_SHA256, ck.CKM_ECDSA, ck.CKM_ECDSA_SHA256, ck.CKM_EC_KEY_PAIR_GEN, ck.CKM_RSA_PKCS, ck.CKM_SHA256_RSA_PKCS_PSS} {
		if !slices.Contains(list, want) {
			t.Errorf("mechanism list lacks %v", want)
		}
	}
	info, err := m.GetMechanismInfo(0, ck.CKM_ECDSA)
	must(t, err)
	if info.Flags&ck.CKF_SIGN == 0 || info.MinKeySize != 256 {
		t.Errorf("CKM_ECDSA info %+v", info)
	}
	_, err = m.GetMechanismInfo(0, 0x7777)
	wantRV(t, "GetMechanismInfo(unknown)", err, ck.CKR_MECHANISM_INVALID)
	_, err = m.GetMechanismList(42)
	wantRV(t, "GetMechanismList(42)", err, ck.CKR_SLOT_ID_INVALID)
}

// TestLegacyMechanisms: the mechanisms of broken algorithms are offered,
// and logged when used, unless the setting turns them off; then they are
// gone from the list and refused.
func TestLegacyMechanisms(t *testing.T) {
	var logged bytes.Buffer
	on := New(Config{Store: store.NewMemory(), KDF: testKDF, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	must(t, on.Initialize())
	defer on.Finalize()
	off := newModuleWith(t, Config{DisableLegacy: func() bool { return true }})
	for _, mt := range []ck.MechanismType{ck.CKM_MD5, ck.CKM_DES_KEY_GEN} {
		onList, err := on.GetMechanismList(0)
		must(t, err)
		offList, err := off.GetMechanismList(0)
		must(t, err)
		if !slices.Contains(onList, mt) || slices.Contains(offList, mt) {
			t.Errorf("%v listed %v with legacy mechanisms on, %v with them off", mt, slices.Contains(onList, mt), slices.Contains(offList, mt))
		}
		_, err = off.GetMechanismInfo(0, mt)
		wantRV(t, fmt.Sprintf("GetMechanismInfo(%v) with legacy off", mt), err, ck.CKR_MECHANISM_INVALID)
	}
	slot := readyToken(t, on, "legacy")
	h := mustOpen(t, on, slot, false)
	must(t, on.DigestInit(h, Mechanism{Type: ck.CKM_MD5}))
	if !strings.Contains(logged.String(), "legacy mechanism used") || !strings.Contains(logged.String(), "CKM_MD5") {
		t.Errorf("using CKM_MD5 left no warning in the log:\n%s", logged.String())
	}
	slot = readyToken(t, off, "legacy")
	h = mustOpen(t, off, slot, false)
	wantRV(t, "C_DigestInit(CKM_MD5) with legacy off", off.DigestInit(h, Mechanism{Type: ck.CKM_MD5}), ck.CKR_MECHANISM_INVALID)
}
