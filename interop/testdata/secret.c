/*
 * secret.c checks secret keys through the C ABI: C_GenerateKey with
 * CKM_AES_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN and the DES key
 * generations, the attributes a generated key gets, the template errors
 * the spec names, and the HMACs.
 * Usage: secret MODULE.so. One line per check; non-zero exit if any failed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "check.h"


static const char SO_PIN[] = "secret-so-pin", USER_PIN[] = "secret-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

/* check_generated generates a key of each length and checks what the
 * token says of it; an extractable one's value digests as C_DigestKey
 * digests the key. */
static void check_generated(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_KEY_TYPE kt, CK_ULONG len)
{
	char name[128];
	CK_MECHANISM m = {mech, NULL, 0};
	CK_OBJECT_HANDLE key, other;
	CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &len, sizeof len}, {CKA_TOKEN, &yes, 1}, {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	snprintf(name, sizeof name, "C_GenerateKey 0x%lx, %lu bytes", mech, len);
	EXPECT(name, f->C_GenerateKey(s, &m, t, 4, &key), CKR_OK);
	EXPECT(name, f->C_GenerateKey(s, &m, t, 4, &other), CKR_OK);
	CHECK("CKA_CLASS is CKO_SECRET_KEY", ulong_attr(s, key, CKA_CLASS) == CKO_SECRET_KEY, "0x%lx", ulong_attr(s, key, CKA_CLASS));
	CHECK("CKA_KEY_TYPE follows the mechanism", ulong_attr(s, key, CKA_KEY_TYPE) == kt, "0x%lx", ulong_attr(s, key, CKA_KEY_TYPE));
	CHECK("CKA_VALUE_LEN as asked", ulong_attr(s, key, CKA_VALUE_LEN) == len, "%lu", ulong_attr(s, key, CKA_VALUE_LEN));
	CHECK("CKA_LOCAL true", bool_attr(s, key, CKA_LOCAL) == CK_TRUE, "%d", bool_attr(s, key, CKA_LOCAL));
	CHECK("CKA_KEY_GEN_MECHANISM", ulong_attr(s, key, CKA_KEY_GEN_MECHANISM) == mech, "0x%lx", ulong_attr(s, key, CKA_KEY_GEN_MECHANISM));
	CHECK("CKA_ALWAYS_SENSITIVE false for a key made not sensitive", bool_attr(s, key, CKA_ALWAYS_SENSITIVE) == CK_FALSE, "%d", bool_attr(s, key, CKA_ALWAYS_SENSITIVE));
	CHECK("CKA_NEVER_EXTRACTABLE false for a key made extractable", bool_attr(s, key, CKA_NEVER_EXTRACTABLE) == CK_FALSE, "%d", bool_attr(s, key, CKA_NEVER_EXTRACTABLE));
	CK_BYTE v1[512], v2[512];
	CK_ATTRIBUTE a1 = {CKA_VALUE, v1, sizeof v1}, a2 = {CKA_VALUE, v2, sizeof v2};
	EXPECT("C_GetAttributeValue CKA_VALUE", f->C_GetAttributeValue(s, key, &a1, 1), CKR_OK);
	EXPECT("C_GetAttributeValue CKA_VALUE", f->C_GetAttributeValue(s, other, &a2, 1), CKR_OK);
	CHECK("CKA_VALUE has CKA_VALUE_LEN bytes", a1.ulValueLen == len, "%lu", a1.ulValueLen);
	CHECK("two generated keys differ", len < 4 || memcmp(v1, v2, len) != 0, "equal values");
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	CK_BYTE d1[32], d2[32];
	CK_ULONG n1 = sizeof d1, n2 = sizeof d2;
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_DigestKey", f->C_DigestKey(s, key), CKR_OK);
	EXPECT("C_DigestFinal", f->C_DigestFinal(s, d1, &n1), CKR_OK);
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_Digest", f->C_Digest(s, v1, a1.ulValueLen, d2, &n2), CKR_OK);
	CHECK("C_DigestKey digests CKA_VALUE", memcmp(d1, d2, 32) == 0, "digests differ");
	EXPECT("C_DestroyObject", f->C_DestroyObject(s, key), CKR_OK);
	EXPECT("C_DestroyObject", f->C_DestroyObject(s, other), CKR_OK);
}

