/*
 * curves.c checks Ed448, X25519 and X448 keys through the C ABI: the
 * mechanism information, RFC 8032's Ed448 and Ed448ph vectors signed and
 * verified with CK_EDDSA_PARAMS in one part and in several, the
 * parameter errors, and generated key pairs on each curve, whose
 * material it prints for the Go test to check independently:
 *   KEY <curve> <CKA_VALUE hex> <CKA_EC_POINT hex>
 *   SIG <CKA_EC_POINT hex> <context hex> <signature hex>
 * Usage: curves MODULE.so. One line per check; non-zero exit if any failed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

/* PKCS#11 3.0's values, which the 2.40 header the module builds with lacks. */
#ifndef CKK_EC_EDWARDS
#define CKK_EC_EDWARDS 0x40UL
#endif
#ifndef CKK_EC_MONTGOMERY
#define CKK_EC_MONTGOMERY 0x41UL
#endif
#ifndef CKM_EC_EDWARDS_KEY_PAIR_GEN
#define CKM_EC_EDWARDS_KEY_PAIR_GEN 0x1055UL
#endif
#ifndef CKM_EC_MONTGOMERY_KEY_PAIR_GEN
#define CKM_EC_MONTGOMERY_KEY_PAIR_GEN 0x1056UL
#endif
#ifndef CKM_EDDSA
#define CKM_EDDSA 0x1057UL
#endif

static const char SO_PIN[] = "curves-so-pin", USER_PIN[] = "curves-user-pin";
static CK_BBOOL yes = CK_TRUE, no = CK_FALSE;
static CK_OBJECT_CLASS private_class = CKO_PRIVATE_KEY, public_class = CKO_PUBLIC_KEY;
static CK_KEY_TYPE edwards = CKK_EC_EDWARDS;

/* CKA_EC_PARAMS: RFC 8410 OIDs and PKCS#11 3.0 curve names. */
static CK_BYTE ed448_name[] = {0x13, 0x0a, 'e', 'd', 'w', 'a', 'r', 'd', 's', '4', '4', '8'};
static CK_BYTE ed448_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x71};
static CK_BYTE x25519_oid[] = {0x06, 0x03, 0x2b, 0x65, 0x6e};
static CK_BYTE x448_name[] = {0x13, 0x08, 'c', 'u', 'r', 'v', 'e', '4', '4', '8'};

static int unhex(const char *s, CK_BYTE *out, size_t max)
{
	size_t n = strlen(s) / 2;
	if (n > max)
		return -1;
	for (size_t i = 0; i < n; i++)
		sscanf(s + 2 * i, "%2hhx", &out[i]);
	return (int)n;
}

static void print_hex(const CK_BYTE *b, CK_ULONG n)
{
	if (n == 0)
		printf("-");
	for (CK_ULONG i = 0; i < n; i++)
		printf("%02x", b[i]);
}

/* An RFC 8032 test vector of Ed448 (section 7.4) or Ed448ph (7.5). */
struct vector {
	const char *name, *seed, *pub, *msg, *sig, *ctx;
	CK_BBOOL ph;
	int params; /* 0: no CK_EDDSA_PARAMS at all */
};

static const struct vector vectors[] = {
	{"Ed448 1 octet, no CK_EDDSA_PARAMS",
	 "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
	 "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480", "03",
	 "26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00",
	 "", CK_FALSE, 0},
	{"Ed448 1 octet, phFlag false and no context",
	 "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
	 "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480", "03",
	 "26b8f91727bd62897af15e41eb43c377efb9c610d48f2335cb0bd0087810f4352541b143c4b981b7e18f62de8ccdf633fc1bf037ab7cd779805e0dbcc0aae1cbcee1afb2e027df36bc04dcecbf154336c19f0af7e0a6472905e799f1953d2a0ff3348ab21aa4adafd1d234441cf807c03a00",
	 "", CK_FALSE, 1},
	{"Ed448 1 octet with context",
	 "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
	 "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480", "03",
	 "d4f8f6131770dd46f40867d6fd5d5055de43541f8c5e35abbcd001b32a89f7d2151f7647f11d8ca2ae279fb842d607217fce6e042f6815ea000c85741de5c8da1144a6a1aba7f96de42505d7a7298524fda538fccbbb754f578c1cad10d54d0d5428407e85dcbc98a49155c13764e66c3c00",
	 "666f6f", CK_FALSE, 1},
	{"Ed448ph abc",
	 "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6dbefde69e3ab2cec7c867c6e2c49",
	 "259b71c19f83ef77a7abd26524cbdb3161b590a48f7d17de3ee0ba9c52beb743c09428a131d6b1b57303d90d8132c276d5ed3d5d01c0f53880", "616263",
	 "822f6901f7480f3d5f562c592994d9693602875614483256505600bbc281ae381f54d6bce2ea911574932f52a4e6cadd78769375ec3ffd1b801a0d9b3f4030cd433964b6457ea39476511214f97469b57dd32dbc560a9a94d00bff07620464a3ad203df7dc7ce360c3cd3696d9d9fab90f00",
	 "", CK_TRUE, 1},
	{"Ed448ph abc with context",
	 "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6dbefde69e3ab2cec7c867c6e2c49",
	 "259b71c19f83ef77a7abd26524cbdb3161b590a48f7d17de3ee0ba9c52beb743c09428a131d6b1b57303d90d8132c276d5ed3d5d01c0f53880", "616263",
	 "c32299d46ec8ff02b54540982814dce9a05812f81962b649d528095916a2aa481065b1580423ef927ecf0af5888f90da0f6a9a85ad5dc3f280d91224ba9911a3653d00e484e2ce232521481c8658df304bb7745a73514cdb9bf3e15784ab71284f8d0704a608c54a6b62d97beb511d132100",
	 "666f6f", CK_TRUE, 1},
};

