// The bench's C host: timed loops that call a module's functions as a C
// program does, from threads of their own. See bench_cloop.go.
#include "pkcs11.h"

// What a loop calls, once per iteration.
enum {
	LOOP_SIGN,    // C_SignInit + C_Sign of in
	LOOP_VERIFY,  // C_VerifyInit + C_Verify of in against sig
	LOOP_ENCRYPT, // C_EncryptInit + C_Encrypt of in, AES-GCM with a new IV each time
	LOOP_DIGEST,  // C_DigestInit + C_Digest of in
	LOOP_RANDOM,  // C_GenerateRandom of outLen bytes
	LOOP_FIND     // C_FindObjectsInit/C_FindObjects/C_FindObjectsFinal of one label
};

// CKR_FOUND_WRONG is a loop's failure that no function returned: a label
// that did not find exactly one object.
#define CKR_FOUND_WRONG (CKR_VENDOR_DEFINED | 0x42454e43UL)

typedef struct {
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	int kind;
	CK_MECHANISM_TYPE mech;
	CK_OBJECT_HANDLE key;
	CK_BYTE_PTR in;
	CK_ULONG inLen;
	CK_BYTE_PTR sig;
	CK_ULONG sigLen;
	CK_ULONG outLen; // the output buffer's size
	CK_ULONG objects; // LOOP_FIND: labels bench-data-0 .. bench-data-(objects-1)
} loop_job;

// loop_result is the best slice of a run.
typedef struct {
	long count;    // operations in the best slice, all threads together
	double secs;   // the best slice's length
	CK_RV rv;      // the first failure, or CKR_OK
	const char *fn; // the function that failed
} loop_result;

CK_FUNCTION_LIST_PTR loop_functions(const char *path);
loop_result loop_run(const loop_job *j, int threads, int slices, double slice_secs, long quick_count);