/* check_des generates DES keys, whose length the type fixes: odd parity
 * in every byte, a check value, no CKA_VALUE_LEN. */
static void check_des(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_KEY_TYPE kt, CK_ULONG size)
{
	CK_MECHANISM m = {mech, NULL, 0};
	CK_OBJECT_HANDLE key;
	CK_ATTRIBUTE t[] = {{CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	EXPECT("C_GenerateKey DES", f->C_GenerateKey(s, &m, t, 2, &key), CKR_OK);
	CHECK("CKA_KEY_TYPE", ulong_attr(s, key, CKA_KEY_TYPE) == kt, "0x%lx", ulong_attr(s, key, CKA_KEY_TYPE));
	CK_BYTE v[32], cv[3];
	CK_ATTRIBUTE a[] = {{CKA_VALUE, v, sizeof v}, {CKA_CHECK_VALUE, cv, sizeof cv}};
	EXPECT("C_GetAttributeValue CKA_VALUE, CKA_CHECK_VALUE", f->C_GetAttributeValue(s, key, a, 2), CKR_OK);
	CHECK("the key has its type's length", a[0].ulValueLen == size, "%lu", a[0].ulValueLen);
	int even = 0;
	for (CK_ULONG i = 0; i < a[0].ulValueLen; i++)
		even += __builtin_parity(v[i]) == 0;
	CHECK("every key byte has odd parity", even == 0, "%d bytes with even parity", even);
	CK_ULONG len;
	CK_ATTRIBUTE vl = {CKA_VALUE_LEN, &len, sizeof len};
	EXPECT("no CKA_VALUE_LEN for DES", f->C_GetAttributeValue(s, key, &vl, 1), CKR_ATTRIBUTE_TYPE_INVALID);
}

/* check_hmac signs and verifies RFC 4231's test case 2 with secret keys
 * created with its value, in one part and in three, truncated by the
 * _GENERAL variant, and refuses keys of another HMAC's type. */
static void check_hmac(CK_SESSION_HANDLE s)
{
	static const CK_BYTE want[32] = {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
		0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
	CK_BYTE data[] = "what do ya want for nothing?";
	CK_ULONG dataLen = sizeof data - 1;
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET, sha256 = CKK_SHA256_HMAC;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_VALUE, "Jefe", 4}};
	CK_OBJECT_HANDLE key, typed, nosign;
	EXPECT("C_CreateObject generic secret", f->C_CreateObject(s, t, 3, &key), CKR_OK);
	t[1].pValue = &sha256;
	EXPECT("C_CreateObject CKK_SHA256_HMAC", f->C_CreateObject(s, t, 3, &typed), CKR_OK);
	CK_ATTRIBUTE ns[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_VALUE, "Jefe", 4}, {CKA_SIGN, &no, 1}};
	EXPECT("C_CreateObject without CKA_SIGN", f->C_CreateObject(s, ns, 4, &nosign), CKR_OK);

	CK_MECHANISM m = {CKM_SHA256_HMAC, NULL, 0}, m384 = {CKM_SHA384_HMAC, NULL, 0};
	CK_BYTE mac[64];
	CK_ULONG n = sizeof mac;
	EXPECT("C_SignInit CKM_SHA256_HMAC", f->C_SignInit(s, &m, key), CKR_OK);
	EXPECT("C_Sign", f->C_Sign(s, data, dataLen, mac, &n), CKR_OK);
	CHECK("HMAC-SHA256 is RFC 4231's", n == 32 && memcmp(mac, want, 32) == 0, "%lu bytes", n);
	n = sizeof mac;
	EXPECT("C_SignInit with a CKK_SHA256_HMAC key", f->C_SignInit(s, &m, typed), CKR_OK);
	EXPECT("C_SignUpdate", f->C_SignUpdate(s, data, 4), CKR_OK);
	EXPECT("C_SignUpdate", f->C_SignUpdate(s, data + 4, dataLen - 4), CKR_OK);
	EXPECT("C_SignFinal", f->C_SignFinal(s, mac, &n), CKR_OK);
	CHECK("multi-part HMAC-SHA256 is RFC 4231's", n == 32 && memcmp(mac, want, 32) == 0, "%lu bytes", n);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &m, key), CKR_OK);
	EXPECT("C_Verify", f->C_Verify(s, data, dataLen, (CK_BYTE_PTR)want, 32), CKR_OK);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &m, key), CKR_OK);
	EXPECT("C_Verify of a short MAC", f->C_Verify(s, data, dataLen, (CK_BYTE_PTR)want, 31), CKR_SIGNATURE_LEN_RANGE);
	CK_BYTE wrong[32];
	memcpy(wrong, want, 32);
	wrong[31] ^= 1;
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &m, key), CKR_OK);
	EXPECT("C_Verify of a wrong MAC", f->C_Verify(s, data, dataLen, wrong, 32), CKR_SIGNATURE_INVALID);

	CK_ULONG len = 16;
	CK_MECHANISM general = {CKM_SHA256_HMAC_GENERAL, &len, sizeof len};
	n = sizeof mac;
	EXPECT("C_SignInit CKM_SHA256_HMAC_GENERAL", f->C_SignInit(s, &general, key), CKR_OK);
	EXPECT("C_Sign", f->C_Sign(s, data, dataLen, mac, &n), CKR_OK);
	CHECK("a 16-byte HMAC is the full one's head", n == 16 && memcmp(mac, want, 16) == 0, "%lu bytes", n);
	len = 33;
	EXPECT("CKM_SHA256_HMAC_GENERAL of 33 bytes", f->C_SignInit(s, &general, key), CKR_MECHANISM_PARAM_INVALID);
	EXPECT("HMAC-SHA384 with a CKK_SHA256_HMAC key", f->C_SignInit(s, &m384, typed), CKR_KEY_TYPE_INCONSISTENT);
	EXPECT("a key without CKA_SIGN", f->C_SignInit(s, &m, nosign), CKR_KEY_FUNCTION_NOT_PERMITTED);
}

