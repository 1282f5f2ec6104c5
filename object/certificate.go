package object

import (
	"crypto/sha1"
	"crypto/x509"
	"encoding/asn1"

	"github.com/corepkcs11/corepkcs11/ck"
)

// finishCertificate checks that CKA_VALUE is an X.509 certificate and
// fills the attributes that describe it when the template did not.
func (o *Object) finishCertificate() error {
	cert, err := x509.ParseCertificate(o.attrs[ck.CKA_VALUE])
	if err != nil {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_VALUE is not a DER X.509 certificate: %v", err)
	}
	serial, err := asn1.Marshal(cert.SerialNumber)
	if err != nil {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "certificate serial number: %v", err)
	}
	sum := sha1.Sum(cert.Raw)
	derived := []Attribute{
		{ck.CKA_SUBJECT, cert.RawSubject},
		{ck.CKA_ISSUER, cert.RawIssuer},
		{ck.CKA_SERIAL_NUMBER, serial},
		{ck.CKA_PUBLIC_KEY_INFO, cert.RawSubjectPublicKeyInfo},
		{ck.CKA_CHECK_VALUE, sum[:3]},
	}
	for _, a := range derived {
		if _, given := o.attrs[a.Type]; !given {
			o.attrs[a.Type] = append([]byte(nil), a.Value...)
		}
	}
	return nil
}
