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

CPK_FORWARD(Finalize, (CK_VOID_PTR pReserved), (pReserved))
CPK_FORWARD(GetInfo, (CK_INFO_PTR pInfo), (pInfo))
CPK_FORWARD(GetSlotList, (CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount), (tokenPresent, pSlotList, pulCount))
CPK_FORWARD(GetSlotInfo, (CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo), (slotID, pInfo))
CPK_FORWARD(GetTokenInfo, (CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo), (slotID, pInfo))
CPK_FORWARD(GetMechanismList, (CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount), (slotID, pMechanismList, pulCount))
CPK_FORWARD(GetMechanismInfo, (CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo), (slotID, type, pInfo))
CPK_FORWARD(InitToken, (CK_SLOT_ID slotID, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pLabel), (slotID, pPin, ulPinLen, pLabel))
CPK_FORWARD(InitPIN, (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen), (hSession, pPin, ulPinLen))
CPK_FORWARD(SetPIN, (CK_SESSION_HANDLE hSession, CK_UTF8CHAR_PTR pOldPin, CK_ULONG ulOldLen, CK_UTF8CHAR_PTR pNewPin, CK_ULONG ulNewLen), (hSession, pOldPin, ulOldLen, pNewPin, ulNewLen))
CPK_FORWARD(OpenSession, (CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication, CK_NOTIFY Notify, CK_SESSION_HANDLE_PTR phSession), (slotID, flags, phSession))
CPK_FORWARD(CloseSession, (CK_SESSION_HANDLE hSession), (hSession))
CPK_FORWARD(CloseAllSessions, (CK_SLOT_ID slotID), (slotID))
CPK_FORWARD(GetSessionInfo, (CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo), (hSession, pInfo))
CPK_FORWARD(Login, (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen), (hSession, userType, pPin, ulPinLen))
CPK_FORWARD(Logout, (CK_SESSION_HANDLE hSession), (hSession))
CPK_FORWARD(CreateObject, (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phObject), (hSession, pTemplate, ulCount, phObject))
CPK_FORWARD(CopyObject, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phNewObject), (hSession, hObject, pTemplate, ulCount, phNewObject))
CPK_FORWARD(DestroyObject, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject), (hSession, hObject))
CPK_FORWARD(GetObjectSize, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ULONG_PTR pulSize), (hSession, hObject, pulSize))
CPK_FORWARD(GetAttributeValue, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount), (hSession, hObject, pTemplate, ulCount))
CPK_FORWARD(SetAttributeValue, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount), (hSession, hObject, pTemplate, ulCount))
CPK_FORWARD(FindObjectsInit, (CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount), (hSession, pTemplate, ulCount))
CPK_FORWARD(FindObjects, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount, CK_ULONG_PTR pulObjectCount), (hSession, phObject, ulMaxObjectCount, pulObjectCount))
CPK_FORWARD(FindObjectsFinal, (CK_SESSION_HANDLE hSession), (hSession))
CPK_FORWARD(DigestInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism), (hSession, pMechanism))
CPK_FORWARD(Digest, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen), (hSession, pData, ulDataLen, pDigest, pulDigestLen))
CPK_FORWARD(DigestUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen), (hSession, pPart, ulPartLen))
CPK_FORWARD(DigestKey, (CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hKey), (hSession, hKey))
CPK_FORWARD(DigestFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pDigest, CK_ULONG_PTR pulDigestLen), (hSession, pDigest, pulDigestLen))
CPK_FORWARD(SignInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), (hSession, pMechanism, hKey))
CPK_FORWARD(Sign, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen), (hSession, pData, ulDataLen, pSignature, pulSignatureLen))
CPK_FORWARD(SignUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen), (hSession, pPart, ulPartLen))
CPK_FORWARD(SignFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen), (hSession, pSignature, pulSignatureLen))
CPK_FORWARD(VerifyInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey), (hSession, pMechanism, hKey))
CPK_FORWARD(Verify, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen), (hSession, pData, ulDataLen, pSignature, ulSignatureLen))
CPK_FORWARD(VerifyUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen), (hSession, pPart, ulPartLen))
CPK_FORWARD(VerifyFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen), (hSession, pSignature, ulSignatureLen))
CPK_FORWARD(GenerateKey, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount, CK_OBJECT_HANDLE_PTR phKey), (hSession, pMechanism, pTemplate, ulCount, phKey))
CPK_FORWARD(GenerateKeyPair, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_ATTRIBUTE_PTR pPublicKeyTemplate, CK_ULONG ulPublicKeyAttributeCount, CK_ATTRIBUTE_PTR pPrivateKeyTemplate, CK_ULONG ulPrivateKeyAttributeCount, CK_OBJECT_HANDLE_PTR phPublicKey, CK_OBJECT_HANDLE_PTR phPrivateKey), (hSession, pMechanism, pPublicKeyTemplate, ulPublicKeyAttributeCount, pPrivateKeyTemplate, ulPrivateKeyAttributeCount, phPublicKey, phPrivateKey))
CPK_FORWARD(SeedRandom, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSeed, CK_ULONG ulSeedLen), (hSession, pSeed, ulSeedLen))
CPK_FORWARD(GenerateRandom, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR RandomData, CK_ULONG ulRandomLen), (hSession, RandomData, ulRandomLen))
CPK_FORWARD(LoginUser, (CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen, CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen), (hSession, userType, pPin, ulPinLen, pUsername, ulUsernameLen))
CPK_FORWARD(SessionCancel, (CK_SESSION_HANDLE hSession, CK_FLAGS flags), (hSession, flags))