static void check_defaults(CK_SESSION_HANDLE s)
{
	CK_ULONG len = 32;
	CK_MECHANISM m = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &len, sizeof len}};
	CK_OBJECT_HANDLE key;
	EXPECT("C_GenerateKey AES-256 with the defaults", f->C_GenerateKey(s, &m, t, 1, &key), CKR_OK);
	CHECK("a session object by default", bool_attr(s, key, CKA_TOKEN) == CK_FALSE, "%d", bool_attr(s, key, CKA_TOKEN));
	CHECK("CKA_SENSITIVE by default", bool_attr(s, key, CKA_SENSITIVE) == CK_TRUE, "%d", bool_attr(s, key, CKA_SENSITIVE));
	CHECK("CKA_ALWAYS_SENSITIVE", bool_attr(s, key, CKA_ALWAYS_SENSITIVE) == CK_TRUE, "%d", bool_attr(s, key, CKA_ALWAYS_SENSITIVE));
	CHECK("CKA_NEVER_EXTRACTABLE", bool_attr(s, key, CKA_NEVER_EXTRACTABLE) == CK_TRUE, "%d", bool_attr(s, key, CKA_NEVER_EXTRACTABLE));
	CK_BYTE v[32];
	CK_ATTRIBUTE a = {CKA_VALUE, v, sizeof v};
	EXPECT("CKA_VALUE of a sensitive key", f->C_GetAttributeValue(s, key, &a, 1), CKR_ATTRIBUTE_SENSITIVE);
	CK_BYTE cv[3];
	CK_ATTRIBUTE check = {CKA_CHECK_VALUE, cv, sizeof cv};
	EXPECT("CKA_CHECK_VALUE of an AES key", f->C_GetAttributeValue(s, key, &check, 1), CKR_OK);
}

