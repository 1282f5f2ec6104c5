package qualify

import "github.com/miekg/pkcs11"

// The StartFinish group: loading, initializing and finalizing the module,
// slots and sessions.
func init() {
	register("StartFinish",
		test{name: "FirstTest", run: firstTest},
		test{name: "GetFunctionList", run: getFunctionList},
		test{name: "InitializeFinalize", run: initializeFinalize},
		test{name: "GetSlotList", run: getSlotList},
		test{name: "OpenSessionCloseSession", run: openSessionCloseSession},
	)
}

// finalized returns the loaded module in the finalized state.
func (t *T) finalized() *pkcs11.Ctx {
	p, err := t.s.module()
	t.ok("loading the module", err)
	if err := p.Finalize(); err != nil && rvOf(err) != pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED {
		t.Fatalf("C_Finalize: %v", err)
	}
	t.s.anchored = false
	return p
}

func firstTest(t *T) {
	p := t.finalized()
	t.rv("C_Initialize", p.Initialize(), pkcs11.CKR_OK)
	info, err := p.GetInfo()
	t.ok("C_GetInfo", err)
	if info.CryptokiVersion.Major != 2 && info.CryptokiVersion.Major != 3 {
		t.Fatalf("C_GetInfo reports Cryptoki %d.%d", info.CryptokiVersion.Major, info.CryptokiVersion.Minor)
	}
	t.rv("C_Finalize", p.Finalize(), pkcs11.CKR_OK)
}

func getFunctionList(t *T) {
	t.finalized()
	if t.s.rawErr != nil {
		t.Fatalf("%v", t.s.rawErr)
	}
	if major, minor := t.s.raw.version(); major != 2 && major != 3 {
		t.Fatalf("the function list has version %d.%d", major, minor)
	}
	if n := t.s.raw.nullEntries(); n != 0 {
		t.Fatalf("%d of the 68 function pointers are NULL", n)
	}
}

func initializeFinalize(t *T) {
	p := t.finalized()
	t.rv("C_Finalize before C_Initialize", p.Finalize(), pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED)
	t.rv("C_Initialize", p.Initialize(), pkcs11.CKR_OK)
	t.rv("second C_Initialize", p.Initialize(), pkcs11.CKR_CRYPTOKI_ALREADY_INITIALIZED)
	if t.s.rawErr == nil {
		if rv := t.s.raw.finalizeReserved(); rv != pkcs11.CKR_ARGUMENTS_BAD {
			t.Fatalf("C_Finalize(non-NULL) returned %s, want CKR_ARGUMENTS_BAD", rvName(rv))
		}
	}
	t.rv("C_Finalize", p.Finalize(), pkcs11.CKR_OK)
	t.rv("second C_Finalize", p.Finalize(), pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED)
}

func getSlotList(t *T) {
	p := t.finalized()
	_, err := p.GetSlotList(true)
	t.rv("C_GetSlotList before C_Initialize", err, pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED)
	t.rv("C_Initialize", p.Initialize(), pkcs11.CKR_OK)
	slots, err := p.GetSlotList(true)
	t.ok("C_GetSlotList", err)
	if len(slots) == 0 {
		t.Fatalf("no slot with a token")
	}
	if t.s.rawErr == nil {
		if rv, _ := t.s.raw.slotList(0, true); rv != pkcs11.CKR_ARGUMENTS_BAD {
			t.Fatalf("C_GetSlotList with a NULL count returned %s, want CKR_ARGUMENTS_BAD", rvName(rv))
		}
		rv, n := t.s.raw.slotList(-1, false)
		if rv != pkcs11.CKR_OK || n != uint(len(slots)) {
			t.Fatalf("C_GetSlotList length query: %s, count %d, want %d", rvName(rv), n, len(slots))
		}
		if rv, n := t.s.raw.slotList(0, false); rv != pkcs11.CKR_BUFFER_TOO_SMALL || n != uint(len(slots)) {
			t.Fatalf("C_GetSlotList with no room: %s, count %d; want CKR_BUFFER_TOO_SMALL and %d", rvName(rv), n, len(slots))
		}
	}
	slot := t.slot()
	for _, s := range slots {
		if s == slot {
			return
		}
	}
	t.Fatalf("slot %d is not in C_GetSlotList(CK_TRUE) %v", slot, slots)
}

func openSessionCloseSession(t *T) {
	p := t.finalized()
	_, err := p.OpenSession(0, pkcs11.CKF_SERIAL_SESSION)
	t.rv("C_OpenSession before C_Initialize", err, pkcs11.CKR_CRYPTOKI_NOT_INITIALIZED)
	slot := t.slot()
	h, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION|pkcs11.CKF_RW_SESSION)
	t.ok("C_OpenSession", err)
	info, err := p.GetSessionInfo(h)
	t.ok("C_GetSessionInfo", err)
	if info.SlotID != slot || info.Flags&pkcs11.CKF_RW_SESSION == 0 {
		t.Fatalf("session info %+v", info)
	}
	t.rv("C_CloseSession", p.CloseSession(h), pkcs11.CKR_OK)
	t.rv("second C_CloseSession", p.CloseSession(h), pkcs11.CKR_SESSION_HANDLE_INVALID)
	_, err = p.OpenSession(slot, pkcs11.CKF_RW_SESSION)
	t.rv("C_OpenSession without CKF_SERIAL_SESSION", err, pkcs11.CKR_SESSION_PARALLEL_NOT_SUPPORTED)
	if t.s.rawErr == nil {
		if rv := t.s.raw.openSessionNullHandle(slot); rv != pkcs11.CKR_ARGUMENTS_BAD {
			t.Fatalf("C_OpenSession with a NULL handle pointer returned %s, want CKR_ARGUMENTS_BAD", rvName(rv))
		}
	}
}
