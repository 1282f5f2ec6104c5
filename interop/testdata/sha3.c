/*
 * sha3.c runs the SHA-3 mechanisms and the HMAC key generations through
 * the C ABI and prints what they compute, for the caller to check with
 * Go's crypto: for each of SHA3-224, -256, -384 and -512 the digest of
 * "abc" (one part and two), an ECDSA signature with the P-256 point,
 * RSA PKCS#1 v1.5 and PSS signatures with the modulus, and the HMAC of a
 * key its key generation made (extractable, so its value prints too);
 * the same key generation and HMAC for SHA-1 and SHA-2 (PKCS#11 3.0's
 * CKM_SHA*_KEY_GEN); CKM_SHA3_256_HMAC_GENERAL; and RSA-OAEP over
 * SHA3-256 both ways.
 * Usage: sha3 MODULE.so. Values print as "VALUE name hex".
 */
#include <stdio.h>
#include <string.h>

#include "check.h"

/* PKCS#11 3.0 values, which zck.h (from the 2.40 header) does not have. */
#define CKM_ECDSA_SHA3_224 0x1047UL
#define CKM_ECDSA_SHA3_256 0x1048UL
#define CKM_ECDSA_SHA3_384 0x1049UL
#define CKM_ECDSA_SHA3_512 0x104aUL
#define CKG_MGF1_SHA3_224 0x6UL
#define CKG_MGF1_SHA3_256 0x7UL
#define CKG_MGF1_SHA3_384 0x8UL
#define CKG_MGF1_SHA3_512 0x9UL
#define CKK_SHA3_224_HMAC_30 0x36UL
#define CKK_SHA3_256_HMAC_30 0x37UL
#define CKK_SHA3_384_HMAC_30 0x38UL
#define CKK_SHA3_512_HMAC_30 0x39UL
#define CKM_SHA_1_KEY_GEN 0x4003UL
#define CKM_SHA224_KEY_GEN 0x4004UL
#define CKM_SHA256_KEY_GEN 0x4005UL
#define CKM_SHA384_KEY_GEN 0x4006UL
#define CKM_SHA512_KEY_GEN 0x4007UL

static const char SO_PIN[] = "sha3-so-pin", USER_PIN[] = "sha3-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_BYTE msg[] = "abc";
#define MSG_LEN 3

static void print_hex(const char *name, const char *hash, const CK_BYTE *v, CK_ULONG n)
{
	printf("VALUE %s%s ", name, hash);
	for (CK_ULONG i = 0; i < n; i++)
		printf("%02x", v[i]);
	printf("\n");
}

/* sign signs msg with mechanism m and key, and prints the signature. */
static void sign(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const char *name, const char *hash)
{
	CK_BYTE sig[512];
	CK_ULONG n = sizeof sig;
	EXPECT(name, f->C_SignInit(s, m, key), CKR_OK);
	EXPECT(name, f->C_Sign(s, msg, MSG_LEN, sig, &n), CKR_OK);
	print_hex(name, hash, sig, n);
}

