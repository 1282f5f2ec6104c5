/*
 * check.h is what the C check programs share: the function list they
 * drive, a failure count, and CHECK and EXPECT, which print one PASS or
 * FAIL line per check.
 */
#ifndef CHECK_H
#define CHECK_H

#include <dlfcn.h>
#include <stdio.h>

#include "pkcs11.h"

static int failures;
static CK_FUNCTION_LIST_PTR f;

#define CHECK(name, cond, ...) \
	do { \
		if (cond) { \
			printf("PASS %s\n", name); \
		} else { \
			printf("FAIL %s: ", name); \
			printf(__VA_ARGS__); \
			printf("\n"); \
			failures++; \
		} \
	} while (0)

#define EXPECT(name, call, want) \
	do { \
		CK_RV got_ = (call); \
		CHECK(name, got_ == (want), "got 0x%lx, want 0x%lx", got_, (CK_ULONG)(want)); \
	} while (0)

/* load opens the module at path and sets f to its function list; NULL on failure. */
static void *load(const char *path)
{
	void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "dlopen: %s\n", dlerror());
		return NULL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	CK_C_GetFunctionList get = (CK_C_GetFunctionList)dlsym(lib, "C_GetFunctionList");
	if (!get || get(&f) != CKR_OK) {
		fprintf(stderr, "C_GetFunctionList failed\n");
		return NULL;
	}
	return lib;
}

#endif
