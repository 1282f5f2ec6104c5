/*
 * v32.c drives the PKCS#11 3.2 interface through the C ABI, as a 3.2
 * client does: it finds CK_FUNCTION_LIST_3_2 by C_GetInterface and in
 * C_GetInterfaceList, verifies an RFC 6979 signature with
 * C_VerifySignatureInit and C_VerifySignature (one part, several parts, a
 * bad signature), and runs ML-KEM-768 through C_EncapsulateKey and
 * C_DecapsulateKey, and ML-DSA-44 through C_Sign and C_VerifySignature.
 * Usage: v32 MODULE.so. One line per check; non-zero exit if any failed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* PKCS#11 3.2 values the module's header leaves out, since the module
 * does not use them. */
#ifndef CKS_LAST_VALIDATION_OK
#define CKS_LAST_VALIDATION_OK 0x1UL
#endif
#ifndef CKM_ML_DSA
#define CKM_ML_DSA 0x1dUL
#endif
#ifndef CKM_ML_DSA_KEY_PAIR_GEN
#define CKM_ML_DSA_KEY_PAIR_GEN 0x1cUL
#endif
#ifndef CKP_ML_DSA_44
#define CKP_ML_DSA_44 0x1UL
#endif
#ifndef CKH_HEDGE_PREFERRED
#define CKH_HEDGE_PREFERRED 0x0UL
#endif
#ifndef CKH_DETERMINISTIC_REQUIRED
#define CKH_DETERMINISTIC_REQUIRED 0x2UL
#endif

static const char SO_PIN[] = "v32-so-pin", USER_PIN[] = "v32-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_FUNCTION_LIST_3_2 *f32;
static CK_SLOT_ID slot;

/* interfaces finds the 3.2 function list both ways and checks the list
 * of interfaces: "PKCS 11" 3.2, 3.0 and 2.40, newest first. */
static void interfaces(void *lib)
{
	CK_C_GetInterfaceList getItfs = (CK_C_GetInterfaceList)dlsym(lib, "C_GetInterfaceList");
	CK_C_GetInterface getItf = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
	CHECK("C_GetInterfaceList and C_GetInterface exported", getItfs && getItf, "missing");
	if (!getItfs || !getItf)
		exit(1);
	CK_INTERFACE_PTR itf = NULL;
	CK_VERSION v32 = {3, 2};
	EXPECT("C_GetInterface PKCS 11 3.2", getItf((CK_UTF8CHAR_PTR) "PKCS 11", &v32, &itf, 0), CKR_OK);
	if (!itf)
		exit(1);
	f32 = (CK_FUNCTION_LIST_3_2 *)itf->pFunctionList;
	CHECK("its list is version 3.2", f32->version.major == 3 && f32->version.minor == 2, "%d.%d", f32->version.major, f32->version.minor);

	CK_INTERFACE list[3];
	CK_ULONG n = 3;
	EXPECT("C_GetInterfaceList", getItfs(list, &n), CKR_OK);
	static const CK_BYTE want[3][2] = {{3, 2}, {3, 0}, {2, 40}};
	int order = n == 3;
	for (CK_ULONG i = 0; order && i < n; i++) {
		CK_VERSION *v = (CK_VERSION *)list[i].pFunctionList;
		order = strcmp((char *)list[i].pInterfaceName, "PKCS 11") == 0 && v->major == want[i][0] && v->minor == want[i][1];
	}
	CHECK("the list is PKCS 11 3.2, 3.0, 2.40 in that order", order, "%lu interfaces", n);
	CHECK("the list's 3.2 is C_GetInterface's", n > 0 && list[0].pFunctionList == (void *)f32, "different lists");
	CK_INTERFACE_PTR def = NULL;
	EXPECT("C_GetInterface default", getItf(NULL, NULL, &def, 0), CKR_OK);
	CHECK("the default is 3.2", def && def->pFunctionList == (void *)f32, "another list");

	/* The order of pkcs11f.h in the OASIS 3.2 headers: 92 functions of
	 * 2.40 and 3.0, then these, each where a 3.2 client looks for it. */
	static const char *const v32names[] = {"C_EncapsulateKey", "C_DecapsulateKey", "C_VerifySignatureInit",
		"C_VerifySignature", "C_VerifySignatureUpdate", "C_VerifySignatureFinal", "C_GetSessionValidationFlags",
		"C_AsyncComplete", "C_AsyncGetID", "C_AsyncJoin", "C_WrapKeyAuthenticated", "C_UnwrapKeyAuthenticated"};
	void *const *entries = (void *const *)&f32->C_Initialize;
	CHECK("C_Initialize is the list's first function", entries[0] == dlsym(lib, "C_Initialize"), "another");
	for (size_t i = 0; i < sizeof v32names / sizeof v32names[0]; i++) {
		void *sym = dlsym(lib, v32names[i]);
		CHECK("a 3.2 function in the OASIS header's place", sym != NULL && entries[92 + i] == sym, "%s", v32names[i]);
	}
}

