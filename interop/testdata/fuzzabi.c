/*
 * fuzzabi.c throws random mechanisms, parameters, buffers and lengths at
 * the module's operation functions through the C ABI, as a careless or
 * hostile host would, and checks that every call returns a CK_RV of the
 * specification without crashing. Pointers are always valid memory of
 * the stated length, or NULL: the module cannot defend against a wild
 * pointer, only against wrong lengths and contents.
 * Usage: fuzzabi MODULE.so SEED ITERATIONS
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pkcs11.h"

static CK_FUNCTION_LIST_PTR f;
static CK_FUNCTION_LIST_3_2_PTR f3;
static const char SO_PIN[] = "fuzz-so-pin", USER_PIN[] = "fuzz-user-pin";
static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

#define CKM_AES_KEY_WRAP_KWP 0x210bUL
#define CKM_HKDF_DERIVE 0x402aUL
#define CKM_HKDF_DATA 0x402bUL
#define CKM_EC_EDWARDS_KEY_PAIR_GEN 0x1055UL
#define CKM_EDDSA 0x1057UL
#define CKM_ML_DSA_KEY_PAIR_GEN 0x1cUL
#define CKM_ML_DSA 0x1dUL
#define CKM_SLH_DSA 0x2eUL
#define CKP_ML_DSA_44 0x1UL

static CK_MECHANISM_TYPE mechs[] = {
	CKM_SHA_1, CKM_SHA256, CKM_SHA512, CKM_ECDSA, CKM_ECDSA_SHA256, CKM_RSA_PKCS, CKM_RSA_X_509,
	CKM_RSA_PKCS_PSS, CKM_SHA256_RSA_PKCS, CKM_SHA256_RSA_PKCS_PSS, CKM_EC_KEY_PAIR_GEN, 0x7777, CKM_VENDOR_DEFINED,
	CKM_RSA_PKCS_OAEP, CKM_AES_ECB, CKM_AES_CBC, CKM_AES_CBC_PAD, CKM_AES_CTR, CKM_AES_GCM, CKM_AES_CMAC,
	CKM_AES_CMAC_GENERAL, CKM_AES_KEY_WRAP, CKM_AES_KEY_WRAP_KWP, CKM_DES3_CBC_PAD, CKM_DES3_ECB,
	CKM_SHA256_HMAC, CKM_SHA256_HMAC_GENERAL, CKM_ECDH1_DERIVE, CKM_HKDF_DERIVE, CKM_HKDF_DATA, CKM_ML_KEM,
	CKM_EDDSA, CKM_ML_DSA, CKM_SLH_DSA,
};

/* plausible writes a structure of the mechanism's parameter type at the
 * start of param, pointing into param's later bytes (valid memory) or
 * NULL, with lengths that are often wrong; it returns the structure's
 * size, or 0 if the mechanism takes no structure with pointers. */
static CK_ULONG plausible(CK_MECHANISM_TYPE t, CK_BYTE *param);

/* salt_key is a generic secret key HKDF may take its salt from. */
static CK_OBJECT_HANDLE salt_key;



static unsigned rnd(unsigned n) { return n ? (unsigned)rand() % n : 0; }

static void fill(CK_BYTE *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (CK_BYTE)rand();
}

/* family picks one of main's keys (EC pair, RSA pair, AES, DES3, ML-KEM
 * pair, generic secret, ML-DSA pair, Ed25519 pair) that the mechanism may
 * work with. SLH-DSA has none: its parameter decoding is what is tried,
 * and its signatures are too slow for thousands of rounds. */
static unsigned family(CK_MECHANISM_TYPE t)
{
	switch (t) {
	case CKM_ECDSA:
	case CKM_ECDSA_SHA256:
		return rnd(2);
	case CKM_ECDH1_DERIVE:
		return 1;
	case CKM_HKDF_DERIVE:
	case CKM_HKDF_DATA:
		return 8;
	case CKM_RSA_PKCS:
	case CKM_RSA_X_509:
	case CKM_RSA_PKCS_PSS:
	case CKM_SHA256_RSA_PKCS:
	case CKM_SHA256_RSA_PKCS_PSS:
	case CKM_RSA_PKCS_OAEP:
		return 2 + rnd(2);
	case CKM_DES3_CBC_PAD:
	case CKM_DES3_ECB:
		return 5;
	case CKM_ML_KEM:
		return 6 + rnd(2);
	case CKM_ML_DSA:
		return 9 + rnd(2);
	case CKM_EDDSA:
		return 11 + rnd(2);
	}
	return 4;
}

