// The functions of openssl.c, which call OpenSSL 3's libcrypto through
// pointers resolved at run time, and the OpenSSL types they use, opaque.
#include <stddef.h>

// Hidden: the module exports the PKCS#11 functions and nothing of these.
#pragma GCC visibility push(hidden)

typedef struct evp_pkey_st EVP_PKEY;
typedef struct evp_pkey_ctx_st EVP_PKEY_CTX;
typedef struct evp_md_st EVP_MD;

int cpk_load(const char *path);
const char *cpk_missing(int i);
const char *cpk_dlerror(void);
unsigned long cpk_version_num(void);
const char *cpk_version(void);
EVP_PKEY *cpk_import(const unsigned char *der, long len);
void cpk_free_pkey(EVP_PKEY *k);
void cpk_free_ctx(EVP_PKEY_CTX *c);
const EVP_MD *cpk_md(const char *name);
EVP_PKEY_CTX *cpk_sign_ctx(EVP_PKEY *k, int padding, const EVP_MD *md, int saltlen);
int cpk_sign(EVP_PKEY_CTX *c, unsigned char *sig, size_t *siglen, const unsigned char *tbs, size_t tbslen);

#pragma GCC visibility pop
