/*
 * secret.c checks secret keys through the C ABI: C_GenerateKey with
 * CKM_AES_KEY_GEN, CKM_GENERIC_SECRET_KEY_GEN and the DES key
 * generations, the attributes a generated key gets, and the template
 * errors the spec names.
 * Usage: secret MODULE.so. One line per check; non-zero exit if any failed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "check.h"


static const char SO_PIN[] = "secret-so-pin", USER_PIN[] = "secret-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;

static CK_SESSION_HANDLE setup(CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	EXPECT("C_GetSlotList", f->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	*slot = slots[n - 1];
	CK_UTF8CHAR label[32];
	memset(label, ' ', 32);
	memcpy(label, "secret", 6);
	CK_SESSION_HANDLE s;
	EXPECT("C_InitToken", f->C_InitToken(*slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK);
	EXPECT("C_OpenSession", f->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	EXPECT("C_Login SO", f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	EXPECT("C_InitPIN", f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	EXPECT("C_Logout", f->C_Logout(s), CKR_OK);
	EXPECT("C_Login", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	return s;
}

static CK_ULONG ulong_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
	CK_ULONG v = ~(CK_ULONG)0;
	CK_ATTRIBUTE a = {t, &v, sizeof v};
	f->C_GetAttributeValue(s, o, &a, 1);
	return v;
}

static CK_BBOOL bool_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL v = 2;
	CK_ATTRIBUTE a = {t, &v, 1};
	f->C_GetAttributeValue(s, o, &a, 1);
	return v;
}

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

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!load(argv[1]))
		return 2;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = setup(&slot);
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
	check_defaults(s);
	check_errors(s, slot);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
