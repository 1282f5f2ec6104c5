// Package pki is corePKCS11's core_pki_utils in Go: conversion of ECDSA
// signatures between the DER form X.509 and TLS use and the raw r || s
// form PKCS#11 uses, and parsing of PEM and DER certificates and keys into
// PKCS#11 object templates.
package pki

import (
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"
)

// ErrMalformed is returned for a signature that is not what it claims to be.
var ErrMalformed = errors.New("pki: malformed ECDSA signature")

// Sizes of r and s, in bytes, for the NIST curves.
const (
	P256Size = 32
	P384Size = 48
	P521Size = 66
)

// ECDSASignatureToRaw converts a DER ECDSA-Sig-Value (SEQUENCE { r
// INTEGER, s INTEGER }) into r || s, each left-padded with zeros to size
// bytes. It rejects trailing data, negative or zero values, non-minimal
// encodings and values longer than size.
func ECDSASignatureToRaw(der []byte, size int) ([]byte, error) {
	var r, s []byte
	input := cryptobyte.String(der)
	var seq cryptobyte.String
	if !input.ReadASN1(&seq, asn1.SEQUENCE) || !input.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return nil, ErrMalformed
	}
	raw := make([]byte, 2*size)
	for i, v := range [][]byte{r, s} {
		// cryptobyte refused negative and non-minimal encodings, and
		// gives the magnitude without leading zeros.
		if len(v) == 1 && v[0] == 0 {
			return nil, fmt.Errorf("%w: r and s must be positive", ErrMalformed)
		}
		if len(v) > size {
			return nil, fmt.Errorf("%w: r or s longer than %d bytes", ErrMalformed, size)
		}
		copy(raw[(i+1)*size-len(v):(i+1)*size], v)
	}
	return raw, nil
}

// ECDSASignatureToDER converts r || s (two halves of equal length) into
// a DER ECDSA-Sig-Value, minimal: leading zero bytes dropped and a zero
// byte added where the high bit would make the INTEGER negative.
func ECDSASignatureToDER(raw []byte) ([]byte, error) {
	if len(raw) == 0 || len(raw)%2 != 0 {
		return nil, fmt.Errorf("%w: raw signature of odd length %d", ErrMalformed, len(raw))
	}
	n := len(raw) / 2
	r := new(big.Int).SetBytes(raw[:n])
	s := new(big.Int).SetBytes(raw[n:])
	if r.Sign() == 0 || s.Sign() == 0 {
		return nil, fmt.Errorf("%w: r and s must be positive", ErrMalformed)
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}