/* check_vector imports a vector's key pair (the public key as a bare
 * CKA_EC_POINT, the private key under the OID), signs its message in one
 * part and in parts, and verifies. */
static void check_vector(CK_SESSION_HANDLE s, const struct vector *v)
{
	char name[160];
	CK_BYTE seed[57], pub[57], msg[8], want[114], ctx[8], sig[114];
	unhex(v->seed, seed, sizeof seed);
	unhex(v->pub, pub, sizeof pub);
	int msg_len = unhex(v->msg, msg, sizeof msg), ctx_len = unhex(v->ctx, ctx, sizeof ctx);
	unhex(v->sig, want, sizeof want);
	CK_ATTRIBUTE priv_t[] = {{CKA_CLASS, &private_class, sizeof private_class}, {CKA_KEY_TYPE, &edwards, sizeof edwards},
				 {CKA_EC_PARAMS, ed448_oid, sizeof ed448_oid}, {CKA_VALUE, seed, sizeof seed}};
	CK_ATTRIBUTE pub_t[] = {{CKA_CLASS, &public_class, sizeof public_class}, {CKA_KEY_TYPE, &edwards, sizeof edwards},
				{CKA_EC_PARAMS, ed448_name, sizeof ed448_name}, {CKA_EC_POINT, pub, sizeof pub}};
	CK_OBJECT_HANDLE priv, pubh;
	snprintf(name, sizeof name, "%s: C_CreateObject", v->name);
	EXPECT(name, f->C_CreateObject(s, priv_t, 4, &priv), CKR_OK);
	EXPECT(name, f->C_CreateObject(s, pub_t, 4, &pubh), CKR_OK);
	CK_EDDSA_PARAMS p = {v->ph, (CK_ULONG)ctx_len, ctx_len ? ctx : NULL};
	CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
	if (v->params) {
		m.pParameter = &p;
		m.ulParameterLen = sizeof p;
	}
	CK_ULONG n = 0;
	snprintf(name, sizeof name, "%s: C_Sign", v->name);
	EXPECT(name, f->C_SignInit(s, &m, priv), CKR_OK);
	EXPECT(name, f->C_Sign(s, msg, (CK_ULONG)msg_len, NULL, &n), CKR_OK);
	CHECK("an Ed448 signature is 114 bytes", n == 114, "%lu", n);
	EXPECT(name, f->C_Sign(s, msg, (CK_ULONG)msg_len, sig, &n), CKR_OK);
	snprintf(name, sizeof name, "%s: RFC 8032's signature", v->name);
	CHECK(name, n == 114 && memcmp(sig, want, 114) == 0, "differs");

	snprintf(name, sizeof name, "%s: C_SignUpdate, C_SignFinal", v->name);
	EXPECT(name, f->C_SignInit(s, &m, priv), CKR_OK);
	for (int i = 0; i < msg_len; i++)
		EXPECT(name, f->C_SignUpdate(s, msg + i, 1), CKR_OK);
	n = sizeof sig;
	memset(sig, 0, sizeof sig);
	EXPECT(name, f->C_SignFinal(s, sig, &n), CKR_OK);
	CHECK(name, n == 114 && memcmp(sig, want, 114) == 0, "differs");

	snprintf(name, sizeof name, "%s: C_Verify", v->name);
	EXPECT(name, f->C_VerifyInit(s, &m, pubh), CKR_OK);
	EXPECT(name, f->C_Verify(s, msg, (CK_ULONG)msg_len, want, 114), CKR_OK);
	want[10] ^= 1;
	EXPECT(name, f->C_VerifyInit(s, &m, pubh), CKR_OK);
	EXPECT("a changed signature", f->C_Verify(s, msg, (CK_ULONG)msg_len, want, 114), CKR_SIGNATURE_INVALID);
	EXPECT(name, f->C_VerifyInit(s, &m, pubh), CKR_OK);
	EXPECT("a 64-byte signature", f->C_Verify(s, msg, (CK_ULONG)msg_len, want, 64), CKR_SIGNATURE_LEN_RANGE);
	f->C_DestroyObject(s, priv);
	f->C_DestroyObject(s, pubh);
}

