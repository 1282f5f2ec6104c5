package store

import (
	"maps"
	"slices"
	"sync"
)

// memory is the ephemeral backend: everything is lost when the process
// ends. It serves tests and throwaway tokens (COREPKCS11_STORE=:memory:),
// and several Modules in one process may share it.
type memory struct {
	mu      sync.Mutex
	gen     uint64
	nextID  uint
	tokens  map[uint]Token
	objects map[uint]map[string]Object
}

// NewMemory returns an empty in-memory store.
func NewMemory() Store {
	return &memory{gen: 1, tokens: map[uint]Token{}, objects: map[uint]map[string]Object{}}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func (t Token) clone() Token {
	t.Keys = clone(t.Keys)
	return t
}

func (o Object) clone() Object {
	o.Public, o.Sealed, o.MAC = clone(o.Public), clone(o.Sealed), clone(o.MAC)
	return o
}

func (m *memory) Snapshot(objectsOf func(uint) bool) (Snapshot, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	snap := Snapshot{Generation: m.gen, NextTokenID: m.nextID, Objects: map[uint][]Object{}}
	for _, id := range slices.Sorted(maps.Keys(m.tokens)) {
		snap.Tokens = append(snap.Tokens, m.tokens[id].clone())
		if objectsOf == nil || !objectsOf(id) {
			continue
		}
		snap.Objects[id] = []Object{}
		for _, uid := range slices.Sorted(maps.Keys(m.objects[id])) {
			snap.Objects[id] = append(snap.Objects[id], m.objects[id][uid].clone())
		}
	}
	return snap, nil
}

func (m *memory) Generation() (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.gen, nil
}

func (m *memory) CreateToken(t Token) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tokens[t.ID]; ok {
		return t, ErrExists
	}
	m.gen++
	t.Version, t.Epoch = m.gen, m.gen
	m.tokens[t.ID] = t.clone()
	m.objects[t.ID] = map[string]Object{}
	m.nextID = max(m.nextID, t.ID+1)
	return t, nil
}

func (m *memory) UpdateToken(id uint, fn func(*Token) error) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return t, ErrNotFound
	}
	t = t.clone()
	if err := fn(&t); err != nil {
		return t, err
	}
	m.gen++
	t.ID, t.Version, t.Epoch = id, m.gen, m.tokens[id].Epoch
	m.tokens[id] = t.clone()
	return t, nil
}

func (m *memory) ResetToken(t Token) (Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.tokens[t.ID]
	switch {
	case !ok:
		return t, ErrNotFound
	case old.Version != t.Version:
		return t, ErrConflict
	}
	m.gen++
	t.Version, t.Epoch = m.gen, m.gen
	m.tokens[t.ID] = t.clone()
	m.objects[t.ID] = map[string]Object{}
	return t, nil
}

func (m *memory) DeleteToken(id uint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gen++
	delete(m.tokens, id)
	delete(m.objects, id)
	return nil
}

func (m *memory) PutObjects(objs ...Object) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range objs {
		stored, ok := m.objects[o.Token]
		if !ok {
			return 0, ErrNotFound
		}
		if m.tokens[o.Token].Epoch != o.Epoch {
			return 0, ErrReset
		}
		if cur, exists := stored[o.UID]; exists != (o.Version != 0) || (exists && cur.Version != o.Version) {
			return 0, ErrConflict
		}
	}
	m.gen++
	for _, o := range objs {
		o.Version = m.gen
		m.objects[o.Token][o.UID] = o.clone()
	}
	return m.gen, nil
}

func (m *memory) DeleteObject(token uint, uid string) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.objects[token][uid]; !ok {
		return 0, ErrConflict
	}
	m.gen++
	delete(m.objects[token], uid)
	return m.gen, nil
}

func (m *memory) Close() error { return nil }
