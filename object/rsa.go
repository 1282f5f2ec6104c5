package object

import (
	"crypto/rsa"
	"math/big"

	"github.com/corepkcs11/corepkcs11/ck"
)

// RSA modulus sizes this token accepts, in bits.
const (
	MinRSABits = 1024
	MaxRSABits = 4096
)

func bigAttr(o *Object, t ck.AttributeType) *big.Int {
	v, ok := o.attrs[t]
	if !ok {
		return nil
	}
	return new(big.Int).SetBytes(v)
}

func (o *Object) finishRSA() error {
	n := bigAttr(o, ck.CKA_MODULUS)
	if n == nil {
		return ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_MODULUS", o.describe())
	}
	if bits := n.BitLen(); bits < MinRSABits || bits > MaxRSABits {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_MODULUS: %d-bit RSA keys are not supported (%d to %d)", bits, MinRSABits, MaxRSABits)
	}
	if n.Bit(0) == 0 {
		return ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_MODULUS is even")
	}
	if o.class == ck.CKO_PUBLIC_KEY {
		e, err := publicExponent(bigAttr(o, ck.CKA_PUBLIC_EXPONENT))
		if err != nil {
			return err
		}
		pub := &rsa.PublicKey{N: n, E: e}
		o.attrs[ck.CKA_MODULUS_BITS] = EncodeULong(uint(n.BitLen()))
		o.key = pub
		return o.setPublicKeyInfo(pub)
	}
	if _, ok := o.attrs[ck.CKA_PRIVATE_EXPONENT]; !ok {
		return ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "a %v needs CKA_PRIVATE_EXPONENT", o.describe())
	}
	priv, err := o.rsaPrivateKey(n)
	if err != nil {
		return err
	}
	o.key = priv
	return o.setPublicKeyInfo(&priv.PublicKey)
}

func publicExponent(e *big.Int) (int, error) {
	if e == nil {
		return 0, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "no CKA_PUBLIC_EXPONENT")
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() >= 1<<31 || e.Bit(0) == 0 {
		return 0, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PUBLIC_EXPONENT must be odd, at least 3 and below 2^31")
	}
	return int(e.Int64()), nil
}

// rsaPrivateKey builds the key from whatever CRT values the template
// gave: with both primes, the public exponent may be derived; without
// them, they are recovered from n, e and d. Values given are checked
// against the key, values missing are filled in.
func (o *Object) rsaPrivateKey(n *big.Int) (*rsa.PrivateKey, error) {
	d := bigAttr(o, ck.CKA_PRIVATE_EXPONENT)
	p, q := bigAttr(o, ck.CKA_PRIME_1), bigAttr(o, ck.CKA_PRIME_2)
	eBig := bigAttr(o, ck.CKA_PUBLIC_EXPONENT)
	if (p == nil) != (q == nil) {
		return nil, ck.Errorf(ck.CKR_TEMPLATE_INCONSISTENT, "CKA_PRIME_1 and CKA_PRIME_2 go together")
	}
	if p != nil && new(big.Int).Mul(p, q).Cmp(n) != 0 {
		return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PRIME_1 * CKA_PRIME_2 is not CKA_MODULUS")
	}
	if eBig == nil {
		if p == nil {
			return nil, ck.Errorf(ck.CKR_TEMPLATE_INCOMPLETE, "an RSA private key needs CKA_PUBLIC_EXPONENT or its primes")
		}
		eBig = exponentFromPrimes(d, p, q)
		if eBig == nil {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PRIVATE_EXPONENT is not invertible")
		}
	}
	e, err := publicExponent(eBig)
	if err != nil {
		return nil, err
	}
	if p == nil {
		p, q = recoverPrimes(n, e, d)
		if p == nil {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "CKA_PRIVATE_EXPONENT does not belong to CKA_MODULUS and CKA_PUBLIC_EXPONENT")
		}
	}
	priv := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: n, E: e}, D: d, Primes: []*big.Int{p, q}}
	if err := priv.Validate(); err != nil {
		return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "RSA private key: %v", err)
	}
	priv.Precompute()
	derived := []struct {
		t ck.AttributeType
		v *big.Int
	}{
		{ck.CKA_PUBLIC_EXPONENT, big.NewInt(int64(e))},
		{ck.CKA_PRIME_1, p},
		{ck.CKA_PRIME_2, q},
		{ck.CKA_EXPONENT_1, priv.Precomputed.Dp},
		{ck.CKA_EXPONENT_2, priv.Precomputed.Dq},
		{ck.CKA_COEFFICIENT, priv.Precomputed.Qinv},
	}
	for _, dv := range derived {
		if given := bigAttr(o, dv.t); given != nil && given.Cmp(dv.v) != 0 {
			return nil, ck.Errorf(ck.CKR_ATTRIBUTE_VALUE_INVALID, "%v does not belong to this key", dv.t)
		}
		o.attrs[dv.t] = dv.v.Bytes()
	}
	return priv, nil
}

