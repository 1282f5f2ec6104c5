package main

import (
	"errors"
	"sync"
	"time"
)

// benchClock times the bench's operations: each runs for d, or, with
// quick, a fixed small count.
type benchClock struct {
	d     time.Duration
	quick bool
}

// errBenchDone ends a loop early without failing it: an operation that
// ran out of work (nothing left to destroy).
var errBenchDone = errors.New("no work left")

// benchQuickCount is how many times --quick runs an operation.
const benchQuickCount = 20

// rate runs op once untimed (the check that the module can do it, and the
// warm-up), then in a loop, and returns operations per second. count is
// the loop's length under --quick.
func (c benchClock) rate(count int, op func() error) (float64, error) {
	if err := op(); err != nil {
		return 0, err
	}
	n := 0
	start := time.Now()
	for {
		err := op()
		if errors.Is(err, errBenchDone) {
			break
		}
		if err != nil {
			return 0, err
		}
		n++
		if c.quick && n >= count || !c.quick && time.Since(start) >= c.d {
			break
		}
	}
	elapsed := time.Since(start)
	if n == 0 {
		return 0, errors.New("ran out of work before the first timed operation")
	}
	return float64(n) / elapsed.Seconds(), nil
}

// rateThreads runs ops[i] in goroutine i, all at once, each first once
// untimed; it returns the operations per second of all of them together.
func (c benchClock) rateThreads(count int, ops []func() error) (float64, error) {
	var (
		ready, done sync.WaitGroup
		begin       = make(chan struct{})
		start       time.Time
		counts      = make([]int, len(ops))
		errs        = make([]error, len(ops))
	)
	ready.Add(len(ops))
	done.Add(len(ops))
	for i, op := range ops {
		go func() {
			defer done.Done()
			errs[i] = op()
			ready.Done()
			<-begin
			if errs[i] != nil {
				return
			}
			for {
				if errs[i] = op(); errs[i] != nil {
					return
				}
				counts[i]++
				if c.quick && counts[i] >= count || !c.quick && time.Since(start) >= c.d {
					return
				}
			}
		}()
	}
	ready.Wait()
	start = time.Now()
	close(begin)
	done.Wait()
	elapsed := time.Since(start)
	total := 0
	for i := range ops {
		if errs[i] != nil {
			return 0, errs[i]
		}
		total += counts[i]
	}
	return float64(total) / elapsed.Seconds(), nil
}