/* unsupported calls 3.2 functions the module does not implement. */
static void unsupported(CK_SESSION_HANDLE s)
{
	CK_FLAGS flags = 0;
	EXPECT("C_GetSessionValidationFlags", f32->C_GetSessionValidationFlags(s, CKS_LAST_VALIDATION_OK, &flags), CKR_FUNCTION_NOT_SUPPORTED);
	CK_ULONG id = 0;
	EXPECT("C_AsyncGetID", f32->C_AsyncGetID(s, (CK_UTF8CHAR_PTR) "C_Sign", &id), CKR_FUNCTION_NOT_SUPPORTED);
	CK_BYTE out[64];
	CK_ULONG outLen = sizeof out;
	CK_MECHANISM wrap = {CKM_AES_KEY_WRAP, NULL, 0};
	EXPECT("C_WrapKeyAuthenticated", f32->C_WrapKeyAuthenticated(s, &wrap, 1, 2, NULL, 0, out, &outLen), CKR_FUNCTION_NOT_SUPPORTED);
	CK_OBJECT_HANDLE k;
	EXPECT("C_UnwrapKeyAuthenticated", f32->C_UnwrapKeyAuthenticated(s, &wrap, 1, out, 24, NULL, 0, NULL, 0, &k), CKR_FUNCTION_NOT_SUPPORTED);
	CK_ASYNC_DATA result;
	memset(&result, 0, sizeof result);
	EXPECT("C_AsyncComplete", f32->C_AsyncComplete(s, (CK_UTF8CHAR_PTR) "C_Sign", &result), CKR_FUNCTION_NOT_SUPPORTED);
	EXPECT("C_AsyncJoin", f32->C_AsyncJoin(s, (CK_UTF8CHAR_PTR) "C_Sign", 1, out, sizeof out), CKR_FUNCTION_NOT_SUPPORTED);
}

/* RFC 6979 A.2.5: the P-256 key and its deterministic ECDSA signature of
 * "sample" with SHA-256, as r||s. */
static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_BYTE rfc6979Point[] = {0x04, 0x41, 0x04,
	0x60, 0xfe, 0xd4, 0xba, 0x25, 0x5a, 0x9d, 0x31, 0xc9, 0x61, 0xeb, 0x74, 0xc6, 0x35, 0x6d, 0x68,
	0xc0, 0x49, 0xb8, 0x92, 0x3b, 0x61, 0xfa, 0x6c, 0xe6, 0x69, 0x62, 0x2e, 0x60, 0xf2, 0x9f, 0xb6,
	0x79, 0x03, 0xfe, 0x10, 0x08, 0xb8, 0xbc, 0x99, 0xa4, 0x1a, 0xe9, 0xe9, 0x56, 0x28, 0xbc, 0x64,
	0xf2, 0xf1, 0xb2, 0x0c, 0x2d, 0x7e, 0x9f, 0x51, 0x77, 0xa3, 0xc2, 0x94, 0xd4, 0x46, 0x22, 0x99};
static CK_BYTE rfc6979Sig[] = {
	0xef, 0xd4, 0x8b, 0x2a, 0xac, 0xb6, 0xa8, 0xfd, 0x11, 0x40, 0xdd, 0x9c, 0xd4, 0x5e, 0x81, 0xd6,
	0x9d, 0x2c, 0x87, 0x7b, 0x56, 0xaa, 0xf9, 0x91, 0xc3, 0x4d, 0x0e, 0xa8, 0x4e, 0xaf, 0x37, 0x16,
	0xf7, 0xcb, 0x1c, 0x94, 0x2d, 0x65, 0x7c, 0x41, 0xd4, 0x36, 0xc7, 0xa1, 0xb6, 0xe2, 0x9f, 0x65,
	0xf3, 0xe9, 0x00, 0xdb, 0xb9, 0xaf, 0xf4, 0x06, 0x4d, 0xc4, 0xab, 0x2f, 0x84, 0x3a, 0xcd, 0xa8};

