/*
 * lifecycle.c checks the life cycle of operations and the use of public
 * objects through the C ABI, calling the module the way real clients do:
 * FreeRTOS's qualification tests (CK_MECHANISM structs whose parameter
 * fields are stack garbage, a new C_SignInit after a length query) and
 * google/pkcs11test (errors end operations, single-part and multi-part
 * forms do not mix, key pairs made without a login).
 * Usage: lifecycle MODULE.so. One line per check; non-zero exit if any failed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"


static const char SO_PIN[] = "life-so-pin", USER_PIN[] = "life-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static CK_BYTE digest[32] = {0x5a, 1, 2, 3, 4, 5, 6, 7, 8, 9};
static CK_BYTE data[100];

/* garbage fills a CK_MECHANISM as an uninitialized stack variable would
 * be: only .mechanism is set by the caller. */
static void garbage(CK_MECHANISM *m, CK_MECHANISM_TYPE type)
{
	memset(m, 0xA5, sizeof *m);
	m->mechanism = type;
}

static CK_SLOT_ID setup_token(void)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	EXPECT("C_GetSlotList", f->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	CK_SLOT_ID slot = slots[n - 1];
	CK_UTF8CHAR label[32];
	memset(label, ' ', 32);
	memcpy(label, "life", 4);
	EXPECT("C_InitToken", f->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK);
	CK_SESSION_HANDLE s;
	EXPECT("C_OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	EXPECT("C_Login SO", f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	EXPECT("C_InitPIN", f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	EXPECT("C_CloseSession", f->C_CloseSession(s), CKR_OK);
	return slot;
}

/* ec_pair generates a P-256 key pair; a public (CKA_PRIVATE false)
 * private key is made extractable and not sensitive, as the token
 * requires of public token keys, whose material it stores in clear. */
static void ec_pair(CK_SESSION_HANDLE s, CK_BBOOL token, CK_BBOOL private, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_BBOOL sensitive = private, extractable = !private;
	CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}, {CKA_TOKEN, &token, 1}, {CKA_PRIVATE, &no, 1}};
	CK_ATTRIBUTE privT[] = {{CKA_SIGN, &yes, 1}, {CKA_TOKEN, &token, 1}, {CKA_PRIVATE, &private, 1}, {CKA_LABEL, "life ec", 7},
		{CKA_SENSITIVE, &sensitive, 1}, {CKA_EXTRACTABLE, &extractable, 1}};
	CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	EXPECT("C_GenerateKeyPair EC", f->C_GenerateKeyPair(s, &m, pubT, 4, privT, 6, pub, priv), CKR_OK);
}

/* rsa_pair generates an RSA key pair as pkcs11test's KeyPair does: both
 * halves CKA_PRIVATE false, on the token, e = 65537; with hideable, the
 * private key keeps the default CKA_SENSITIVE and CKA_EXTRACTABLE. */
