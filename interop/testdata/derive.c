/*
 * derive.c checks C_DeriveKey through the C ABI: CKM_ECDH1_DERIVE with
 * CKD_NULL (the other party's point raw and as a DER OCTET STRING, full
 * and truncated), with CKD_SHA256_KDF and CKD_SHA256_KDF_SP800, then
 * CKM_HKDF_DERIVE and CKM_HKDF_DATA from the shared secret, with the
 * salt as data and as a key, CKM_ECDH1_COFACTOR_DERIVE, the expand step
 * alone from a key of CKM_HKDF_KEY_GEN, and the arguments C_DeriveKey
 * refuses.
 * Usage: derive MODULE.so CURVE SCALAR POINT: CURVE is p256 or x25519,
 * SCALAR the hex of a private key of the curve and POINT that of the
 * other party's public key (an uncompressed point, or RFC 7748's
 * u-coordinate). It prints each derived value as "VALUE name hex", for
 * the caller to recompute.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* PKCS#11 3.0 values, which zck.h (from the 2.40 header) does not have. */
#define CKK_EC_MONTGOMERY 0x41UL
#define CKD_SHA256_KDF_SP800 0x10UL
#define CKM_EC_MONTGOMERY_KEY_PAIR_GEN 0x1056UL
#define CKM_HKDF_DERIVE 0x402aUL
#define CKM_HKDF_DATA 0x402bUL
#define CKM_HKDF_KEY_GEN 0x402cUL
#define CKK_HKDF 0x42UL
#define CKF_HKDF_SALT_NULL 0x1UL
#define CKF_HKDF_SALT_DATA 0x2UL
#define CKF_HKDF_SALT_KEY 0x4UL

static const char SO_PIN[] = "derive-so-pin", USER_PIN[] = "derive-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS secret_class = CKO_SECRET_KEY, data_class = CKO_DATA;
static CK_KEY_TYPE generic = CKK_GENERIC_SECRET;

/* unhex decodes s into out and returns its length. */
static CK_ULONG unhex(const char *s, CK_BYTE *out)
{
	CK_ULONG n = strlen(s) / 2;
	for (CK_ULONG i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
	return n;
}

/* print_value prints a derived object's CKA_VALUE as "VALUE name hex". */
static void print_value(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, const char *name)
{
	CK_BYTE v[256];
	CK_ATTRIBUTE a = {CKA_VALUE, v, sizeof v};
	EXPECT("C_GetAttributeValue CKA_VALUE", f->C_GetAttributeValue(s, o, &a, 1), CKR_OK);
	printf("VALUE %s ", name);
	for (CK_ULONG i = 0; i < a.ulValueLen && i < sizeof v; i++)
		printf("%02x", v[i]);
	printf("\n");
}

/* derive_secret derives an extractable generic secret of len bytes (0:
 * the mechanism's length) that may itself derive. */
static CK_RV derive_secret(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE base, CK_ULONG len, CK_OBJECT_HANDLE *out)
{
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &generic, sizeof generic},
		{CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}, {CKA_DERIVE, &yes, 1}, {CKA_VALUE_LEN, &len, sizeof len}};
	return f->C_DeriveKey(s, m, base, t, len ? 6 : 5, out);
}

/* check_sensitivity derives sensitive keys from the imported key priv
 * and from a key pair the token generates on the same curve: only the
 * second's is CKA_ALWAYS_SENSITIVE, as its base was. */
