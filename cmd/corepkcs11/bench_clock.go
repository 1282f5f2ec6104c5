package main

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// benchClock times the bench's operations: each runs for d, split into
// benchSlices timed slices, or, with quick, a fixed small count.
type benchClock struct {
	d     time.Duration
	quick bool
	one   bool // d is one slice, not split
}

// errBenchDone ends a loop early without failing it: an operation that
// ran out of work (nothing left to destroy).
var errBenchDone = errors.New("no work left")

// benchQuickCount is how many times --quick runs an operation.
const benchQuickCount = 20

// benchSlices is how many timed slices an operation's --secs is split
// into. The figure is the best slice's rate: on a shared machine other
// work can only slow a slice down, never speed it up, so the fastest
// slice is the one least disturbed, where one long loop would average in
// whatever else ran meanwhile.
const benchSlices = 5

// benchTiming says how each figure was measured, for the printed notes.
func benchTiming(duration string, quick bool) string {
	if quick {
		return duration + ", after one untimed run"
	}
	return fmt.Sprintf("%s in %d equal slices, the fastest slice's rate (the least disturbed by other work on the\nmachine), after one untimed run", duration, benchSlices)
}

// slices is how many slices, and how long each, the clock times.
func (c benchClock) slices() (int, time.Duration) {
	switch {
	case c.quick:
		return 1, 0
	case c.one:
		return 1, c.d
	}
	return benchSlices, c.d / benchSlices
}

// inTurn runs the measures (each of one operation at one thread count)
// slice by slice in turn, each slice measure after measure, and returns
// each one's best slice: the ratios of the threads rows then compare the
// same moments of a shared machine, where measures taken one after the
// other would each see different neighbours. A measure that fails stops
// being run.
func (c benchClock) inTurn(measures []func(slice benchClock) (float64, error)) ([]float64, []error) {
	best, errs := make([]float64, len(measures)), make([]error, len(measures))
	slices, length := c.slices()
	slice := benchClock{d: length, quick: c.quick, one: true}
	for range slices {
		for i, m := range measures {
			if errs[i] != nil {
				continue
			}
			r, err := m(slice)
			if err != nil {
				errs[i] = err
				continue
			}
			best[i] = max(best[i], r)
		}
	}
	return best, errs
}

// rate runs op once untimed (the check that the module can do it, and the
// warm-up), then in timed slices, and returns the best slice's operations
// per second. count is the loop's length under --quick. The loop keeps to
// one OS thread, as a C host's would: a goroutine that moved to another
// thread would make a c-shared Go module attach that thread first.
func (c benchClock) rate(count int, op func() error) (float64, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := op(); err != nil {
		return 0, err
	}
	slices, length := c.slices()
	best := 0.0
	for range slices {
		n, done := 0, false
		start := time.Now()
		for {
			err := op()
			if errors.Is(err, errBenchDone) {
				done = true
				break
			}
			if err != nil {
				return 0, err
			}
			n++
			if c.quick && n >= count || !c.quick && time.Since(start) >= length {
				break
			}
		}
		if n > 0 {
			best = max(best, float64(n)/time.Since(start).Seconds())
		}
		if done {
			break
		}
	}
	if best == 0 {
		return 0, errors.New("ran out of work before the first timed operation")
	}
	return best, nil
}

// rateThreads runs ops[i] in goroutine i, each locked to an OS thread of
// its own (the host threads a C program would have), all at once, each
// first once untimed; then all together through timed slices. It returns
// the operations per second of all of them together in the best slice.
func (c benchClock) rateThreads(count int, ops []func() error) (float64, error) {
	slices, length := c.slices()
	var (
		ready, done sync.WaitGroup
		begin       = make([]chan struct{}, slices)
		start       time.Time // of the current slice, set before its begin closes
		counts      = make([]int, len(ops))
		errs        = make([]error, len(ops))
		failed      atomic.Bool
	)
	for k := range begin {
		begin[k] = make(chan struct{})
	}
	ready.Add(len(ops))
	for i, op := range ops {
		go func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			if errs[i] = op(); errs[i] != nil {
				failed.Store(true)
			}
			ready.Done()
			for k := range slices {
				<-begin[k]
				counts[i] = 0
				for errs[i] == nil && !failed.Load() {
					if errs[i] = op(); errs[i] != nil {
						failed.Store(true)
						break
					}
					counts[i]++
					if c.quick && counts[i] >= count || !c.quick && time.Since(start) >= length {
						break
					}
				}
				done.Done()
			}
		}()
	}
	ready.Wait()
	best := 0.0
	for k := range slices {
		done.Add(len(ops))
		start = time.Now()
		close(begin[k])
		done.Wait()
		elapsed := time.Since(start)
		total := 0
		for i := range ops {
			total += counts[i]
		}
		best = max(best, float64(total)/elapsed.Seconds())
	}
	for i := range ops {
		if errs[i] != nil {
			return 0, errs[i]
		}
	}
	return best, nil
}
