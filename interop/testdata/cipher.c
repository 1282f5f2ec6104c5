/*
 * cipher.c checks encryption, decryption, key wrapping and the dual
 * functions through the C ABI, calling the module the way real clients
 * do: CK_MECHANISM structs on the stack, a length query with a NULL
 * output before the real call, in-place calls (the input buffer is the
 * output buffer), multi-part calls with parts of odd sizes. Keys imported
 * with C_CreateObject reproduce published vectors byte for byte: NIST SP
 * 800-38A F.1.1, F.2.1 and F.5.1, McGrew and Viega's GCM test case 4,
 * FIPS 81's DES examples, RFC 4493's CMAC examples 2 and 4, RFC 3394 4.1
 * and RFC 5649 section 6; generated keys make round trips. Then the
 * error paths, C_WrapKey and C_UnwrapKey with their refusals (Tookan's
 * attacks among them), the dual-function updates and C_DigestKey.
 * Usage: cipher MODULE.so. One line per check; non-zero exit if any failed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

#ifndef CKM_AES_KEY_WRAP_KWP
#define CKM_AES_KEY_WRAP_KWP 0x210bUL /* PKCS#11 3.0: RFC 5649 */
#endif

static const char SO_PIN[] = "cipher-so-pin", USER_PIN[] = "cipher-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_BYTE data[256]; /* 0, 1, 2, ...: the round trips' plaintext */
static void *lib;

/* unhex decodes a hex string into out and returns its length. */
static CK_ULONG unhex(const char *hex, CK_BYTE *out)
{
	CK_ULONG n = 0;
	for (; hex[0] && hex[1]; hex += 2) {
		unsigned int b;
		sscanf(hex, "%2x", &b);
		out[n++] = (CK_BYTE)b;
	}
	return n;
}

/* value reads a key's CKA_VALUE into v and returns its length (0 on failure). */
static CK_ULONG value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_BYTE *v, CK_ULONG cap)
{
	CK_ATTRIBUTE a = {CKA_VALUE, v, cap};
	if (f->C_GetAttributeValue(s, o, &a, 1) != CKR_OK)
		return 0;
	return a.ulValueLen;
}

/* import creates a secret key of type kt with value v, extractable and
 * not sensitive, with extra attributes appended to its template. */
static CK_OBJECT_HANDLE import_extra(CK_SESSION_HANDLE s, CK_KEY_TYPE kt, const CK_BYTE *v, CK_ULONG n, CK_ATTRIBUTE *extra, CK_ULONG nextra)
{
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE t[16] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &kt, sizeof kt}, {CKA_VALUE, (CK_VOID_PTR)v, n},
		{CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	if (nextra)
		memcpy(t + 5, extra, nextra * sizeof *extra);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	char name[96];
	snprintf(name, sizeof name, "C_CreateObject secret key type 0x%lx, %lu bytes", kt, n);
	EXPECT(name, f->C_CreateObject(s, t, 5 + nextra, &h), CKR_OK);
	return h;
}

static CK_OBJECT_HANDLE import(CK_SESSION_HANDLE s, CK_KEY_TYPE kt, const CK_BYTE *v, CK_ULONG n)
{
	return import_extra(s, kt, v, n, NULL, 0);
}

/* generate makes a secret key with mechanism mech (len bytes, or the
 * type's length when len is 0), extractable or not. */
static CK_OBJECT_HANDLE generate(CK_SESSION_HANDLE s, CK_MECHANISM_TYPE mech, CK_ULONG len, CK_BBOOL extractable)
{
	CK_MECHANISM m = {mech, NULL, 0};
	CK_ATTRIBUTE t[] = {{CKA_EXTRACTABLE, &extractable, 1}, {CKA_VALUE_LEN, &len, sizeof len}};
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	char name[96];
	snprintf(name, sizeof name, "C_GenerateKey 0x%lx, %lu bytes", mech, len);
	EXPECT(name, f->C_GenerateKey(s, &m, t, len ? 2 : 1, &h), CKR_OK);
	return h;
}

/* rsa_pair generates a 2048-bit RSA key pair for every use, the
 * private key extractable. */
