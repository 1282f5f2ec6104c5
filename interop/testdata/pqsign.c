/*
 * pqsign.c checks the PKCS#11 3.2 post-quantum signatures through the C
 * ABI: C_GenerateKeyPair with CKM_ML_DSA_KEY_PAIR_GEN (ML-DSA-65) and
 * CKM_SLH_DSA_KEY_PAIR_GEN (SLH-DSA-SHA2-128f), the attributes the keys
 * get, CKM_ML_DSA, CKM_SLH_DSA and CKM_HASH_SLH_DSA_SHA256 with and without a
 * CK_SIGN_ADDITIONAL_CONTEXT, in one part and in parts, deterministic and
 * hedged, and the parameter errors. It writes each key's
 * CKA_PUBLIC_KEY_INFO, a message, its context and signature to DIR, for
 * the Go test to verify with circl, apart from the module.
 * Usage: pqsign MODULE.so DIR. One line per check; non-zero exit if any failed.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* PKCS#11 3.2 values (OASIS pkcs11t.h 3.2), for headers without them. */
#ifndef CKK_ML_DSA
#define CKK_ML_DSA 0x4aUL
#define CKK_SLH_DSA 0x4bUL
#define CKA_PARAMETER_SET 0x61dUL
#define CKA_SEED 0x637UL
#define CKM_ML_DSA_KEY_PAIR_GEN 0x1cUL
#define CKM_ML_DSA 0x1dUL
#define CKM_SLH_DSA_KEY_PAIR_GEN 0x2dUL
#define CKM_SLH_DSA 0x2eUL
#define CKP_ML_DSA_65 0x2UL
#define CKP_SLH_DSA_SHA2_128F 0x3UL
#define CKH_HEDGE_PREFERRED 0x0UL
#define CKH_HEDGE_REQUIRED 0x1UL
#define CKH_DETERMINISTIC_REQUIRED 0x2UL
#define CKR_PARAMETER_SET_NOT_SUPPORTED 0x209UL
#endif
#ifndef CKM_HASH_SLH_DSA_SHA256
#define CKM_HASH_SLH_DSA_SHA256 0x37UL
#endif

static const char SO_PIN[] = "pq-so-pin", USER_PIN[] = "pq-user-pin";
static CK_BBOOL yes = CK_TRUE;
static const char *dir;

/* put writes n bytes to DIR/name. */
static void put(const char *name, const void *p, size_t n)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *fp = fopen(path, "wb");
	CHECK(name, fp && fwrite(p, 1, n, fp) == n, "cannot write %s", path);
	if (fp)
		fclose(fp);
}

/* sign signs msg with mechanism m in one part, or in two when split. */
static CK_RV sign(CK_SESSION_HANDLE s, CK_MECHANISM *m, CK_OBJECT_HANDLE key, CK_BYTE *msg, CK_ULONG n, int split, CK_BYTE *sig, CK_ULONG *sigLen)
{
	CK_RV rv = f->C_SignInit(s, m, key);
	if (rv != CKR_OK)
		return rv;
	if (!split)
		return f->C_Sign(s, msg, n, sig, sigLen);
	if ((rv = f->C_SignUpdate(s, msg, n / 2)) != CKR_OK)
		return rv;
	if ((rv = f->C_SignUpdate(s, msg + n / 2, n - n / 2)) != CKR_OK)
		return rv;
	return f->C_SignFinal(s, sig, sigLen);
}

/* check_family generates a key pair of a parameter set and signs and
 * verifies with the family's mechanism; prefix names the files written. */
