// Command wrapgen writes the mechanical part of the C ABI from one table:
// module/zentry.h, the C entry point of every PKCS#11 function in
// pkcs11.h (forwarded to its Go implementation, or answering
// CKR_FUNCTION_NOT_SUPPORTED), and module/zwrap.go, the Go
// implementations whose body follows one of a few shapes (an Init with a
// mechanism, a single-part call with output, an update, a final). Each
// generated Go function recovers panics, traces the call and hands the
// converted arguments to the engine; the shapes' conversions are the
// hand-written helpers in module/shapes.go. Functions of no shape are
// written by hand in module/ and only forwarded here.
//
// With -check it writes nothing and fails if the files differ from what
// it would write, so that a test catches a stale table.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// shape is how a function's Go implementation looks.
type shape int

const (
	handWritten shape = iota // written in module/, forwarded only
	mechInit                 // (session, mechanism): C_DigestInit
	keyInit                  // (session, mechanism, key): C_SignInit, C_EncryptInit, …
	inOut                    // (session, in, inLen, out, outLen): C_Sign, C_EncryptUpdate, the dual functions
	in                       // (session, in, inLen): C_SignUpdate
	out                      // (session, out, outLen): C_SignFinal
	inIn                     // (session, in, inLen, sig, sigLen): C_Verify
)

// function is one implemented PKCS#11 function. ops are the operation
// flags (C_SessionCancel's) of the operations a refused argument ends.
type function struct {
	name  string
	shape shape
	ops   string
}

// implemented lists every function the module implements; the others in
// pkcs11.h answer CKR_FUNCTION_NOT_SUPPORTED.
var implemented = []function{
	{"Finalize", handWritten, ""},
	{"GetInfo", handWritten, ""},
	{"GetSlotList", handWritten, ""},
	{"GetSlotInfo", handWritten, ""},
	{"GetTokenInfo", handWritten, ""},
	{"GetMechanismList", handWritten, ""},
	{"GetMechanismInfo", handWritten, ""},
	{"InitToken", handWritten, ""},
	{"InitPIN", handWritten, ""},
	{"SetPIN", handWritten, ""},
	{"OpenSession", handWritten, ""},
	{"CloseSession", handWritten, ""},
	{"CloseAllSessions", handWritten, ""},
	{"GetSessionInfo", handWritten, ""},
	{"Login", handWritten, ""},
	{"Logout", handWritten, ""},
	{"CreateObject", handWritten, ""},
	{"CopyObject", handWritten, ""},
	{"DestroyObject", handWritten, ""},
	{"GetObjectSize", handWritten, ""},
	{"GetAttributeValue", handWritten, ""},
	{"SetAttributeValue", handWritten, ""},
	{"FindObjectsInit", handWritten, ""},
	{"FindObjects", handWritten, ""},
	{"FindObjectsFinal", handWritten, ""},
	{"EncryptInit", keyInit, "CKF_ENCRYPT"},
	{"Encrypt", inOut, "CKF_ENCRYPT"},
	{"EncryptUpdate", inOut, "CKF_ENCRYPT"},
	{"EncryptFinal", out, "CKF_ENCRYPT"},
	{"DecryptInit", keyInit, "CKF_DECRYPT"},
	{"Decrypt", inOut, "CKF_DECRYPT"},
	{"DecryptUpdate", inOut, "CKF_DECRYPT"},
	{"DecryptFinal", out, "CKF_DECRYPT"},
	{"DigestInit", mechInit, "CKF_DIGEST"},
	{"Digest", inOut, "CKF_DIGEST"},
	{"DigestUpdate", in, "CKF_DIGEST"},
	{"DigestKey", handWritten, ""},
	{"DigestFinal", out, "CKF_DIGEST"},
	{"SignInit", keyInit, "CKF_SIGN"},
	{"Sign", inOut, "CKF_SIGN"},
	{"SignUpdate", in, "CKF_SIGN"},
	{"SignFinal", out, "CKF_SIGN"},
	{"VerifyInit", keyInit, "CKF_VERIFY"},
	{"Verify", inIn, "CKF_VERIFY"},
	{"VerifyUpdate", in, "CKF_VERIFY"},
	{"VerifyFinal", in, "CKF_VERIFY"},
	{"DigestEncryptUpdate", inOut, "CKF_DIGEST|CKF_ENCRYPT"},
	{"DecryptDigestUpdate", inOut, "CKF_DECRYPT|CKF_DIGEST"},
	{"SignEncryptUpdate", inOut, "CKF_SIGN|CKF_ENCRYPT"},
	{"DecryptVerifyUpdate", inOut, "CKF_DECRYPT|CKF_VERIFY"},
	{"GenerateKey", handWritten, ""},
	{"GenerateKeyPair", handWritten, ""},
	{"WrapKey", handWritten, ""},
	{"UnwrapKey", handWritten, ""},
	{"DeriveKey", handWritten, ""},
	{"SeedRandom", handWritten, ""},
	{"GenerateRandom", handWritten, ""},
	{"LoginUser", handWritten, ""},
	{"SessionCancel", handWritten, ""},
	{"EncapsulateKey", handWritten, ""},
	{"DecapsulateKey", handWritten, ""},
	{"VerifySignatureInit", handWritten, ""},
	{"VerifySignature", in, "CKF_VERIFY"},
	{"VerifySignatureUpdate", in, "CKF_VERIFY"},
	{"VerifySignatureFinal", handWritten, ""},
}