static void verify_signature(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS pubClass = CKO_PUBLIC_KEY;
	CK_KEY_TYPE ec = CKK_EC;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &pubClass, sizeof pubClass}, {CKA_KEY_TYPE, &ec, sizeof ec},
		{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_EC_POINT, rfc6979Point, sizeof rfc6979Point}, {CKA_VERIFY, &yes, 1}};
	CK_OBJECT_HANDLE pub;
	EXPECT("C_CreateObject RFC 6979 P-256 public key", f32->C_CreateObject(s, t, 5, &pub), CKR_OK);
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE msg[] = "sample";
	CK_ULONG len = sizeof msg - 1;

	EXPECT("C_VerifySignatureInit", f32->C_VerifySignatureInit(s, &m, pub, rfc6979Sig, sizeof rfc6979Sig), CKR_OK);
	EXPECT("C_VerifyInit during it", f32->C_VerifyInit(s, &m, pub), CKR_OPERATION_ACTIVE);
	EXPECT("C_VerifySignature one part", f32->C_VerifySignature(s, msg, len), CKR_OK);
	EXPECT("it ended the operation", f32->C_VerifySignatureFinal(s), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("C_VerifySignatureInit parts", f32->C_VerifySignatureInit(s, &m, pub, rfc6979Sig, sizeof rfc6979Sig), CKR_OK);
	EXPECT("C_VerifySignatureUpdate 1", f32->C_VerifySignatureUpdate(s, msg, 2), CKR_OK);
	EXPECT("C_VerifySignatureUpdate 2", f32->C_VerifySignatureUpdate(s, msg + 2, len - 2), CKR_OK);
	EXPECT("C_VerifySignatureFinal", f32->C_VerifySignatureFinal(s), CKR_OK);

	CK_BYTE bad[sizeof rfc6979Sig];
	memcpy(bad, rfc6979Sig, sizeof bad);
	bad[40] ^= 0x10;
	EXPECT("C_VerifySignatureInit bad signature", f32->C_VerifySignatureInit(s, &m, pub, bad, sizeof bad), CKR_OK);
	EXPECT("C_VerifySignature bad signature", f32->C_VerifySignature(s, msg, len), CKR_SIGNATURE_INVALID);
	EXPECT("C_VerifySignatureInit bad signature, parts", f32->C_VerifySignatureInit(s, &m, pub, bad, sizeof bad), CKR_OK);
	EXPECT("C_VerifySignatureUpdate", f32->C_VerifySignatureUpdate(s, msg, len), CKR_OK);
	EXPECT("C_VerifySignatureFinal bad signature", f32->C_VerifySignatureFinal(s), CKR_SIGNATURE_INVALID);
	EXPECT("C_VerifySignatureInit short signature", f32->C_VerifySignatureInit(s, &m, pub, rfc6979Sig, 63), CKR_OK);
	EXPECT("C_VerifySignature short signature", f32->C_VerifySignature(s, msg, len), CKR_SIGNATURE_LEN_RANGE);

	EXPECT("C_VerifySignatureInit NULL signature with a length", f32->C_VerifySignatureInit(s, &m, pub, NULL, 64), CKR_ARGUMENTS_BAD);
	EXPECT("C_VerifySignatureInit", f32->C_VerifySignatureInit(s, &m, pub, rfc6979Sig, sizeof rfc6979Sig), CKR_OK);
	EXPECT("C_VerifySignatureInit NULL mechanism ends it", f32->C_VerifySignatureInit(s, NULL, pub, rfc6979Sig, 64), CKR_OK);
	EXPECT("so nothing is left to verify", f32->C_VerifySignature(s, msg, len), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_VerifySignatureInit NULL mechanism, nothing active", f32->C_VerifySignatureInit(s, NULL, pub, NULL, 0), CKR_OK);
	EXPECT("C_VerifySignatureInit", f32->C_VerifySignatureInit(s, &m, pub, rfc6979Sig, sizeof rfc6979Sig), CKR_OK);
	EXPECT("C_VerifySignature NULL data with a length", f32->C_VerifySignature(s, NULL, 6), CKR_ARGUMENTS_BAD);
	EXPECT("which ended the operation", f32->C_VerifySignature(s, msg, len), CKR_OPERATION_NOT_INITIALIZED);
}

/* secret_keys counts the session's secret keys. */
static CK_ULONG secret_keys(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS c = CKO_SECRET_KEY;
	CK_ATTRIBUTE t = {CKA_CLASS, &c, sizeof c};
	CK_OBJECT_HANDLE found[64];
	CK_ULONG n = 0;
	f32->C_FindObjectsInit(s, &t, 1);
	f32->C_FindObjects(s, found, 64, &n);
	f32->C_FindObjectsFinal(s);
	return n;
}

static void ml_kem(CK_SESSION_HANDLE s)
{
	CK_ULONG set = CKP_ML_KEM_768;
	CK_ATTRIBUTE pubT[] = {{CKA_PARAMETER_SET, &set, sizeof set}, {CKA_ENCAPSULATE, &yes, 1}};
	CK_ATTRIBUTE privT[] = {{CKA_DECAPSULATE, &yes, 1}};
	CK_MECHANISM gen = {CKM_ML_KEM_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_HANDLE pub, priv;
	EXPECT("C_GenerateKeyPair ML-KEM-768", f32->C_GenerateKeyPair(s, &gen, pubT, 2, privT, 1, &pub, &priv), CKR_OK);
	CK_MECHANISM_INFO info;
	EXPECT("C_GetMechanismInfo CKM_ML_KEM", f32->C_GetMechanismInfo(slot, CKM_ML_KEM, &info), CKR_OK);
	CHECK("CKM_ML_KEM encapsulates and decapsulates", (info.flags & (CKF_ENCAPSULATE | CKF_DECAPSULATE)) == (CKF_ENCAPSULATE | CKF_DECAPSULATE), "flags 0x%lx", info.flags);

	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE keyT[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &generic, sizeof generic},
		{CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_VERIFY, &yes, 1}};
	CK_MECHANISM kem = {CKM_ML_KEM, NULL, 0};
	CK_ULONG before = secret_keys(s);
	CK_OBJECT_HANDLE sent = 0, got = 0;
	CK_ULONG ctLen = 0;
	EXPECT("C_EncapsulateKey length query", f32->C_EncapsulateKey(s, &kem, pub, keyT, 6, NULL, &ctLen, NULL), CKR_OK);
	CHECK("the ML-KEM-768 ciphertext is 1088 bytes", ctLen == 1088, "%lu", ctLen);
	CK_BYTE ct[1200];
	CK_ULONG small = 1000;
	EXPECT("C_EncapsulateKey buffer too small", f32->C_EncapsulateKey(s, &kem, pub, keyT, 6, ct, &small, &sent), CKR_BUFFER_TOO_SMALL);
	CHECK("which gives the length", small == 1088, "%lu", small);
	CHECK("neither made a key", secret_keys(s) == before, "%lu new", secret_keys(s) - before);
	EXPECT("C_EncapsulateKey NULL phKey", f32->C_EncapsulateKey(s, &kem, pub, keyT, 6, ct, &ctLen, NULL), CKR_ARGUMENTS_BAD);
	ctLen = sizeof ct;
	EXPECT("C_EncapsulateKey", f32->C_EncapsulateKey(s, &kem, pub, keyT, 6, ct, &ctLen, &sent), CKR_OK);
	CHECK("one key made, the length set", secret_keys(s) == before + 1 && ctLen == 1088, "%lu keys, %lu bytes", secret_keys(s) - before, ctLen);
	EXPECT("C_DecapsulateKey", f32->C_DecapsulateKey(s, &kem, priv, keyT, 6, ct, ctLen, &got), CKR_OK);
	EXPECT("C_DecapsulateKey short ciphertext", f32->C_DecapsulateKey(s, &kem, priv, keyT, 6, ct, ctLen - 1, &got), CKR_WRAPPED_KEY_LEN_RANGE);
	EXPECT("C_DecapsulateKey with the public key", f32->C_DecapsulateKey(s, &kem, pub, keyT, 6, ct, ctLen, &got), CKR_KEY_FUNCTION_NOT_PERMITTED);

	CK_BYTE v1[64], v2[64];
	CK_ATTRIBUTE a1 = {CKA_VALUE, v1, sizeof v1}, a2 = {CKA_VALUE, v2, sizeof v2};
	EXPECT("C_GetAttributeValue encapsulated key", f32->C_GetAttributeValue(s, sent, &a1, 1), CKR_OK);
	EXPECT("C_GetAttributeValue decapsulated key", f32->C_GetAttributeValue(s, got, &a2, 1), CKR_OK);
	CHECK("both keys are the same 32-byte secret", a1.ulValueLen == 32 && a2.ulValueLen == 32 && memcmp(v1, v2, 32) == 0, "%lu and %lu bytes", a1.ulValueLen, a2.ulValueLen);
	CHECK("CKA_LOCAL false", bool_attr(s, sent, CKA_LOCAL) == CK_FALSE && bool_attr(s, got, CKA_LOCAL) == CK_FALSE, "not false");

	/* Sensitive keys compare by use: one signs an HMAC, the other verifies it. */
	CK_ATTRIBUTE hiddenT[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &generic, sizeof generic},
		{CKA_SIGN, &yes, 1}, {CKA_VERIFY, &yes, 1}};
	ctLen = sizeof ct;
	EXPECT("C_EncapsulateKey sensitive", f32->C_EncapsulateKey(s, &kem, pub, hiddenT, 4, ct, &ctLen, &sent), CKR_OK);
	EXPECT("C_DecapsulateKey sensitive", f32->C_DecapsulateKey(s, &kem, priv, hiddenT, 4, ct, ctLen, &got), CKR_OK);
	CK_MECHANISM hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_BYTE data[] = "shared by KEM", mac[32];
	CK_ULONG macLen = sizeof mac;
	EXPECT("C_SignInit HMAC with the encapsulated key", f32->C_SignInit(s, &hmac, sent), CKR_OK);
	EXPECT("C_Sign", f32->C_Sign(s, data, sizeof data, mac, &macLen), CKR_OK);
	EXPECT("C_VerifySignatureInit HMAC with the decapsulated key", f32->C_VerifySignatureInit(s, &hmac, got, mac, macLen), CKR_OK);
	EXPECT("C_VerifySignature: the keys agree", f32->C_VerifySignature(s, data, sizeof data), CKR_OK);
	ctLen = sizeof ct;
	EXPECT("C_EncapsulateKey again", f32->C_EncapsulateKey(s, &kem, pub, hiddenT, 4, ct, &ctLen, &sent), CKR_OK);
	EXPECT("C_VerifySignatureInit HMAC with another secret", f32->C_VerifySignatureInit(s, &hmac, sent, mac, macLen), CKR_OK);
	EXPECT("C_VerifySignature: another secret disagrees", f32->C_VerifySignature(s, data, sizeof data), CKR_SIGNATURE_INVALID);
}

