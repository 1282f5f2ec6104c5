package store

import (
	"fmt"
	"os"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// SignalName is the file beside the database that every process maps to
// learn cheaply whether another one has written.
const SignalName = "corepkcs11.gen"

// signal is a counter in a small shared file: a writer raises it to the
// generation it is about to commit, before the commit, so a reader that
// finds it no higher than the generation it last applied knows that
// nothing was committed since. Reading it is one atomic load, where
// asking SQLite costs a query on the store's only connection.
//
// A write that fails after raising the counter leaves it ahead of the
// database until the next write: readers then take a snapshot on each
// call, which is slower but never wrong.
type signal struct {
	mem     []byte
	counter *atomic.Uint64
}

func openSignal(path string) (*signal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return nil, err
	} else if fi.Size() < 8 {
		if err := f.Truncate(8); err != nil {
			return nil, err
		}
	}
	mem, err := unix.Mmap(int(f.Fd()), 0, 8, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mapping %s: %w", path, err)
	}
	// mmap returns page-aligned memory, so the counter is 8-byte aligned
	// as atomic operations require.
	return &signal{mem: mem, counter: (*atomic.Uint64)(unsafe.Pointer(&mem[0]))}, nil
}

func (s *signal) load() uint64 { return s.counter.Load() }

// raise makes the counter at least gen.
func (s *signal) raise(gen uint64) {
	for {
		cur := s.counter.Load()
		if cur >= gen || s.counter.CompareAndSwap(cur, gen) {
			return
		}
	}
}

func (s *signal) close() error { return unix.Munmap(s.mem) }
