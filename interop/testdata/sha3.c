/*
 * sha3.c runs the SHA-3 mechanisms through the C ABI and prints what
 * they compute, for the caller to check with Go's crypto: the four
 * digests of "abc" (one part and two), CKM_ECDSA_SHA3_256 and
 * CKM_ECDSA_SHA3_512 signatures with the P-256 public point, a
 * CKM_SHA3_384_RSA_PKCS and a CKM_SHA3_256_RSA_PKCS_PSS signature with
 * the RSA modulus, CKM_SHA3_256_HMAC and its _GENERAL variant with a key
 * of known value, a key of CKM_SHA3_256_KEY_GEN, and RSA-OAEP over
 * SHA3-256 both ways.
 * Usage: sha3 MODULE.so. Values print as "VALUE name hex".
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* PKCS#11 3.0 values, which zck.h (from the 2.40 header) does not have. */
#define CKM_ECDSA_SHA3_256 0x1048UL
#define CKM_ECDSA_SHA3_512 0x104aUL
#define CKG_MGF1_SHA3_256 0x7UL
#define CKK_SHA3_256_HMAC_30 0x37UL

static const char SO_PIN[] = "sha3-so-pin", USER_PIN[] = "sha3-user-pin";
static CK_BBOOL yes = CK_TRUE;
static CK_BYTE msg[] = "abc";
#define MSG_LEN 3

static void print_hex(const char *name, const CK_BYTE *v, CK_ULONG n)
{
	printf("VALUE %s ", name);
	for (CK_ULONG i = 0; i < n; i++)
		printf("%02x", v[i]);
	printf("\n");
}

static void digests(CK_SESSION_HANDLE s)
{
	struct {
		const char *name;
		CK_MECHANISM_TYPE t;
	} d[] = {{"sha3-224", CKM_SHA3_224}, {"sha3-256", CKM_SHA3_256}, {"sha3-384", CKM_SHA3_384}, {"sha3-512", CKM_SHA3_512}};
	for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
		CK_MECHANISM m = {d[i].t, NULL, 0};
		CK_BYTE out[64], parts[64];
		CK_ULONG n = sizeof out, pn = sizeof parts;
		EXPECT(d[i].name, f->C_DigestInit(s, &m), CKR_OK);
		EXPECT(d[i].name, f->C_Digest(s, msg, MSG_LEN, out, &n), CKR_OK);
		EXPECT(d[i].name, f->C_DigestInit(s, &m), CKR_OK);
		EXPECT(d[i].name, f->C_DigestUpdate(s, msg, 1), CKR_OK);
		EXPECT(d[i].name, f->C_DigestUpdate(s, msg + 1, MSG_LEN - 1), CKR_OK);
		EXPECT(d[i].name, f->C_DigestFinal(s, parts, &pn), CKR_OK);
		CHECK("one part and two agree", n == pn && memcmp(out, parts, n) == 0, "%s differs", d[i].name);
		print_hex(d[i].name, out, n);
	}
}

/* sign signs msg with mechanism m and key, and prints the signature. */
static void sign(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const char *name)
{
	CK_BYTE sig[512];
	CK_ULONG n = sizeof sig;
	EXPECT(name, f->C_SignInit(s, m, key), CKR_OK);
	EXPECT(name, f->C_Sign(s, msg, MSG_LEN, sig, &n), CKR_OK);
	print_hex(name, sig, n);
}