/* attr prints an attribute of o. */
static void attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t, const char *name, const char *hash)
{
	CK_BYTE v[600];
	CK_ATTRIBUTE a = {t, v, sizeof v};
	EXPECT(name, f->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
	print_hex(name, hash, v, a.ulValueLen);
}

/* hmac_key_gen makes a 32-byte key with keyGen, checks its type, prints
 * its value and the HMAC it signs with mech, and verifies that HMAC. */
static void hmac_key_gen(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE keyGen, CK_KEY_TYPE kt, CK_MECHANISM_TYPE mech, const char *hash)
{
	CK_ULONG keyLen = 32;
	CK_ATTRIBUTE t[] = {{CKA_VALUE_LEN, &keyLen, sizeof keyLen}, {CKA_SIGN, &yes, 1}, {CKA_VERIFY, &yes, 1},
		{CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_MECHANISM gm = {keyGen, NULL, 0}, m = {mech, NULL, 0};
	CK_OBJECT_HANDLE key;
	EXPECT("C_GenerateKey HMAC key", f->C_GenerateKey(s, &gm, t, 5, &key), CKR_OK);
	CHECK("the key generation makes its hash's HMAC key type", ulong_attr(s, key, CKA_KEY_TYPE) == kt, "%s: 0x%lx", hash, ulong_attr(s, key, CKA_KEY_TYPE));
	attr(s, key, CKA_VALUE, "hmac-key-", hash);
	CK_BYTE mac[64];
	CK_ULONG n = sizeof mac;
	EXPECT("C_SignInit HMAC", f->C_SignInit(s, &m, key), CKR_OK);
	EXPECT("C_Sign HMAC", f->C_Sign(s, msg, MSG_LEN, mac, &n), CKR_OK);
	print_hex("hmac-", hash, mac, n);
	EXPECT("C_VerifyInit HMAC", f->C_VerifyInit(s, &m, key), CKR_OK);
	EXPECT("C_Verify HMAC", f->C_Verify(s, msg, MSG_LEN, mac, n), CKR_OK);
}

int main(int argc, char **argv)
{
	if (argc != 2 || !load(argv[1]))
		return 2;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = user_session("sha3", SO_PIN, USER_PIN, &slot);

	static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_ATTRIBUTE ecPub[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE priv[] = {{CKA_SIGN, &yes, 1}, {CKA_DECRYPT, &yes, 1}};
	CK_MECHANISM ecGen = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_HANDLE ecPubKey, ecPriv;
	EXPECT("C_GenerateKeyPair EC", f->C_GenerateKeyPair(s, &ecGen, ecPub, 2, priv, 1, &ecPubKey, &ecPriv), CKR_OK);
	attr(s, ecPubKey, CKA_EC_POINT, "ec-point", "");
	CK_ULONG bits = 2048;
	CK_BYTE e[] = {1, 0, 1};
	CK_ATTRIBUTE rsaPub[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, e, sizeof e}, {CKA_VERIFY, &yes, 1}, {CKA_ENCRYPT, &yes, 1}};
	CK_MECHANISM rsaGen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_OBJECT_HANDLE rsaPubKey, rsaPriv;
	EXPECT("C_GenerateKeyPair RSA", f->C_GenerateKeyPair(s, &rsaGen, rsaPub, 4, priv, 2, &rsaPubKey, &rsaPriv), CKR_OK);
	attr(s, rsaPubKey, CKA_MODULUS, "rsa-modulus", "");

	struct {
		const char *name;
		CK_MECHANISM_TYPE digest, ecdsa, pkcs, pss, hmac, keyGen;
		CK_ULONG mgf, size;
		CK_KEY_TYPE hmacKey;
	} h[] = {
		{"sha3-224", CKM_SHA3_224, CKM_ECDSA_SHA3_224, CKM_SHA3_224_RSA_PKCS, CKM_SHA3_224_RSA_PKCS_PSS, CKM_SHA3_224_HMAC, CKM_SHA3_224_KEY_GEN, CKG_MGF1_SHA3_224, 28, CKK_SHA3_224_HMAC_30},
		{"sha3-256", CKM_SHA3_256, CKM_ECDSA_SHA3_256, CKM_SHA3_256_RSA_PKCS, CKM_SHA3_256_RSA_PKCS_PSS, CKM_SHA3_256_HMAC, CKM_SHA3_256_KEY_GEN, CKG_MGF1_SHA3_256, 32, CKK_SHA3_256_HMAC_30},
		{"sha3-384", CKM_SHA3_384, CKM_ECDSA_SHA3_384, CKM_SHA3_384_RSA_PKCS, CKM_SHA3_384_RSA_PKCS_PSS, CKM_SHA3_384_HMAC, CKM_SHA3_384_KEY_GEN, CKG_MGF1_SHA3_384, 48, CKK_SHA3_384_HMAC_30},
		{"sha3-512", CKM_SHA3_512, CKM_ECDSA_SHA3_512, CKM_SHA3_512_RSA_PKCS, CKM_SHA3_512_RSA_PKCS_PSS, CKM_SHA3_512_HMAC, CKM_SHA3_512_KEY_GEN, CKG_MGF1_SHA3_512, 64, CKK_SHA3_512_HMAC_30},
	};
	for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) {
		CK_MECHANISM m = {h[i].digest, NULL, 0};
		CK_BYTE out[64], parts[64];
		CK_ULONG n = sizeof out, pn = sizeof parts;
		EXPECT(h[i].name, f->C_DigestInit(s, &m), CKR_OK);
		EXPECT(h[i].name, f->C_Digest(s, msg, MSG_LEN, out, &n), CKR_OK);
		EXPECT(h[i].name, f->C_DigestInit(s, &m), CKR_OK);
		EXPECT(h[i].name, f->C_DigestUpdate(s, msg, 1), CKR_OK);
		EXPECT(h[i].name, f->C_DigestUpdate(s, msg + 1, MSG_LEN - 1), CKR_OK);
		EXPECT(h[i].name, f->C_DigestFinal(s, parts, &pn), CKR_OK);
		CHECK("one part and two agree", n == pn && memcmp(out, parts, n) == 0, "%s differs", h[i].name);
		print_hex("digest-", h[i].name, out, n);

		CK_MECHANISM ecdsa = {h[i].ecdsa, NULL, 0}, pkcs = {h[i].pkcs, NULL, 0};
		CK_RSA_PKCS_PSS_PARAMS pp = {h[i].digest, h[i].mgf, h[i].size};
		CK_MECHANISM pss = {h[i].pss, &pp, sizeof pp};
		sign(s, &ecdsa, ecPriv, "ecdsa-", h[i].name);
		sign(s, &pkcs, rsaPriv, "rsa-pkcs-", h[i].name);
		sign(s, &pss, rsaPriv, "rsa-pss-", h[i].name);
		hmac_key_gen(s, h[i].keyGen, h[i].hmacKey, h[i].hmac, h[i].name);
	}
	hmac_key_gen(s, CKM_SHA_1_KEY_GEN, CKK_SHA_1_HMAC, CKM_SHA_1_HMAC, "sha1");
	hmac_key_gen(s, CKM_SHA224_KEY_GEN, CKK_SHA224_HMAC, CKM_SHA224_HMAC, "sha224");
	hmac_key_gen(s, CKM_SHA256_KEY_GEN, CKK_SHA256_HMAC, CKM_SHA256_HMAC, "sha256");
	hmac_key_gen(s, CKM_SHA384_KEY_GEN, CKK_SHA384_HMAC, CKM_SHA384_HMAC, "sha384");
	hmac_key_gen(s, CKM_SHA512_KEY_GEN, CKK_SHA512_HMAC, CKM_SHA512_HMAC, "sha512");

	/* CKM_SHA3_256_HMAC_GENERAL with a key of known value: 0, 1, … 31. */
	CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
	CK_KEY_TYPE kt = CKK_SHA3_256_HMAC_30;
	CK_BYTE key[32];
	for (int i = 0; i < 32; i++)
		key[i] = (CK_BYTE)i;
	CK_ATTRIBUTE hk[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_VALUE, key, sizeof key}, {CKA_SIGN, &yes, 1}};
	CK_OBJECT_HANDLE hmacKey;
	EXPECT("C_CreateObject CKK_SHA3_256_HMAC", f->C_CreateObject(s, hk, 4, &hmacKey), CKR_OK);
	CK_ULONG macLen = 16;
	CK_MECHANISM hmacGeneral = {CKM_SHA3_256_HMAC_GENERAL, &macLen, sizeof macLen};
	sign(s, &hmacGeneral, hmacKey, "hmac-sha3-256-general", "");

	/* RSA-OAEP over SHA3-256 with a label, encrypted and decrypted by the token. */
	CK_BYTE label[] = "label";
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA3_256, CKG_MGF1_SHA3_256, CKZ_DATA_SPECIFIED, label, sizeof label - 1};
	CK_MECHANISM om = {CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
	CK_BYTE ct[256], pt[256];
	CK_ULONG ctLen = sizeof ct, ptLen = sizeof pt;
	EXPECT("C_EncryptInit OAEP SHA3-256", f->C_EncryptInit(s, &om, rsaPubKey), CKR_OK);
	EXPECT("C_Encrypt OAEP SHA3-256", f->C_Encrypt(s, msg, MSG_LEN, ct, &ctLen), CKR_OK);
	CHECK("an OAEP ciphertext has the modulus' length", ctLen == 256, "%lu bytes", ctLen);
	EXPECT("C_DecryptInit OAEP SHA3-256", f->C_DecryptInit(s, &om, rsaPriv), CKR_OK);
	EXPECT("C_Decrypt OAEP SHA3-256", f->C_Decrypt(s, ct, ctLen, pt, &ptLen), CKR_OK);
	CHECK("OAEP SHA3-256 decrypts what it encrypted", ptLen == MSG_LEN && memcmp(pt, msg, MSG_LEN) == 0, "%lu bytes", ptLen);

	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failures\n", failures);
	return failures != 0;
}