static void check_sensitivity(CK_SESSION_HANDLE s, CK_MECHANISM *ecdh, CK_OBJECT_HANDLE priv, int montgomery)
{
	static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static CK_BYTE x25519[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
	CK_MECHANISM gen = {montgomery ? CKM_EC_MONTGOMERY_KEY_PAIR_GEN : CKM_EC_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE pub_t[] = {{CKA_EC_PARAMS, montgomery ? x25519 : p256, montgomery ? sizeof x25519 : sizeof p256}};
	CK_ATTRIBUTE priv_t[] = {{CKA_DERIVE, &yes, 1}, {CKA_SENSITIVE, &yes, 1}};
	CK_OBJECT_HANDLE gen_pub, gen_priv, k;
	EXPECT("C_GenerateKeyPair", f->C_GenerateKeyPair(s, &gen, pub_t, 1, priv_t, 2, &gen_pub, &gen_priv), CKR_OK);
	CK_ULONG len = 16;
	CK_ATTRIBUTE t[] = {{CKA_SENSITIVE, &yes, 1}, {CKA_VALUE_LEN, &len, sizeof len}};
	EXPECT("derive a sensitive key from the generated key", f->C_DeriveKey(s, ecdh, gen_priv, t, 2, &k), CKR_OK);
	CHECK("from a generated key: CKA_ALWAYS_SENSITIVE", bool_attr(s, k, CKA_ALWAYS_SENSITIVE) == CK_TRUE, "%d", bool_attr(s, k, CKA_ALWAYS_SENSITIVE));
	CHECK("from a generated key: CKA_NEVER_EXTRACTABLE", bool_attr(s, k, CKA_NEVER_EXTRACTABLE) == CK_TRUE, "%d", bool_attr(s, k, CKA_NEVER_EXTRACTABLE));
	EXPECT("derive a sensitive key from the imported key", f->C_DeriveKey(s, ecdh, priv, t, 2, &k), CKR_OK);
	CHECK("from an imported key: not CKA_ALWAYS_SENSITIVE", bool_attr(s, k, CKA_ALWAYS_SENSITIVE) == CK_FALSE, "%d", bool_attr(s, k, CKA_ALWAYS_SENSITIVE));
}

int main(int argc, char **argv)
{
	if (argc != 5 || (strcmp(argv[2], "p256") != 0 && strcmp(argv[2], "x25519") != 0)) {
		fprintf(stderr, "usage: derive MODULE.so p256|x25519 SCALAR POINT\n");
		return 2;
	}
	if (!load(argv[1]))
		return 2;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = user_session("derive", SO_PIN, USER_PIN, &slot);

	CK_BYTE scalar[32], point[65], der[67];
	CK_ULONG scalar_len = unhex(argv[3], scalar);
	CK_ULONG point_len = unhex(argv[4], point);
	der[0] = 0x04;
	der[1] = (CK_BYTE)point_len;
	memcpy(der + 2, point, point_len);
	/* P-256 by OID; X25519 by the name pkcs11-tool gives it. */
	static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static CK_BYTE x25519[] = {0x13, 0x0a, 'c', 'u', 'r', 'v', 'e', '2', '5', '5', '1', '9'};
	int montgomery = strcmp(argv[2], "x25519") == 0;
	CK_OBJECT_CLASS priv_class = CKO_PRIVATE_KEY;
	CK_KEY_TYPE kt = montgomery ? CKK_EC_MONTGOMERY : CKK_EC;
	CK_OBJECT_HANDLE priv, nokey;
	CK_ATTRIBUTE pt[] = {{CKA_CLASS, &priv_class, sizeof priv_class}, {CKA_KEY_TYPE, &kt, sizeof kt},
		{CKA_EC_PARAMS, montgomery ? x25519 : p256, montgomery ? sizeof x25519 : sizeof p256},
		{CKA_VALUE, scalar, scalar_len}, {CKA_DERIVE, &yes, 1}};
	EXPECT("C_CreateObject EC private key", f->C_CreateObject(s, pt, 5, &priv), CKR_OK);
	pt[4].pValue = &no;
	EXPECT("C_CreateObject EC private key without CKA_DERIVE", f->C_CreateObject(s, pt, 5, &nokey), CKR_OK);

	CK_ECDH1_DERIVE_PARAMS ep = {CKD_NULL, 0, NULL, point_len, point};
	CK_MECHANISM ecdh = {CKM_ECDH1_DERIVE, &ep, sizeof ep};
	CK_OBJECT_HANDLE z, z16, x963, k;
	EXPECT("ECDH1 CKD_NULL", derive_secret(s, &ecdh, priv, 0, &z), CKR_OK);
	print_value(s, z, "z");
	CHECK("a derived key is not CKA_LOCAL", bool_attr(s, z, CKA_LOCAL) == CK_FALSE, "%d", bool_attr(s, z, CKA_LOCAL));
	check_sensitivity(s, &ecdh, priv, montgomery);
	ep.pPublicData = der;
	ep.ulPublicDataLen = point_len + 2;
	EXPECT("ECDH1 CKD_NULL, DER point, 16 bytes", derive_secret(s, &ecdh, priv, 16, &z16), CKR_OK);
	print_value(s, z16, "z16");
	CK_OBJECT_HANDLE zc;
	CK_MECHANISM cofactor = {CKM_ECDH1_COFACTOR_DERIVE, &ep, sizeof ep};
	if (montgomery) {
		EXPECT("ECDH1 cofactor with a Montgomery key", derive_secret(s, &cofactor, priv, 0, &zc), CKR_KEY_TYPE_INCONSISTENT);
	} else {
		EXPECT("ECDH1 cofactor CKD_NULL", derive_secret(s, &cofactor, priv, 0, &zc), CKR_OK);
		print_value(s, zc, "z-cofactor");
	}
	CK_BYTE shared[] = "corepkcs11";
	ep.kdf = CKD_SHA256_KDF;
	ep.pSharedData = shared;
	ep.ulSharedDataLen = sizeof shared - 1;
	EXPECT("ECDH1 CKD_SHA256_KDF", derive_secret(s, &ecdh, priv, 40, &x963), CKR_OK);
	print_value(s, x963, "x963");
	CK_OBJECT_HANDLE sp800;
	ep.kdf = CKD_SHA256_KDF_SP800;
	EXPECT("ECDH1 CKD_SHA256_KDF_SP800", derive_secret(s, &ecdh, priv, 40, &sp800), CKR_OK);
	print_value(s, sp800, "sp800");
	ep.kdf = CKD_SHA256_KDF;

	EXPECT("CKD_SHA256_KDF without CKA_VALUE_LEN", derive_secret(s, &ecdh, priv, 0, &k), CKR_TEMPLATE_INCOMPLETE);
	ep.kdf = CKD_NULL;
	EXPECT("CKD_NULL with shared data", derive_secret(s, &ecdh, priv, 0, &k), CKR_MECHANISM_PARAM_INVALID);
	ep.pSharedData = NULL;
	ep.ulSharedDataLen = 0;
	ep.pPublicData = NULL;
	EXPECT("pPublicData NULL with a length", derive_secret(s, &ecdh, priv, 0, &k), CKR_MECHANISM_PARAM_INVALID);
	ep.pPublicData = point;
	ecdh.ulParameterLen = sizeof ep - 1;
	EXPECT("a parameter of the wrong size", derive_secret(s, &ecdh, priv, 0, &k), CKR_MECHANISM_PARAM_INVALID);
	ecdh.ulParameterLen = sizeof ep;
	EXPECT("a base key without CKA_DERIVE", derive_secret(s, &ecdh, nokey, 0, &k), CKR_KEY_FUNCTION_NOT_PERMITTED);
	EXPECT("NULL phKey", f->C_DeriveKey(s, &ecdh, priv, NULL, 0, NULL), CKR_ARGUMENTS_BAD);
	EXPECT("NULL pMechanism", f->C_DeriveKey(s, NULL, priv, NULL, 0, &k), CKR_ARGUMENTS_BAD);

	CK_BYTE salt[] = "salt", info[] = "info";
	CK_HKDF_PARAMS hp = {CK_TRUE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_DATA, salt, sizeof salt - 1, CK_INVALID_HANDLE, info, sizeof info - 1};
	CK_MECHANISM hkdf = {CKM_HKDF_DERIVE, &hp, sizeof hp};
	CK_OBJECT_HANDLE okm, okm2, saltkey, data;
	EXPECT("HKDF from the shared secret", derive_secret(s, &hkdf, z, 42, &okm), CKR_OK);
	print_value(s, okm, "hkdf");
	CK_ATTRIBUTE st[] = {{CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &generic, sizeof generic},
		{CKA_VALUE, salt, sizeof salt - 1}, {CKA_DERIVE, &yes, 1}};
	EXPECT("C_CreateObject salt key", f->C_CreateObject(s, st, 4, &saltkey), CKR_OK);
	hp.ulSaltType = CKF_HKDF_SALT_KEY;
	hp.pSalt = NULL;
	hp.ulSaltLen = 0;
	hp.hSaltKey = saltkey;
	EXPECT("HKDF with the salt as a key", derive_secret(s, &hkdf, z, 42, &okm2), CKR_OK);
	print_value(s, okm2, "hkdf-saltkey");
	CK_ULONG len = 42;
	CK_ATTRIBUTE dt[] = {{CKA_CLASS, &data_class, sizeof data_class}, {CKA_VALUE_LEN, &len, sizeof len}};
	hkdf.mechanism = CKM_HKDF_DATA;
	EXPECT("CKM_HKDF_DATA", f->C_DeriveKey(s, &hkdf, z, dt, 2, &data), CKR_OK);
	CHECK("CKM_HKDF_DATA makes a data object", ulong_attr(s, data, CKA_CLASS) == CKO_DATA, "0x%lx", ulong_attr(s, data, CKA_CLASS));
	print_value(s, data, "hkdf-data");
	hkdf.mechanism = CKM_HKDF_DERIVE;
	hp.ulSaltType = CKF_HKDF_SALT_DATA;
	hp.pSalt = NULL;
	hp.ulSaltLen = 4;
	EXPECT("pSalt NULL with a length", derive_secret(s, &hkdf, z, 42, &k), CKR_MECHANISM_PARAM_INVALID);

	/* An HKDF key of CKM_HKDF_KEY_GEN, expanded alone. */
	CK_KEY_TYPE hkdf_type = CKK_HKDF;
	CK_ULONG key_len = 32;
	CK_ATTRIBUTE gt[] = {{CKA_CLASS, &secret_class, sizeof secret_class}, {CKA_KEY_TYPE, &hkdf_type, sizeof hkdf_type},
		{CKA_VALUE_LEN, &key_len, sizeof key_len}, {CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}, {CKA_DERIVE, &yes, 1}};
	CK_MECHANISM keygen = {CKM_HKDF_KEY_GEN, NULL, 0};
	CK_OBJECT_HANDLE hkdf_key, expanded;
	EXPECT("C_GenerateKey CKM_HKDF_KEY_GEN", f->C_GenerateKey(s, &keygen, gt, 6, &hkdf_key), CKR_OK);
	print_value(s, hkdf_key, "hkdf-key");
	CK_HKDF_PARAMS xp = {CK_FALSE, CK_TRUE, CKM_SHA256, CKF_HKDF_SALT_NULL, NULL, 0, CK_INVALID_HANDLE, info, sizeof info - 1};
	CK_MECHANISM expand = {CKM_HKDF_DERIVE, &xp, sizeof xp};
	EXPECT("HKDF expand alone", derive_secret(s, &expand, hkdf_key, 40, &expanded), CKR_OK);
	print_value(s, expanded, "hkdf-expand");

	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failures\n", failures);
	return failures != 0;
}