static void check_errors(CK_SESSION_HANDLE s, CK_SLOT_ID slot)
{
	CK_ULONG len = 17, good = 16;
	CK_KEY_TYPE rsa = CKK_RSA;
	CK_BYTE value[16] = {0};
	CK_MECHANISM aes = {CKM_AES_KEY_GEN, NULL, 0}, sha = {CKM_SHA256, NULL, 0};
	CK_OBJECT_HANDLE key;
	CK_ATTRIBUTE bad[] = {{CKA_VALUE_LEN, &len, sizeof len}};
	CK_ATTRIBUTE valued[] = {{CKA_VALUE_LEN, &good, sizeof good}, {CKA_VALUE, value, sizeof value}};
	CK_ATTRIBUTE typed[] = {{CKA_VALUE_LEN, &good, sizeof good}, {CKA_KEY_TYPE, &rsa, sizeof rsa}};
	CK_ATTRIBUTE onToken[] = {{CKA_VALUE_LEN, &good, sizeof good}, {CKA_TOKEN, &yes, 1}};
	EXPECT("CKA_VALUE_LEN 17 for AES", f->C_GenerateKey(s, &aes, bad, 1, &key), CKR_ATTRIBUTE_VALUE_INVALID);
	EXPECT("no CKA_VALUE_LEN", f->C_GenerateKey(s, &aes, NULL, 0, &key), CKR_TEMPLATE_INCOMPLETE);
	EXPECT("CKA_VALUE in a generation template", f->C_GenerateKey(s, &aes, valued, 2, &key), CKR_TEMPLATE_INCONSISTENT);
	EXPECT("CKA_KEY_TYPE of another type", f->C_GenerateKey(s, &aes, typed, 2, &key), CKR_TEMPLATE_INCONSISTENT);
	EXPECT("a digest mechanism", f->C_GenerateKey(s, &sha, onToken, 1, &key), CKR_MECHANISM_INVALID);
	EXPECT("NULL key handle", f->C_GenerateKey(s, &aes, onToken, 1, NULL), CKR_ARGUMENTS_BAD);
	EXPECT("NULL mechanism", f->C_GenerateKey(s, NULL, onToken, 1, &key), CKR_ARGUMENTS_BAD);
	CK_SESSION_HANDLE ro;
	EXPECT("C_OpenSession R/O", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &ro), CKR_OK);
	EXPECT("a token key in a read-only session", f->C_GenerateKey(ro, &aes, onToken, 2, &key), CKR_SESSION_READ_ONLY);
	EXPECT("a session key in a read-only session", f->C_GenerateKey(ro, &aes, onToken, 1, &key), CKR_OK);
}

/* check_templates: CKA_WRAP_TEMPLATE goes in and comes out as an array of
 * CK_ATTRIBUTE, with C_GetAttributeValue's rules applied to the array and
 * to each element. */
