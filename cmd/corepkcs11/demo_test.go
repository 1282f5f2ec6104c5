package main

import (
	"io"
	"testing"
)

// TestDemo runs the whole demo; it fails if any step does.
func TestDemo(t *testing.T) {
	if err := runDemo(t.TempDir(), io.Discard); err != nil {
		t.Fatal(err)
	}
}
