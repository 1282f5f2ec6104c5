package interop

import (
	"os"
	"strings"
	"testing"
)

// TestDebugLog checks that COREPKCS11_LOG=debug logs each call with its
// function, handles, mechanism and attribute names and CK_RV, to
// COREPKCS11_LOG_FILE, and never a PIN.
func TestDebugLog(t *testing.T) {
	e := newEnv(t)
	const so, user = "so-Zq8vW3xK", "user-Pj5mT7rB"
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--init-token", "--slot", "0", "--label", "logged", "--so-pin", so)
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--init-pin", "--slot", "0", "--login", "--so-pin", so, "--pin", user)
	t.Setenv("COREPKCS11_LOG", "debug")
	e.run(t, "", "pkcs11-tool", "--module", modulePath, "--login", "--pin", user, "--keypairgen", "--key-type", "EC:prime256v1", "--label", "logged key")
	e.run(t, "hello", "pkcs11-tool", "--module", modulePath, "--login", "--pin", user, "--sign", "--mechanism", "ECDSA-SHA256", "--label", "logged key")
	b, err := os.ReadFile(e.log)
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	mustContain(t, "debug log", log,
		"msg=C_Initialize", "msg=C_Login", "user=CKU_USER", "msg=C_GenerateKeyPair", "mechanism=CKM_EC_KEY_PAIR_GEN",
		"CKA_EC_PARAMS", "msg=C_SignInit", "mechanism=CKM_ECDSA_SHA256", "msg=C_Sign ", "rv=CKR_OK", "session=", "took=")
	for _, pin := range []string{so, user} {
		if strings.Contains(log, pin) {
			t.Errorf("the log contains a PIN")
		}
	}
}