/* known reports whether rv is a CK_RV the PKCS#11 3.2 headers define. */
static int known(CK_RV rv) { return rv <= 0x1B9 || (rv >= 0x200 && rv <= 0x209); }

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
	if (!lib)
		return 2;
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	if (!get || get(&f) != CKR_OK || f->C_Initialize(NULL) != CKR_OK)
		return 2;
	CK_C_GetInterface getInterface = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
	CK_INTERFACE_PTR itf;
	if (!getInterface || getInterface(NULL, NULL, &itf, 0) != CKR_OK)
		return 2;
	f3 = itf->pFunctionList;
	srand((unsigned)atoi(argv[2]));
	long iterations = atol(argv[3]);

	CK_SLOT_ID slots[8];
	CK_ULONG n = 8;
	f->C_GetSlotList(CK_FALSE, slots, &n);
	CK_SLOT_ID slot = slots[n - 1];
	CK_UTF8CHAR label[32];
	memset(label, ' ', 32);
	CK_SESSION_HANDLE s;
	if (f->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label) != CKR_OK ||
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)) != CKR_OK ||
	    f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)) != CKR_OK || f->C_Logout(s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)) != CKR_OK)
		return 2;
	CK_BBOOL yes = CK_TRUE;
	CK_ULONG bits = 1024;
	CK_BYTE e[] = {1, 0, 1};
	CK_OBJECT_HANDLE keys[13];
	CK_ATTRIBUTE ecPub[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE rsaPub[] = {{CKA_MODULUS_BITS, &bits, sizeof bits}, {CKA_PUBLIC_EXPONENT, e, sizeof e}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE priv[] = {{CKA_SIGN, &yes, 1}, {CKA_DERIVE, &yes, 1}};
	CK_MECHANISM ecGen = {CKM_EC_KEY_PAIR_GEN, NULL, 0}, rsaGen = {CKM_RSA_PKCS_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG aesLen = 32;
	CK_ATTRIBUTE aes[] = {{CKA_VALUE_LEN, &aesLen, sizeof aesLen}, {CKA_EXTRACTABLE, &yes, 1}, {CKA_DERIVE, &yes, 1}};
	CK_MECHANISM aesGen = {CKM_AES_KEY_GEN, NULL, 0}, des3Gen = {CKM_DES3_KEY_GEN, NULL, 0}, genericGen = {CKM_GENERIC_SECRET_KEY_GEN, NULL, 0};
	CK_ULONG set = CKP_ML_KEM_768;
	CK_ATTRIBUTE kemPub[] = {{CKA_PARAMETER_SET, &set, sizeof set}};
	CK_MECHANISM kemGen = {CKM_ML_KEM_KEY_PAIR_GEN, NULL, 0};
	CK_ULONG dsaSet = CKP_ML_DSA_44;
	CK_ATTRIBUTE dsaPub[] = {{CKA_PARAMETER_SET, &dsaSet, sizeof dsaSet}};
	static CK_BYTE ed25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
	CK_ATTRIBUTE edPub[] = {{CKA_EC_PARAMS, ed25519, sizeof ed25519}};
	CK_MECHANISM dsaGen = {CKM_ML_DSA_KEY_PAIR_GEN, NULL, 0}, edGen = {CKM_EC_EDWARDS_KEY_PAIR_GEN, NULL, 0};
	if (f->C_GenerateKeyPair(s, &ecGen, ecPub, 2, priv, 2, &keys[0], &keys[1]) != CKR_OK ||
	    f->C_GenerateKeyPair(s, &rsaGen, rsaPub, 3, priv, 1, &keys[2], &keys[3]) != CKR_OK ||
	    f->C_GenerateKey(s, &aesGen, aes, 3, &keys[4]) != CKR_OK || f->C_GenerateKey(s, &des3Gen, &aes[1], 1, &keys[5]) != CKR_OK ||
	    f->C_GenerateKeyPair(s, &kemGen, kemPub, 1, NULL, 0, &keys[6], &keys[7]) != CKR_OK ||
	    f->C_GenerateKey(s, &genericGen, aes, 3, &keys[8]) != CKR_OK ||
	    f->C_GenerateKeyPair(s, &dsaGen, dsaPub, 1, priv, 1, &keys[9], &keys[10]) != CKR_OK ||
	    f->C_GenerateKeyPair(s, &edGen, edPub, 1, priv, 1, &keys[11], &keys[12]) != CKR_OK)
		return 2;

	salt_key = keys[8];
	static CK_BYTE param[512], data[2500], out[2500]; /* room for an ML-KEM-768 ciphertext, an ML-DSA-44 signature */
	long bad = 0, started = 0, derived = 0;
	for (long i = 0; i < iterations; i++) {
		CK_MECHANISM m;
		m.mechanism = mechs[rnd(sizeof mechs / sizeof mechs[0])];
		m.ulParameterLen = rnd(4) == 0 ? rnd(sizeof param + 1) : rnd(4) * sizeof(CK_ULONG);
		m.pParameter = rnd(8) == 0 ? NULL : param;
		if (m.pParameter == NULL && rnd(2))
			m.ulParameterLen = 0;
		fill(param, sizeof param);
		if (rnd(2)) { /* a plausible CK_RSA_PKCS_PSS_PARAMS */
			CK_ULONG *p = (CK_ULONG *)param;
			p[0] = rnd(2) ? CKM_SHA256 : rnd(0x300);
			p[1] = rnd(2) ? CKG_MGF1_SHA256 : rnd(8);
			p[2] = rnd(300);
		}
		/* A structure with pointers always gets valid ones, whatever
		 * length the mechanism is given: a random length may be the
		 * structure's size. */
		CK_ULONG size = plausible(m.mechanism, param);
		if (size != 0 && m.pParameter != NULL && rnd(2))
			m.ulParameterLen = rnd(8) ? size : size - sizeof(CK_ULONG);
		CK_OBJECT_HANDLE key = rnd(6) == 0 ? (CK_OBJECT_HANDLE)rand() : keys[rnd(13)];
		if (rnd(4)) /* mostly a key of the mechanism's family, to get past the key checks */
			key = keys[family(m.mechanism)];
		CK_ULONG dataLen = rnd(sizeof data + 1), outLen = rnd(sizeof out + 1);
		fill(data, dataLen);
		/* Lengths no memory can hold, as uninitialized variables give. */
		if (rnd(16) == 0)
			dataLen = ~(CK_ULONG)0 - rnd(4);
		if (rnd(16) == 0)
			outLen = ~(CK_ULONG)0 - rnd(4);
		CK_ULONG *pOutLen = rnd(10) == 0 ? NULL : &outLen;
		CK_BYTE *pOut = rnd(4) == 0 ? NULL : out;
		CK_RV rvs[5] = {CKR_OK, CKR_OK, CKR_OK, CKR_OK, CKR_OK};
		CK_OBJECT_HANDLE unwrapped;
		CK_OBJECT_CLASS secret = CKO_SECRET_KEY;
		CK_KEY_TYPE aesType = CKK_AES;
		CK_ATTRIBUTE unwrapTemplate[] = {{CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aesType, sizeof aesType}};
		CK_ULONG valueLen = rnd(4) ? 16 : (CK_ULONG)rand();
		CK_ATTRIBUTE deriveTemplate[] = {{CKA_VALUE_LEN, &valueLen, sizeof valueLen}, {CKA_CLASS, &secret, sizeof secret}, {CKA_KEY_TYPE, &aesType, sizeof aesType}};
		switch (rnd(8)) {
		case 7:
			rvs[0] = f->C_DeriveKey(s, &m, key, deriveTemplate, rnd(4), rnd(8) ? &unwrapped : NULL);
			if (rvs[0] == CKR_OK)
				f->C_DestroyObject(s, unwrapped);
			rvs[1] = f->C_DeriveKey(s, &m, key, rnd(2) ? deriveTemplate : NULL, rnd(4), &unwrapped);
			if (rvs[1] == CKR_OK)
				f->C_DestroyObject(s, unwrapped);
			derived += (rvs[0] == CKR_OK) + (rvs[1] == CKR_OK);
			break;
		case 6: /* PKCS#11 3.2 */
			rvs[0] = f3->C_VerifySignatureInit(s, &m, key, rnd(4) ? out : NULL, outLen);
			rvs[1] = rnd(2) ? f3->C_VerifySignature(s, data, dataLen) : f3->C_VerifySignatureUpdate(s, data, dataLen);
			rvs[2] = f3->C_VerifySignatureFinal(s);
			if (m.mechanism == CKM_ML_KEM && pOutLen != NULL && rnd(2))
				outLen = sizeof out; /* room for the ciphertext */
			rvs[3] = f3->C_EncapsulateKey(s, &m, key, unwrapTemplate, rnd(3), pOut, pOutLen, rnd(8) ? &unwrapped : NULL);
			if (rvs[3] == CKR_OK && pOut != NULL)
				f->C_DestroyObject(s, unwrapped);
			if (m.mechanism == CKM_ML_KEM && rnd(2))
				dataLen = 1088; /* a ciphertext of the right length */
			rvs[4] = f3->C_DecapsulateKey(s, &m, key, unwrapTemplate, rnd(3), data, dataLen, rnd(8) ? &unwrapped : NULL);
			if (rvs[4] == CKR_OK)
				f->C_DestroyObject(s, unwrapped);
			break;
		case 3:
			rvs[0] = f->C_EncryptInit(s, &m, key);
			rvs[1] = rnd(2) ? f->C_Encrypt(s, data, dataLen, pOut, pOutLen) : f->C_EncryptUpdate(s, data, dataLen, pOut, pOutLen);
			rvs[2] = f->C_EncryptFinal(s, pOut, pOutLen);
			rvs[3] = f->C_EncryptInit(s, &m, key);
			if (rvs[3] == CKR_OK) {
				outLen = sizeof out;
				rvs[3] = f->C_Encrypt(s, out, rnd(sizeof out), out, &outLen); /* in place */
			}
			break;
		case 4:
			rvs[0] = f->C_DecryptInit(s, &m, key);
			rvs[1] = rnd(2) ? f->C_Decrypt(s, data, dataLen, pOut, pOutLen) : f->C_DecryptUpdate(s, data, dataLen, pOut, pOutLen);
			rvs[2] = f->C_DecryptFinal(s, pOut, pOutLen);
			rvs[3] = f->C_DecryptInit(s, &m, key);
			if (rvs[3] == CKR_OK) {
				outLen = sizeof out;
				rvs[3] = f->C_DecryptUpdate(s, data, rnd(sizeof data), out, &outLen);
			}
			break;
		case 5:
			rvs[0] = f->C_WrapKey(s, &m, key, keys[rnd(13)], pOut, pOutLen);
			rvs[1] = f->C_UnwrapKey(s, &m, key, data, dataLen, unwrapTemplate, rnd(3), rnd(8) ? &unwrapped : NULL);
			if (rvs[1] == CKR_OK)
				f->C_DestroyObject(s, unwrapped);
			rvs[2] = f->C_DigestEncryptUpdate(s, data, dataLen, pOut, pOutLen);
			rvs[3] = f->C_DecryptVerifyUpdate(s, data, dataLen, pOut, pOutLen);
			break;
		case 0:
			rvs[0] = f->C_DigestInit(s, &m);
			rvs[1] = rnd(2) ? f->C_Digest(s, data, dataLen, pOut, pOutLen) : f->C_DigestUpdate(s, data, dataLen);
			rvs[2] = f->C_DigestFinal(s, pOut, pOutLen);
			rvs[3] = f->C_DigestInit(s, &m) == CKR_OK ? f->C_DigestFinal(s, out, &outLen) : CKR_OK;
			break;
		case 1:
			rvs[0] = f->C_SignInit(s, &m, key);
			rvs[1] = rnd(2) ? f->C_Sign(s, data, dataLen, pOut, pOutLen) : f->C_SignUpdate(s, data, dataLen);
			rvs[2] = f->C_SignFinal(s, pOut, pOutLen);
			rvs[3] = f->C_SignInit(s, &m, key);
			if (rvs[3] == CKR_OK) {
				outLen = sizeof out;
				rvs[3] = f->C_Sign(s, data, dataLen, out, &outLen);
			}
			break;
		default:
			rvs[0] = f->C_VerifyInit(s, &m, key);
			rvs[1] = rnd(2) ? f->C_Verify(s, data, dataLen, out, outLen) : f->C_VerifyUpdate(s, data, dataLen);
			rvs[2] = f->C_VerifyFinal(s, out, outLen);
			rvs[3] = f->C_VerifyInit(s, &m, key);
			if (rvs[3] == CKR_OK)
				rvs[3] = f->C_Verify(s, data, dataLen, out, outLen);
		}
		started += rvs[0] == CKR_OK;
		/* Whatever a round left active, the next starts afresh. */
		f3->C_SessionCancel(s, CKF_ENCRYPT | CKF_DECRYPT | CKF_DIGEST | CKF_SIGN | CKF_VERIFY);
		for (int j = 0; j < 5; j++) {
			if (!known(rvs[j]) || rvs[j] == CKR_GENERAL_ERROR) {
				printf("FAIL iteration %ld: mechanism 0x%lx, parameter %lu bytes: call %d returned 0x%lx\n", i, m.mechanism, m.ulParameterLen, j, rvs[j]);
				bad++;
			}
		}
	}
	f->C_Finalize(NULL);
	printf("started=%ld\nderived=%ld\n%ld rounds, %ld bad\n", started, derived, iterations, bad);
	return bad ? 1 : 0;
}

static CK_ULONG plausible(CK_MECHANISM_TYPE t, CK_BYTE *param)
{
	CK_BYTE *tail = param + 128; /* 384 bytes of valid memory */
	switch (t) {
	case CKM_AES_GCM: {
		CK_GCM_PARAMS *p = (CK_GCM_PARAMS *)param;
		p->pIv = rnd(8) ? tail : NULL;
		p->ulIvLen = rnd(8) ? 12 : rnd(300);
		p->ulIvBits = rnd(2) ? p->ulIvLen * 8 : rnd(3000);
		p->pAAD = rnd(4) ? tail + 300 : NULL;
		p->ulAADLen = rnd(85);
		p->ulTagBits = rnd(2) ? 128 : rnd(200);
		return sizeof *p;
	}
	case CKM_RSA_PKCS_OAEP: {
		CK_RSA_PKCS_OAEP_PARAMS *p = (CK_RSA_PKCS_OAEP_PARAMS *)param;
		p->hashAlg = rnd(2) ? CKM_SHA256 : rnd(0x300);
		p->mgf = rnd(2) ? CKG_MGF1_SHA256 : rnd(8);
		p->source = rnd(3);
		p->pSourceData = rnd(4) ? tail : NULL;
		p->ulSourceDataLen = rnd(385);
		return sizeof *p;
	}
	case CKM_AES_CTR: {
		CK_AES_CTR_PARAMS *p = (CK_AES_CTR_PARAMS *)param;
		p->ulCounterBits = rnd(140);
		return sizeof *p;
	}
	case CKM_ECDH1_DERIVE: {
		CK_ECDH1_DERIVE_PARAMS *p = (CK_ECDH1_DERIVE_PARAMS *)param;
		p->kdf = rnd(2) ? CKD_NULL : rnd(0x1c);
		p->pSharedData = rnd(4) ? NULL : tail;
		p->ulSharedDataLen = rnd(2) ? 0 : rnd(385);
		p->pPublicData = rnd(8) ? tail : NULL;
		p->ulPublicDataLen = rnd(2) ? 65 : rnd(385);
		tail[0] = 4;
		return sizeof *p;
	}
	case CKM_ML_DSA:
	case CKM_SLH_DSA: {
		CK_SIGN_ADDITIONAL_CONTEXT *p = (CK_SIGN_ADDITIONAL_CONTEXT *)param;
		p->hedgeVariant = rnd(4);
		p->pContext = rnd(8) ? tail : NULL;
		p->ulContextLen = rnd(2) ? rnd(256) : rnd(385);
		return sizeof *p;
	}
	case CKM_EDDSA: {
		CK_EDDSA_PARAMS *p = (CK_EDDSA_PARAMS *)param;
		p->phFlag = rnd(3);
		p->pContextData = rnd(8) ? tail : NULL;
		p->ulContextDataLen = rnd(2) ? rnd(256) : rnd(385);
		return sizeof *p;
	}
	case CKM_HKDF_DERIVE:
	case CKM_HKDF_DATA: {
		CK_HKDF_PARAMS *p = (CK_HKDF_PARAMS *)param;
		p->bExtract = rnd(3);
		p->bExpand = rnd(3);
		p->prfHashMechanism = rnd(2) ? CKM_SHA256 : rnd(0x300);
		p->ulSaltType = rnd(6);
		p->pSalt = rnd(4) ? tail : NULL;
		p->ulSaltLen = rnd(385);
		p->hSaltKey = rnd(2) ? salt_key : rnd(0x10);
		p->pInfo = rnd(4) ? tail + 100 : NULL;
		p->ulInfoLen = rnd(285);
		return sizeof *p;
	}
	}
	return 0;
}
