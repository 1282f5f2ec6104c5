/*
 * check.h is what the C check programs share: the function list they
 * drive, a failure count, and CHECK and EXPECT, which print one PASS or
 * FAIL line per check.
 */
#ifndef CHECK_H
#define CHECK_H

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

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

/* user_session initializes the last slot's token with label, sets its
 * user PIN, and returns a read/write session logged in as the user. */
static inline CK_SESSION_HANDLE user_session(const char *label, const char *so_pin, const char *user_pin, CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[16];
	CK_ULONG n = 16;
	EXPECT("C_GetSlotList", f->C_GetSlotList(CK_FALSE, slots, &n), CKR_OK);
	*slot = slots[n - 1];
	CK_UTF8CHAR padded[32];
	memset(padded, ' ', 32);
	memcpy(padded, label, strlen(label) < 32 ? strlen(label) : 32);
	CK_SESSION_HANDLE s;
	EXPECT("C_InitToken", f->C_InitToken(*slot, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin), padded), CKR_OK);
	EXPECT("C_OpenSession", f->C_OpenSession(*slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s), CKR_OK);
	EXPECT("C_Login SO", f->C_Login(s, CKU_SO, (CK_UTF8CHAR_PTR)so_pin, strlen(so_pin)), CKR_OK);
	EXPECT("C_InitPIN", f->C_InitPIN(s, (CK_UTF8CHAR_PTR)user_pin, strlen(user_pin)), CKR_OK);
	EXPECT("C_Logout", f->C_Logout(s), CKR_OK);
	EXPECT("C_Login", f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)user_pin, strlen(user_pin)), CKR_OK);
	return s;
}

/* ulong_attr reads a CK_ULONG attribute; all ones if it cannot. */
static inline CK_ULONG ulong_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
	CK_ULONG v = ~(CK_ULONG)0;
	CK_ATTRIBUTE a = {t, &v, sizeof v};
	f->C_GetAttributeValue(s, o, &a, 1);
	return v;
}

/* bool_attr reads a CK_BBOOL attribute; 2 if it cannot. */
static inline CK_BBOOL bool_attr(CK_SESSION_HANDLE s, CK_OBJECT_HANDLE o, CK_ATTRIBUTE_TYPE t)
{
	CK_BBOOL v = 2;
	CK_ATTRIBUTE a = {t, &v, 1};
	f->C_GetAttributeValue(s, o, &a, 1);
	return v;
}

#endif
