package interop

import (
	"encoding/pem"
	"fmt"
	"testing"
)

// TestJava loads the module into the JDK's SunPKCS11 provider from a
// provider configuration, and has keytool list the token's key and
// certificate entries.
func TestJava(t *testing.T) {
	e := newEnv(t)
	e.initToken(t, "java")
	pub := e.genECKey(t, "java key", "04")
	ca := newCA(t)
	dir := t.TempDir()
	block, _ := pem.Decode(ca.issue(t, "java client", pub, false))
	certDER := writeFile(t, dir, "cert.der", block.Bytes)
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--write-object", certDER, "--type", "cert", "--id", "04", "--label", "java key")
	e.pkcs11Tool(t, "--login", "--pin", userPIN, "--write-object", writeFile(t, dir, "ca.der", ca.cert.Raw), "--type", "cert", "--id", "05", "--label", "Root Cert")

	cfg := writeFile(t, dir, "pkcs11.cfg", []byte(fmt.Sprintf("name = corepkcs11\nlibrary = %s\nslot = 0\n", modulePath)))
	out := e.run(t, "", "keytool", "-list", "-keystore", "NONE", "-storetype", "PKCS11",
		"-addprovider", "SunPKCS11", "-providerArg", cfg, "-storepass", userPIN)
	mustContain(t, "keytool -list", out, "Keystore provider: SunPKCS11-corepkcs11", "java key, PrivateKeyEntry")
}