// Bounds of recoverPrimes: a true key fails with probability 2^-32.
const (
	recoveryBases     = 32
	recoverySquarings = 4 * MaxRSABits
)

// exponentFromPrimes returns e = d^-1 mod lcm(p-1, q-1), or nil.
func exponentFromPrimes(d, p, q *big.Int) *big.Int {
	one := big.NewInt(1)
	p1 := new(big.Int).Sub(p, one)
	q1 := new(big.Int).Sub(q, one)
	g := new(big.Int).GCD(nil, nil, p1, q1)
	lambda := new(big.Int).Mul(p1, q1)
	lambda.Div(lambda, g)
	return new(big.Int).ModInverse(d, lambda)
}

// recoverPrimes factors n given e and d (the method of NIST SP 800-56B
// rev. 2, appendix C.2): d*e-1 is a multiple of lambda(n), so a base
// raised to its odd part and squared repeatedly reaches a non-trivial
// square root of 1, whose gcd with n is a prime factor. Each base does so
// with probability at least 1/2 for a true key. The work is bounded, since
// callers and store files can hand in any d: a d that is no key's fails
// the first test, and at most recoveryBases bases and recoverySquarings
// squarings are tried in all.
func recoverPrimes(n *big.Int, e int, d *big.Int) (p, q *big.Int) {
	one := big.NewInt(1)
	nMinus1 := new(big.Int).Sub(n, one)
	k := new(big.Int).Mul(d, big.NewInt(int64(e)))
	k.Sub(k, one)
	if d.Cmp(n) >= 0 || k.Sign() <= 0 || k.Bit(0) != 0 {
		return nil, nil
	}
	// For a true key every base coprime with n has base^k = 1 mod n.
	if new(big.Int).Exp(big.NewInt(2), k, n).Cmp(one) != 0 {
		return nil, nil
	}
	t := 0
	r := new(big.Int).Set(k)
	for r.Bit(0) == 0 {
		r.Rsh(r, 1)
		t++
	}
	squarings := 0
	for g := int64(2); g < 2+recoveryBases; g++ {
		y := new(big.Int).Exp(big.NewInt(g), r, n)
		if y.Cmp(one) == 0 || y.Cmp(nMinus1) == 0 {
			continue
		}
		for i := 0; i < t; i++ {
			if squarings++; squarings > recoverySquarings {
				return nil, nil
			}
			x := new(big.Int).Exp(y, big.NewInt(2), n)
			if x.Cmp(one) == 0 {
				p := new(big.Int).GCD(nil, nil, new(big.Int).Sub(y, one), n)
				q := new(big.Int).Div(n, p)
				if p.Cmp(q) < 0 {
					p, q = q, p
				}
				return p, q
			}
			if x.Cmp(nMinus1) == 0 {
				break
			}
			y = x
		}
	}
	return nil, nil
}
