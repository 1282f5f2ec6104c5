package mech

import "crypto/rand"

// Random fills p from the operating system's CSPRNG (crypto/rand), which
// is what C_GenerateRandom returns. The token takes no seed: it never runs
// a generator of its own that a seed could weaken.
func Random(p []byte) {
	// crypto/rand.Read never fails: it crashes the program rather than
	// return predictable bytes (Go 1.24 and later).
	rand.Read(p)
}