// forwardArgs overrides the arguments a C entry point passes on, for the
// Go implementations that take fewer than the C function.
var forwardArgs = map[string]string{
	// Notification callbacks are not supported: the token never calls
	// back, so pApplication and Notify are not passed on.
	"OpenSession": "slotID, flags, phSession",
}

// inC are the functions entry.c writes itself: they run without the Go
// runtime (the function lists) or guard it (C_Initialize).
var inC = map[string]bool{
	"Initialize": true, "GetFunctionList": true, "GetInterfaceList": true, "GetInterface": true,
}

var protoRE = regexp.MustCompile(`X\(C_(\w+), \((.*)\)\)`)

func main() {
	dir := flag.String("dir", ".", "the module/ directory")
	check := flag.Bool("check", false, "fail if the generated files are stale instead of writing them")
	flag.Parse()
	header, err := os.ReadFile(filepath.Join(*dir, "pkcs11.h"))
	if err != nil {
		log.Fatal(err)
	}
	byName := map[string]function{}
	for _, f := range implemented {
		byName[f.name] = f
	}
	var entry, wrap bytes.Buffer
	entry.WriteString("/* Code generated by module/internal/wrapgen from its table and pkcs11.h. DO NOT EDIT. */\n\n")
	wrap.WriteString(goHeader)
	seen := map[string]bool{}
	for _, m := range protoRE.FindAllStringSubmatch(string(header), -1) {
		name, params := m[1], m[2]
		if inC[name] {
			continue
		}
		f, ok := byName[name]
		if !ok {
			fmt.Fprintf(&entry, "CPK_UNSUPPORTED(%s, (%s))\n", name, params)
			continue
		}
		seen[name] = true
		args, ok := forwardArgs[name]
		if !ok {
			args = argNames(params)
		}
		fmt.Fprintf(&entry, "CPK_FORWARD(%s, (%s), (%s))\n", name, params, args)
		if f.shape != handWritten {
			writeGo(&wrap, f)
		}
	}
	for _, f := range implemented {
		if !seen[f.name] {
			log.Fatalf("C_%s is in the table but not in pkcs11.h", f.name)
		}
	}
	src, err := format.Source(wrap.Bytes())
	if err != nil {
		log.Fatalf("generated Go: %v\n%s", err, wrap.Bytes())
	}
	emit(*check, filepath.Join(*dir, "zentry.h"), entry.Bytes())
	emit(*check, filepath.Join(*dir, "zwrap.go"), src)
}