static void check_family(CK_SESSION_HANDLE s, const char *prefix, CK_MECHANISM_TYPE gen, CK_MECHANISM_TYPE mech, CK_KEY_TYPE kt,
			 CK_ULONG set, CK_ULONG pubLen, CK_ULONG sigSize)
{
	char name[160];
	CK_MECHANISM g = {gen, NULL, 0};
	CK_ATTRIBUTE pt[] = {{CKA_PARAMETER_SET, &set, sizeof set}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE st[] = {{CKA_SIGN, &yes, 1}, {CKA_SENSITIVE, &yes, 1}};
	CK_OBJECT_HANDLE pub, priv;
	snprintf(name, sizeof name, "%s: C_GenerateKeyPair", prefix);
	EXPECT(name, f->C_GenerateKeyPair(s, &g, pt, 2, st, 2, &pub, &priv), CKR_OK);
	CHECK("the public key's CKA_KEY_TYPE", ulong_attr(s, pub, CKA_KEY_TYPE) == kt, "0x%lx", ulong_attr(s, pub, CKA_KEY_TYPE));
	CHECK("the private key's CKA_PARAMETER_SET is the pair's", ulong_attr(s, priv, CKA_PARAMETER_SET) == set, "%lu",
	      ulong_attr(s, priv, CKA_PARAMETER_SET));
	CHECK("CKA_KEY_GEN_MECHANISM", ulong_attr(s, priv, CKA_KEY_GEN_MECHANISM) == gen, "0x%lx", ulong_attr(s, priv, CKA_KEY_GEN_MECHANISM));
	CK_ATTRIBUTE v = {CKA_VALUE, NULL, 0};
	EXPECT("C_GetAttributeValue the public CKA_VALUE's length", f->C_GetAttributeValue(s, pub, &v, 1), CKR_OK);
	CHECK("the public CKA_VALUE has the parameter set's length", v.ulValueLen == pubLen, "%lu", v.ulValueLen);
	v.ulValueLen = 0;
	EXPECT("a sensitive private key hides CKA_VALUE", f->C_GetAttributeValue(s, priv, &v, 1), CKR_ATTRIBUTE_SENSITIVE);
	static CK_BYTE spki[4096];
	CK_ATTRIBUTE info = {CKA_PUBLIC_KEY_INFO, spki, sizeof spki};
	EXPECT("C_GetAttributeValue CKA_PUBLIC_KEY_INFO", f->C_GetAttributeValue(s, priv, &info, 1), CKR_OK);
	snprintf(name, sizeof name, "%s.spki", prefix);
	put(name, spki, info.ulValueLen);

	static CK_BYTE msg[3000], ctx[] = "corepkcs11 context";
	memset(msg, 'm', sizeof msg);
	CK_SIGN_ADDITIONAL_CONTEXT det = {CKH_DETERMINISTIC_REQUIRED, ctx, sizeof ctx - 1};
	CK_MECHANISM withCtx = {mech, &det, sizeof det}, plain = {mech, NULL, 0};
	static CK_BYTE sig1[20000], sig2[20000];
	CK_ULONG n1 = 0, n2 = sizeof sig2;
	EXPECT("C_SignInit with a context", f->C_SignInit(s, &withCtx, priv), CKR_OK);
	EXPECT("C_Sign size query", f->C_Sign(s, msg, sizeof msg, NULL, &n1), CKR_OK);
	CHECK("the size query gives the signature's size", n1 == sigSize, "%lu", n1);
	EXPECT("C_Sign", f->C_Sign(s, msg, sizeof msg, sig1, &n1), CKR_OK);
	EXPECT("C_SignUpdate, C_SignFinal", sign(s, &withCtx, priv, msg, sizeof msg, 1, sig2, &n2), CKR_OK);
	CHECK("CKH_DETERMINISTIC_REQUIRED: one part and two give one signature", n1 == n2 && memcmp(sig1, sig2, n1) == 0, "they differ");
	snprintf(name, sizeof name, "%s.sig", prefix);
	put(name, sig1, n1);
	snprintf(name, sizeof name, "%s.msg", prefix);
	put(name, msg, sizeof msg);
	snprintf(name, sizeof name, "%s.ctx", prefix);
	put(name, ctx, sizeof ctx - 1);

	EXPECT("C_VerifyInit with the context", f->C_VerifyInit(s, &withCtx, pub), CKR_OK);
	EXPECT("C_Verify", f->C_Verify(s, msg, sizeof msg, sig1, n1), CKR_OK);
	EXPECT("C_VerifyInit without the context", f->C_VerifyInit(s, &plain, pub), CKR_OK);
	EXPECT("C_Verify without the context", f->C_Verify(s, msg, sizeof msg, sig1, n1), CKR_SIGNATURE_INVALID);
	sig1[10] ^= 1;
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &withCtx, pub), CKR_OK);
	EXPECT("C_Verify of a changed signature", f->C_Verify(s, msg, sizeof msg, sig1, n1), CKR_SIGNATURE_INVALID);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &withCtx, pub), CKR_OK);
	EXPECT("C_Verify of a short signature", f->C_Verify(s, msg, sizeof msg, sig1, n1 - 1), CKR_SIGNATURE_LEN_RANGE);

	n1 = sizeof sig1, n2 = sizeof sig2;
	EXPECT("C_Sign without a parameter", sign(s, &plain, priv, msg, sizeof msg, 0, sig1, &n1), CKR_OK);
	EXPECT("C_Sign without a parameter", sign(s, &plain, priv, msg, sizeof msg, 0, sig2, &n2), CKR_OK);
	CHECK("hedged by default: two signatures differ", n1 == n2 && memcmp(sig1, sig2, n1) != 0, "they are equal");
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &plain, pub), CKR_OK);
	EXPECT("C_Verify a hedged signature", f->C_Verify(s, msg, sizeof msg, sig2, n2), CKR_OK);
	CK_SIGN_ADDITIONAL_CONTEXT hedged = {CKH_HEDGE_REQUIRED, NULL, 0};
	CK_MECHANISM req = {mech, &hedged, sizeof hedged};
	EXPECT("CKH_HEDGE_REQUIRED", sign(s, &req, priv, msg, sizeof msg, 0, sig1, &n1), CKR_OK);

	CK_BYTE big[256];
	CK_SIGN_ADDITIONAL_CONTEXT bad[] = {{CKH_HEDGE_PREFERRED, big, sizeof big}, {CKH_HEDGE_PREFERRED, NULL, 3}, {7, NULL, 0}};
	const char *why[] = {"a 256-byte context", "pContext NULL with a length", "an unknown hedgeVariant"};
	for (int i = 0; i < 3; i++) {
		CK_MECHANISM m = {mech, &bad[i], sizeof bad[i]};
		snprintf(name, sizeof name, "C_SignInit with %s", why[i]);
		EXPECT(name, f->C_SignInit(s, &m, priv), CKR_MECHANISM_PARAM_INVALID);
	}
	CK_MECHANISM shortParam = {mech, &det, sizeof det - 1};
	EXPECT("C_SignInit with a parameter of the wrong size", f->C_SignInit(s, &shortParam, priv), CKR_MECHANISM_PARAM_INVALID);
	CK_ULONG unknown = 99;
	CK_ATTRIBUTE ut[] = {{CKA_PARAMETER_SET, &unknown, sizeof unknown}};
	EXPECT("C_GenerateKeyPair with an unknown parameter set", f->C_GenerateKeyPair(s, &g, ut, 1, st, 2, &pub, &priv),
	       CKR_PARAMETER_SET_NOT_SUPPORTED);
	EXPECT("C_GenerateKeyPair without a parameter set", f->C_GenerateKeyPair(s, &g, NULL, 0, st, 2, &pub, &priv), CKR_TEMPLATE_INCOMPLETE);
}

