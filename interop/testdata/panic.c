/*
 * panic.c calls corepkcs11_panic, an exported entry that panics, which the
 * module has only when built with the tag corepkcs11_panic: the host must
 * get CKR_GENERAL_ERROR and live on. Usage: panic MODULE.so
 */
#include "check.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s MODULE.so\n", argv[0]);
		return 2;
	}
	void *lib = load(argv[1]);
	if (!lib)
		return 2;
	CK_RV (*panics)(void) = (CK_RV (*)(void))dlsym(lib, "corepkcs11_panic");
	CHECK("corepkcs11_panic exported", panics != NULL, "missing");
	if (panics) {
		EXPECT("a panic in an exported entry", panics(), CKR_GENERAL_ERROR);
		EXPECT("and again", panics(), CKR_GENERAL_ERROR);
	}
	printf("%d failed\n", failures);
	return failures ? 1 : 0;
}
