package main

import "testing"

// TestDemo runs the whole demo; it fails if any step does.
func TestDemo(t *testing.T) {
	if err := runDemo(""); err != nil {
		t.Fatal(err)
	}
}