static void check_templates(CK_SESSION_HANDLE s)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_AES;
	CK_BYTE value[16] = {1, 2, 3};
	char label[] = "exportable";
	CK_ATTRIBUTE inner[] = {{CKA_LABEL, label, sizeof label - 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_ATTRIBUTE tmpl[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_VALUE, value, sizeof value},
			       {CKA_WRAP_TEMPLATE, inner, sizeof inner}};
	CK_OBJECT_HANDLE key;
	EXPECT("C_CreateObject with CKA_WRAP_TEMPLATE", f->C_CreateObject(s, tmpl, 4, &key), CKR_OK);

	CK_ATTRIBUTE q = {CKA_WRAP_TEMPLATE, NULL, 0};
	EXPECT("CKA_WRAP_TEMPLATE length", f->C_GetAttributeValue(s, key, &q, 1), CKR_OK);
	CHECK("the length is two CK_ATTRIBUTEs", q.ulValueLen == 2 * sizeof(CK_ATTRIBUTE), "%lu", q.ulValueLen);
	CK_ATTRIBUTE out[2] = {{0, NULL, 0}, {0, NULL, 0}};
	q.pValue = out;
	EXPECT("CKA_WRAP_TEMPLATE element lengths", f->C_GetAttributeValue(s, key, &q, 1), CKR_OK);
	CK_BYTE v0[32], v1[1];
	CHECK("element types and lengths", out[0].type == CKA_LABEL && out[0].ulValueLen == sizeof label - 1 && out[1].type == CKA_EXTRACTABLE && out[1].ulValueLen == 1,
	      "0x%lx %lu 0x%lx %lu", out[0].type, out[0].ulValueLen, out[1].type, out[1].ulValueLen);
	out[0].pValue = v0;
	out[0].ulValueLen = sizeof v0;
	out[1].pValue = v1;
	out[1].ulValueLen = 1;
	EXPECT("CKA_WRAP_TEMPLATE values", f->C_GetAttributeValue(s, key, &q, 1), CKR_OK);
	CHECK("element values", out[0].ulValueLen == sizeof label - 1 && memcmp(v0, label, sizeof label - 1) == 0 && v1[0] == CK_TRUE, "%lu", out[0].ulValueLen);
	out[0].ulValueLen = 2;
	EXPECT("a short element", f->C_GetAttributeValue(s, key, &q, 1), CKR_BUFFER_TOO_SMALL);
	CHECK("the short element's length is unavailable", out[0].ulValueLen == CK_UNAVAILABLE_INFORMATION, "%lu", out[0].ulValueLen);
	q.ulValueLen = sizeof(CK_ATTRIBUTE);
	EXPECT("a short array", f->C_GetAttributeValue(s, key, &q, 1), CKR_BUFFER_TOO_SMALL);
	CHECK("the short array's length is unavailable", q.ulValueLen == CK_UNAVAILABLE_INFORMATION, "%lu", q.ulValueLen);

	CK_ATTRIBUTE none = {CKA_UNWRAP_TEMPLATE, NULL, 0};
	EXPECT("CKA_UNWRAP_TEMPLATE not given", f->C_GetAttributeValue(s, key, &none, 1), CKR_OK);
	CHECK("is an empty array", none.ulValueLen == 0, "%lu", none.ulValueLen);

	tmpl[3].ulValueLen = sizeof inner - 1;
	EXPECT("an array of a length no CK_ATTRIBUTE array has", f->C_CreateObject(s, tmpl, 4, &key), CKR_ATTRIBUTE_VALUE_INVALID);
	CK_ATTRIBUTE nested[] = {{CKA_WRAP_TEMPLATE, inner, sizeof inner}};
	tmpl[3].pValue = nested;
	tmpl[3].ulValueLen = sizeof nested;
	EXPECT("an array inside an array", f->C_CreateObject(s, tmpl, 4, &key), CKR_ATTRIBUTE_VALUE_INVALID);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!load(argv[1]))
		return 2;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = user_session("secret", SO_PIN, USER_PIN, &slot);
	CK_MECHANISM_INFO info;
	EXPECT("C_GetMechanismInfo CKM_AES_KEY_GEN", f->C_GetMechanismInfo(slot, CKM_AES_KEY_GEN, &info), CKR_OK);
	CHECK("CKM_AES_KEY_GEN generates 16 to 32 bytes", info.ulMinKeySize == 16 && info.ulMaxKeySize == 32 && (info.flags & CKF_GENERATE),
	      "%lu-%lu flags 0x%lx", info.ulMinKeySize, info.ulMaxKeySize, info.flags);
	for (CK_ULONG len = 16; len <= 32; len += 8)
		check_generated(s, CKM_AES_KEY_GEN, CKK_AES, len);
	check_generated(s, CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 1);
	check_generated(s, CKM_GENERIC_SECRET_KEY_GEN, CKK_GENERIC_SECRET, 64);
	check_des(s, CKM_DES_KEY_GEN, CKK_DES, 8);
	check_des(s, CKM_DES2_KEY_GEN, CKK_DES2, 16);
	check_des(s, CKM_DES3_KEY_GEN, CKK_DES3, 24);
	check_hmac(s);
	check_defaults(s);
	check_errors(s, slot);
	check_templates(s);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