/* generate makes an extractable key pair with mech on the curve params
 * names, checks its attributes, and prints its material. */
static CK_OBJECT_HANDLE generate(CK_SESSION_HANDLE s, const char *curve, CK_MECHANISM_TYPE mech, CK_KEY_TYPE kt,
				 CK_BYTE *params, CK_ULONG params_len, CK_ULONG value_len, CK_ULONG point_len, CK_OBJECT_HANDLE *pub)
{
	char name[128];
	CK_MECHANISM m = {mech, NULL, 0};
	CK_ATTRIBUTE pub_t[] = {{CKA_EC_PARAMS, params, params_len}};
	CK_ATTRIBUTE priv_t[] = {{CKA_SENSITIVE, &no, 1}, {CKA_EXTRACTABLE, &yes, 1}};
	CK_OBJECT_HANDLE priv;
	snprintf(name, sizeof name, "C_GenerateKeyPair %s", curve);
	EXPECT(name, f->C_GenerateKeyPair(s, &m, pub_t, 1, priv_t, 2, pub, &priv), CKR_OK);
	CHECK("the public key's CKA_KEY_TYPE", ulong_attr(s, *pub, CKA_KEY_TYPE) == kt, "0x%lx", ulong_attr(s, *pub, CKA_KEY_TYPE));
	CHECK("the private key's CKA_KEY_TYPE", ulong_attr(s, priv, CKA_KEY_TYPE) == kt, "0x%lx", ulong_attr(s, priv, CKA_KEY_TYPE));
	CHECK("CKA_DERIVE false unless asked", bool_attr(s, priv, CKA_DERIVE) == CK_FALSE, "%d", bool_attr(s, priv, CKA_DERIVE));
	CK_BYTE value[64], point[64], got_params[16], priv_spki[96], pub_spki[96];
	CK_ATTRIBUTE a[] = {{CKA_VALUE, value, sizeof value}, {CKA_EC_PARAMS, got_params, sizeof got_params}, {CKA_PUBLIC_KEY_INFO, priv_spki, sizeof priv_spki}};
	CK_ATTRIBUTE b[] = {{CKA_EC_POINT, point, sizeof point}, {CKA_PUBLIC_KEY_INFO, pub_spki, sizeof pub_spki}};
	EXPECT("the private key's attributes", f->C_GetAttributeValue(s, priv, a, 3), CKR_OK);
	EXPECT("the public key's attributes", f->C_GetAttributeValue(s, *pub, b, 2), CKR_OK);
	snprintf(name, sizeof name, "%s: CKA_VALUE of %lu bytes", curve, value_len);
	CHECK(name, a[0].ulValueLen == value_len, "%lu", a[0].ulValueLen);
	snprintf(name, sizeof name, "%s: CKA_EC_POINT, a DER OCTET STRING of %lu bytes", curve, point_len);
	CHECK(name, b[0].ulValueLen == point_len + 2 && point[0] == 0x04 && point[1] == point_len, "%lu bytes", b[0].ulValueLen);
	CHECK("the private key has the CKA_EC_PARAMS given", a[1].ulValueLen == params_len && memcmp(got_params, params, params_len) == 0, "differ");
	/* A failed read leaves the lengths all ones: nothing past the buffers is read. */
	if (a[0].ulValueLen > sizeof value || b[0].ulValueLen > sizeof point || a[2].ulValueLen > sizeof priv_spki || b[1].ulValueLen > sizeof pub_spki) {
		CHECK("the attributes were read", 0, "%s: lengths %lu, %lu, %lu, %lu", curve, a[0].ulValueLen, b[0].ulValueLen, a[2].ulValueLen, b[1].ulValueLen);
		return priv;
	}
	CHECK("both halves have one CKA_PUBLIC_KEY_INFO", a[2].ulValueLen == b[1].ulValueLen && memcmp(priv_spki, pub_spki, a[2].ulValueLen) == 0,
	      "%lu, %lu bytes", a[2].ulValueLen, b[1].ulValueLen);
	printf("KEY %s ", curve);
	print_hex(value, a[0].ulValueLen);
	printf(" ");
	print_hex(point, b[0].ulValueLen);
	printf(" ");
	print_hex(pub_spki, b[1].ulValueLen);
	printf("\n");
	return priv;
}

