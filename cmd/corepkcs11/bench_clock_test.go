//go:build linux

package main

import (
	"errors"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestBenchClock: the best of the slices, work running out, errors, and
// each thread's op always on one OS thread. No timing is asserted.
func TestBenchClock(t *testing.T) {
	c := benchClock{d: 50 * time.Millisecond}
	calls := 0
	if r, err := c.rate(0, func() error { calls++; return nil }); err != nil || r <= 0 || calls < benchSlices+1 {
		t.Errorf("rate: %v, %v after %d calls", r, err, calls)
	}
	if r, err := (benchClock{quick: true}).rate(3, func() error { return nil }); err != nil || r <= 0 {
		t.Errorf("quick rate: %v, %v", r, err)
	}
	left := 3
	countdown := func() error {
		if left == 0 {
			return errBenchDone
		}
		left--
		return nil
	}
	if r, err := c.rate(0, countdown); err != nil || r <= 0 {
		t.Errorf("rate of work that runs out: %v, %v", r, err)
	}
	left = 1 // the untimed run takes it
	if _, err := c.rate(0, countdown); err == nil {
		t.Error("rate of no work: no error")
	}
	boom := errors.New("boom")
	if _, err := c.rate(0, func() error { return boom }); err != boom {
		t.Errorf("rate of a failing op: %v", err)
	}

	for _, quick := range []bool{false, true} {
		c := benchClock{d: 50 * time.Millisecond, quick: quick}
		var moved atomic.Bool
		ops := make([]func() error, 3)
		for i := range ops {
			tid := 0
			ops[i] = func() error {
				if id := syscall.Gettid(); tid == 0 {
					tid = id
				} else if id != tid {
					moved.Store(true)
				}
				return nil
			}
		}
		if r, err := c.rateThreads(5, ops); err != nil || r <= 0 {
			t.Errorf("rateThreads (quick %v): %v, %v", quick, r, err)
		}
		if moved.Load() {
			t.Errorf("rateThreads (quick %v): an op ran on more than one OS thread", quick)
		}
	}
	var n atomic.Int64
	failing := func() error {
		if n.Add(1) > 50 {
			return boom
		}
		return nil
	}
	if _, err := c.rateThreads(0, []func() error{failing, func() error { return nil }}); err != boom {
		t.Errorf("rateThreads with an op failing: %v", err)
	}
	if _, err := c.rateThreads(0, []func() error{func() error { return boom }, func() error { return nil }}); err != boom {
		t.Errorf("rateThreads with an op failing its untimed run: %v", err)
	}
}