/* check_ml_dsa generates an ML-DSA-44 key pair, signs with C_Sign
 * (CKM_ML_DSA, with and without a CK_SIGN_ADDITIONAL_CONTEXT) and checks
 * the signatures with C_VerifySignature, in one part and in parts: under
 * the signing context they verify, under another context, for another
 * message or tampered they do not. */
static void check_ml_dsa(CK_SESSION_HANDLE s)
{
	CK_ULONG set = CKP_ML_DSA_44;
	CK_ATTRIBUTE pub_t[] = {{CKA_PARAMETER_SET, &set, sizeof set}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE priv_t[] = {{CKA_SIGN, &yes, 1}};
	CK_MECHANISM gen = {CKM_ML_DSA_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_HANDLE pub, priv;
	EXPECT("C_GenerateKeyPair ML-DSA-44", f32->C_GenerateKeyPair(s, &gen, pub_t, 2, priv_t, 1, &pub, &priv), CKR_OK);
	CK_BYTE msg[] = "signed by a post-quantum key";
	CK_ULONG len = sizeof msg - 1;
	CK_BYTE ctx[] = "v32", other[] = "v33";
	CK_SIGN_ADDITIONAL_CONTEXT with = {CKH_DETERMINISTIC_REQUIRED, ctx, sizeof ctx - 1};
	CK_SIGN_ADDITIONAL_CONTEXT wrong = {CKH_HEDGE_PREFERRED, other, sizeof other - 1};
	CK_MECHANISM plain = {CKM_ML_DSA, NULL, 0}, context = {CKM_ML_DSA, &with, sizeof with}, otherContext = {CKM_ML_DSA, &wrong, sizeof wrong};
	CK_BYTE sig[2420], sig2[2420];
	CK_ULONG sigLen = sizeof sig, sig2Len = sizeof sig2;
	EXPECT("C_SignInit CKM_ML_DSA", f32->C_SignInit(s, &plain, priv), CKR_OK);
	EXPECT("C_Sign CKM_ML_DSA", f32->C_Sign(s, msg, len, sig, &sigLen), CKR_OK);
	CHECK("an ML-DSA-44 signature is 2420 bytes", sigLen == 2420, "%lu", sigLen);
	EXPECT("C_VerifySignatureInit ML-DSA", f32->C_VerifySignatureInit(s, &plain, pub, sig, sigLen), CKR_OK);
	EXPECT("C_VerifySignature ML-DSA", f32->C_VerifySignature(s, msg, len), CKR_OK);
	EXPECT("C_VerifySignatureInit ML-DSA, parts", f32->C_VerifySignatureInit(s, &plain, pub, sig, sigLen), CKR_OK);
	EXPECT("C_VerifySignatureUpdate ML-DSA 1", f32->C_VerifySignatureUpdate(s, msg, 5), CKR_OK);
	EXPECT("C_VerifySignatureUpdate ML-DSA 2", f32->C_VerifySignatureUpdate(s, msg + 5, len - 5), CKR_OK);
	EXPECT("C_VerifySignatureFinal ML-DSA", f32->C_VerifySignatureFinal(s), CKR_OK);
	EXPECT("C_VerifySignatureInit ML-DSA, another message", f32->C_VerifySignatureInit(s, &plain, pub, sig, sigLen), CKR_OK);
	EXPECT("C_VerifySignature ML-DSA, another message", f32->C_VerifySignature(s, msg, len - 1), CKR_SIGNATURE_INVALID);
	sig[100] ^= 1;
	EXPECT("C_VerifySignatureInit ML-DSA, tampered", f32->C_VerifySignatureInit(s, &plain, pub, sig, sigLen), CKR_OK);
	EXPECT("C_VerifySignature ML-DSA, tampered", f32->C_VerifySignature(s, msg, len), CKR_SIGNATURE_INVALID);

	EXPECT("C_SignInit ML-DSA with a context", f32->C_SignInit(s, &context, priv), CKR_OK);
	EXPECT("C_Sign ML-DSA with a context", f32->C_Sign(s, msg, len, sig, &sigLen), CKR_OK);
	EXPECT("C_SignInit ML-DSA, deterministic again", f32->C_SignInit(s, &context, priv), CKR_OK);
	EXPECT("C_Sign ML-DSA, deterministic again", f32->C_Sign(s, msg, len, sig2, &sig2Len), CKR_OK);
	CHECK("CKH_DETERMINISTIC_REQUIRED signs the same twice", sigLen == sig2Len && memcmp(sig, sig2, sigLen) == 0, "signatures differ");
	EXPECT("C_VerifySignatureInit ML-DSA with the context", f32->C_VerifySignatureInit(s, &context, pub, sig, sigLen), CKR_OK);
	EXPECT("C_VerifySignature ML-DSA with the context", f32->C_VerifySignature(s, msg, len), CKR_OK);
	EXPECT("C_VerifySignatureInit ML-DSA with another context", f32->C_VerifySignatureInit(s, &otherContext, pub, sig, sigLen), CKR_OK);
	EXPECT("C_VerifySignature ML-DSA with another context", f32->C_VerifySignature(s, msg, len), CKR_SIGNATURE_INVALID);
	EXPECT("C_VerifySignatureInit ML-DSA without the context", f32->C_VerifySignatureInit(s, &plain, pub, sig, sigLen), CKR_OK);
	EXPECT("C_VerifySignature ML-DSA without the context", f32->C_VerifySignature(s, msg, len), CKR_SIGNATURE_INVALID);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s module.so\n", argv[0]);
		return 2;
	}
	void *lib = load(argv[1]);
	if (!lib)
		return 2;
	interfaces(lib);
	EXPECT("C_Initialize", f32->C_Initialize(NULL), CKR_OK);
	f = (CK_FUNCTION_LIST_PTR)f32; /* check.h's helpers call through f: the 2.40 part of the 3.2 list */
	CK_SESSION_HANDLE s = user_session("v32", SO_PIN, USER_PIN, &slot);
	unsupported(s);
	verify_signature(s);
	ml_kem(s);
	check_ml_dsa(s);
	EXPECT("C_Finalize", f32->C_Finalize(NULL), CKR_OK);
	printf("%s: %d failed\n", failures ? "FAIL" : "PASS", failures);
	return failures != 0;
}