int main(int argc, char **argv)
{
	if (argc != 2)
		return 2;
	if (!load(argv[1]))
		return 2;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = user_session("curves", SO_PIN, USER_PIN, &slot);

	CK_MECHANISM_TYPE mechs[] = {CKM_EC_EDWARDS_KEY_PAIR_GEN, CKM_EDDSA, CKM_EC_MONTGOMERY_KEY_PAIR_GEN};
	for (int i = 0; i < 3; i++) {
		CK_MECHANISM_INFO info;
		EXPECT("C_GetMechanismInfo", f->C_GetMechanismInfo(slot, mechs[i], &info), CKR_OK);
		CHECK("key sizes of 255 to 448 bits", info.ulMinKeySize == 255 && info.ulMaxKeySize == 448, "%lu-%lu", info.ulMinKeySize, info.ulMaxKeySize);
	}

	for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++)
		check_vector(s, &vectors[i]);

	CK_OBJECT_HANDLE pub;
	CK_OBJECT_HANDLE priv = generate(s, "Ed448", CKM_EC_EDWARDS_KEY_PAIR_GEN, CKK_EC_EDWARDS, ed448_name, sizeof ed448_name, 57, 57, &pub);
	CK_BYTE ctx[] = "corepkcs11", msg[] = "a message from the C ABI", sig[114], point[64];
	CK_EDDSA_PARAMS p = {CK_TRUE, sizeof ctx - 1, ctx};
	CK_MECHANISM m = {CKM_EDDSA, &p, sizeof p};
	CK_ULONG n = sizeof sig;
	EXPECT("C_SignInit Ed448ph", f->C_SignInit(s, &m, priv), CKR_OK);
	EXPECT("C_Sign Ed448ph", f->C_Sign(s, msg, sizeof msg - 1, sig, &n), CKR_OK);
	CK_ATTRIBUTE a = {CKA_EC_POINT, point, sizeof point};
	EXPECT("CKA_EC_POINT", f->C_GetAttributeValue(s, pub, &a, 1), CKR_OK);
	printf("SIG ");
	print_hex(point, a.ulValueLen);
	printf(" ");
	print_hex(ctx, sizeof ctx - 1);
	printf(" ");
	print_hex(sig, n);
	printf("\n");

	CK_BYTE long_ctx[256];
	memset(long_ctx, 'x', sizeof long_ctx);
	CK_EDDSA_PARAMS too_long = {CK_FALSE, sizeof long_ctx, long_ctx};
	CK_MECHANISM bad = {CKM_EDDSA, &too_long, sizeof too_long};
	EXPECT("a context of 256 bytes", f->C_SignInit(s, &bad, priv), CKR_MECHANISM_PARAM_INVALID);
	bad.pParameter = &p;
	bad.ulParameterLen = sizeof p - 1;
	EXPECT("a CK_EDDSA_PARAMS of the wrong size", f->C_SignInit(s, &bad, priv), CKR_MECHANISM_PARAM_INVALID);

	priv = generate(s, "X25519", CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, x25519_oid, sizeof x25519_oid, 32, 32, &pub);
	CK_MECHANISM eddsa = {CKM_EDDSA, NULL, 0};
	EXPECT("CKM_EDDSA with an X25519 key", f->C_SignInit(s, &eddsa, priv), CKR_KEY_TYPE_INCONSISTENT);
	generate(s, "X448", CKM_EC_MONTGOMERY_KEY_PAIR_GEN, CKK_EC_MONTGOMERY, x448_name, sizeof x448_name, 56, 56, &pub);
	CK_MECHANISM mont = {CKM_EC_MONTGOMERY_KEY_PAIR_GEN, NULL, 0};
	CK_ATTRIBUTE ed_params[] = {{CKA_EC_PARAMS, ed448_oid, sizeof ed448_oid}};
	CK_ATTRIBUTE derive[] = {{CKA_DERIVE, &yes, 1}};
	EXPECT("CKM_EC_MONTGOMERY_KEY_PAIR_GEN on Ed448", f->C_GenerateKeyPair(s, &mont, ed_params, 1, derive, 1, &pub, &priv), CKR_CURVE_NOT_SUPPORTED);
	CK_ATTRIBUTE x_params[] = {{CKA_EC_PARAMS, x25519_oid, sizeof x25519_oid}};
	EXPECT("an X25519 key pair with CKA_DERIVE", f->C_GenerateKeyPair(s, &mont, x_params, 1, derive, 1, &pub, &priv), CKR_OK);
	CHECK("CKA_DERIVE as asked", bool_attr(s, priv, CKA_DERIVE) == CK_TRUE, "%d", bool_attr(s, priv, CKA_DERIVE));
	CK_BYTE value[32];
	CK_ATTRIBUTE v = {CKA_VALUE, value, sizeof value};
	EXPECT("a sensitive X25519 key's CKA_VALUE", f->C_GetAttributeValue(s, priv, &v, 1), CKR_ATTRIBUTE_SENSITIVE);

	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