func emit(check bool, path string, content []byte) {
	if check {
		old, err := os.ReadFile(path)
		if err != nil || !bytes.Equal(old, content) {
			log.Fatalf("%s is stale: run go generate in module/", path)
		}
		return
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		log.Fatal(err)
	}
}

// argNames turns "CK_SLOT_ID slotID, CK_FLAGS flags" into "slotID, flags".
func argNames(params string) string {
	var names []string
	for _, p := range strings.Split(params, ",") {
		fields := strings.Fields(p)
		names = append(names, fields[len(fields)-1])
	}
	return strings.Join(names, ", ")
}

const goHeader = `// Code generated by module/internal/wrapgen from its table. DO NOT EDIT.

package main

/*
#include "pkcs11.h"
*/
import "C"

import (
	"time"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/token"
)
`

// shapes gives each shape's Go parameters, trace arguments and the call
// of its helper in module/shapes.go; %[1]s is the C name, %[2]s the
// operation flags, %[3]s the engine method.
var shapes = map[shape]struct{ params, trace, call string }{
	mechInit: {
		"hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM",
		`"session", hSession, "mechanism", mechName(pMechanism)`,
		"mechInitCall(%[1]q, hSession, pMechanism, (*token.Module).%[3]s)",
	},
	keyInit: {
		"hSession C.CK_SESSION_HANDLE, pMechanism *C.CK_MECHANISM, hKey C.CK_OBJECT_HANDLE",
		`"session", hSession, "mechanism", mechName(pMechanism), "key", hKey`,
		"keyInitCall(%[1]q, hSession, pMechanism, hKey, (*token.Module).%[3]s)",
	},
	inOut: {
		"hSession C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, ulInLen C.CK_ULONG, pOut *C.CK_BYTE, pulOutLen *C.CK_ULONG",
		`"session", hSession, "len", ulInLen, "query", pOut == nil`,
		"inOutCall(%[1]q, %[2]s, hSession, pIn, ulInLen, pOut, pulOutLen, (*token.Module).%[3]s)",
	},
	in: {
		"hSession C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, ulInLen C.CK_ULONG",
		`"session", hSession, "len", ulInLen`,
		"inCall(%[1]q, %[2]s, hSession, pIn, ulInLen, (*token.Module).%[3]s)",
	},
	out: {
		"hSession C.CK_SESSION_HANDLE, pOut *C.CK_BYTE, pulOutLen *C.CK_ULONG",
		`"session", hSession, "query", pOut == nil`,
		"outCall(%[1]q, %[2]s, hSession, pOut, pulOutLen, (*token.Module).%[3]s)",
	},
	inIn: {
		"hSession C.CK_SESSION_HANDLE, pIn *C.CK_BYTE, ulInLen C.CK_ULONG, pSig *C.CK_BYTE, ulSigLen C.CK_ULONG",
		`"session", hSession, "len", ulInLen`,
		"inInCall(%[1]q, %[2]s, hSession, pIn, ulInLen, pSig, ulSigLen, (*token.Module).%[3]s)",
	},
}

func writeGo(w *bytes.Buffer, f function) {
	s := shapes[f.shape]
	cname := "C_" + f.name
	var ops []string
	for _, op := range strings.Split(f.ops, "|") {
		ops = append(ops, "ck."+op)
	}
	call := fmt.Sprintf(s.call, cname, strings.Join(ops, "|"), f.name)
	fmt.Fprintf(w, `
//export cpk%[1]s
func cpk%[1]s(%[2]s) (result C.CK_RV) {
	defer recoverPanic(%[3]q, &result)
	if tracing {
		defer trace(%[3]q, time.Now(), &result, %[4]s)
	}
	return %[5]s
}
`, f.name, s.params, cname, s.trace, call)
}
