//go:build cgo

// The calls into libcrypto, through the function pointers cpk_load
// resolves. See libcrypto.go.
#include <dlfcn.h>
#include <stddef.h>

#include "openssl.h"

// The functions, by index into fn; names lists them in the same order.
enum {
	LIB_CTX_NEW,
	D2I_AUTOPRIVATEKEY,
	PKEY_FREE,
	CTX_NEW_FROM_PKEY,
	CTX_FREE,
	SIGN_INIT,
	SIGN,
	SET_RSA_PADDING,
	SET_SIGNATURE_MD,
	SET_RSA_MGF1_MD,
	SET_RSA_PSS_SALTLEN,
	MD_FETCH,
	VERSION,
	VERSION_NUM,
	ERR_SET_MARK,
	ERR_POP_TO_MARK,
	NFUNCS
};

static const char *const names[NFUNCS] = {
	"OSSL_LIB_CTX_new",
	"d2i_AutoPrivateKey_ex",
	"EVP_PKEY_free",
	"EVP_PKEY_CTX_new_from_pkey",
	"EVP_PKEY_CTX_free",
	"EVP_PKEY_sign_init",
	"EVP_PKEY_sign",
	"EVP_PKEY_CTX_set_rsa_padding",
	"EVP_PKEY_CTX_set_signature_md",
	"EVP_PKEY_CTX_set_rsa_mgf1_md",
	"EVP_PKEY_CTX_set_rsa_pss_saltlen",
	"EVP_MD_fetch",
	"OpenSSL_version",
	"OpenSSL_version_num",
	"ERR_set_mark",
	"ERR_pop_to_mark",
};

static void *fn[NFUNCS];

// libctx is the module's own OpenSSL library context: the host's
// configuration (openssl.cnf, providers it loaded, a FIPS-only default)
// does not reach it, and it gets OpenSSL's default provider on first use.
static void *libctx;

// cpk_load opens path and resolves every function: 0 on success, else
// the index of the first missing one plus one, or -1 if the library
// does not load, or -2 if it makes no library context.
int cpk_load(const char *path) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		return -1;
	}
	for (int i = 0; i < NFUNCS; i++) {
		fn[i] = dlsym(h, names[i]);
		if (fn[i] == NULL) {
			return i + 1;
		}
	}
	libctx = ((void *(*)(void))fn[LIB_CTX_NEW])();
	return libctx == NULL ? -2 : 0;
}

const char *cpk_missing(int i) { return names[i - 1]; }

const char *cpk_dlerror(void) { return dlerror(); }

unsigned long cpk_version_num(void) {
	return ((unsigned long (*)(void))fn[VERSION_NUM])();
}

const char *cpk_version(void) {
	return ((const char *(*)(int))fn[VERSION])(0); // OPENSSL_VERSION
}

// OpenSSL reports failures on a per-thread error queue, which the host
// process may be using itself (the OpenSSL pkcs11 engine calls the module
// from inside its own OpenSSL calls): every call below sets a mark first
// and pops back to it, so that it leaves the queue as it found it.
static void mark(void) { ((int (*)(void))fn[ERR_SET_MARK])(); }
static void pop(void) { ((int (*)(void))fn[ERR_POP_TO_MARK])(); }

EVP_PKEY *cpk_import(const unsigned char *der, long len) {
	const unsigned char *p = der;
	mark();
	EVP_PKEY *k = ((EVP_PKEY *(*)(EVP_PKEY **, const unsigned char **, long, void *, const char *))fn[D2I_AUTOPRIVATEKEY])(NULL, &p, len, libctx, NULL);
	pop();
	return k;
}

void cpk_free_pkey(EVP_PKEY *k) { ((void (*)(EVP_PKEY *))fn[PKEY_FREE])(k); }

void cpk_free_ctx(EVP_PKEY_CTX *c) { ((void (*)(EVP_PKEY_CTX *))fn[CTX_FREE])(c); }

const EVP_MD *cpk_md(const char *name) {
	mark();
	const EVP_MD *md = ((EVP_MD *(*)(void *, const char *, const char *))fn[MD_FETCH])(libctx, name, NULL);
	pop();
	return md;
}

// cpk_sign_ctx makes a signing context for k: padding 0 leaves the key
// type's default (ECDSA); for RSA it is RSA_PKCS1_PADDING (1) with no
// digest, so that the input is signed as it is, or RSA_PKCS1_PSS_PADDING
// (6) with md for the digest and MGF1 and a salt of saltlen bytes.
EVP_PKEY_CTX *cpk_sign_ctx(EVP_PKEY *k, int padding, const EVP_MD *md, int saltlen) {
	mark();
	EVP_PKEY_CTX *c = ((EVP_PKEY_CTX *(*)(void *, EVP_PKEY *, const char *))fn[CTX_NEW_FROM_PKEY])(libctx, k, NULL);
	if (c == NULL) {
		pop();
		return NULL;
	}
	int ok = ((int (*)(EVP_PKEY_CTX *))fn[SIGN_INIT])(c) == 1;
	if (ok && padding != 0) {
		ok = ((int (*)(EVP_PKEY_CTX *, int))fn[SET_RSA_PADDING])(c, padding) == 1;
	}
	if (ok && padding == 6) {
		ok = ((int (*)(EVP_PKEY_CTX *, const EVP_MD *))fn[SET_SIGNATURE_MD])(c, md) == 1 &&
			((int (*)(EVP_PKEY_CTX *, const EVP_MD *))fn[SET_RSA_MGF1_MD])(c, md) == 1 &&
			((int (*)(EVP_PKEY_CTX *, int))fn[SET_RSA_PSS_SALTLEN])(c, saltlen) == 1;
	}
	pop();
	if (!ok) {
		cpk_free_ctx(c);
		return NULL;
	}
	return c;
}

// cpk_sign signs tbs into sig, of *siglen bytes; 1 on success.
int cpk_sign(EVP_PKEY_CTX *c, unsigned char *sig, size_t *siglen, const unsigned char *tbs, size_t tbslen) {
	mark();
	int ok = ((int (*)(EVP_PKEY_CTX *, unsigned char *, size_t *, const unsigned char *, size_t))fn[SIGN])(c, sig, siglen, tbs, tbslen);
	pop();
	return ok == 1;
}