static void rsa_pair(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_ULONG bits = 2048;
	CK_BYTE e[] = {1, 0, 1};
	CK_ATTRIBUTE pubT[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, e, sizeof e},
		{CKA_ENCRYPT, &yes, 1}, {CKA_VERIFY, &yes, 1}, {CKA_WRAP, &yes, 1}};
	CK_ATTRIBUTE privT[] = {{CKA_DECRYPT, &yes, 1}, {CKA_SIGN, &yes, 1}, {CKA_UNWRAP, &yes, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_MECHANISM m = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	EXPECT("C_GenerateKeyPair RSA 2048", f->C_GenerateKeyPair(s, &m, pubT, 5, privT, 4, pub, priv), CKR_OK);
}

static void ec_pair(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE privT[] = {{CKA_SIGN, &yes, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	EXPECT("C_GenerateKeyPair EC P-256", f->C_GenerateKeyPair(s, &m, pubT, 2, privT, 2, pub, priv), CKR_OK);
}

/* The length the last length query of encrypt or decrypt returned. */
static CK_ULONG queried;

/* encrypt runs C_EncryptInit and C_Encrypt as clients do: a length query
 * with a NULL output, then the call with a buffer of the length it gave
 * (at most *n, the buffer's capacity). *n gets the ciphertext's length.
 * in may be out: the data is encrypted in place. */
static CK_RV encrypt(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const CK_BYTE *in, CK_ULONG len, CK_BYTE *out, CK_ULONG *n)
{
	CK_RV rv = f->C_EncryptInit(s, m, key);
	if (rv != CKR_OK)
		return rv;
	queried = 0;
	rv = f->C_Encrypt(s, (CK_BYTE_PTR)in, len, NULL, &queried);
	if (rv != CKR_OK)
		return rv;
	if (queried > *n) {
		printf("FAIL C_Encrypt length query: %lu bytes for %lu, more than the test's buffer\n", queried, len);
		failures++;
		return CKR_GENERAL_ERROR;
	}
	*n = queried;
	return f->C_Encrypt(s, (CK_BYTE_PTR)in, len, out, n);
}

static CK_RV decrypt(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const CK_BYTE *in, CK_ULONG len, CK_BYTE *out, CK_ULONG *n)
{
	CK_RV rv = f->C_DecryptInit(s, m, key);
	if (rv != CKR_OK)
		return rv;
	queried = 0;
	rv = f->C_Decrypt(s, (CK_BYTE_PTR)in, len, NULL, &queried);
	if (rv != CKR_OK)
		return rv;
	if (queried > *n) {
		printf("FAIL C_Decrypt length query: %lu bytes for %lu, more than the test's buffer\n", queried, len);
		failures++;
		return CKR_GENERAL_ERROR;
	}
	*n = queried;
	return f->C_Decrypt(s, (CK_BYTE_PTR)in, len, out, n);
}

/* Part sizes of the multi-part calls: odd, and crossing block boundaries. */
static const CK_ULONG parts[] = {1, 7, 13, 16, 3, 31, 2, 17, 64};

/* crypt_parts encrypts (or decrypts) len bytes of in with
 * C_EncryptUpdate over parts of odd sizes, each given all the room left
 * in out (capacity *n), then C_EncryptFinal after a length query. With
 * in == out it runs in place: each part's output overwrites input
 * already consumed. *n gets the output's length. */
static CK_RV crypt_parts(CK_SESSION_HANDLE s, int dec, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const CK_BYTE *in, CK_ULONG len, CK_BYTE *out, CK_ULONG *n)
{
	CK_C_EncryptInit init = dec ? f->C_DecryptInit : f->C_EncryptInit;
	CK_C_EncryptUpdate update = dec ? f->C_DecryptUpdate : f->C_EncryptUpdate;
	CK_C_EncryptFinal final = dec ? f->C_DecryptFinal : f->C_EncryptFinal;
	CK_ULONG cap = *n, off = 0, done = 0;
	CK_RV rv = init(s, m, key);
	if (rv != CKR_OK)
		return rv;
	for (size_t i = 0; off < len; i++) {
		CK_ULONG p = parts[i % (sizeof parts / sizeof parts[0])];
		if (p > len - off)
			p = len - off;
		CK_ULONG got = cap - done;
		rv = update(s, (CK_BYTE_PTR)in + off, p, out + done, &got);
		if (rv != CKR_OK)
			return rv;
		off += p;
		done += got;
		if (done > off) {
			printf("FAIL update output ran ahead of its input: %lu bytes out for %lu in\n", done, off);
			failures++;
		}
	}
	CK_ULONG q = 0;
	rv = final(s, NULL, &q);
	if (rv != CKR_OK)
		return rv;
	if (done + q > cap) {
		printf("FAIL final length query: %lu bytes, more than the test's buffer\n", q);
		failures++;
		return CKR_GENERAL_ERROR;
	}
	rv = final(s, out + done, &q);
	*n = done + q;
	return rv;
}

/* same checks that n bytes at got are the want bytes. */
static void same(const char *name, const CK_BYTE *got, CK_ULONG n, const CK_BYTE *want, CK_ULONG wn)
{
	CHECK(name, n == wn && memcmp(got, want, n) == 0, "%lu bytes, want %lu%s", n, wn, n == wn ? ", different" : "");
}

/* roundtrip encrypts len bytes of data under key with m single-part,
 * in place and in parts (when multipart): all three must agree. Then it
 * decrypts the ciphertext the same three ways back to the data. */
static void roundtrip(CK_SESSION_HANDLE s, const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE key, CK_ULONG len, int multipart)
{
	char name[160];
	CK_BYTE ct[512], buf[512];
	CK_ULONG n = sizeof ct, k;
	snprintf(name, sizeof name, "%s: C_Encrypt of %lu bytes", what, len);
	EXPECT(name, encrypt(s, m, key, data, len, ct, &n), CKR_OK);
	memcpy(buf, data, len);
	k = sizeof buf;
	snprintf(name, sizeof name, "%s: C_Encrypt in place", what);
	EXPECT(name, encrypt(s, m, key, buf, len, buf, &k), CKR_OK);
	snprintf(name, sizeof name, "%s: in-place ciphertext is the same", what);
	same(name, buf, k, ct, n);
	if (multipart) {
		k = sizeof buf;
		snprintf(name, sizeof name, "%s: C_EncryptUpdate in parts", what);
		EXPECT(name, crypt_parts(s, 0, m, key, data, len, buf, &k), CKR_OK);
		snprintf(name, sizeof name, "%s: multi-part ciphertext is the same", what);
		same(name, buf, k, ct, n);
		memcpy(buf, data, len);
		k = sizeof buf;
		snprintf(name, sizeof name, "%s: C_EncryptUpdate in parts, in place", what);
		EXPECT(name, crypt_parts(s, 0, m, key, buf, len, buf, &k), CKR_OK);
		snprintf(name, sizeof name, "%s: in-place multi-part ciphertext is the same", what);
		same(name, buf, k, ct, n);
	}
	k = sizeof buf;
	snprintf(name, sizeof name, "%s: C_Decrypt", what);
	EXPECT(name, decrypt(s, m, key, ct, n, buf, &k), CKR_OK);
	snprintf(name, sizeof name, "%s: decrypts to the data", what);
	same(name, buf, k, data, len);
	memcpy(buf, ct, n);
	k = sizeof buf;
	snprintf(name, sizeof name, "%s: C_Decrypt in place", what);
	EXPECT(name, decrypt(s, m, key, buf, n, buf, &k), CKR_OK);
	snprintf(name, sizeof name, "%s: decrypts in place to the data", what);
	same(name, buf, k, data, len);
	if (multipart) {
		k = sizeof buf;
		snprintf(name, sizeof name, "%s: C_DecryptUpdate in parts", what);
		EXPECT(name, crypt_parts(s, 1, m, key, ct, n, buf, &k), CKR_OK);
		snprintf(name, sizeof name, "%s: decrypts in parts to the data", what);
		same(name, buf, k, data, len);
		memcpy(buf, ct, n);
		k = sizeof buf;
		snprintf(name, sizeof name, "%s: C_DecryptUpdate in parts, in place", what);
		EXPECT(name, crypt_parts(s, 1, m, key, buf, n, buf, &k), CKR_OK);
		snprintf(name, sizeof name, "%s: decrypts in parts in place to the data", what);
		same(name, buf, k, data, len);
	}
}

/* vector encrypts pt under key with m as a single part, in place and in
 * parts, expecting ct, and decrypts ct back to pt. */
static void vector(CK_SESSION_HANDLE s, const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE key, const char *pthex, const char *cthex, int multipart)
{
	char name[160];
	CK_BYTE pt[256], ct[256], out[256], buf[256];
	CK_ULONG ptn = unhex(pthex, pt), ctn = unhex(cthex, ct), n = sizeof out;
	snprintf(name, sizeof name, "%s: C_Encrypt", what);
	EXPECT(name, encrypt(s, m, key, pt, ptn, out, &n), CKR_OK);
	snprintf(name, sizeof name, "%s: the length query gives the exact length", what);
	CHECK(name, queried == ctn, "%lu, want %lu", queried, ctn);
	snprintf(name, sizeof name, "%s: ciphertext", what);
	same(name, out, n, ct, ctn);
	memcpy(buf, pt, ptn);
	n = sizeof buf;
	snprintf(name, sizeof name, "%s: C_Encrypt in place", what);
	EXPECT(name, encrypt(s, m, key, buf, ptn, buf, &n), CKR_OK);
	snprintf(name, sizeof name, "%s: ciphertext in place", what);
	same(name, buf, n, ct, ctn);
	if (multipart) {
		n = sizeof out;
		snprintf(name, sizeof name, "%s: C_EncryptUpdate in parts", what);
		EXPECT(name, crypt_parts(s, 0, m, key, pt, ptn, out, &n), CKR_OK);
		snprintf(name, sizeof name, "%s: multi-part ciphertext", what);
		same(name, out, n, ct, ctn);
		n = sizeof out;
		snprintf(name, sizeof name, "%s: C_DecryptUpdate in parts", what);
		EXPECT(name, crypt_parts(s, 1, m, key, ct, ctn, out, &n), CKR_OK);
		snprintf(name, sizeof name, "%s: multi-part plaintext", what);
		same(name, out, n, pt, ptn);
	}
	n = sizeof out;
	snprintf(name, sizeof name, "%s: C_Decrypt", what);
	EXPECT(name, decrypt(s, m, key, ct, ctn, out, &n), CKR_OK);
	snprintf(name, sizeof name, "%s: plaintext", what);
	same(name, out, n, pt, ptn);
}

/* The NIST SP 800-38A plaintext and AES-128 key. */
static const char nistKey[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const char nistPlain[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
				"30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";

static void check_aes_vectors(CK_SESSION_HANDLE s)
{
	CK_BYTE k[32], iv[16];
	CK_OBJECT_HANDLE key = import(s, CKK_AES, k, unhex(nistKey, k));
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};
	vector(s, "SP 800-38A F.1.1 ECB-AES128", &ecb, key, nistPlain,
	       "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"
	       "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4", 1);
	CK_MECHANISM cbc = {CKM_AES_CBC, iv, unhex("000102030405060708090a0b0c0d0e0f", iv)};
	static const char cbcCipher[] = "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
					"73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7";
	vector(s, "SP 800-38A F.2.1 CBC-AES128", &cbc, key, nistPlain, cbcCipher, 1);

	/* CBC_PAD of whole blocks is CBC followed by a block of padding. */
	CK_MECHANISM pad = {CKM_AES_CBC_PAD, iv, 16};
	CK_BYTE pt[64], ct[64], out[96];
	CK_ULONG n = sizeof out;
	unhex(nistPlain, pt);
	unhex(cbcCipher, ct);
	EXPECT("F.2.1 with CKM_AES_CBC_PAD", encrypt(s, &pad, key, pt, 64, out, &n), CKR_OK);
	CHECK("CKM_AES_CBC_PAD adds a whole block of padding to whole blocks", n == 80 && memcmp(out, ct, 64) == 0, "%lu bytes", n);
	CK_BYTE back[96];
	CK_ULONG backn = sizeof back;
	EXPECT("C_Decrypt CKM_AES_CBC_PAD", decrypt(s, &pad, key, out, n, back, &backn), CKR_OK);
	same("the padding comes off", back, backn, pt, 64);

	CK_AES_CTR_PARAMS ctr = {128, {0}};
	unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", ctr.cb);
	CK_MECHANISM ctrm = {CKM_AES_CTR, &ctr, sizeof ctr};
	vector(s, "SP 800-38A F.5.1 CTR-AES128", &ctrm, key, nistPlain,
	       "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
	       "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee", 1);
	ctr.ulCounterBits = 32;
	vector(s, "F.5.1 with a 32-bit counter", &ctrm, key, nistPlain,
	       "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
	       "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee", 1);
	/* A counter of 8 bits at 0xff has one block left. */
	ctr.ulCounterBits = 8;
	n = sizeof out;
	EXPECT("CKM_AES_CTR: one block left in an 8-bit counter", encrypt(s, &ctrm, key, pt, 16, out, &n), CKR_OK);
	n = sizeof out;
	EXPECT("CKM_AES_CTR: a second block would wrap the 8-bit counter", encrypt(s, &ctrm, key, pt, 17, out, &n), CKR_DATA_LEN_RANGE);

	/* McGrew and Viega, "The Galois/Counter Mode of Operation", test case 4. */
	CK_BYTE gk[16], giv[12], aad[20];
	CK_OBJECT_HANDLE gkey = import(s, CKK_AES, gk, unhex("feffe9928665731c6d6a8f9467308308", gk));
	static const char gcmPlain[] = "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
				       "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39";
	static const char gcmCipher[] = "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
					"21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
					"5bc94fbc3221a5db94fae95ae7121a47";
	CK_GCM_PARAMS gcm = {giv, unhex("cafebabefacedbaddecaf888", giv), 96, aad, unhex("feedfacedeadbeeffeedfacedeadbeefabaddad2", aad), 128};
	CK_MECHANISM gcmm = {CKM_AES_GCM, &gcm, sizeof gcm};
	vector(s, "GCM test case 4, CK_GCM_PARAMS with ulIvBits", &gcmm, gkey, gcmPlain, gcmCipher, 1);
	CK_GCM_PARAMS_NO_IVBITS old = {giv, 12, aad, 20, 128};
	CK_MECHANISM oldm = {CKM_AES_GCM, &old, sizeof old};
	vector(s, "GCM test case 4, the 2.40 CK_GCM_PARAMS without ulIvBits", &oldm, gkey, gcmPlain, gcmCipher, 1);
	gcm.ulIvBits = 0;
	vector(s, "GCM test case 4, ulIvBits 0", &gcmm, gkey, gcmPlain, gcmCipher, 0);
	gcm.ulIvBits = 96;
	gcm.ulTagBits = 96;
	vector(s, "GCM test case 4 with a 96-bit tag, the full tag's head", &gcmm, gkey, gcmPlain,
	       "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	       "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091"
	       "5bc94fbc3221a5db94fae95a",
	       0);
}

/* FIPS 81's DES examples, and triple DES with repeated halves, which
 * reduces to DES (K1 = K2 = K3) or makes DES2 equal DES3 (K3 = K1). */
static void check_des_vectors(CK_SESSION_HANDLE s)
{
	static const char desPlain[] = "4e6f77206973207468652074696d6520666f7220616c6c20"; /* "Now is the time for all " */
	static const char desECB[] = "3fa40e8a984d48156a271787ab8883f9893d51ec4b563b53";
	static const char desCBC[] = "e5c7cdde872bf27c43e934008c389c0f683788499a7c05f6";
	CK_BYTE k[24], iv[8];
	unhex("1234567890abcdef", iv);
	CK_OBJECT_HANDLE des = import(s, CKK_DES, k, unhex("0123456789abcdef", k));
	CK_MECHANISM ecb = {CKM_DES_ECB, NULL, 0}, cbc = {CKM_DES_CBC, iv, 8};
	vector(s, "FIPS 81 DES-ECB", &ecb, des, desPlain, desECB, 1);
	vector(s, "FIPS 81 DES-CBC", &cbc, des, desPlain, desCBC, 1);
	CK_OBJECT_HANDLE des3 = import(s, CKK_DES3, k, unhex("0123456789abcdef0123456789abcdef0123456789abcdef", k));
	CK_MECHANISM ecb3 = {CKM_DES3_ECB, NULL, 0}, cbc3 = {CKM_DES3_CBC, iv, 8};
	vector(s, "DES3-ECB with K1 = K2 = K3 is DES", &ecb3, des3, desPlain, desECB, 1);
	vector(s, "DES3-CBC with K1 = K2 = K3 is DES", &cbc3, des3, desPlain, desCBC, 1);

	CK_BYTE ct2[64], ct3[64];
	CK_ULONG n2 = sizeof ct2, n3 = sizeof ct3;
	CK_OBJECT_HANDLE two = import(s, CKK_DES2, k, unhex("0123456789abcdeffedcba9876543210", k));
	CK_OBJECT_HANDLE three = import(s, CKK_DES3, k, unhex("0123456789abcdeffedcba98765432100123456789abcdef", k));
	CK_MECHANISM pad3 = {CKM_DES3_CBC_PAD, iv, 8};
	EXPECT("C_Encrypt DES3-CBC-PAD with a DES2 key", encrypt(s, &pad3, two, data, 61, ct2, &n2), CKR_OK);
	EXPECT("C_Encrypt DES3-CBC-PAD with the DES3 key K1 K2 K1", encrypt(s, &pad3, three, data, 61, ct3, &n3), CKR_OK);
	same("a DES2 key K1 K2 encrypts as the DES3 key K1 K2 K1", ct2, n2, ct3, n3);
	CHECK("DES3-CBC-PAD pads 61 bytes to 64", n2 == 64, "%lu", n2);
}

/* Round trips with generated keys of every mechanism. */
static void check_roundtrips(CK_SESSION_HANDLE s)
{
	char what[96];
	CK_BYTE iv[16] = {9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}, aad[] = "header";
	for (CK_ULONG len = 16; len <= 32; len += 8) {
		CK_OBJECT_HANDLE key = generate(s, CKM_AES_KEY_GEN, len, CK_FALSE);
		CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0}, cbc = {CKM_AES_CBC, iv, 16}, pad = {CKM_AES_CBC_PAD, iv, 16};
		snprintf(what, sizeof what, "AES-%lu ECB", 8 * len);
		roundtrip(s, what, &ecb, key, 64, 1);
		snprintf(what, sizeof what, "AES-%lu CBC", 8 * len);
		roundtrip(s, what, &cbc, key, 160, 1);
		snprintf(what, sizeof what, "AES-%lu CBC_PAD", 8 * len);
		roundtrip(s, what, &pad, key, 61, 1);
		roundtrip(s, what, &pad, key, 16, 1);
		roundtrip(s, what, &pad, key, 0, 1);
		roundtrip(s, what, &pad, key, 200, 1);
		/* The counter's low 64 bits carry into the high ones. */
		CK_AES_CTR_PARAMS ctr = {128, {1, 2, 3, 4, 5, 6, 7, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe}};
		CK_MECHANISM ctrm = {CKM_AES_CTR, &ctr, sizeof ctr};
		snprintf(what, sizeof what, "AES-%lu CTR", 8 * len);
		roundtrip(s, what, &ctrm, key, 61, 1);
		roundtrip(s, what, &ctrm, key, 200, 1);
		CK_GCM_PARAMS gcm = {iv, 12, 96, aad, sizeof aad - 1, 128};
		CK_MECHANISM gcmm = {CKM_AES_GCM, &gcm, sizeof gcm};
		snprintf(what, sizeof what, "AES-%lu GCM", 8 * len);
		roundtrip(s, what, &gcmm, key, 61, 1);
		roundtrip(s, what, &gcmm, key, 0, 1);
		gcm.ulTagBits = 112;
		snprintf(what, sizeof what, "AES-%lu GCM, 112-bit tag", 8 * len);
		roundtrip(s, what, &gcmm, key, 100, 1);
		gcm.pIv = data;
		gcm.ulIvLen = 16;
		gcm.ulIvBits = 128;
		gcm.ulTagBits = 128;
		snprintf(what, sizeof what, "AES-%lu GCM, 16-byte IV", 8 * len);
		roundtrip(s, what, &gcmm, key, 100, 1);
		gcm.ulTagBits = 112;
		snprintf(what, sizeof what, "AES-%lu GCM, 16-byte IV, 112-bit tag", 8 * len);
		roundtrip(s, what, &gcmm, key, 100, 1);
	}
	CK_OBJECT_HANDLE wrapKey = generate(s, CKM_AES_KEY_GEN, 32, CK_FALSE);
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0}, kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	roundtrip(s, "CKM_AES_KEY_WRAP", &kw, wrapKey, 40, 0);
	roundtrip(s, "CKM_AES_KEY_WRAP_KWP", &kwp, wrapKey, 41, 0);
	roundtrip(s, "CKM_AES_KEY_WRAP_KWP", &kwp, wrapKey, 1, 0);

	struct {
		CK_MECHANISM_TYPE gen, ecb, cbc, pad;
		const char *name;
	} des[] = {
		{CKM_DES2_KEY_GEN, CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD, "DES2"},
		{CKM_DES3_KEY_GEN, CKM_DES3_ECB, CKM_DES3_CBC, CKM_DES3_CBC_PAD, "DES3"},
		{CKM_DES_KEY_GEN, CKM_DES_ECB, CKM_DES_CBC, CKM_DES_CBC_PAD, "DES"},
	};
	for (size_t i = 0; i < sizeof des / sizeof des[0]; i++) {
		CK_OBJECT_HANDLE key = generate(s, des[i].gen, 0, CK_FALSE);
		CK_MECHANISM ecb = {des[i].ecb, NULL, 0}, cbc = {des[i].cbc, iv, 8}, pad = {des[i].pad, iv, 8};
		snprintf(what, sizeof what, "%s ECB", des[i].name);
		roundtrip(s, what, &ecb, key, 64, 1);
		snprintf(what, sizeof what, "%s CBC", des[i].name);
		roundtrip(s, what, &cbc, key, 64, 1);
		snprintf(what, sizeof what, "%s CBC_PAD", des[i].name);
		roundtrip(s, what, &pad, key, 61, 1);
		roundtrip(s, what, &pad, key, 8, 1);
	}
}

/* RSA encryption: the public key encrypts, the private key decrypts;
 * PKCS#1 v1.5 and OAEP are randomized, so the two encryptions differ. */
static void rsa_roundtrip(CK_SESSION_HANDLE s, const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv, CK_ULONG len)
{
	char name[160];
	CK_BYTE ct[256], ct2[256], buf[256];
	CK_ULONG n = sizeof ct, n2 = sizeof ct2, k = sizeof buf;
	snprintf(name, sizeof name, "%s: C_Encrypt of %lu bytes", what, len);
	EXPECT(name, encrypt(s, m, pub, data, len, ct, &n), CKR_OK);
	snprintf(name, sizeof name, "%s: the ciphertext is one modulus long", what);
	CHECK(name, n == 256 && queried == 256, "%lu bytes, %lu queried", n, queried);
	memcpy(ct2, data, len);
	snprintf(name, sizeof name, "%s: C_Encrypt in place", what);
	EXPECT(name, encrypt(s, m, pub, ct2, len, ct2, &n2), CKR_OK);
	if (m->mechanism != CKM_RSA_X_509) {
		snprintf(name, sizeof name, "%s: two encryptions differ", what);
		CHECK(name, n2 == 256 && memcmp(ct, ct2, 256) != 0, "the same");
	}
	snprintf(name, sizeof name, "%s: C_Decrypt", what);
	EXPECT(name, decrypt(s, m, priv, ct, n, buf, &k), CKR_OK);
	snprintf(name, sizeof name, "%s: the length query bounds the plaintext by the modulus", what);
	CHECK(name, queried == 256, "%lu", queried);
	snprintf(name, sizeof name, "%s: decrypts to the data", what);
	same(name, buf, k, data, len);
	/* The plaintext's exact length is enough room, though less than the
	 * bound the length query gave. */
	k = len;
	snprintf(name, sizeof name, "%s: C_DecryptInit", what);
	EXPECT(name, f->C_DecryptInit(s, m, priv), CKR_OK);
	snprintf(name, sizeof name, "%s: C_Decrypt in place into exactly the plaintext's length", what);
	EXPECT(name, f->C_Decrypt(s, ct2, n2, ct2, &k), CKR_OK);
	snprintf(name, sizeof name, "%s: the in-place decryption", what);
	same(name, ct2, k, data, len);
}

static void check_rsa(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
{
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	rsa_roundtrip(s, "CKM_RSA_PKCS", &pkcs, pub, priv, 10);
	rsa_roundtrip(s, "CKM_RSA_PKCS", &pkcs, pub, priv, 245);
	CK_BYTE out[256];
	CK_ULONG n = sizeof out;
	EXPECT("CKM_RSA_PKCS: 246 bytes are too long for a 2048-bit key", encrypt(s, &pkcs, pub, data, 246, out, &n), CKR_DATA_LEN_RANGE);

	CK_RSA_PKCS_OAEP_PARAMS sha1 = {CKM_SHA_1, CKG_MGF1_SHA1, CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM oaep = {CKM_RSA_PKCS_OAEP, &sha1, sizeof sha1};
	rsa_roundtrip(s, "OAEP SHA-1, no label", &oaep, pub, priv, 20);
	rsa_roundtrip(s, "OAEP SHA-1, no label", &oaep, pub, priv, 214);
	sha1.source = 0;
	rsa_roundtrip(s, "OAEP SHA-1, source 0", &oaep, pub, priv, 20);
	sha1.source = CKZ_DATA_SPECIFIED;
	sha1.pSourceData = "label";
	sha1.ulSourceDataLen = 5;
	rsa_roundtrip(s, "OAEP SHA-1 with a label", &oaep, pub, priv, 20);
	CK_RSA_PKCS_OAEP_PARAMS sha256NoLabel = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM oaep256NoLabel = {CKM_RSA_PKCS_OAEP, &sha256NoLabel, sizeof sha256NoLabel};
	rsa_roundtrip(s, "OAEP SHA-256, no label", &oaep256NoLabel, pub, priv, 190);
	CK_RSA_PKCS_OAEP_PARAMS sha256 = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, "a label", 7};
	CK_MECHANISM oaep256 = {CKM_RSA_PKCS_OAEP, &sha256, sizeof sha256};
	rsa_roundtrip(s, "OAEP SHA-256 with a label", &oaep256, pub, priv, 32);
	n = sizeof out;
	EXPECT("OAEP SHA-256: 191 bytes are too long for a 2048-bit key", encrypt(s, &oaep256, pub, data, 191, out, &n), CKR_DATA_LEN_RANGE);
	n = sizeof out;
	EXPECT("C_Encrypt OAEP SHA-256 with a label", encrypt(s, &oaep256, pub, data, 32, out, &n), CKR_OK);
	CK_RSA_PKCS_OAEP_PARAMS other = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, "another", 7};
	CK_MECHANISM otherm = {CKM_RSA_PKCS_OAEP, &other, sizeof other};
	CK_BYTE back[256];
	CK_ULONG k = sizeof back;
	EXPECT("C_Decrypt OAEP with another label", decrypt(s, &otherm, priv, out, n, back, &k), CKR_ENCRYPTED_DATA_INVALID);
	other.pSourceData = NULL;
	other.ulSourceDataLen = 0;
	k = sizeof back;
	EXPECT("C_Decrypt OAEP without the label", decrypt(s, &otherm, priv, out, n, back, &k), CKR_ENCRYPTED_DATA_INVALID);
	k = sizeof back;
	EXPECT("C_Decrypt OAEP with the label", decrypt(s, &oaep256, priv, out, n, back, &k), CKR_OK);
	same("OAEP SHA-256 plaintext", back, k, data, 32);
	CK_RSA_PKCS_OAEP_PARAMS mixed = {CKM_SHA256, CKG_MGF1_SHA1, 0, NULL, 0};
	CK_MECHANISM mixedm = {CKM_RSA_PKCS_OAEP, &mixed, sizeof mixed};
	rsa_roundtrip(s, "OAEP SHA-256 with MGF1-SHA1", &mixedm, pub, priv, 50);
	CK_MECHANISM shortParam = {CKM_RSA_PKCS_OAEP, &mixed, sizeof mixed - 1};
	EXPECT("OAEP with a short parameter", f->C_EncryptInit(s, &shortParam, pub), CKR_MECHANISM_PARAM_INVALID);

	/* Raw RSA: a block below the modulus comes back whole. */
	CK_MECHANISM raw = {CKM_RSA_X_509, NULL, 0};
	rsa_roundtrip(s, "CKM_RSA_X_509", &raw, pub, priv, 256); /* data starts 0: below the modulus */
	CK_BYTE block[256];
	memset(block, 0xff, sizeof block);
	n = sizeof out;
	EXPECT("CKM_RSA_X_509 of a block above the modulus", encrypt(s, &raw, pub, block, 256, out, &n), CKR_DATA_INVALID);

	CK_MECHANISM aes = {CKM_AES_ECB, NULL, 0};
	EXPECT("CKM_AES_ECB with an RSA public key", f->C_EncryptInit(s, &aes, pub), CKR_KEY_TYPE_INCONSISTENT);
	EXPECT("CKM_AES_ECB with an RSA private key", f->C_DecryptInit(s, &aes, priv), CKR_KEY_TYPE_INCONSISTENT);
}

/* CMAC, RFC 4493 examples 2 and 4, in one part and in parts; the
 * _GENERAL variant truncates. */
static void check_cmac(CK_SESSION_HANDLE s)
{
	CK_BYTE k[16], msg[64], want2[16], want4[16], mac[16];
	CK_OBJECT_HANDLE key = import(s, CKK_AES, k, unhex(nistKey, k));
	unhex(nistPlain, msg);
	unhex("070a16b46b4d4144f79bdd9dd04a287c", want2);
	unhex("51f0bebf7e3b9d92fc49741779363cfe", want4);
	CK_MECHANISM m = {CKM_AES_CMAC, NULL, 0};
	CK_ULONG n = 0;
	EXPECT("C_SignInit CKM_AES_CMAC", f->C_SignInit(s, &m, key), CKR_OK);
	EXPECT("C_Sign length query", f->C_Sign(s, msg, 16, NULL, &n), CKR_OK);
	CHECK("a CMAC is 16 bytes", n == 16, "%lu", n);
	EXPECT("C_Sign CKM_AES_CMAC", f->C_Sign(s, msg, 16, mac, &n), CKR_OK);
	same("RFC 4493 example 2", mac, n, want2, 16);
	EXPECT("C_SignInit CKM_AES_CMAC", f->C_SignInit(s, &m, key), CKR_OK);
	CK_ULONG off = 0;
	for (size_t i = 0; off < 64; i++) {
		CK_ULONG p = parts[i % (sizeof parts / sizeof parts[0])];
		if (p > 64 - off)
			p = 64 - off;
		EXPECT("C_SignUpdate", f->C_SignUpdate(s, msg + off, p), CKR_OK);
		off += p;
	}
	n = sizeof mac;
	EXPECT("C_SignFinal", f->C_SignFinal(s, mac, &n), CKR_OK);
	same("RFC 4493 example 4 in parts", mac, n, want4, 16);
	EXPECT("C_VerifyInit CKM_AES_CMAC", f->C_VerifyInit(s, &m, key), CKR_OK);
	EXPECT("C_Verify RFC 4493 example 4", f->C_Verify(s, msg, 64, want4, 16), CKR_OK);
	want4[0] ^= 1;
	EXPECT("C_VerifyInit CKM_AES_CMAC", f->C_VerifyInit(s, &m, key), CKR_OK);
	EXPECT("C_Verify of a wrong CMAC", f->C_Verify(s, msg, 64, want4, 16), CKR_SIGNATURE_INVALID);

	CK_MAC_GENERAL_PARAMS len = 8;
	CK_MECHANISM general = {CKM_AES_CMAC_GENERAL, &len, sizeof len};
	n = sizeof mac;
	EXPECT("C_SignInit CKM_AES_CMAC_GENERAL 8", f->C_SignInit(s, &general, key), CKR_OK);
	EXPECT("C_Sign", f->C_Sign(s, msg, 16, mac, &n), CKR_OK);
	same("an 8-byte CMAC is the head of example 2's", mac, n, want2, 8);
	EXPECT("C_VerifyInit CKM_AES_CMAC_GENERAL 8", f->C_VerifyInit(s, &general, key), CKR_OK);
	EXPECT("C_Verify of the 8-byte CMAC", f->C_Verify(s, msg, 16, want2, 8), CKR_OK);
	len = 17;
	EXPECT("CKM_AES_CMAC_GENERAL of 17 bytes", f->C_SignInit(s, &general, key), CKR_MECHANISM_PARAM_INVALID);
}

/* RFC 3394 4.1 and RFC 5649 section 6 through C_WrapKey, C_Encrypt,
 * C_UnwrapKey and C_Decrypt. */
static void check_wrap_vectors(CK_SESSION_HANDLE s)
{
	CK_BYTE kek[32], kd[32], want[40], out[64], iv[8];
	CK_OBJECT_HANDLE wrapping = import(s, CKK_AES, kek, unhex("000102030405060708090a0b0c0d0e0f", kek));
	CK_ULONG kdn = unhex("00112233445566778899aabbccddeeff", kd);
	CK_OBJECT_HANDLE key = import(s, CKK_AES, kd, kdn);
	CK_ULONG wn = unhex("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5", want);
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	CK_ULONG n = 0;
	EXPECT("C_WrapKey CKM_AES_KEY_WRAP length query", f->C_WrapKey(s, &kw, wrapping, key, NULL, &n), CKR_OK);
	CHECK("the wrapped length is 24", n == 24, "%lu", n);
	n = sizeof out;
	EXPECT("C_WrapKey CKM_AES_KEY_WRAP", f->C_WrapKey(s, &kw, wrapping, key, out, &n), CKR_OK);
	same("RFC 3394 4.1 by C_WrapKey", out, n, want, wn);
	CK_MECHANISM kwIV = {CKM_AES_KEY_WRAP, iv, unhex("a6a6a6a6a6a6a6a6", iv)};
	n = sizeof out;
	EXPECT("C_WrapKey with the default IV given", f->C_WrapKey(s, &kwIV, wrapping, key, out, &n), CKR_OK);
	same("RFC 3394 4.1 with the IV given", out, n, want, wn);
	vector(s, "RFC 3394 4.1 by C_Encrypt", &kw, wrapping, "00112233445566778899aabbccddeeff", "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5", 0);

	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE aes = CKK_AES, generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_OBJECT_HANDLE unwrapped;
	CK_BYTE v[64];
	EXPECT("C_UnwrapKey RFC 3394 4.1", f->C_UnwrapKey(s, &kw, wrapping, want, wn, t, 4, &unwrapped), CKR_OK);
	same("the unwrapped key's CKA_VALUE", v, value(s, unwrapped, v, sizeof v), kd, kdn);
	CHECK("the unwrapped key's CKA_VALUE_LEN", ulong_attr(s, unwrapped, CKA_VALUE_LEN) == 16, "%lu", ulong_attr(s, unwrapped, CKA_VALUE_LEN));

	CK_OBJECT_HANDLE kek192 = import(s, CKK_AES, kek, unhex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8", kek));
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	static const struct {
		const char *key, *wrapped, *name;
	} rfc5649[] = {
		{"c37b7e6492584340bed12207808941155068f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a",
		 "RFC 5649 section 6, 20 octets"},
		{"466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f", "RFC 5649 section 6, 7 octets"},
	};
	for (size_t i = 0; i < 2; i++) {
		char name[128];
		kdn = unhex(rfc5649[i].key, kd);
		wn = unhex(rfc5649[i].wrapped, want);
		CK_OBJECT_HANDLE secret = import(s, CKK_GENERIC_SECRET, kd, kdn);
		n = 0;
		snprintf(name, sizeof name, "%s: C_WrapKey length query", rfc5649[i].name);
		EXPECT(name, f->C_WrapKey(s, &kwp, kek192, secret, NULL, &n), CKR_OK);
		snprintf(name, sizeof name, "%s: C_WrapKey", rfc5649[i].name);
		EXPECT(name, f->C_WrapKey(s, &kwp, kek192, secret, out, &n), CKR_OK);
		snprintf(name, sizeof name, "%s by C_WrapKey", rfc5649[i].name);
		same(name, out, n, want, wn);
		snprintf(name, sizeof name, "%s by C_Encrypt", rfc5649[i].name);
		vector(s, name, &kwp, kek192, rfc5649[i].key, rfc5649[i].wrapped, 0);
		t[1].pValue = &generic;
		snprintf(name, sizeof name, "%s: C_UnwrapKey", rfc5649[i].name);
		EXPECT(name, f->C_UnwrapKey(s, &kwp, kek192, want, wn, t, 4, &unwrapped), CKR_OK);
		snprintf(name, sizeof name, "%s: the unwrapped value", rfc5649[i].name);
		same(name, v, value(s, unwrapped, v, sizeof v), kd, kdn);
	}
	/* RFC 5649's integrity check: a flipped bit, a wrong length. */
	want[3] ^= 0x10;
	EXPECT("C_UnwrapKey of a tampered KWP wrapping", f->C_UnwrapKey(s, &kwp, kek192, want, wn, t, 4, &unwrapped), CKR_WRAPPED_KEY_INVALID);
	want[3] ^= 0x10;
	EXPECT("C_UnwrapKey of a truncated KWP wrapping", f->C_UnwrapKey(s, &kwp, kek192, want, wn - 1, t, 4, &unwrapped), CKR_WRAPPED_KEY_LEN_RANGE);
}

/* The error paths of encryption and decryption. */
static void check_errors(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE key = generate(s, CKM_AES_KEY_GEN, 16, CK_FALSE);
	CK_BYTE iv[17] = {0}, out[256], ct[256], back[256];
	CK_ULONG n, k;

	/* Parameters. */
	CK_MECHANISM cbc15 = {CKM_AES_CBC, iv, 15}, cbc17 = {CKM_AES_CBC_PAD, iv, 17}, noIV = {CKM_AES_CBC, NULL, 0};
	EXPECT("C_EncryptInit CKM_AES_CBC with a 15-byte IV", f->C_EncryptInit(s, &cbc15, key), CKR_MECHANISM_PARAM_INVALID);
	n = sizeof out;
	EXPECT("the refused C_EncryptInit started nothing", f->C_Encrypt(s, data, 16, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_EncryptInit CKM_AES_CBC_PAD with a 17-byte IV", f->C_EncryptInit(s, &cbc17, key), CKR_MECHANISM_PARAM_INVALID);
	EXPECT("C_DecryptInit CKM_AES_CBC with a 15-byte IV", f->C_DecryptInit(s, &cbc15, key), CKR_MECHANISM_PARAM_INVALID);
	EXPECT("C_EncryptInit CKM_AES_CBC without an IV", f->C_EncryptInit(s, &noIV, key), CKR_MECHANISM_PARAM_INVALID);
	CK_GCM_PARAMS gcm = {iv, 12, 64, NULL, 0, 128};
	CK_MECHANISM gcmm = {CKM_AES_GCM, &gcm, sizeof gcm};
	EXPECT("CKM_AES_GCM with ulIvBits 64 for a 12-byte IV", f->C_EncryptInit(s, &gcmm, key), CKR_MECHANISM_PARAM_INVALID);
	gcm.ulIvBits = 96;
	gcm.ulTagBits = 136;
	EXPECT("CKM_AES_GCM with a 136-bit tag", f->C_EncryptInit(s, &gcmm, key), CKR_MECHANISM_PARAM_INVALID);
	gcm.ulTagBits = 128;
	gcm.ulIvLen = 0;
	gcm.ulIvBits = 0;
	EXPECT("CKM_AES_GCM with an empty IV", f->C_EncryptInit(s, &gcmm, key), CKR_MECHANISM_PARAM_INVALID);
	gcm.ulIvLen = 12;
	gcm.ulIvBits = 96;
	gcmm.ulParameterLen = sizeof gcm - 1;
	EXPECT("CKM_AES_GCM with a parameter of no CK_GCM_PARAMS size", f->C_EncryptInit(s, &gcmm, key), CKR_MECHANISM_PARAM_INVALID);
	gcmm.ulParameterLen = sizeof gcm;
	CK_AES_CTR_PARAMS ctr = {0, {0}};
	CK_MECHANISM ctrm = {CKM_AES_CTR, &ctr, sizeof ctr};
	EXPECT("CKM_AES_CTR with a 0-bit counter", f->C_EncryptInit(s, &ctrm, key), CKR_MECHANISM_PARAM_INVALID);
	ctr.ulCounterBits = 129;
	EXPECT("CKM_AES_CTR with a 129-bit counter", f->C_EncryptInit(s, &ctrm, key), CKR_MECHANISM_PARAM_INVALID);

	/* Bad padding: CBC without padding makes a last block whose final
	 * byte (0x20) is no PKCS #7 padding. */
	CK_MECHANISM cbc = {CKM_AES_CBC, iv, 16}, pad = {CKM_AES_CBC_PAD, iv, 16}, ecb = {CKM_AES_ECB, NULL, 0};
	n = sizeof ct;
	EXPECT("C_Encrypt CKM_AES_CBC of 32 bytes", encrypt(s, &cbc, key, data, 32, ct, &n), CKR_OK);
	k = sizeof back;
	memset(back, 0xee, sizeof back);
	EXPECT("C_Decrypt CKM_AES_CBC_PAD with bad padding", decrypt(s, &pad, key, ct, 32, back, &k), CKR_ENCRYPTED_DATA_INVALID);
	k = sizeof back;
	EXPECT("the bad padding ended the decryption", f->C_Decrypt(s, ct, 32, back, &k), CKR_OPERATION_NOT_INITIALIZED);
	k = sizeof back;
	EXPECT("C_DecryptInit CKM_AES_CBC_PAD", f->C_DecryptInit(s, &pad, key), CKR_OK);
	EXPECT("C_DecryptUpdate of 32 bytes", f->C_DecryptUpdate(s, ct, 32, back, &k), CKR_OK);
	CHECK("C_DecryptUpdate keeps the last block back", k == 16, "%lu bytes", k);
	k = sizeof back;
	EXPECT("C_DecryptFinal with bad padding", f->C_DecryptFinal(s, back, &k), CKR_ENCRYPTED_DATA_INVALID);
	EXPECT("the bad padding ended the decryption", f->C_DecryptFinal(s, back, &k), CKR_OPERATION_NOT_INITIALIZED);

	/* A parameter structure of the wrong size is refused like any other
	 * bad parameter: after the new C_EncryptInit has replaced an
	 * operation that had only answered a length query. */
	EXPECT("C_EncryptInit CKM_AES_GCM", f->C_EncryptInit(s, &gcmm, key), CKR_OK);
	k = 0;
	EXPECT("C_Encrypt length query", f->C_Encrypt(s, data, 16, NULL, &k), CKR_OK);
	CK_MECHANISM shortGCM = {CKM_AES_GCM, &gcm, sizeof gcm - 1};
	EXPECT("C_EncryptInit with a CK_GCM_PARAMS one byte short", f->C_EncryptInit(s, &shortGCM, key), CKR_MECHANISM_PARAM_INVALID);
	k = sizeof back;
	EXPECT("the refused C_EncryptInit ended the queried encryption", f->C_Encrypt(s, data, 16, back, &k), CKR_OPERATION_NOT_INITIALIZED);

	/* GCM: a wrong tag gives no plaintext. */
	CK_BYTE aad[] = "associated";
	gcm.pAAD = aad;
	gcm.ulAADLen = sizeof aad - 1;
	n = sizeof ct;
	EXPECT("C_Encrypt CKM_AES_GCM", encrypt(s, &gcmm, key, data, 40, ct, &n), CKR_OK);
	CHECK("GCM adds a 16-byte tag", n == 56, "%lu", n);
	ct[55] ^= 1;
	memset(back, 0xee, sizeof back);
	k = sizeof back;
	EXPECT("C_Decrypt CKM_AES_GCM with a wrong tag", decrypt(s, &gcmm, key, ct, n, back, &k), CKR_ENCRYPTED_DATA_INVALID);
	int leaked = 0;
	for (size_t i = 0; i < 40; i++)
		leaked += back[i] == data[i] && data[i] != 0;
	CHECK("a GCM tag mismatch gives out no plaintext", leaked == 0, "%d plaintext bytes in the buffer", leaked);
	int touched = 0;
	for (size_t i = 0; i < sizeof back; i++)
		touched += back[i] != 0xee;
	CHECK("a GCM tag mismatch leaves the output buffer untouched", touched == 0, "%d bytes changed", touched);
	k = sizeof back;
	EXPECT("the tag mismatch ended the decryption", f->C_Decrypt(s, ct, n, back, &k), CKR_OPERATION_NOT_INITIALIZED);
	ct[55] ^= 1;
	aad[0] ^= 1;
	k = sizeof back;
	EXPECT("C_Decrypt CKM_AES_GCM with other associated data", decrypt(s, &gcmm, key, ct, n, back, &k), CKR_ENCRYPTED_DATA_INVALID);
	aad[0] ^= 1;
	k = sizeof back;
	EXPECT("C_Decrypt CKM_AES_GCM of 15 bytes, shorter than the tag", decrypt(s, &gcmm, key, ct, 15, back, &k), CKR_ENCRYPTED_DATA_LEN_RANGE);
	memset(back, 0xee, sizeof back);
	EXPECT("C_DecryptInit CKM_AES_GCM", f->C_DecryptInit(s, &gcmm, key), CKR_OK);
	k = sizeof back;
	EXPECT("C_DecryptUpdate CKM_AES_GCM", f->C_DecryptUpdate(s, ct, n, back, &k), CKR_OK);
	CHECK("GCM gives no plaintext before the tag is checked", k == 0, "%lu bytes", k);
	k = 39;
	EXPECT("C_DecryptFinal CKM_AES_GCM into 39 bytes", f->C_DecryptFinal(s, back, &k), CKR_BUFFER_TOO_SMALL);
	CHECK("CKR_BUFFER_TOO_SMALL gives the length", k == 40, "%lu", k);
	EXPECT("C_DecryptFinal CKM_AES_GCM into 40 bytes", f->C_DecryptFinal(s, back, &k), CKR_OK);
	same("GCM multi-part decryption after CKR_BUFFER_TOO_SMALL", back, k, data, 40);

	/* Lengths that are not whole blocks. */
	n = sizeof out;
	EXPECT("C_Encrypt CKM_AES_CBC of 17 bytes", encrypt(s, &cbc, key, data, 17, out, &n), CKR_DATA_LEN_RANGE);
	n = sizeof out;
	EXPECT("the error ended the encryption", f->C_Encrypt(s, data, 16, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	n = sizeof out;
	EXPECT("C_Encrypt CKM_AES_ECB of 33 bytes", encrypt(s, &ecb, key, data, 33, out, &n), CKR_DATA_LEN_RANGE);
	k = sizeof back;
	EXPECT("C_Decrypt CKM_AES_CBC of 17 bytes", decrypt(s, &cbc, key, ct, 17, back, &k), CKR_ENCRYPTED_DATA_LEN_RANGE);
	k = sizeof back;
	EXPECT("C_Decrypt CKM_AES_CBC_PAD of 17 bytes", decrypt(s, &pad, key, ct, 17, back, &k), CKR_ENCRYPTED_DATA_LEN_RANGE);
	k = sizeof back;
	EXPECT("C_Decrypt CKM_AES_CBC_PAD of nothing", decrypt(s, &pad, key, ct, 0, back, &k), CKR_ENCRYPTED_DATA_LEN_RANGE);
	EXPECT("C_EncryptInit CKM_AES_ECB", f->C_EncryptInit(s, &ecb, key), CKR_OK);
	n = sizeof out;
	EXPECT("C_EncryptUpdate of 17 bytes", f->C_EncryptUpdate(s, data, 17, out, &n), CKR_OK);
	CHECK("C_EncryptUpdate encrypts the whole block", n == 16, "%lu", n);
	n = sizeof out;
	EXPECT("C_EncryptFinal with a byte left over", f->C_EncryptFinal(s, out, &n), CKR_DATA_LEN_RANGE);
	EXPECT("the error ended the encryption", f->C_EncryptFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_DecryptInit CKM_AES_CBC", f->C_DecryptInit(s, &cbc, key), CKR_OK);
	k = sizeof back;
	EXPECT("C_DecryptUpdate of 20 bytes", f->C_DecryptUpdate(s, ct, 20, back, &k), CKR_OK);
	k = sizeof back;
	EXPECT("C_DecryptFinal with 4 bytes left over", f->C_DecryptFinal(s, back, &k), CKR_ENCRYPTED_DATA_LEN_RANGE);
	CK_BYTE dk[8];
	CK_OBJECT_HANDLE des = import(s, CKK_DES, dk, unhex("0123456789abcdef", dk));
	CK_MECHANISM desEcb = {CKM_DES_ECB, NULL, 0};
	n = sizeof out;
	EXPECT("C_Encrypt CKM_DES_ECB of 12 bytes", encrypt(s, &desEcb, des, data, 12, out, &n), CKR_DATA_LEN_RANGE);

	/* CKR_BUFFER_TOO_SMALL keeps the operation; other errors end it. */
	CK_BYTE want[64];
	CK_ULONG wn = sizeof want;
	EXPECT("C_Encrypt CKM_AES_CBC of 32 bytes", encrypt(s, &cbc, key, data, 32, want, &wn), CKR_OK);
	EXPECT("C_EncryptInit CKM_AES_CBC", f->C_EncryptInit(s, &cbc, key), CKR_OK);
	n = 31;
	EXPECT("C_Encrypt into 31 bytes", f->C_Encrypt(s, data, 32, out, &n), CKR_BUFFER_TOO_SMALL);
	CHECK("CKR_BUFFER_TOO_SMALL gives the length", n == 32, "%lu", n);
	EXPECT("C_Encrypt after CKR_BUFFER_TOO_SMALL", f->C_Encrypt(s, data, 32, out, &n), CKR_OK);
	same("the encryption after CKR_BUFFER_TOO_SMALL", out, n, want, wn);
	EXPECT("C_EncryptInit CKM_AES_CBC", f->C_EncryptInit(s, &cbc, key), CKR_OK);
	n = 16;
	EXPECT("C_EncryptUpdate of 32 bytes into 16", f->C_EncryptUpdate(s, data, 32, out, &n), CKR_BUFFER_TOO_SMALL);
	CHECK("CKR_BUFFER_TOO_SMALL gives the length", n == 32, "%lu", n);
	EXPECT("C_EncryptUpdate after CKR_BUFFER_TOO_SMALL", f->C_EncryptUpdate(s, data, 32, out, &n), CKR_OK);
	k = 0;
	EXPECT("C_EncryptFinal", f->C_EncryptFinal(s, out + n, &k), CKR_OK);
	same("the multi-part encryption after CKR_BUFFER_TOO_SMALL", out, n + k, want, wn);

	CK_ULONG padn = sizeof ct;
	EXPECT("C_Encrypt CKM_AES_CBC_PAD of 61 bytes", encrypt(s, &pad, key, data, 61, ct, &padn), CKR_OK);
	EXPECT("C_DecryptInit CKM_AES_CBC_PAD", f->C_DecryptInit(s, &pad, key), CKR_OK);
	k = 0;
	EXPECT("C_Decrypt length query", f->C_Decrypt(s, ct, padn, NULL, &k), CKR_OK);
	CHECK("the length query bounds the plaintext", k >= 61, "%lu", k);
	k = 60;
	EXPECT("C_Decrypt CKM_AES_CBC_PAD into 60 bytes", f->C_Decrypt(s, ct, padn, back, &k), CKR_BUFFER_TOO_SMALL);
	CHECK("CKR_BUFFER_TOO_SMALL gives the exact length", k == 61, "%lu", k);
	EXPECT("C_Decrypt into exactly the plaintext's length, less than the bound", f->C_Decrypt(s, ct, padn, back, &k), CKR_OK);
	same("the decryption into the exact length", back, k, data, 61);
	EXPECT("C_DecryptInit CKM_AES_CBC_PAD", f->C_DecryptInit(s, &pad, key), CKR_OK);
	k = sizeof back;
	EXPECT("C_DecryptUpdate of 64 bytes", f->C_DecryptUpdate(s, ct, 64, back, &k), CKR_OK);
	CHECK("C_DecryptUpdate keeps the last block back", k == 48, "%lu", k);
	CK_ULONG last = 12;
	EXPECT("C_DecryptFinal into 12 bytes", f->C_DecryptFinal(s, back + k, &last), CKR_BUFFER_TOO_SMALL);
	CHECK("CKR_BUFFER_TOO_SMALL gives the exact length", last == 13, "%lu", last);
	EXPECT("C_DecryptFinal into exactly 13 bytes", f->C_DecryptFinal(s, back + k, &last), CKR_OK);
	same("the multi-part decryption into the exact length", back, k + last, data, 61);

	EXPECT("C_EncryptInit CKM_AES_CBC", f->C_EncryptInit(s, &cbc, key), CKR_OK);
	EXPECT("C_Encrypt NULL length pointer", f->C_Encrypt(s, data, 32, out, NULL), CKR_ARGUMENTS_BAD);
	n = sizeof out;
	EXPECT("the refused C_Encrypt ended the encryption", f->C_Encrypt(s, data, 32, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_EncryptInit CKM_AES_CBC", f->C_EncryptInit(s, &cbc, key), CKR_OK);
	n = sizeof out;
	EXPECT("C_EncryptUpdate", f->C_EncryptUpdate(s, data, 16, out, &n), CKR_OK);
	n = sizeof out;
	EXPECT("C_Encrypt after C_EncryptUpdate", f->C_Encrypt(s, data, 16, out, &n), CKR_OPERATION_ACTIVE);
	EXPECT("the mixed call ended the encryption", f->C_EncryptFinal(s, out, &n), CKR_OPERATION_NOT_INITIALIZED);

	/* One encryption at a time; a decryption beside it. */
	EXPECT("C_EncryptInit CKM_AES_CBC", f->C_EncryptInit(s, &cbc, key), CKR_OK);
	EXPECT("a second C_EncryptInit while one is active", f->C_EncryptInit(s, &ecb, key), CKR_OPERATION_ACTIVE);
	EXPECT("C_DecryptInit beside the encryption", f->C_DecryptInit(s, &cbc, key), CKR_OK);
	n = sizeof out;
	EXPECT("the first encryption goes on", f->C_Encrypt(s, data, 32, out, &n), CKR_OK);
	same("with its own mechanism", out, n, want, wn);
	k = sizeof back;
	EXPECT("the decryption beside it", f->C_Decrypt(s, want, 32, back, &k), CKR_OK);
	same("decrypts", back, k, data, 32);

	/* Keys that do not permit it. */
	CK_BYTE kv[16] = {1};
	CK_ATTRIBUTE noEncrypt[] = {{CKA_ENCRYPT, &no, 1}, {CKA_DECRYPT, &no, 1}};
	CK_OBJECT_HANDLE plain = import_extra(s, CKK_AES, kv, 16, noEncrypt, 2);
	EXPECT("C_EncryptInit with a key without CKA_ENCRYPT", f->C_EncryptInit(s, &ecb, plain), CKR_KEY_FUNCTION_NOT_PERMITTED);
	EXPECT("C_DecryptInit with a key without CKA_DECRYPT", f->C_DecryptInit(s, &ecb, plain), CKR_KEY_FUNCTION_NOT_PERMITTED);
	CK_MECHANISM_TYPE only[] = {CKM_AES_CBC_PAD};
	CK_ATTRIBUTE allowed[] = {{CKA_ALLOWED_MECHANISMS, only, sizeof only}};
	CK_OBJECT_HANDLE limited = import_extra(s, CKK_AES, kv, 16, allowed, 1);
	EXPECT("CKA_ALLOWED_MECHANISMS refuses CKM_AES_ECB", f->C_EncryptInit(s, &ecb, limited), CKR_MECHANISM_INVALID);
	EXPECT("CKA_ALLOWED_MECHANISMS refuses CKM_AES_CBC for decryption", f->C_DecryptInit(s, &cbc, limited), CKR_MECHANISM_INVALID);
	n = sizeof out;
	EXPECT("CKA_ALLOWED_MECHANISMS allows CKM_AES_CBC_PAD", encrypt(s, &pad, limited, data, 10, out, &n), CKR_OK);
	CK_MECHANISM desm = {CKM_DES3_ECB, NULL, 0};
	EXPECT("CKM_DES3_ECB with an AES key", f->C_EncryptInit(s, &desm, key), CKR_KEY_TYPE_INCONSISTENT);
	EXPECT("CKM_AES_ECB with a DES key", f->C_EncryptInit(s, &ecb, des), CKR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM rsa = {CKM_RSA_PKCS, NULL, 0};
	EXPECT("CKM_RSA_PKCS with an AES key", f->C_EncryptInit(s, &rsa, key), CKR_KEY_TYPE_INCONSISTENT);
	CK_MECHANISM cmac = {CKM_AES_CMAC, NULL, 0};
	EXPECT("C_EncryptInit with a signature mechanism", f->C_EncryptInit(s, &cmac, key), CKR_MECHANISM_INVALID);
	EXPECT("C_EncryptInit with an invalid key handle", f->C_EncryptInit(s, &ecb, 0x7fffffff), CKR_KEY_HANDLE_INVALID);

	/* C_SessionCancel (PKCS#11 3.0) ends the encryption it names only. */
	CK_C_GetInterface getItf = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
	CK_INTERFACE_PTR itf = NULL;
	EXPECT("C_GetInterface", getItf ? getItf(NULL, NULL, &itf, 0) : CKR_GENERAL_ERROR, CKR_OK);
	if (itf == NULL)
		return;
	CK_FUNCTION_LIST_3_0 *f3 = (CK_FUNCTION_LIST_3_0 *)itf->pFunctionList;
	EXPECT("C_EncryptInit CKM_AES_CBC", f->C_EncryptInit(s, &cbc, key), CKR_OK);
	n = sizeof out;
	EXPECT("C_EncryptUpdate", f->C_EncryptUpdate(s, data, 20, out, &n), CKR_OK);
	EXPECT("C_DecryptInit CKM_AES_CBC", f->C_DecryptInit(s, &cbc, key), CKR_OK);
	EXPECT("C_SessionCancel CKF_ENCRYPT", f3->C_SessionCancel(s, CKF_ENCRYPT), CKR_OK);
	n = sizeof out;
	EXPECT("the cancelled encryption is gone", f->C_EncryptUpdate(s, data, 12, out, &n), CKR_OPERATION_NOT_INITIALIZED);
	k = sizeof back;
	EXPECT("the decryption beside it goes on", f->C_Decrypt(s, want, 32, back, &k), CKR_OK);
	same("and decrypts", back, k, data, 32);
	EXPECT("C_EncryptInit after C_SessionCancel", f->C_EncryptInit(s, &cbc, key), CKR_OK);
	EXPECT("C_SessionCancel CKF_ENCRYPT", f3->C_SessionCancel(s, CKF_ENCRYPT), CKR_OK);
}

/* wrap_roundtrip wraps key under wrapping with m, after a length query
 * and a refused 1-byte buffer, unwraps it with unwrapping and tmpl, and
 * returns the new key. */
static CK_OBJECT_HANDLE wrap_roundtrip(CK_SESSION_HANDLE s, const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE wrapping, CK_OBJECT_HANDLE unwrapping,
				       CK_OBJECT_HANDLE key, CK_ATTRIBUTE *tmpl, CK_ULONG ntmpl, CK_BYTE *wrapped, CK_ULONG *wn)
{
	char name[160];
	CK_ULONG n = 0, cap = *wn;
	snprintf(name, sizeof name, "%s: C_WrapKey length query", what);
	EXPECT(name, f->C_WrapKey(s, m, wrapping, key, NULL, &n), CKR_OK);
	CK_ULONG one = 1;
	snprintf(name, sizeof name, "%s: C_WrapKey into 1 byte", what);
	EXPECT(name, f->C_WrapKey(s, m, wrapping, key, wrapped, &one), CKR_BUFFER_TOO_SMALL);
	snprintf(name, sizeof name, "%s: CKR_BUFFER_TOO_SMALL gives the queried length", what);
	CHECK(name, one == n, "%lu, queried %lu", one, n);
	if (n > cap) {
		printf("FAIL %s: %lu bytes to wrap, more than the test's buffer\n", what, n);
		failures++;
		return CK_INVALID_HANDLE;
	}
	*wn = n;
	snprintf(name, sizeof name, "%s: C_WrapKey", what);
	EXPECT(name, f->C_WrapKey(s, m, wrapping, key, wrapped, wn), CKR_OK);
	CK_OBJECT_HANDLE h = CK_INVALID_HANDLE;
	snprintf(name, sizeof name, "%s: C_UnwrapKey", what);
	EXPECT(name, f->C_UnwrapKey(s, m, unwrapping, wrapped, *wn, tmpl, ntmpl, &h), CKR_OK);
	return h;
}

/* same_cipher checks that two secret keys encrypt alike with m. */
static void same_cipher(CK_SESSION_HANDLE s, const char *what, CK_MECHANISM *m, CK_OBJECT_HANDLE a, CK_OBJECT_HANDLE b)
{
	char name[160];
	CK_BYTE ca[64], cb[64];
	CK_ULONG na = sizeof ca, nb = sizeof cb;
	snprintf(name, sizeof name, "%s: C_Encrypt with the original key", what);
	EXPECT(name, encrypt(s, m, a, data, 32, ca, &na), CKR_OK);
	snprintf(name, sizeof name, "%s: C_Encrypt with the unwrapped key", what);
	EXPECT(name, encrypt(s, m, b, data, 32, cb, &nb), CKR_OK);
	snprintf(name, sizeof name, "%s: the unwrapped key encrypts as the original", what);
	same(name, cb, nb, ca, na);
}

/* sign_verify signs a digest with priv (mechanism sm) and verifies it with pub. */
static void sign_verify(CK_SESSION_HANDLE s, const char *what, CK_MECHANISM_TYPE sm, CK_OBJECT_HANDLE priv, CK_OBJECT_HANDLE pub)
{
	char name[160];
	CK_MECHANISM m = {sm, NULL, 0};
	CK_BYTE sig[256];
	CK_ULONG n = sizeof sig;
	snprintf(name, sizeof name, "%s: C_Sign with the unwrapped private key", what);
	EXPECT(name, f->C_SignInit(s, &m, priv), CKR_OK);
	EXPECT(name, f->C_Sign(s, data, 100, sig, &n), CKR_OK);
	snprintf(name, sizeof name, "%s: C_Verify with the original public key", what);
	EXPECT(name, f->C_VerifyInit(s, &m, pub), CKR_OK);
	EXPECT(name, f->C_Verify(s, data, 100, sig, n), CKR_OK);
}

static void check_wrapping(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE rsaPub, CK_OBJECT_HANDLE rsaPriv)
{
	CK_OBJECT_CLASS secretClass = CKO_SECRET_KEY, privClass = CKO_PRIVATE_KEY;
	CK_KEY_TYPE aes = CKK_AES, des3 = CKK_DES3, rsa = CKK_RSA, ec = CKK_EC;
	CK_ULONG len32 = 32;
	CK_BYTE wrapped[2048];
	CK_ULONG wn;
	CK_MECHANISM ecb = {CKM_AES_ECB, NULL, 0};

	/* An AES key under an AES key. */
	CK_OBJECT_HANDLE kek = generate(s, CKM_AES_KEY_GEN, 16, CK_FALSE);
	CK_OBJECT_HANDLE key = generate(s, CKM_AES_KEY_GEN, 32, CK_TRUE);
	CK_ATTRIBUTE aesT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE_LEN, &len32, sizeof len32},
		{CKA_ENCRYPT, &yes, 1}, {CKA_LABEL, "unwrapped", 9}};
	CK_MECHANISM kw = {CKM_AES_KEY_WRAP, NULL, 0};
	wn = sizeof wrapped;
	CK_OBJECT_HANDLE back = wrap_roundtrip(s, "AES-256 under CKM_AES_KEY_WRAP", &kw, kek, kek, key, aesT, 5, wrapped, &wn);
	CHECK("an AES-256 key wraps into 40 bytes", wn == 40, "%lu", wn);
	same_cipher(s, "CKM_AES_KEY_WRAP", &ecb, key, back);
	CHECK("the unwrapped key has CKA_LOCAL false", bool_attr(s, back, CKA_LOCAL) == CK_FALSE, "%d", bool_attr(s, back, CKA_LOCAL));
	CHECK("the unwrapped key has CKA_ALWAYS_SENSITIVE false", bool_attr(s, back, CKA_ALWAYS_SENSITIVE) == CK_FALSE, "%d", bool_attr(s, back, CKA_ALWAYS_SENSITIVE));
	CHECK("the unwrapped key has CKA_NEVER_EXTRACTABLE false", bool_attr(s, back, CKA_NEVER_EXTRACTABLE) == CK_FALSE, "%d", bool_attr(s, back, CKA_NEVER_EXTRACTABLE));
	CHECK("the unwrapped key is sensitive by default", bool_attr(s, back, CKA_SENSITIVE) == CK_TRUE, "%d", bool_attr(s, back, CKA_SENSITIVE));
	CHECK("the unwrapped key has the template's CKA_VALUE_LEN", ulong_attr(s, back, CKA_VALUE_LEN) == 32, "%lu", ulong_attr(s, back, CKA_VALUE_LEN));
	CK_OBJECT_HANDLE other;
	CK_ULONG len16 = 16;
	aesT[2].pValue = &len16;
	/* Cutting the key short would make its CKA_CHECK_VALUE an oracle of
	 * its bytes, one at a time. */
	EXPECT("C_UnwrapKey with a CKA_VALUE_LEN shorter than the key", f->C_UnwrapKey(s, &kw, kek, wrapped, wn, aesT, 5, &other), CKR_TEMPLATE_INCONSISTENT);
	aesT[2].pValue = &len32;
	CK_ATTRIBUTE withValue[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE, data, 32}};
	EXPECT("C_UnwrapKey with CKA_VALUE in the template", f->C_UnwrapKey(s, &kw, kek, wrapped, wn, withValue, 3, &other), CKR_TEMPLATE_INCONSISTENT);
	EXPECT("C_UnwrapKey without CKA_CLASS", f->C_UnwrapKey(s, &kw, kek, wrapped, wn, aesT + 1, 4, &other), CKR_TEMPLATE_INCOMPLETE);
	CK_ATTRIBUTE noType[] = {{CKA_CLASS, &secretClass, sizeof secretClass}};
	EXPECT("C_UnwrapKey without CKA_KEY_TYPE", f->C_UnwrapKey(s, &kw, kek, wrapped, wn, noType, 1, &other), CKR_TEMPLATE_INCOMPLETE);
	wrapped[5] ^= 1;
	EXPECT("C_UnwrapKey of tampered wrapped data", f->C_UnwrapKey(s, &kw, kek, wrapped, wn, aesT, 5, &other), CKR_WRAPPED_KEY_INVALID);
	wrapped[5] ^= 1;
	EXPECT("C_UnwrapKey of 39 bytes", f->C_UnwrapKey(s, &kw, kek, wrapped, 39, aesT, 5, &other), CKR_WRAPPED_KEY_LEN_RANGE);
	CK_OBJECT_HANDLE kek2 = generate(s, CKM_AES_KEY_GEN, 16, CK_FALSE);
	EXPECT("C_UnwrapKey under another key", f->C_UnwrapKey(s, &kw, kek2, wrapped, wn, aesT, 5, &other), CKR_WRAPPED_KEY_INVALID);

	/* Private keys under AES-KWP, as PKCS#8: sign with the unwrapped key,
	 * verify with the original public key. */
	CK_MECHANISM kwp = {CKM_AES_KEY_WRAP_KWP, NULL, 0};
	CK_ATTRIBUTE rsaT[] = {{CKA_CLASS, &privClass, sizeof privClass}, {CKA_KEY_TYPE, &rsa, sizeof rsa}, {CKA_SIGN, &yes, 1}};
	wn = sizeof wrapped;
	back = wrap_roundtrip(s, "RSA private key under CKM_AES_KEY_WRAP_KWP", &kwp, kek, kek, rsaPriv, rsaT, 3, wrapped, &wn);
	sign_verify(s, "RSA under KWP", CKM_SHA256_RSA_PKCS, back, rsaPub);
	CHECK("the unwrapped RSA key has CKA_LOCAL false", bool_attr(s, back, CKA_LOCAL) == CK_FALSE, "%d", bool_attr(s, back, CKA_LOCAL));
	CK_BYTE mod1[256], mod2[256];
	CK_ATTRIBUTE m1 = {CKA_MODULUS, mod1, sizeof mod1}, m2 = {CKA_MODULUS, mod2, sizeof mod2};
	f->C_GetAttributeValue(s, rsaPub, &m1, 1);
	f->C_GetAttributeValue(s, back, &m2, 1);
	same("the unwrapped RSA key has the modulus", mod2, m2.ulValueLen, mod1, m1.ulValueLen);
	CK_OBJECT_HANDLE ecPub, ecPriv;
	ec_pair(s, &ecPub, &ecPriv);
	CK_ATTRIBUTE ecT[] = {{CKA_CLASS, &privClass, sizeof privClass}, {CKA_KEY_TYPE, &ec, sizeof ec}, {CKA_SIGN, &yes, 1}};
	wn = sizeof wrapped;
	back = wrap_roundtrip(s, "EC private key under CKM_AES_KEY_WRAP_KWP", &kwp, kek, kek, ecPriv, ecT, 3, wrapped, &wn);
	sign_verify(s, "EC under KWP", CKM_ECDSA_SHA256, back, ecPub);
	EXPECT("C_UnwrapKey of an EC key as an RSA key", f->C_UnwrapKey(s, &kwp, kek, wrapped, wn, rsaT, 3, &other), CKR_TEMPLATE_INCONSISTENT);

	/* Under RSA-OAEP: the public key wraps, the private key unwraps. */
	CK_RSA_PKCS_OAEP_PARAMS oaep = {CKM_SHA256, CKG_MGF1_SHA256, CKZ_DATA_SPECIFIED, NULL, 0};
	CK_MECHANISM oaepm = {CKM_RSA_PKCS_OAEP, &oaep, sizeof oaep};
	wn = sizeof wrapped;
	back = wrap_roundtrip(s, "AES-256 under RSA-OAEP", &oaepm, rsaPub, rsaPriv, key, aesT, 5, wrapped, &wn);
	CHECK("an RSA-OAEP wrapping is one modulus long", wn == 256, "%lu", wn);
	same_cipher(s, "RSA-OAEP", &ecb, key, back);
	wrapped[100] ^= 1;
	EXPECT("C_UnwrapKey of a tampered RSA-OAEP wrapping", f->C_UnwrapKey(s, &oaepm, rsaPriv, wrapped, wn, aesT, 5, &other), CKR_WRAPPED_KEY_INVALID);
	EXPECT("C_WrapKey with the RSA private key", f->C_WrapKey(s, &oaepm, rsaPriv, key, wrapped, &wn), CKR_KEY_FUNCTION_NOT_PERMITTED);
	CK_MECHANISM pkcs = {CKM_RSA_PKCS, NULL, 0};
	wn = sizeof wrapped;
	back = wrap_roundtrip(s, "AES-256 under CKM_RSA_PKCS", &pkcs, rsaPub, rsaPriv, key, aesT, 5, wrapped, &wn);
	same_cipher(s, "CKM_RSA_PKCS", &ecb, key, back);

	/* Triple DES, pkcs11test's default wrapping: a DES3 key under DES3-ECB. */
	CK_OBJECT_HANDLE desKek = generate(s, CKM_DES3_KEY_GEN, 0, CK_FALSE);
	CK_OBJECT_HANDLE desKey = generate(s, CKM_DES3_KEY_GEN, 0, CK_TRUE);
	CK_ATTRIBUTE desT[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &des3, sizeof des3}, {CKA_ENCRYPT, &yes, 1}};
	CK_MECHANISM des3ecb = {CKM_DES3_ECB, NULL, 0};
	wn = sizeof wrapped;
	back = wrap_roundtrip(s, "DES3 under CKM_DES3_ECB", &des3ecb, desKek, desKek, desKey, desT, 3, wrapped, &wn);
	CHECK("a DES3 key wraps into 24 bytes under DES3-ECB", wn == 24, "%lu", wn);
	same_cipher(s, "CKM_DES3_ECB", &des3ecb, desKey, back);
	/* An AES-128 key under AES-CBC: 16 bytes, whole blocks. */
	CK_BYTE iv[16] = {0};
	CK_MECHANISM cbc = {CKM_AES_CBC, iv, 16};
	CK_OBJECT_HANDLE key16 = generate(s, CKM_AES_KEY_GEN, 16, CK_TRUE);
	CK_ATTRIBUTE aes16T[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_ENCRYPT, &yes, 1}};
	wn = sizeof wrapped;
	back = wrap_roundtrip(s, "AES-128 under CKM_AES_CBC", &cbc, kek, kek, key16, aes16T, 3, wrapped, &wn);
	same_cipher(s, "CKM_AES_CBC", &ecb, key16, back);
	/* An AES-192 key under AES-ECB: zeros fill its last block, and
	 * CKA_VALUE_LEN says how much of the unwrapped value is the key. */
	CK_OBJECT_HANDLE key24 = generate(s, CKM_AES_KEY_GEN, 24, CK_TRUE);
	CK_ULONG len24 = 24;
	CK_ATTRIBUTE aes24T[] = {{CKA_CLASS, &secretClass, sizeof secretClass}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE_LEN, &len24, sizeof len24}};
	wn = sizeof wrapped;
	back = wrap_roundtrip(s, "AES-192 under CKM_AES_ECB", &ecb, kek, kek, key24, aes24T, 3, wrapped, &wn);
	CHECK("an AES-192 key wraps into two blocks under AES-ECB", wn == 32, "%lu", wn);
	same_cipher(s, "CKM_AES_ECB", &ecb, key24, back);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey of an RSA private key under RSA-OAEP", f->C_WrapKey(s, &oaepm, rsaPub, rsaPriv, wrapped, &wn), CKR_KEY_SIZE_RANGE);

	/* Refusals, as Tookan probes them. */
	CK_OBJECT_HANDLE locked = generate(s, CKM_AES_KEY_GEN, 16, CK_FALSE);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey of a key that is not extractable", f->C_WrapKey(s, &kw, kek, locked, wrapped, &wn), CKR_KEY_UNEXTRACTABLE);
	wn = 0;
	EXPECT("C_WrapKey length query of a key that is not extractable", f->C_WrapKey(s, &kw, kek, locked, NULL, &wn), CKR_KEY_UNEXTRACTABLE);
	CK_BYTE v[32] = {2};
	CK_ATTRIBUTE trustedOnly[] = {{CKA_WRAP_WITH_TRUSTED, &yes, 1}};
	CK_OBJECT_HANDLE guarded = import_extra(s, CKK_AES, v, 16, trustedOnly, 1);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey of a CKA_WRAP_WITH_TRUSTED key under an untrusted key", f->C_WrapKey(s, &kw, kek, guarded, wrapped, &wn), CKR_KEY_NOT_WRAPPABLE);
	CK_ATTRIBUTE noWrap[] = {{CKA_WRAP, &no, 1}, {CKA_UNWRAP, &no, 1}};
	CK_OBJECT_HANDLE nowrap = import_extra(s, CKK_AES, v, 16, noWrap, 2);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey with a wrapping key without CKA_WRAP", f->C_WrapKey(s, &kw, nowrap, key, wrapped, &wn), CKR_KEY_FUNCTION_NOT_PERMITTED);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey CKM_AES_KEY_WRAP", f->C_WrapKey(s, &kw, kek, key, wrapped, &wn), CKR_OK);
	EXPECT("C_UnwrapKey with a key without CKA_UNWRAP", f->C_UnwrapKey(s, &kw, nowrap, wrapped, wn, aesT, 5, &other), CKR_KEY_FUNCTION_NOT_PERMITTED);
	CK_ATTRIBUTE unsensitive[] = {{CKA_SENSITIVE, &no, 1}};
	CK_ATTRIBUTE extractable[] = {{CKA_EXTRACTABLE, &yes, 1}};
	EXPECT("CKA_SENSITIVE back to false", f->C_SetAttributeValue(s, locked, unsensitive, 1), CKR_ATTRIBUTE_READ_ONLY);
	EXPECT("CKA_EXTRACTABLE back to true", f->C_SetAttributeValue(s, locked, extractable, 1), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE sensitive[] = {{CKA_SENSITIVE, &yes, 1}}, unextractable[] = {{CKA_EXTRACTABLE, &no, 1}};
	EXPECT("CKA_SENSITIVE to true", f->C_SetAttributeValue(s, guarded, sensitive, 1), CKR_OK);
	EXPECT("and back to false", f->C_SetAttributeValue(s, guarded, unsensitive, 1), CKR_ATTRIBUTE_READ_ONLY);
	EXPECT("CKA_EXTRACTABLE to false", f->C_SetAttributeValue(s, guarded, unextractable, 1), CKR_OK);
	EXPECT("and back to true", f->C_SetAttributeValue(s, guarded, extractable, 1), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE untrusted[] = {{CKA_WRAP_WITH_TRUSTED, &no, 1}};
	EXPECT("CKA_WRAP_WITH_TRUSTED back to false", f->C_SetAttributeValue(s, guarded, untrusted, 1), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE trusted[] = {{CKA_TRUSTED, &yes, 1}};
	CK_OBJECT_HANDLE fake;
	EXPECT("CKA_TRUSTED true set by the user", f->C_SetAttributeValue(s, kek, trusted, 1), CKR_ATTRIBUTE_READ_ONLY);
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_ATTRIBUTE trustedT[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE, v, 16}, {CKA_TRUSTED, &yes, 1}};
	EXPECT("C_CreateObject with CKA_TRUSTED true by the user", f->C_CreateObject(s, trustedT, 4, &fake), CKR_ATTRIBUTE_READ_ONLY);
	CK_MECHANISM gen = {CKM_AES_KEY_GEN, NULL, 0};
	CK_ATTRIBUTE trustedGen[] = {{CKA_VALUE_LEN, &len16, sizeof len16}, {CKA_TRUSTED, &yes, 1}};
	EXPECT("C_GenerateKey with CKA_TRUSTED true by the user", f->C_GenerateKey(s, &gen, trustedGen, 2, &fake), CKR_ATTRIBUTE_READ_ONLY);
	CK_ATTRIBUTE copyTrusted[] = {{CKA_TRUSTED, &yes, 1}};
	EXPECT("C_CopyObject with CKA_TRUSTED true by the user", f->C_CopyObject(s, kek, copyTrusted, 1, &fake), CKR_ATTRIBUTE_READ_ONLY);

	/* Handles. */
	wn = sizeof wrapped;
	EXPECT("C_WrapKey with an invalid wrapping key handle", f->C_WrapKey(s, &kw, 0x7fffffff, key, wrapped, &wn), CKR_WRAPPING_KEY_HANDLE_INVALID);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey of an invalid key handle", f->C_WrapKey(s, &kw, kek, 0x7fffffff, wrapped, &wn), CKR_KEY_HANDLE_INVALID);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey CKM_AES_KEY_WRAP", f->C_WrapKey(s, &kw, kek, key, wrapped, &wn), CKR_OK);
	EXPECT("C_UnwrapKey with an invalid unwrapping key handle", f->C_UnwrapKey(s, &kw, 0x7fffffff, wrapped, wn, aesT, 5, &other), CKR_UNWRAPPING_KEY_HANDLE_INVALID);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey CKM_AES_KEY_WRAP with an RSA wrapping key", f->C_WrapKey(s, &kw, rsaPub, key, wrapped, &wn), CKR_WRAPPING_KEY_TYPE_INCONSISTENT);
	EXPECT("C_UnwrapKey CKM_AES_KEY_WRAP with an RSA unwrapping key", f->C_UnwrapKey(s, &kw, rsaPriv, wrapped, 40, aesT, 5, &other),
	       CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey of a public key", f->C_WrapKey(s, &kwp, kek, rsaPub, wrapped, &wn), CKR_KEY_NOT_WRAPPABLE);
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	wn = sizeof wrapped;
	EXPECT("C_WrapKey with a digest mechanism", f->C_WrapKey(s, &sha, kek, key, wrapped, &wn), CKR_MECHANISM_INVALID);

	/* A wrapping key the SO made trusted does wrap it. Logging out
	 * destroys the private session objects: this comes last. */
	EXPECT("C_Logout", f->C_Logout(s), CKR_OK);
	EXPECT("C_Login SO", f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	CK_ATTRIBUTE soT[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &aes, sizeof aes}, {CKA_VALUE, v, 16}, {CKA_TRUSTED, &yes, 1},
		{CKA_PRIVATE, &no, 1}, {CKA_WRAP, &yes, 1}};
	CK_OBJECT_HANDLE trustedKek = CK_INVALID_HANDLE;
	EXPECT("C_CreateObject with CKA_TRUSTED true by the SO", f->C_CreateObject(s, soT, 6, &trustedKek), CKR_OK);
	EXPECT("C_Logout", f->C_Logout(s), CKR_OK);
	EXPECT("C_Login", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	CHECK("the SO's key has CKA_TRUSTED", bool_attr(s, trustedKek, CKA_TRUSTED) == CK_TRUE, "%d", bool_attr(s, trustedKek, CKA_TRUSTED));
	CK_OBJECT_HANDLE guarded2 = import_extra(s, CKK_AES, v, 16, trustedOnly, 1);
	wn = sizeof wrapped;
	EXPECT("C_WrapKey of a CKA_WRAP_WITH_TRUSTED key under a trusted key", f->C_WrapKey(s, &kw, trustedKek, guarded2, wrapped, &wn), CKR_OK);
}

/* The dual-function updates against the separate operations. */
static void check_dual(CK_SESSION_HANDLE s)
{
	CK_OBJECT_HANDLE key = generate(s, CKM_AES_KEY_GEN, 32, CK_FALSE);
	CK_BYTE iv[16] = {7}, mk[32] = "an HMAC key for the dual updates";
	CK_MECHANISM pad = {CKM_AES_CBC_PAD, iv, 16}, cbc = {CKM_AES_CBC, iv, 16}, sha = {CKM_SHA256, NULL, 0}, hmac = {CKM_SHA256_HMAC, NULL, 0};
	CK_OBJECT_CLASS cls = CKO_SECRET_KEY;
	CK_KEY_TYPE generic = CKK_GENERIC_SECRET;
	CK_ATTRIBUTE macT[] = {{CKA_CLASS, &cls, sizeof cls}, {CKA_KEY_TYPE, &generic, sizeof generic}, {CKA_VALUE, mk, sizeof mk}};
	CK_OBJECT_HANDLE macKey;
	EXPECT("C_CreateObject HMAC key", f->C_CreateObject(s, macT, 3, &macKey), CKR_OK);

	CK_BYTE wantCt[256], wantMd[32], wantMac[32], ct[256], md[32], mac[32], pt[256];
	CK_ULONG wn = sizeof wantCt, mdn = sizeof wantMd, macn = sizeof wantMac, n, k, off, done;
	EXPECT("C_Encrypt CKM_AES_CBC_PAD of 100 bytes", encrypt(s, &pad, key, data, 100, wantCt, &wn), CKR_OK);
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_Digest", f->C_Digest(s, data, 100, wantMd, &mdn), CKR_OK);
	EXPECT("C_SignInit HMAC", f->C_SignInit(s, &hmac, macKey), CKR_OK);
	EXPECT("C_Sign HMAC", f->C_Sign(s, data, 100, wantMac, &macn), CKR_OK);

	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_EncryptInit CKM_AES_CBC_PAD", f->C_EncryptInit(s, &pad, key), CKR_OK);
	n = 0;
	EXPECT("C_DigestEncryptUpdate length query", f->C_DigestEncryptUpdate(s, data, 20, NULL, &n), CKR_OK);
	CHECK("C_DigestEncryptUpdate length query of 20 bytes: one block", n == 16, "%lu", n);
	for (off = done = 0; off < 100; off += 20) {
		n = sizeof ct - done;
		EXPECT("C_DigestEncryptUpdate", f->C_DigestEncryptUpdate(s, data + off, 20, ct + done, &n), CKR_OK);
		done += n;
	}
	n = sizeof ct - done;
	EXPECT("C_EncryptFinal", f->C_EncryptFinal(s, ct + done, &n), CKR_OK);
	done += n;
	k = sizeof md;
	EXPECT("C_DigestFinal", f->C_DigestFinal(s, md, &k), CKR_OK);
	same("C_DigestEncryptUpdate encrypts as C_Encrypt", ct, done, wantCt, wn);
	same("C_DigestEncryptUpdate digests as C_Digest", md, k, wantMd, mdn);

	/* Decryption without padding, so that every update gives out all its
	 * plaintext, which the digest then sees. */
	CK_BYTE cbcCt[96];
	CK_ULONG cn = sizeof cbcCt;
	EXPECT("C_Encrypt CKM_AES_CBC of 96 bytes", encrypt(s, &cbc, key, data, 96, cbcCt, &cn), CKR_OK);
	CK_BYTE md96[32];
	CK_ULONG md96n = sizeof md96;
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_Digest of 96 bytes", f->C_Digest(s, data, 96, md96, &md96n), CKR_OK);
	EXPECT("C_DecryptInit CKM_AES_CBC", f->C_DecryptInit(s, &cbc, key), CKR_OK);
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	static const CK_ULONG sizes[] = {5, 27, 32, 32};
	off = done = 0;
	for (size_t i = 0; i < 4; off += sizes[i++]) {
		n = sizeof pt - done;
		EXPECT("C_DecryptDigestUpdate", f->C_DecryptDigestUpdate(s, cbcCt + off, sizes[i], pt + done, &n), CKR_OK);
		done += n;
	}
	n = sizeof pt - done;
	EXPECT("C_DecryptFinal", f->C_DecryptFinal(s, pt + done, &n), CKR_OK);
	done += n;
	k = sizeof md;
	EXPECT("C_DigestFinal", f->C_DigestFinal(s, md, &k), CKR_OK);
	same("C_DecryptDigestUpdate decrypts", pt, done, data, 96);
	same("C_DecryptDigestUpdate digests the plaintext", md, k, md96, md96n);

	EXPECT("C_SignInit HMAC", f->C_SignInit(s, &hmac, macKey), CKR_OK);
	EXPECT("C_EncryptInit CKM_AES_CBC_PAD", f->C_EncryptInit(s, &pad, key), CKR_OK);
	for (off = done = 0; off < 100; off += 25) {
		n = sizeof ct - done;
		EXPECT("C_SignEncryptUpdate", f->C_SignEncryptUpdate(s, data + off, 25, ct + done, &n), CKR_OK);
		done += n;
	}
	n = sizeof ct - done;
	EXPECT("C_EncryptFinal", f->C_EncryptFinal(s, ct + done, &n), CKR_OK);
	done += n;
	k = sizeof mac;
	EXPECT("C_SignFinal", f->C_SignFinal(s, mac, &k), CKR_OK);
	same("C_SignEncryptUpdate encrypts as C_Encrypt", ct, done, wantCt, wn);
	same("C_SignEncryptUpdate signs as C_Sign", mac, k, wantMac, macn);

	CK_BYTE mac96[32];
	CK_ULONG mac96n = sizeof mac96;
	EXPECT("C_SignInit HMAC", f->C_SignInit(s, &hmac, macKey), CKR_OK);
	EXPECT("C_Sign HMAC of 96 bytes", f->C_Sign(s, data, 96, mac96, &mac96n), CKR_OK);
	for (int wrong = 0; wrong < 2; wrong++) {
		EXPECT("C_DecryptInit CKM_AES_CBC", f->C_DecryptInit(s, &cbc, key), CKR_OK);
		EXPECT("C_VerifyInit HMAC", f->C_VerifyInit(s, &hmac, macKey), CKR_OK);
		for (off = done = 0; off < 96; off += 24) {
			n = sizeof pt - done;
			EXPECT("C_DecryptVerifyUpdate", f->C_DecryptVerifyUpdate(s, cbcCt + off, 24, pt + done, &n), CKR_OK);
			done += n;
		}
		n = sizeof pt - done;
		EXPECT("C_DecryptFinal", f->C_DecryptFinal(s, pt + done, &n), CKR_OK);
		done += n;
		same("C_DecryptVerifyUpdate decrypts", pt, done, data, 96);
		mac96[0] ^= wrong;
		EXPECT(wrong ? "C_VerifyFinal of a wrong MAC after C_DecryptVerifyUpdate" : "C_VerifyFinal after C_DecryptVerifyUpdate",
		       f->C_VerifyFinal(s, mac96, mac96n), wrong ? CKR_SIGNATURE_INVALID : CKR_OK);
		mac96[0] ^= wrong;
	}

	/* Both operations must be active. */
	EXPECT("C_EncryptInit CKM_AES_CBC_PAD", f->C_EncryptInit(s, &pad, key), CKR_OK);
	n = sizeof ct;
	EXPECT("C_DigestEncryptUpdate without a digest", f->C_DigestEncryptUpdate(s, data, 16, ct, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	n = sizeof ct;
	EXPECT("C_SignEncryptUpdate without a signature", f->C_SignEncryptUpdate(s, data, 16, ct, &n), CKR_OPERATION_NOT_INITIALIZED);
	n = 1;
	EXPECT("C_DigestEncryptUpdate into 1 byte", f->C_DigestEncryptUpdate(s, data, 32, ct, &n), CKR_BUFFER_TOO_SMALL);
	CHECK("CKR_BUFFER_TOO_SMALL gives the length", n == 32, "%lu", n);
	EXPECT("C_DigestEncryptUpdate after CKR_BUFFER_TOO_SMALL", f->C_DigestEncryptUpdate(s, data, 32, ct, &n), CKR_OK);
	done = n;
	n = sizeof ct - done;
	EXPECT("C_DigestEncryptUpdate of the rest", f->C_DigestEncryptUpdate(s, data + 32, 68, ct + done, &n), CKR_OK);
	done += n;
	n = sizeof ct - done;
	EXPECT("C_EncryptFinal", f->C_EncryptFinal(s, ct + done, &n), CKR_OK);
	same("the dual encryption after CKR_BUFFER_TOO_SMALL", ct, done + n, wantCt, wn);
	k = sizeof md;
	EXPECT("C_DigestFinal", f->C_DigestFinal(s, md, &k), CKR_OK);
	same("the dual digest after CKR_BUFFER_TOO_SMALL saw each byte once", md, k, wantMd, mdn);
}

/* C_DigestKey of an AES key digests its value. */
static void check_digest_key(CK_SESSION_HANDLE s)
{
	CK_BYTE v[32], d1[32], d2[32];
	CK_ULONG n1 = sizeof d1, n2 = sizeof d2;
	for (int i = 0; i < 32; i++)
		v[i] = (CK_BYTE)(0xa0 + i);
	CK_OBJECT_HANDLE key = import(s, CKK_AES, v, 32);
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0};
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_DigestUpdate", f->C_DigestUpdate(s, (CK_BYTE_PTR) "prefix", 6), CKR_OK);
	EXPECT("C_DigestKey of an AES key", f->C_DigestKey(s, key), CKR_OK);
	EXPECT("C_DigestFinal", f->C_DigestFinal(s, d1, &n1), CKR_OK);
	CK_BYTE both[38];
	memcpy(both, "prefix", 6);
	memcpy(both + 6, v, 32);
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_Digest of the same bytes", f->C_Digest(s, both, 38, d2, &n2), CKR_OK);
	same("C_DigestKey digests the AES key's value", d1, n1, d2, n2);
	EXPECT("C_DigestInit", f->C_DigestInit(s, &sha), CKR_OK);
	EXPECT("C_DigestKey of an invalid handle", f->C_DigestKey(s, 0x7fffffff), CKR_KEY_HANDLE_INVALID);
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!(lib = load(argv[1])))
		return 2;
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (CK_BYTE)i;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = user_session("cipher", SO_PIN, USER_PIN, &slot);
	CK_MECHANISM_INFO info;
	static const CK_MECHANISM_TYPE mechs[] = {CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_CTR, CKM_AES_GCM, CKM_DES3_ECB, CKM_DES3_CBC,
		CKM_DES3_CBC_PAD, CKM_DES_ECB, CKM_DES_CBC, CKM_DES_CBC_PAD, CKM_RSA_PKCS, CKM_RSA_PKCS_OAEP, CKM_RSA_X_509, CKM_AES_KEY_WRAP,
		CKM_AES_KEY_WRAP_KWP};
	for (size_t i = 0; i < sizeof mechs / sizeof mechs[0]; i++) {
		char name[96];
		snprintf(name, sizeof name, "C_GetMechanismInfo 0x%lx", mechs[i]);
		EXPECT(name, f->C_GetMechanismInfo(slot, mechs[i], &info), CKR_OK);
		snprintf(name, sizeof name, "mechanism 0x%lx encrypts and decrypts", mechs[i]);
		CHECK(name, (info.flags & (CKF_ENCRYPT | CKF_DECRYPT)) == (CKF_ENCRYPT | CKF_DECRYPT), "flags 0x%lx", info.flags);
	}
	EXPECT("C_GetMechanismInfo CKM_AES_CMAC", f->C_GetMechanismInfo(slot, CKM_AES_CMAC, &info), CKR_OK);
	CHECK("CKM_AES_CMAC signs and verifies", (info.flags & (CKF_SIGN | CKF_VERIFY)) == (CKF_SIGN | CKF_VERIFY), "flags 0x%lx", info.flags);
	EXPECT("C_GetMechanismInfo CKM_AES_KEY_WRAP", f->C_GetMechanismInfo(slot, CKM_AES_KEY_WRAP, &info), CKR_OK);
	CHECK("CKM_AES_KEY_WRAP wraps and unwraps", (info.flags & (CKF_WRAP | CKF_UNWRAP)) == (CKF_WRAP | CKF_UNWRAP), "flags 0x%lx", info.flags);

	check_aes_vectors(s);
	check_des_vectors(s);
	check_roundtrips(s);
	CK_OBJECT_HANDLE pub, priv;
	rsa_pair(s, &pub, &priv);
	check_rsa(s, pub, priv);
	check_cmac(s);
	check_wrap_vectors(s);
	check_errors(s);
	check_wrapping(s, pub, priv);
	check_dual(s);
	check_digest_key(s);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("PASS the checks ran to the end\n");
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