/* attr prints an attribute of o. */
static void attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, const char *name)
{
	CK_BYTE v[600];
	CK_ATTRIBUTE a = {t, v, sizeof v};
	EXPECT(name, f->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
	print_hex(name, v, a.ulValueLen);
}

int main(int argc, char **argv)
{
	if (argc != 2 || !load(argv[1]))
		return 2;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = user_session("sha3", SO_PIN, USER_PIN, &slot);
	digests(s);

	static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_ATTRIBUTE ecPub[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE priv[] = {{CKA_SIGN, &yes, 1}};
	CK_MECHANISM ecGen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_HANDLE ecPubKey, ecPriv;
	EXPECT("C_GenerateKeyPair EC", f->C_GenerateKeyPair(s, &ecGen, ecPub, 2, priv, 1, &ecPubKey, &ecPriv), CKR_OK);
	attr(s, ecPubKey, CKA_EC_POINT, "ec-point");
	CK_MECHANISM e256 = {CKM_ECDSA_SHA3_256, NULL, 0}, e512 = {CKM_ECDSA_SHA3_512, NULL, 0};
	sign(s, &e256, ecPriv, "ecdsa-sha3-256");
	sign(s, &e512, ecPriv, "ecdsa-sha3-512");

	CK_ULONG bits = 2048;
	CK_BYTE e[] = {1, 0, 1};
	CK_ATTRIBUTE rsaPub[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, e, sizeof e}, {CKA_VERIFY, &yes, 1}};
	CK_MECHANISM rsaGen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_HANDLE rsaPubKey, rsaPriv;
	EXPECT("C_GenerateKeyPair RSA", f->C_GenerateKeyPair(s, &rsaGen, rsaPub, 3, priv, 1, &rsaPubKey, &rsaPriv), CKR_OK);
	attr(s, rsaPubKey, CKA_MODULUS, "rsa-modulus");
	CK_MECHANISM r384 = {CKM_SHA3_384_RSA_PKCS, NULL, 0};
	sign(s, &r384, rsaPriv, "sha3-384-rsa-pkcs");
	CK_RSA_PKCS_PSS_PARAMS pss = {CKM_SHA3_256, CKG_MGF1_SHA3_256, 32};
	CK_MECHANISM p256pss = {CKM_SHA3_256_RSA_PKCS_PSS, &pss, sizeof pss};
	sign(s, &p256pss, rsaPriv, "sha3-256-rsa-pss");

	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_SHA3_256_HMAC_30;
	CK_BYTE key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (CK_BYTE)i;
	CK_ATTRIBUTE hk[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_VALUE, key, sizeof key}, {CKA_SIGN, &yes, 1}};
	CK_OBJECT_HANDLE hmacKey;
	EXPECT("C_CreateObject CKK_SHA3_256_HMAC", f->C_CreateObject(s, hk, 4, &hmacKey), CKR_OK);
	CK_MECHANISM hmac = {CKM_SHA3_256_HMAC, NULL, 0};
	sign(s, &hmac, hmacKey, "hmac-sha3-256");
	CK_ULONG macLen = 16;
	CK_MECHANISM hmacGeneral = {CKM_SHA3_256_HMAC_GENERAL, &macLen, sizeof macLen};
	sign(s, &hmacGeneral, hmacKey, "hmac-sha3-256-general");

	/* A key of CKM_SHA3_256_KEY_GEN's type signs an HMAC that verifies. */
	CK_ULONG keyLen = 32;
	CK_ATTRIBUTE gt[] = {{CKA_VALUE_LEN, &keyLen, sizeof keyLen}, {CKA_SIGN, &yes, 1}, {CKA_VERIFY, &yes, 1}};
	CK_MECHANISM keyGen = {CKM_SHA3_256_KEY_GEN, NULL, 0};
	CK_OBJECT_HANDLE genKey;
	EXPECT("C_GenerateKey CKM_SHA3_256_KEY_GEN", f->C_GenerateKey(s, &keyGen, gt, 3, &genKey), CKR_OK);
	CHECK("it makes a CKK_SHA3_256_HMAC key", ulong_attr(s, genKey, CKA_KEY_TYPE) == CKK_SHA3_256_HMAC_30, "0x%lx", ulong_attr(s, genKey, CKA_KEY_TYPE));
	CK_BYTE mac[32];
	CK_ULONG n = sizeof mac;
	EXPECT("C_SignInit HMAC-SHA3-256, generated key", f->C_SignInit(s, &hmac, genKey), CKR_OK);
	EXPECT("C_Sign HMAC-SHA3-256, generated key", f->C_Sign(s, msg, MSG_LEN, mac, &n), CKR_OK);
	EXPECT("C_VerifyInit HMAC-SHA3-256, generated key", f->C_VerifyInit(s, &hmac, genKey), CKR_OK);
	EXPECT("C_Verify HMAC-SHA3-256, generated key", f->C_Verify(s, msg, MSG_LEN, mac, n), CKR_OK);

	/* RSA-OAEP over SHA3-256 with a label, encrypted and decrypted by the token. */
	CK_BYTE label[] = "label";
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA3_256, CKG_MGF1_SHA3_256, CKZ_DATA_SPECIFIED, label, sizeof label - 1};
	CK_MECHANISM om = {CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
	CK_BYTE ct[256], pt[256];
	CK_ULONG ctLen = sizeof ct, ptLen = sizeof pt;
	CK_ATTRIBUTE enc = {CKA_ENCRYPT, &yes, 1}, dec = {CKA_DECRYPT, &yes, 1};
	EXPECT("C_SetAttributeValue CKA_ENCRYPT", f->C_SetAttributeValue(s, rsaPubKey, &enc, 1), CKR_OK);
	EXPECT("C_SetAttributeValue CKA_DECRYPT", f->C_SetAttributeValue(s, rsaPriv, &dec, 1), CKR_OK);
	EXPECT("C_EncryptInit OAEP SHA3-256", f->C_EncryptInit(s, &om, rsaPubKey), CKR_OK);
	EXPECT("C_Encrypt OAEP SHA3-256", f->C_Encrypt(s, msg, MSG_LEN, ct, &ctLen), CKR_OK);
	print_hex("oaep-sha3-256", ct, ctLen);
	EXPECT("C_DecryptInit OAEP SHA3-256", f->C_DecryptInit(s, &om, rsaPriv), CKR_OK);
	EXPECT("C_Decrypt OAEP SHA3-256", f->C_Decrypt(s, ct, ctLen, pt, &ptLen), CKR_OK);
	CHECK("OAEP SHA3-256 decrypts what it encrypted", ptLen == MSG_LEN && memcmp(pt, msg, MSG_LEN) == 0, "%lu bytes", ptLen);

	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failures\n", failures);
	return failures != 0;
}