static CK_RV rsa_pair(CK_SESSION_HANDLE s, CK_ULONG bits, int hideable, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_BYTE e[] = {1, 0, 1};
	CK_ATTRIBUTE pubT[] = {{CKA_VERIFY, &yes, 1}, {CKA_TOKEN, &yes, 1}, {CKA_MODULUS_BITS, &bits, sizeof bits},
		{CKA_PUBLIC_EXPONENT, e, sizeof e}, {CKA_PRIVATE, &no, 1}};
	CK_ATTRIBUTE privT[] = {{CKA_SIGN, &yes, 1}, {CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &no, 1},
		{CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	return f->C_GenerateKeyPair(s, &m, pubT, 5, privT, hideable ? 3 : 5, pub, priv);
}

/* Mechanisms without a parameter ignore whatever their fields hold. */
static void check_garbage_parameters(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE ecPriv)
{
	CK_MECHANISM m;
	CK_BYTE out[64];
	CK_ULONG n = sizeof out;
	garbage(&m, CKM_SHA256);
	EXPECT("C_DigestInit, uninitialized parameter fields", f->C_DigestInit(s, &m), CKR_OK);
	EXPECT("C_Digest after it", f->C_Digest(s, data, sizeof data, out, &n), CKR_OK);
	garbage(&m, CKM_ECDSA);
	EXPECT("C_SignInit CKM_ECDSA, uninitialized parameter fields", f->C_SignInit(s, &m, ecPriv), CKR_OK);
	n = sizeof out;
	EXPECT("C_Sign after it", f->C_Sign(s, digest, 32, out, &n), CKR_OK);
	CK_OBJECT_HANDLE rsaPub, rsaPriv;
	EXPECT("C_GenerateKeyPair RSA", rsa_pair(s, 1024, 0, &rsaPub, &rsaPriv), CKR_OK);
	garbage(&m, CKM_RSA_PKCS_PSS);
	m.pParameter = NULL;
	m.ulParameterLen = 24;
	EXPECT("C_SignInit CKM_RSA_PKCS_PSS without its parameter", f->C_SignInit(s, &m, rsaPriv), CKR_MECHANISM_PARAM_INVALID);
	f->C_DestroyObject(s, rsaPub);
	f->C_DestroyObject(s, rsaPriv);
}

/* The digest rules, as pkcs11test's DigestTest checks them. */
static void check_digest(CK_SESSION_HANDLE s)
{
	CK_MECHANISM m = {CKM_SHA256, NULL, 0};
	CK_BYTE out[64];
	CK_ULONG n;

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	EXPECT("C_DigestInit on a fresh digest", f->C_DigestInit(s, &m), CKR_OPERATION_ACTIVE);
	EXPECT("C_Digest NULL length pointer", f->C_Digest(s, data, sizeof data, out, NULL), CKR_ARGUMENTS_BAD);
	n = sizeof out;
	EXPECT("the refused C_Digest ended the digest", f->C_Digest(s, data, sizeof data, out, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	EXPECT("C_DigestFinal NULL length pointer", f->C_DigestFinal(s, out, NULL), CKR_ARGUMENTS_BAD);
	n = sizeof out;
	EXPECT("the refused C_DigestFinal ended the digest", f->C_DigestFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	EXPECT("C_DigestUpdate NULL data", f->C_DigestUpdate(s, NULL, 5), CKR_ARGUMENTS_BAD);
	EXPECT("the refused C_DigestUpdate ended the digest", f->C_DigestUpdate(s, data, 5), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	EXPECT("C_DigestUpdate with a length beyond memory", f->C_DigestUpdate(s, data, ~(CK_ULONG)0), CKR_ARGUMENTS_BAD);
	n = sizeof out;
	EXPECT("the refused C_DigestUpdate ended the digest", f->C_DigestFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	n = ~(CK_ULONG)0;
	EXPECT("C_Digest with an output length beyond memory", f->C_Digest(s, data, sizeof data, out, &n), CKR_ARGUMENTS_BAD);
	n = sizeof out;
	EXPECT("the refused C_Digest ended the digest", f->C_Digest(s, data, sizeof data, out, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	EXPECT("C_DigestUpdate", f->C_DigestUpdate(s, data, 1), CKR_OK);
	n = 0;
	EXPECT("C_DigestFinal length query", f->C_DigestFinal(s, NULL, &n), CKR_OK);
	CHECK("digest length 32", n == 32, "%lu", n);
	n = sizeof out;
	EXPECT("C_Digest after C_DigestUpdate", f->C_Digest(s, data + 1, sizeof data - 1, out, &n), CKR_OPERATION_ACTIVE);
	EXPECT("the mixed call ended the digest", f->C_DigestFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	n = 0;
	EXPECT("C_Digest length query", f->C_Digest(s, data, sizeof data, NULL, &n), CKR_OK);
	n = sizeof out;
	EXPECT("C_DigestFinal after a C_Digest length query", f->C_DigestFinal(s, out, &n), CKR_OPERATION_ACTIVE);
	EXPECT("the mixed call ended the digest", f->C_Digest(s, data, sizeof data, out, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	n = 0;
	EXPECT("C_Digest length query", f->C_Digest(s, data, sizeof data, NULL, &n), CKR_OK);
	EXPECT("C_DigestInit after a length query replaces the digest", f->C_DigestInit(s, &m), CKR_OK);
	n = sizeof out;
	EXPECT("C_Digest of the new digest", f->C_Digest(s, data, sizeof data, out, &n), CKR_OK);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	n = 4;
	EXPECT("C_Digest too small", f->C_Digest(s, data, sizeof data, out, &n), CKR_BUFFER_TOO_SMALL);
	EXPECT("C_DigestInit after CKR_BUFFER_TOO_SMALL", f->C_DigestInit(s, &m), CKR_OPERATION_ACTIVE);
	n = sizeof out;
	EXPECT("C_Digest completes it", f->C_Digest(s, data, sizeof data, out, &n), CKR_OK);

	EXPECT("DigestInit", f->C_DigestInit(s, &m), CKR_OK);
	EXPECT("C_DigestUpdate", f->C_DigestUpdate(s, data, 10), CKR_OK);
	EXPECT("C_DigestInit during a multi-part digest", f->C_DigestInit(s, &m), CKR_OPERATION_ACTIVE);
	n = sizeof out;
	EXPECT("C_DigestFinal", f->C_DigestFinal(s, out, &n), CKR_OK);
}

/* The sign and verify rules, with the key of a single-part mechanism
 * (CKM_ECDSA) and of a hashing one (CKM_ECDSA_SHA256). */
static void check_sign_verify(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
{
	CK_MECHANISM raw = {CKM_ECDSA, NULL, 0}, hashed = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE sig[64];
	CK_ULONG n;

	/* FreeRTOS's PKCS11_EC_Sign, twice on one session. */
	EXPECT("SignInit", f->C_SignInit(s, &raw, priv), CKR_OK);
	n = 0;
	EXPECT("C_Sign length query", f->C_Sign(s, digest, 32, NULL, &n), CKR_OK);
	CHECK("signature length 64", n == 64, "%lu", n);
	EXPECT("C_SignInit after a length query replaces the operation", f->C_SignInit(s, &raw, priv), CKR_OK);
	n = sizeof sig;
	EXPECT("C_Sign", f->C_Sign(s, digest, 32, sig, &n), CKR_OK);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &raw, pub), CKR_OK);
	EXPECT("C_VerifyInit on a fresh verification", f->C_VerifyInit(s, &raw, pub), CKR_OPERATION_ACTIVE);
	EXPECT("C_Verify", f->C_Verify(s, digest, 32, sig, 64), CKR_OK);

	EXPECT("SignInit", f->C_SignInit(s, &raw, priv), CKR_OK);
	EXPECT("C_SignInit on a fresh signature", f->C_SignInit(s, &raw, priv), CKR_OPERATION_ACTIVE);
	EXPECT("C_Sign NULL length pointer", f->C_Sign(s, digest, 32, sig, NULL), CKR_ARGUMENTS_BAD);
	n = sizeof sig;
	EXPECT("the refused C_Sign ended the signature", f->C_Sign(s, digest, 32, sig, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("SignInit", f->C_SignInit(s, &raw, priv), CKR_OK);
	EXPECT("C_SignUpdate with single-part CKM_ECDSA", f->C_SignUpdate(s, digest, 32), CKR_OPERATION_NOT_INITIALIZED);
	n = sizeof sig;
	EXPECT("the refused update ended the signature", f->C_Sign(s, digest, 32, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &raw, pub), CKR_OK);
	EXPECT("C_VerifyUpdate with single-part CKM_ECDSA", f->C_VerifyUpdate(s, digest, 32), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("the refused update ended the verification", f->C_Verify(s, digest, 32, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("SignInit", f->C_SignInit(s, &raw, priv), CKR_OK);
	n = sizeof sig;
	EXPECT("C_SignFinal with single-part CKM_ECDSA", f->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &raw, pub), CKR_OK);
	EXPECT("C_VerifyFinal with single-part CKM_ECDSA", f->C_VerifyFinal(s, sig, 64), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("SignInit", f->C_SignInit(s, &hashed, priv), CKR_OK);
	EXPECT("C_SignUpdate", f->C_SignUpdate(s, data, 50), CKR_OK);
	n = sizeof sig;
	EXPECT("C_Sign after C_SignUpdate", f->C_Sign(s, data + 50, 50, sig, &n), CKR_OPERATION_ACTIVE);
	EXPECT("the mixed call ended the signature", f->C_SignFinal(s, sig, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("SignInit", f->C_SignInit(s, &hashed, priv), CKR_OK);
	n = 0;
	EXPECT("C_Sign length query", f->C_Sign(s, data, sizeof data, NULL, &n), CKR_OK);
	n = sizeof sig;
	EXPECT("C_SignFinal after a C_Sign length query", f->C_SignFinal(s, sig, &n), CKR_OPERATION_ACTIVE);
	EXPECT("the mixed call ended the signature", f->C_Sign(s, data, sizeof data, sig, &n), CKR_OPERATION_NOT_INITIALIZED);

	EXPECT("SignInit", f->C_SignInit(s, &hashed, priv), CKR_OK);
	EXPECT("C_SignUpdate", f->C_SignUpdate(s, data, 50), CKR_OK);
	EXPECT("C_SignUpdate", f->C_SignUpdate(s, data + 50, 50), CKR_OK);
	n = sizeof sig;
	EXPECT("C_SignFinal", f->C_SignFinal(s, sig, &n), CKR_OK);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &hashed, pub), CKR_OK);
	EXPECT("C_VerifyUpdate", f->C_VerifyUpdate(s, data, 100), CKR_OK);
	EXPECT("C_Verify after C_VerifyUpdate", f->C_Verify(s, data, 100, sig, 64), CKR_OPERATION_ACTIVE);
	EXPECT("the mixed call ended the verification", f->C_VerifyFinal(s, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &hashed, pub), CKR_OK);
	EXPECT("C_Verify NULL signature", f->C_Verify(s, data, 100, NULL, 64), CKR_ARGUMENTS_BAD);
	EXPECT("the refused C_Verify ended the verification", f->C_Verify(s, data, 100, sig, 64), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &hashed, pub), CKR_OK);
	EXPECT("C_VerifyUpdate", f->C_VerifyUpdate(s, data, 100), CKR_OK);
	EXPECT("C_VerifyFinal", f->C_VerifyFinal(s, sig, 64), CKR_OK);
}

/* CKM_RSA_X_509 as FreeRTOS's PKCS11_Capabilities and PKCS11_RSA_Sign
 * use it: offered for signing and verifying 2048-bit keys, and signing a
 * block the caller padded. RSASSA-PKCS1-v1_5 is deterministic, so the
 * raw signature of a PKCS#1 block equals CKM_RSA_PKCS's of its DigestInfo. */
static void check_rsa_x509(CK_SESSION_HANDLE s, CK_SLOT_ID slot)
{
	CK_MECHANISM_INFO info;
	EXPECT("C_GetMechanismInfo CKM_RSA_X_509", f->C_GetMechanismInfo(slot, CKM_RSA_X_509, &info), CKR_OK);
	CHECK("CKM_RSA_X_509 signs and verifies", (info.flags & (CKF_SIGN | CKF_VERIFY)) == (CKF_SIGN | CKF_VERIFY), "flags 0x%lx", info.flags);
	CHECK("CKM_RSA_X_509 covers 2048-bit keys", info.ulMinKeySize <= 2048 && info.ulMaxKeySize >= 2048, "%lu-%lu", info.ulMinKeySize, info.ulMaxKeySize);

	CK_OBJECT_HANDLE pub, priv;
	EXPECT("C_GenerateKeyPair RSA 2048", rsa_pair(s, 2048, 0, &pub, &priv), CKR_OK);
	static const CK_BYTE prefix[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
	CK_BYTE info_[sizeof prefix + 32], block[256], rawSig[256], pkcsSig[256];
	memcpy(info_, prefix, sizeof prefix);
	memcpy(info_ + sizeof prefix, digest, 32);
	memset(block, 0xff, sizeof block);
	block[0] = 0, block[1] = 1, block[sizeof block - sizeof info_ - 1] = 0;
	memcpy(block + sizeof block - sizeof info_, info_, sizeof info_);

	CK_MECHANISM x509 = {CKM_RSA_X_509, NULL, 0}, pkcs = {CKM_RSA_PKCS, NULL, 0};
	CK_ULONG n = sizeof rawSig, m = sizeof pkcsSig;
	EXPECT("C_SignInit CKM_RSA_X_509", f->C_SignInit(s, &x509, priv), CKR_OK);
	EXPECT("C_Sign CKM_RSA_X_509", f->C_Sign(s, block, sizeof block, rawSig, &n), CKR_OK);
	EXPECT("C_SignInit CKM_RSA_PKCS", f->C_SignInit(s, &pkcs, priv), CKR_OK);
	EXPECT("C_Sign CKM_RSA_PKCS", f->C_Sign(s, info_, sizeof info_, pkcsSig, &m), CKR_OK);
	CHECK("raw signature of the padded block is the PKCS#1 signature", n == 256 && m == 256 && memcmp(rawSig, pkcsSig, 256) == 0, "lengths %lu %lu", n, m);
	EXPECT("C_VerifyInit CKM_RSA_X_509", f->C_VerifyInit(s, &x509, pub), CKR_OK);
	EXPECT("C_Verify CKM_RSA_X_509", f->C_Verify(s, block, sizeof block, rawSig, 256), CKR_OK);
	block[100] ^= 1;
	EXPECT("C_VerifyInit CKM_RSA_X_509", f->C_VerifyInit(s, &x509, pub), CKR_OK);
	EXPECT("C_Verify CKM_RSA_X_509 other data", f->C_Verify(s, block, sizeof block, rawSig, 256), CKR_SIGNATURE_INVALID);
	CK_BYTE big[257];
	memset(big, 1, sizeof big);
	EXPECT("C_SignInit CKM_RSA_X_509", f->C_SignInit(s, &x509, priv), CKR_OK);
	n = sizeof rawSig;
	EXPECT("C_Sign CKM_RSA_X_509 longer than the modulus", f->C_Sign(s, big, sizeof big, rawSig, &n), CKR_DATA_LEN_RANGE);
	EXPECT("C_SignInit CKM_RSA_X_509", f->C_SignInit(s, &x509, priv), CKR_OK);
	EXPECT("C_SignUpdate CKM_RSA_X_509 is single-part", f->C_SignUpdate(s, block, 10), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_DestroyObject", f->C_DestroyObject(s, pub), CKR_OK);
	EXPECT("C_DestroyObject", f->C_DestroyObject(s, priv), CKR_OK);
}

/* A CKA_ALWAYS_AUTHENTICATE key whose C_Sign is refused for want of a
 * context-specific login must not leave the operation wedged. */
static void check_always_authenticate(CK_SESSION_HANDLE s)
{
	CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE privT[] = {{CKA_SIGN, &yes, 1}, {CKA_ALWAYS_AUTHENTICATE, &yes, 1}};
	CK_MECHANISM gen = {CKM_EC_KEY_PAIR_GEN, NULL, 0}, m = {CKM_ECDSA, NULL, 0};
	CK_OBJECT_HANDLE pub, priv;
	EXPECT("C_GenerateKeyPair CKA_ALWAYS_AUTHENTICATE", f->C_GenerateKeyPair(s, &gen, pubT, 2, privT, 2, &pub, &priv), CKR_OK);
	CK_BYTE sig[64];
	CK_ULONG n = sizeof sig;
	EXPECT("SignInit", f->C_SignInit(s, &m, priv), CKR_OK);
	n = 0;
	EXPECT("C_Sign length query before the context-specific login", f->C_Sign(s, digest, 32, NULL, &n), CKR_OK);
	n = sizeof sig;
	EXPECT("C_Sign without a context-specific login", f->C_Sign(s, digest, 32, sig, &n), CKR_USER_NOT_LOGGED_IN);
	EXPECT("C_SignInit after the refusal", f->C_SignInit(s, &m, priv), CKR_OK);
	EXPECT("C_Login CKU_CONTEXT_SPECIFIC", f->C_Login(s, CKU_CONTEXT_SPECIFIC, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	n = sizeof sig;
	EXPECT("C_Sign after the context-specific login", f->C_Sign(s, digest, 32, sig, &n), CKR_OK);
}

/* Objects the spec lets a session use without a login: key pairs
 * generated in a public session (pkcs11test's KeyPairTest and SignTest),
 * and token objects with CKA_PRIVATE false that a logged-in session made
 * before the module was restarted. */
static void check_public_objects(CK_SLOT_ID slot)
{
	CK_SESSION_HANDLE s, ro;
	EXPECT("C_OpenSession R/W", f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	EXPECT("C_Login user", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_GENERIC_SECRET;
	CK_BYTE value[20] = "public secret value";
	CK_ATTRIBUTE secretT[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_VALUE, value, sizeof value},
		{CKA_TOKEN, &yes, 1}, {CKA_PRIVATE, &no, 1}, {CKA_LABEL, "life secret", 11}, {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_OBJECT_HANDLE secret, pub, priv, copy;
	EXPECT("C_CreateObject public token secret key, sensitive by default", f->C_CreateObject(s, secretT, 6, &secret), CKR_TEMPLATE_INCONSISTENT);
	EXPECT("C_CreateObject public token secret key", f->C_CreateObject(s, secretT, 8, &secret), CKR_OK);
	CK_ATTRIBUTE sensitive[] = {{CKA_SENSITIVE, &yes, 1}};
	EXPECT("C_SetAttributeValue CKA_SENSITIVE on a public token key", f->C_SetAttributeValue(s, secret, sensitive, 1), CKR_TEMPLATE_INCONSISTENT);
	CK_ATTRIBUTE privateT[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_VALUE, value, sizeof value}, {CKA_TOKEN, &yes, 1}};
	CK_OBJECT_HANDLE hidden;
	EXPECT("C_CreateObject private token secret key", f->C_CreateObject(s, privateT, 4, &hidden), CKR_OK);
	CK_ATTRIBUTE public[] = {{CKA_PRIVATE, &no, 1}};
	EXPECT("C_CopyObject of a sensitive key to CKA_PRIVATE false", f->C_CopyObject(s, hidden, public, 1, &copy), CKR_TEMPLATE_INCONSISTENT);
	EXPECT("C_DestroyObject", f->C_DestroyObject(s, hidden), CKR_OK);
	ec_pair(s, CK_TRUE, CK_FALSE, &pub, &priv);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);

	EXPECT("C_OpenSession R/W, no login", f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	CK_ATTRIBUTE byLabel[] = {{CKA_LABEL, "life secret", 11}};
	CK_ULONG n = 0;
	EXPECT("C_FindObjectsInit", f->C_FindObjectsInit(s, byLabel, 1), CKR_OK);
	EXPECT("C_FindObjects", f->C_FindObjects(s, &secret, 1, &n), CKR_OK);
	EXPECT("C_FindObjectsFinal", f->C_FindObjectsFinal(s), CKR_OK);
	CHECK("the public secret key is visible without login", n == 1, "%lu found", n);
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	CK_BYTE out[32];
	n = sizeof out;
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_DigestKey on a public key without login", f->C_DigestKey(s, secret), CKR_OK);
	EXPECT("C_DigestFinal", f->C_DigestFinal(s, out, &n), CKR_OK);
	CK_BYTE want[32];
	CK_ULONG wn = sizeof want;
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_Digest of the value", f->C_Digest(s, value, sizeof value, want, &wn), CKR_OK);
	CHECK("C_DigestKey digests the key's value", memcmp(out, want, 32) == 0, "digests differ");

	CK_ATTRIBUTE ecLabel[] = {{CKA_LABEL, "life ec", 7}};
	n = 0;
	EXPECT("C_FindObjectsInit", f->C_FindObjectsInit(s, ecLabel, 1), CKR_OK);
	EXPECT("C_FindObjects", f->C_FindObjects(s, &priv, 1, &n), CKR_OK);
	EXPECT("C_FindObjectsFinal", f->C_FindObjectsFinal(s), CKR_OK);
	CHECK("the public private key is visible without login", n == 1, "%lu found", n);
	CK_MECHANISM ecdsa = {CKM_ECDSA, NULL, 0};
	CK_BYTE sig[64];
	n = sizeof sig;
	EXPECT("C_SignInit with a public token key, no login", f->C_SignInit(s, &ecdsa, priv), CKR_OK);
	EXPECT("C_Sign with a public token key, no login", f->C_Sign(s, digest, 32, sig, &n), CKR_OK);

	/* The token authenticates every stored object under the token key, so
	 * writing one needs a login: refused as pkcs11test's
	 * AsymmetricTokenKeyPair allows, never for want of a login. */
	EXPECT("C_GenerateKeyPair public RSA token pair with a sensitive private key, no login", rsa_pair(s, 1024, 1, &pub, &priv), CKR_TEMPLATE_INCONSISTENT);
	EXPECT("C_GenerateKeyPair public RSA token pair, no login", rsa_pair(s, 1024, 0, &pub, &priv), CKR_TEMPLATE_INCONSISTENT);

	EXPECT("C_CreateObject of a private key needs a login", f->C_CreateObject(s, privateT, 3, &secret), CKR_USER_NOT_LOGGED_IN);

	EXPECT("C_OpenSession R/O, no login", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	ec_pair(ro, CK_FALSE, CK_FALSE, &pub, &priv);
	n = sizeof sig;
	EXPECT("C_SignInit with a public session key", f->C_SignInit(ro, &ecdsa, priv), CKR_OK);
	EXPECT("C_Sign with a public session key", f->C_Sign(ro, digest, 32, sig, &n), CKR_OK);
	EXPECT("C_CloseAllSessions", f->C_CloseAllSessions(slot), CKR_OK);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE.so\n", argv[0]);
		return 2;
	}
	if (!load(argv[1]))
		return 2;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (CK_BYTE)i;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot = setup_token();
	CK_SESSION_HANDLE s;
	EXPECT("C_OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	EXPECT("C_Login user", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	CK_OBJECT_HANDLE pub, priv;
	ec_pair(s, CK_FALSE, CK_TRUE, &pub, &priv);
	check_garbage_parameters(s, priv);
	check_digest(s);
	check_sign_verify(s, pub, priv);
	check_rsa_x509(s, slot);
	check_always_authenticate(s);
	EXPECT("C_CloseSession", f->C_CloseSession(s), CKR_OK);
	check_public_objects(slot);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
