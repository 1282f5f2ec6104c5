/*
 * abi.c checks corepkcs11's C ABI the way a C host sees it: loaded with
 * dlopen, driven through the function lists. Usage: abi MODULE.so [allocs]
 * It prints one line per check and exits non-zero if any failed. With
 * allocs, it measures the hot paths' allocations instead of the checks.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"


static const char SO_PIN[] = "abi-so-pin", USER_PIN[] = "abi-user-pin";

static int padded(const CK_UTF8CHAR *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] == 0)
			return 0;
	return 1;
}

static CK_RV dummy_mutex(CK_VOID_PTR p) { (void)p; return CKR_OK; }
static CK_RV dummy_create(CK_VOID_PTR_PTR p) { *p = NULL; return CKR_OK; }

static void check_lists(void *lib)
{
	CK_C_GetFunctionList getList = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	EXPECT("C_GetFunctionList(NULL)", getList(NULL), CKR_ARGUMENTS_BAD);
	EXPECT("C_GetFunctionList", getList(&f), CKR_OK);
	CHECK("function list version 2.40", f->version.major == 2 && f->version.minor == 40, "%d.%d", f->version.major, f->version.minor);
	void **entries = (void **)((char *)f + sizeof(CK_VERSION) + (sizeof(void *) - sizeof(CK_VERSION)));
	int nulls = 0;
	for (int i = 0; i < 68; i++)
		nulls += entries[i] == NULL;
	CHECK("68 non-NULL entries", nulls == 0 && (void *)entries[0] == (void *)f->C_Initialize && (void *)entries[67] == (void *)f->C_WaitForSlotEvent, "%d NULL", nulls);

	static const char *names[] = {"C_Initialize", "C_Sign", "C_WaitForSlotEvent", "C_GetInterface", "C_LoginUser", "C_MessageVerifyFinal", "C_VerifySignatureInit", "C_UnwrapKeyAuthenticated"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		CHECK(names[i], dlsym(lib, names[i]) != NULL, "not exported");

	CK_C_GetInterfaceList getItfs = (CK_C_GetInterfaceList)dlsym(lib, "C_GetInterfaceList");
	CK_C_GetInterface getItf = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
	CK_ULONG n = 0;
	EXPECT("C_GetInterfaceList count", getItfs(NULL, &n), CKR_OK);
	CHECK("three interfaces", n == 3, "%lu", n);
	CK_INTERFACE itfs[3];
	CK_ULONG small = 2;
	EXPECT("C_GetInterfaceList too small", getItfs(itfs, &small), CKR_BUFFER_TOO_SMALL);
	EXPECT("C_GetInterfaceList NULL count", getItfs(itfs, NULL), CKR_ARGUMENTS_BAD);
	EXPECT("C_GetInterfaceList", getItfs(itfs, &n), CKR_OK);
	CK_FUNCTION_LIST_3_2 *l32 = (CK_FUNCTION_LIST_3_2 *)itfs[0].pFunctionList;
	CHECK("interface PKCS 11 3.2", strcmp((char *)itfs[0].pInterfaceName, "PKCS 11") == 0 && l32->version.major == 3 && l32->version.minor == 2, "%s", itfs[0].pInterfaceName);
	void **e32 = (void **)&l32->C_Initialize;
	nulls = 0;
	for (int i = 0; i < 104; i++)
		nulls += e32[i] == NULL;
	CHECK("104 non-NULL 3.2 entries", nulls == 0 && (void *)e32[91] == (void *)l32->C_MessageVerifyFinal && (void *)e32[103] == (void *)l32->C_UnwrapKeyAuthenticated, "%d NULL", nulls);
	CK_FUNCTION_LIST_3_0 *l3 = (CK_FUNCTION_LIST_3_0 *)itfs[1].pFunctionList;
	CHECK("interface PKCS 11 3.0", strcmp((char *)itfs[1].pInterfaceName, "PKCS 11") == 0 && l3->version.major == 3 && l3->version.minor == 0, "%s", itfs[1].pInterfaceName);
	void **e3 = (void **)&l3->C_Initialize;
	nulls = 0;
	for (int i = 0; i < 92; i++)
		nulls += e3[i] == NULL;
	CHECK("92 non-NULL 3.0 entries", nulls == 0 && (void *)e3[91] == (void *)l3->C_MessageVerifyFinal, "%d NULL", nulls);
	CHECK("interface PKCS 11 2.40", itfs[2].pFunctionList == (void *)f, "not the function list");
	CK_INTERFACE_PTR itf = NULL;
	EXPECT("C_GetInterface default", getItf(NULL, NULL, &itf, 0), CKR_OK);
	CHECK("default interface is 3.2", itf && ((CK_VERSION *)itf->pFunctionList)->major == 3 && ((CK_VERSION *)itf->pFunctionList)->minor == 2, "wrong interface");
	CK_VERSION v240 = {2, 40};
	EXPECT("C_GetInterface 2.40", getItf((CK_UTF8CHAR_PTR) "PKCS 11", &v240, &itf, 0), CKR_OK);
	CHECK("2.40 interface is the function list", itf && itf->pFunctionList == (void *)f, "different list");
	EXPECT("C_GetInterface unknown name", getItf((CK_UTF8CHAR_PTR) "Vendor X", NULL, &itf, 0), CKR_ARGUMENTS_BAD);
	EXPECT("C_GetInterface NULL out", getItf(NULL, NULL, NULL, 0), CKR_ARGUMENTS_BAD);
}

static void check_initialize(void)
{
	CK_INFO info;
	CK_ULONG n;
	EXPECT("C_GetInfo before C_Initialize", f->C_GetInfo(&info), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT("C_GetSlotList before C_Initialize", f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT("C_EncryptInit before C_Initialize", f->C_EncryptInit(1, NULL, 1), CKR_CRYPTOKI_NOT_INITIALIZED);
	EXPECT("C_Finalize before C_Initialize", f->C_Finalize(NULL), CKR_CRYPTOKI_NOT_INITIALIZED);

	CK_C_INITIALIZE_ARGS args;
	memset(&args, 0, sizeof args);
	args.pReserved = &args;
	EXPECT("C_Initialize pReserved", f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
	memset(&args, 0, sizeof args);
	args.CreateMutex = dummy_create;
	EXPECT("C_Initialize some mutex functions", f->C_Initialize(&args), CKR_ARGUMENTS_BAD);
	args.DestroyMutex = dummy_mutex;
	args.LockMutex = dummy_mutex;
	args.UnlockMutex = dummy_mutex;
	EXPECT("C_Initialize app mutexes only (case 3)", f->C_Initialize(&args), CKR_CANT_LOCK);
	args.flags = CKF_OS_LOCKING_OK;
	EXPECT("C_Initialize app mutexes + OS locking (case 4)", f->C_Initialize(&args), CKR_OK);
	EXPECT("C_Finalize(non-NULL)", f->C_Finalize(&args), CKR_ARGUMENTS_BAD);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	memset(&args, 0, sizeof args);
	args.flags = CKF_OS_LOCKING_OK;
	EXPECT("C_Initialize OS locking (case 2)", f->C_Initialize(&args), CKR_OK);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	args.flags = CKF_LIBRARY_CANT_CREATE_OS_THREADS | CKF_OS_LOCKING_OK;
	EXPECT("C_Initialize as p11-kit does", f->C_Initialize(&args), CKR_OK);
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	args.flags = 0;
	EXPECT("C_Initialize no locking (case 1)", f->C_Initialize(&args), CKR_OK);
	EXPECT("second C_Initialize", f->C_Initialize(NULL), CKR_CRYPTOKI_ALREADY_INITIALIZED);

	EXPECT("C_GetInfo(NULL)", f->C_GetInfo(NULL), CKR_ARGUMENTS_BAD);
	EXPECT("C_GetInfo", f->C_GetInfo(&info), CKR_OK);
	CHECK("CK_INFO blank padded", padded(info.manufacturerID, 32) && padded(info.libraryDescription, 32) && info.manufacturerID[31] == ' ', "NUL in a string");
	CHECK("cryptoki 2.40", info.cryptokiVersion.major == 2 && info.cryptokiVersion.minor == 40, "%d.%d", info.cryptokiVersion.major, info.cryptokiVersion.minor);
}

static CK_SLOT_ID setup_token(void)
{
	CK_ULONG n = 0;
	EXPECT("C_GetSlotList NULL count", f->C_GetSlotList(CK_FALSE, NULL, NULL), CKR_ARGUMENTS_BAD);
	EXPECT("C_GetSlotList count", f->C_GetSlotList(CK_FALSE, NULL, &n), CKR_OK);
	CK_SLOT_ID slots[16];
	CK_ULONG small = 0;
	EXPECT("C_GetSlotList too small", f->C_GetSlotList(CK_FALSE, slots, &small), CKR_BUFFER_TOO_SMALL);
	CHECK("C_GetSlotList too small gives the count", small == n, "%lu vs %lu", small, n);
	EXPECT("C_GetSlotList", f->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	CK_SLOT_ID slot = slots[n - 1];
	CK_TOKEN_INFO ti;
	EXPECT("C_GetTokenInfo", f->C_GetTokenInfo(slot, &ti), CKR_OK);
	CHECK("empty slot uninitialized", !(ti.flags & CKF_TOKEN_INITIALIZED), "flags 0x%lx", ti.flags);
	CK_UTF8CHAR label[32];
	memset(label, ' ', 32);
	memcpy(label, "abi", 3);
	EXPECT("C_InitToken", f->C_InitToken(slot, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN), label), CKR_OK);
	EXPECT("C_GetTokenInfo after init", f->C_GetTokenInfo(slot, &ti), CKR_OK);
	CHECK("CK_TOKEN_INFO label blank padded", memcmp(ti.label, "abi                             ", 32) == 0 && padded(ti.serialNumber, 16), "label %.32s", ti.label);
	CK_SESSION_HANDLE s;
	EXPECT("C_OpenSession NULL handle", f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL), CKR_ARGUMENTS_BAD);
	EXPECT("C_OpenSession parallel", f->C_OpenSession(slot, CKF_RW_SESSION, NULL, NULL, &s), CKR_SESSION_PARALLEL_NOT_SUPPORTED);
	EXPECT("C_OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	EXPECT("C_Login SO", f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)SO_PIN, strlen(SO_PIN)), CKR_OK);
	EXPECT("C_InitPIN", f->C_InitPIN(s, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	EXPECT("C_CloseSession", f->C_CloseSession(s), CKR_OK);
	return slot;
}

static CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};

static void gen_key(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE *pub, CK_OBJECT_HANDLE *priv)
{
	CK_BBOOL yes = CK_TRUE;
	CK_ATTRIBUTE pubT[] = {{CKA_EC_PARAMS, p256, sizeof p256}, {CKA_VERIFY, &yes, 1}};
	CK_ATTRIBUTE privT[] = {{CKA_SIGN, &yes, 1}, {CKA_LABEL, "abi key", 7}};
	CK_MECHANISM m = {CKM_EC_KEY_PAIR_GEN, NULL, 0};
	EXPECT("C_GenerateKeyPair", f->C_GenerateKeyPair(s, &m, pubT, 2, privT, 2, pub, priv), CKR_OK);
}

static void check_buffers(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
{
	CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
	CK_BYTE digest[32] = {1, 2, 3}, sig[64];
	CK_ULONG n = 0;
	EXPECT("C_SignInit", f->C_SignInit(s, &m, priv), CKR_OK);
	EXPECT("C_SignInit again", f->C_SignInit(s, &m, priv), CKR_OPERATION_ACTIVE);
	EXPECT("C_Sign NULL length pointer", f->C_Sign(s, digest, 32, sig, NULL), CKR_ARGUMENTS_BAD);
	EXPECT("C_SignInit after the refused C_Sign", f->C_SignInit(s, &m, priv), CKR_OK);
	EXPECT("C_Sign length query", f->C_Sign(s, digest, 32, NULL, &n), CKR_OK);
	CHECK("signature length 64", n == 64, "%lu", n);
	n = 10;
	EXPECT("C_Sign too small", f->C_Sign(s, digest, 32, sig, &n), CKR_BUFFER_TOO_SMALL);
	CHECK("too small gives the length", n == 64, "%lu", n);
	n = sizeof sig;
	EXPECT("C_Sign", f->C_Sign(s, digest, 32, sig, &n), CKR_OK);
	EXPECT("C_Sign after the end", f->C_Sign(s, digest, 32, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &m, pub), CKR_OK);
	EXPECT("C_Verify", f->C_Verify(s, digest, 32, sig, 64), CKR_OK);
	sig[0] ^= 1;
	EXPECT("C_VerifyInit", f->C_VerifyInit(s, &m, pub), CKR_OK);
	EXPECT("C_Verify tampered", f->C_Verify(s, digest, 32, sig, 64), CKR_SIGNATURE_INVALID);
	EXPECT("C_SignInit NULL mechanism", f->C_SignInit(s, NULL, priv), CKR_ARGUMENTS_BAD);

	CK_BYTE label[4];
	CK_ATTRIBUTE q[] = {{CKA_LABEL, NULL, 0}, {CKA_VALUE, NULL, 0}, {CKA_EC_PARAMS, label, sizeof label}, {CKA_MODULUS, NULL, 0}};
	EXPECT("C_GetAttributeValue mixed", f->C_GetAttributeValue(s, priv, q, 4), CKR_ATTRIBUTE_SENSITIVE);
	CHECK("length query answered", q[0].ulValueLen == 7, "%lu", q[0].ulValueLen);
	CHECK("sensitive is unavailable", q[1].ulValueLen == CK_UNAVAILABLE_INFORMATION, "%lu", q[1].ulValueLen);
	CHECK("too small is unavailable", q[2].ulValueLen == CK_UNAVAILABLE_INFORMATION, "%lu", q[2].ulValueLen);
	CHECK("invalid type is unavailable", q[3].ulValueLen == CK_UNAVAILABLE_INFORMATION, "%lu", q[3].ulValueLen);
	EXPECT("C_GetAttributeValue NULL template", f->C_GetAttributeValue(s, priv, NULL, 1), CKR_ARGUMENTS_BAD);

	CK_OBJECT_HANDLE found[4];
	EXPECT("C_FindObjectsInit", f->C_FindObjectsInit(s, NULL, 0), CKR_OK);
	EXPECT("C_FindObjects NULL count", f->C_FindObjects(s, found, 4, NULL), CKR_ARGUMENTS_BAD);
	EXPECT("C_FindObjects", f->C_FindObjects(s, found, 4, &n), CKR_OK);
	CHECK("two objects", n == 2, "%lu", n);
	EXPECT("C_FindObjectsFinal", f->C_FindObjectsFinal(s), CKR_OK);

	CK_BYTE rnd[32];
	EXPECT("C_GenerateRandom NULL buffer", f->C_GenerateRandom(s, NULL, 32), CKR_ARGUMENTS_BAD);
	EXPECT("C_GenerateRandom", f->C_GenerateRandom(s, rnd, sizeof rnd), CKR_OK);
	EXPECT("C_SignRecoverInit unsupported", f->C_SignRecoverInit(s, &m, priv), CKR_FUNCTION_NOT_SUPPORTED);
	EXPECT("C_GetFunctionStatus legacy", f->C_GetFunctionStatus(s), CKR_FUNCTION_NOT_PARALLEL);
	CK_MECHANISM_INFO mi;
	EXPECT("C_GetMechanismInfo", f->C_GetMechanismInfo(0, CKM_ECDSA, &mi), CKR_OK);
}

struct worker {
	CK_SLOT_ID slot;
	CK_OBJECT_HANDLE pub, priv;
	int rounds;
	volatile int *stop;
	int errors;
};

/* One thread, one session: sign and verify until told to stop (or rounds done). */
static void *sign_loop(void *arg)
{
	struct worker *w = arg;
	CK_SESSION_HANDLE s;
	if (f->C_OpenSession(w->slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK) {
		w->errors++;
		return NULL;
	}
	CK_MECHANISM m = {CKM_ECDSA_SHA256, NULL, 0};
	CK_BYTE msg[100], sig[64];
	for (int i = 0; w->stop ? !*w->stop : i < w->rounds; i++) {
		CK_ULONG n = sizeof sig;
		msg[0] = (CK_BYTE)i;
		if (f->C_SignInit(s, &m, w->priv) != CKR_OK || f->C_Sign(s, msg, sizeof msg, sig, &n) != CKR_OK ||
		    f->C_VerifyInit(s, &m, w->pub) != CKR_OK || f->C_Verify(s, msg, sizeof msg, sig, n) != CKR_OK)
			w->errors++;
	}
	f->C_CloseSession(s);
	return NULL;
}

static void check_threads(CK_SLOT_ID slot, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
{
	pthread_t t[8];
	struct worker w[8];
	for (int i = 0; i < 8; i++) {
		w[i] = (struct worker){slot, pub, priv, 100, NULL, 0};
		pthread_create(&t[i], NULL, sign_loop, &w[i]);
	}
	int errors = 0;
	for (int i = 0; i < 8; i++) {
		pthread_join(t[i], NULL);
		errors += w[i].errors;
	}
	CHECK("8 threads sign and verify 100 times each", errors == 0, "%d errors", errors);
}

/* Forks 200 times while four threads sign. Each child checks that the
 * module refuses to run and exits; a hang is caught by alarm(). */
static void check_fork(CK_SLOT_ID slot, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
{
	volatile int stop = 0;
	pthread_t t[4];
	struct worker w[4];
	for (int i = 0; i < 4; i++) {
		w[i] = (struct worker){slot, pub, priv, 0, &stop, 0};
		pthread_create(&t[i], NULL, sign_loop, &w[i]);
	}
	int bad = 0, hung = 0;
	for (int i = 0; i < 200; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			alarm(10);
			CK_ULONG n;
			CK_FUNCTION_LIST_PTR list;
			int ok = f->C_GetSlotList(CK_FALSE, NULL, &n) == CKR_CRYPTOKI_NOT_INITIALIZED &&
				 f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, NULL) == CKR_CRYPTOKI_NOT_INITIALIZED &&
				 f->C_Finalize(NULL) == CKR_CRYPTOKI_NOT_INITIALIZED &&
				 f->C_Initialize(NULL) == CKR_FUNCTION_FAILED &&
				 f->C_GetFunctionList(&list) == CKR_OK;
			_exit(ok ? 0 : 3);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
			hung++;
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	stop = 1;
	int errors = 0;
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		errors += w[i].errors;
	}
	CHECK("200 forks under load: no child hangs", hung == 0, "%d hung", hung);
	CHECK("200 forks under load: children get the specified codes", bad == 0, "%d wrong", bad);
	CHECK("the parent kept signing through the forks", errors == 0, "%d errors", errors);
}

/* Measures heap allocations per call on the hot paths with the module's
 * diagnostic counter; the Go test compares them with the engine's own and
 * C_SignInit + C_Sign with Go's ecdsa.SignASN1. */
static void measure_allocs(void *lib, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE pub, CK_OBJECT_HANDLE priv)
{
	unsigned long long (*allocs)(void) = (unsigned long long (*)(void))dlsym(lib, "corepkcs11_heap_allocs");
	CHECK("corepkcs11_heap_allocs exported", allocs != NULL, "missing");
	if (!allocs)
		return;
	enum { N = 2000 };
	CK_BYTE data[64] = {7}, out[64];
	CK_ULONG n;
	CK_MECHANISM sha = {CKM_SHA256, NULL, 0}, ecdsa = {CKM_ECDSA, NULL, 0};
	unsigned long long before;
	int errors = 0;

	before = allocs();
	for (int i = 0; i < N; i++)
		errors += f->C_GenerateRandom(s, out, 32) != CKR_OK;
	printf("ALLOCS C_GenerateRandom %.3f\n", (double)(allocs() - before) / N);

	before = allocs();
	for (int i = 0; i < N; i++) {
		n = sizeof out;
		errors += f->C_DigestInit(s, &sha) != CKR_OK || f->C_Digest(s, data, sizeof data, out, &n) != CKR_OK;
	}
	printf("ALLOCS C_DigestInit+C_Digest %.3f\n", (double)(allocs() - before) / N);

	CK_BYTE sig[64];
	before = allocs();
	for (int i = 0; i < N; i++) {
		n = sizeof sig;
		errors += f->C_SignInit(s, &ecdsa, priv) != CKR_OK || f->C_Sign(s, data, 32, sig, &n) != CKR_OK;
	}
	printf("ALLOCS C_SignInit+C_Sign %.3f\n", (double)(allocs() - before) / N);

	before = allocs();
	for (int i = 0; i < N; i++)
		errors += f->C_VerifyInit(s, &ecdsa, pub) != CKR_OK || f->C_Verify(s, data, 32, sig, 64) != CKR_OK;
	printf("ALLOCS C_VerifyInit+C_Verify %.3f\n", (double)(allocs() - before) / N);
	CHECK("hot-path calls succeed", errors == 0, "%d errors", errors);
}

/* The 3.0 additions that work: C_SessionCancel and C_LoginUser. */
static void check_3_0(void *lib, CK_SESSION_HANDLE s, CK_OBJECT_HANDLE priv)
{
	CK_INTERFACE_PTR itf = NULL;
	CK_C_GetInterface getItf = (CK_C_GetInterface)dlsym(lib, "C_GetInterface");
	getItf(NULL, NULL, &itf, 0);
	CK_FUNCTION_LIST_3_0 *l3 = itf->pFunctionList;
	CK_MECHANISM m = {CKM_ECDSA, NULL, 0};
	CK_BYTE digest[32] = {0}, sig[64];
	CK_ULONG n = sizeof sig;
	EXPECT("C_SignInit", l3->C_SignInit(s, &m, priv), CKR_OK);
	EXPECT("C_SessionCancel", l3->C_SessionCancel(s, CKF_SIGN), CKR_OK);
	EXPECT("C_Sign after C_SessionCancel", l3->C_Sign(s, digest, 32, sig, &n), CKR_OPERATION_NOT_INITIALIZED);
	EXPECT("C_SessionCancel bad session", l3->C_SessionCancel(0, CKF_SIGN), CKR_SESSION_HANDLE_INVALID);
	EXPECT("C_Logout", l3->C_Logout(s), CKR_OK);
	EXPECT("C_LoginUser", l3->C_LoginUser(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN), (CK_UTF8CHAR_PTR) "anyone", 6), CKR_OK);
	EXPECT("C_MessageSignInit unsupported", l3->C_MessageSignInit(s, &m, priv), CKR_FUNCTION_NOT_SUPPORTED);
	EXPECT("C_Logout", l3->C_Logout(s), CKR_OK);
}

int main(int argc, char **argv)
{
	int allocs = argc == 3 && strcmp(argv[2], "allocs") == 0;
	if (argc != 2 && !allocs) {
		fprintf(stderr, "usage: %s MODULE.so [allocs]\n", argv[0]);
		return 2;
	}
	void *lib = load(argv[1]);
	if (!lib)
		return 2;
	check_lists(lib);
	check_initialize();
	CK_SLOT_ID slot = setup_token();
	CK_SESSION_HANDLE s;
	EXPECT("C_OpenSession", f->C_OpenSession(slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	EXPECT("C_Login user", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)USER_PIN, strlen(USER_PIN)), CKR_OK);
	CK_OBJECT_HANDLE pub = 0, priv = 0;
	gen_key(s, &pub, &priv);
	if (allocs) {
		measure_allocs(lib, s, pub, priv);
	} else {
		check_buffers(s, pub, priv);
		check_threads(slot, pub, priv);
		check_fork(slot, pub, priv);
		check_3_0(lib, s, priv);
	}
	EXPECT("C_Finalize", f->C_Finalize(NULL), CKR_OK);
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
