"""Drives corepkcs11 through PyKCS11: lists slots and objects, generates a
P-256 key pair, signs and verifies. Prints the public point and the
signature in hex so that the Go test can check them independently.

usage: pykcs11_check.py MODULE TOKEN_LABEL PIN
"""
import sys

import PyKCS11
from PyKCS11.LowLevel import CKA_EC_POINT

module, label, pin = sys.argv[1:4]
lib = PyKCS11.PyKCS11Lib()
lib.load(module)
info = lib.getInfo()
print("library:", info.manufacturerID.strip())
slot = None
for s in lib.getSlotList(tokenPresent=True):
    t = lib.getTokenInfo(s)
    print("slot", s, "token", repr(t.label.strip()))
    if t.label.strip() == label:
        slot = s
if slot is None:
    sys.exit("no token labelled " + label)

session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
session.login(pin)
p256 = bytes([0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07])
pub, priv = session.generateKeyPair(
    [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
     (PyKCS11.CKA_EC_PARAMS, p256), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
     (PyKCS11.CKA_LABEL, "python key")],
    [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_KEY_TYPE, PyKCS11.CKK_EC),
     (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_SIGN, True), (PyKCS11.CKA_LABEL, "python key")],
    mecha=PyKCS11.Mechanism(PyKCS11.CKM_EC_KEY_PAIR_GEN, None))
for obj in session.findObjects([(PyKCS11.CKA_LABEL, "python key")]):
    cls = session.getAttributeValue(obj, [PyKCS11.CKA_CLASS])[0]
    print("object", PyKCS11.CKO[cls])

message = b"signed from python"
mech = PyKCS11.Mechanism(PyKCS11.CKM_ECDSA_SHA256, None)
signature = bytes(session.sign(priv, message, mech))
if not session.verify(pub, message, signature, mech):
    sys.exit("verify failed")
tampered = bytes([signature[0] ^ 1]) + signature[1:]
if session.verify(pub, message, tampered, mech):
    sys.exit("a tampered signature verified")
point = bytes(session.getAttributeValue(pub, [CKA_EC_POINT])[0])
print("point", point.hex())
print("signature", signature.hex())
session.logout()
session.closeSession()
print("OK")