/* Functions the token does not implement: CKR_FUNCTION_NOT_SUPPORTED (or
 * the legacy CKR_FUNCTION_NOT_PARALLEL), decided and logged in Go. */
#define CPK_UNSUPPORTED(name, params) \
	CK_RV C_##name params \
	{ \
		CPK_GUARD(); \
		return cpkUnsupported((char *)"C_" #name); \
	}

CPK_UNSUPPORTED(GetOperationState, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG_PTR pulOperationStateLen))
CPK_UNSUPPORTED(SetOperationState, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pOperationState, CK_ULONG ulOperationStateLen, CK_OBJECT_HANDLE hEncryptionKey, CK_OBJECT_HANDLE hAuthenticationKey))
CPK_UNSUPPORTED(EncryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(Encrypt, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pEncryptedData, CK_ULONG_PTR pulEncryptedDataLen))
CPK_UNSUPPORTED(EncryptUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen))
CPK_UNSUPPORTED(EncryptFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastEncryptedPart, CK_ULONG_PTR pulLastEncryptedPartLen))
CPK_UNSUPPORTED(DecryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(Decrypt, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedData, CK_ULONG ulEncryptedDataLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen))
CPK_UNSUPPORTED(DecryptUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen))
CPK_UNSUPPORTED(DecryptFinal, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pLastPart, CK_ULONG_PTR pulLastPartLen))
CPK_UNSUPPORTED(SignRecoverInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(SignRecover, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen))
CPK_UNSUPPORTED(VerifyRecoverInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(VerifyRecover, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen, CK_BYTE_PTR pData, CK_ULONG_PTR pulDataLen))
CPK_UNSUPPORTED(DigestEncryptUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen))
CPK_UNSUPPORTED(DecryptDigestUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen))
CPK_UNSUPPORTED(SignEncryptUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pPart, CK_ULONG ulPartLen, CK_BYTE_PTR pEncryptedPart, CK_ULONG_PTR pulEncryptedPartLen))
CPK_UNSUPPORTED(DecryptVerifyUpdate, (CK_SESSION_HANDLE hSession, CK_BYTE_PTR pEncryptedPart, CK_ULONG ulEncryptedPartLen, CK_BYTE_PTR pPart, CK_ULONG_PTR pulPartLen))
CPK_UNSUPPORTED(WrapKey, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hWrappingKey, CK_OBJECT_HANDLE hKey, CK_BYTE_PTR pWrappedKey, CK_ULONG_PTR pulWrappedKeyLen))
CPK_UNSUPPORTED(UnwrapKey, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hUnwrappingKey, CK_BYTE_PTR pWrappedKey, CK_ULONG ulWrappedKeyLen, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey))
CPK_UNSUPPORTED(DeriveKey, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey))
CPK_UNSUPPORTED(GetFunctionStatus, (CK_SESSION_HANDLE hSession))
CPK_UNSUPPORTED(CancelFunction, (CK_SESSION_HANDLE hSession))
CPK_UNSUPPORTED(WaitForSlotEvent, (CK_FLAGS flags, CK_SLOT_ID_PTR pSlot, CK_VOID_PTR pReserved))
CPK_UNSUPPORTED(MessageEncryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(EncryptMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pPlaintext, CK_ULONG ulPlaintextLen, CK_BYTE_PTR pCiphertext, CK_ULONG_PTR pulCiphertextLen))
CPK_UNSUPPORTED(EncryptMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen))
CPK_UNSUPPORTED(EncryptMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pPlaintextPart, CK_ULONG ulPlaintextPartLen, CK_BYTE_PTR pCiphertextPart, CK_ULONG_PTR pulCiphertextPartLen, CK_FLAGS flags))
CPK_UNSUPPORTED(MessageEncryptFinal, (CK_SESSION_HANDLE hSession))
CPK_UNSUPPORTED(MessageDecryptInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(DecryptMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen, CK_BYTE_PTR pCiphertext, CK_ULONG ulCiphertextLen, CK_BYTE_PTR pPlaintext, CK_ULONG_PTR pulPlaintextLen))
CPK_UNSUPPORTED(DecryptMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pAssociatedData, CK_ULONG ulAssociatedDataLen))
CPK_UNSUPPORTED(DecryptMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pCiphertextPart, CK_ULONG ulCiphertextPartLen, CK_BYTE_PTR pPlaintextPart, CK_ULONG_PTR pulPlaintextPartLen, CK_FLAGS flags))
CPK_UNSUPPORTED(MessageDecryptFinal, (CK_SESSION_HANDLE hSession))
CPK_UNSUPPORTED(MessageSignInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(SignMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen))
CPK_UNSUPPORTED(SignMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen))
CPK_UNSUPPORTED(SignMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG_PTR pulSignatureLen))
CPK_UNSUPPORTED(MessageSignFinal, (CK_SESSION_HANDLE hSession))
CPK_UNSUPPORTED(MessageVerifyInit, (CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hKey))
CPK_UNSUPPORTED(VerifyMessage, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen))
CPK_UNSUPPORTED(VerifyMessageBegin, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen))
CPK_UNSUPPORTED(VerifyMessageNext, (CK_SESSION_HANDLE hSession, CK_VOID_PTR pParameter, CK_ULONG ulParameterLen, CK_BYTE_PTR pData, CK_ULONG ulDataLen, CK_BYTE_PTR pSignature, CK_ULONG ulSignatureLen))
CPK_UNSUPPORTED(MessageVerifyFinal, (CK_SESSION_HANDLE hSession))

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

static CK_CHAR cpk_interface_name[] = "PKCS 11";

/* Newest first: C_GetInterface with no version picks the first. */
static CK_INTERFACE cpk_interfaces[] = {
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