int main(int argc, char **argv)
{
	if (argc != 3)
		return 2;
	dir = argv[2];
	if (!load(argv[1]))
		return 2;
	EXPECT("C_Initialize", f->C_Initialize(NULL), CKR_OK);
	CK_SLOT_ID slot;
	CK_SESSION_HANDLE s = user_session("pq", SO_PIN, USER_PIN, &slot);
	CK_MECHANISM_INFO info;
	EXPECT("C_GetMechanismInfo CKM_ML_DSA", f->C_GetMechanismInfo(slot, CKM_ML_DSA, &info), CKR_OK);
	CHECK("CKM_ML_DSA: public keys of 1312 to 2592 bytes, sign and verify",
	      info.ulMinKeySize == 1312 && info.ulMaxKeySize == 2592 && (info.flags & (CKF_SIGN | CKF_VERIFY)) == (CKF_SIGN | CKF_VERIFY),
	      "%lu-%lu flags 0x%lx", info.ulMinKeySize, info.ulMaxKeySize, info.flags);
	EXPECT("C_GetMechanismInfo CKM_SLH_DSA_KEY_PAIR_GEN", f->C_GetMechanismInfo(slot, CKM_SLH_DSA_KEY_PAIR_GEN, &info), CKR_OK);
	CHECK("CKM_SLH_DSA_KEY_PAIR_GEN: public keys of 32 to 64 bytes",
	      info.ulMinKeySize == 32 && info.ulMaxKeySize == 64 && (info.flags & CKF_GENERATE_KEY_PAIR), "%lu-%lu flags 0x%lx",
	      info.ulMinKeySize, info.ulMaxKeySize, info.flags);
	check_family(s, "mldsa65", CKM_ML_DSA_KEY_PAIR_GEN, CKM_ML_DSA, CKK_ML_DSA, CKP_ML_DSA_65, 1952, 3309);
	check_family(s, "slhdsa128f", CKM_SLH_DSA_KEY_PAIR_GEN, CKM_SLH_DSA, CKK_SLH_DSA, CKP_SLH_DSA_SHA2_128F, 32, 17088);
	check_family(s, "hashslhdsa128f", CKM_SLH_DSA_KEY_PAIR_GEN, CKM_HASH_SLH_DSA_SHA256, CKK_SLH_DSA, CKP_SLH_DSA_SHA2_128F, 32, 17088);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("PASS the checks ran to the end\n%d failed\n", failures);
	return failures != 0;
}
