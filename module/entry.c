/*
 * The exported PKCS#11 entry points. Each is a C function that refuses to
 * enter the Go runtime in a forked child (Go's runtime cannot run there:
 * its threads did not survive the fork) and otherwise calls its Go
 * implementation, the cpk* functions exported by the Go half.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pkcs11.h"
#include "_cgo_export.h"

/* Set in a child process by the pthread_atfork handler. */
static volatile int cpk_forked;

static void cpk_on_fork_child(void) { cpk_forked = 1; }

__attribute__((constructor)) static void cpk_load(void)
{
	pthread_atfork(NULL, NULL, cpk_on_fork_child);
}

/* Writes the reason a forked child's C_Initialize fails where the Go
 * logger would have: COREPKCS11_LOG_FILE, or stderr. Only open and write,
 * which are safe in the child of a multi-threaded process. */
static void cpk_child_log(void)
{
	static const char msg[] = "corepkcs11: C_Initialize in a forked child: the Go runtime inherited from the parent "
				  "cannot run here; load the module after exec, or use it only in the parent\n";
	const char *path = getenv("COREPKCS11_LOG_FILE");
	int fd = path && *path ? open(path, O_WRONLY | O_APPEND | O_CREAT, 0600) : -1;
	ssize_t n = write(fd >= 0 ? fd : 2, msg, sizeof msg - 1);
	(void)n;
	if (fd >= 0)
		close(fd);
}

#define CPK_GUARD() \
	do { \
		if (cpk_forked) \
			return CKR_CRYPTOKI_NOT_INITIALIZED; \
	} while (0)

CK_RV C_Initialize(CK_VOID_PTR pInitArgs)
{
	if (cpk_forked) {
		cpk_child_log();
		return CKR_FUNCTION_FAILED;
	}
	return cpkInitialize(pInitArgs);
}

/* Functions implemented in Go: the wrapper only guards and forwards. */
#define CPK_FORWARD(name, params, args) \
	CK_RV C_##name params \
	{ \
		CPK_GUARD(); \
		return cpk##name args; \
	}

/* Functions the token does not implement: CKR_FUNCTION_NOT_SUPPORTED (or
 * the legacy CKR_FUNCTION_NOT_PARALLEL), decided and logged in Go. */
#define CPK_UNSUPPORTED(name, params) \
	CK_RV C_##name params \
	{ \
		CPK_GUARD(); \
		return cpkUnsupported((char *)"C_" #name); \
	}

/* One of the two for each function, as module/internal/wrapgen's table says. */
#include "zentry.h"

/* The function lists are plain C data, usable even in a forked child. */
#define CPK_ENTRY(name, args) name,

static CK_FUNCTION_LIST cpk_list_2_40 = {
	{2, 40},
	CK_FUNCTIONS_2_40(CPK_ENTRY)
};

static CK_FUNCTION_LIST_3_0 cpk_list_3_0 = {
	{3, 0},
	CK_FUNCTIONS_2_40(CPK_ENTRY)
	CK_FUNCTIONS_3_0(CPK_ENTRY)
};

static CK_FUNCTION_LIST_3_2 cpk_list_3_2 = {
	{3, 2},
	CK_FUNCTIONS_2_40(CPK_ENTRY)
	CK_FUNCTIONS_3_0(CPK_ENTRY)
	CK_FUNCTIONS_3_2(CPK_ENTRY)
};

static CK_CHAR cpk_interface_name[] = "PKCS 11";

/* Newest first: C_GetInterface with no version picks the first. */
static CK_INTERFACE cpk_interfaces[] = {
	{cpk_interface_name, &cpk_list_3_2, 0},
	{cpk_interface_name, &cpk_list_3_0, 0},
	{cpk_interface_name, &cpk_list_2_40, 0},
};

#define CPK_INTERFACE_COUNT (sizeof cpk_interfaces / sizeof cpk_interfaces[0])

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList)
{
	if (ppFunctionList == NULL)
		return CKR_ARGUMENTS_BAD;
	*ppFunctionList = &cpk_list_2_40;
	return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount)
{
	if (pulCount == NULL)
		return CKR_ARGUMENTS_BAD;
	if (pInterfacesList == NULL) {
		*pulCount = CPK_INTERFACE_COUNT;
		return CKR_OK;
	}
	if (*pulCount < CPK_INTERFACE_COUNT) {
		*pulCount = CPK_INTERFACE_COUNT;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(pInterfacesList, cpk_interfaces, sizeof cpk_interfaces);
	*pulCount = CPK_INTERFACE_COUNT;
	return CKR_OK;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags)
{
	if (ppInterface == NULL)
		return CKR_ARGUMENTS_BAD;
	for (size_t i = 0; i < CPK_INTERFACE_COUNT; i++) {
		CK_INTERFACE *itf = &cpk_interfaces[i];
		CK_VERSION *v = (CK_VERSION *)itf->pFunctionList;
		if (pInterfaceName != NULL && strcmp((const char *)pInterfaceName, (const char *)itf->pInterfaceName) != 0)
			continue;
		if (pVersion != NULL && (pVersion->major != v->major || pVersion->minor != v->minor))
			continue;
		if ((itf->flags & flags) != flags)
			continue;
		*ppInterface = itf;
		return CKR_OK;
	}
	*ppInterface = NULL;
	return CKR_ARGUMENTS_BAD;
}
