package store

import (
	"maps"
	"slices"
	"sync"
)

// memory is the ephemeral backend: everything is lost when the process
// ends. It serves tests and throwaway tokens (COREPKCS11_STORE=:memory:).
type memory struct {
	mu      sync.Mutex
	nextID  uint
	tokens  map[uint]Token
	objects map[uint]map[string]Object
}

// NewMemory returns an empty in-memory store.
func NewMemory() Store {
	return &memory{tokens: map[uint]Token{}, objects: map[uint]map[string]Object{}}
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

func (t Token) clone() Token {
	t.Keys = clone(t.Keys)
	return t
}

func (o Object) clone() Object {
	o.Public, o.Sealed = clone(o.Public), clone(o.Sealed)
	return o
}

func (m *memory) Tokens() ([]Token, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	ids := slices.Sorted(maps.Keys(m.tokens))
	out := make([]Token, 0, len(ids))
	for _, id := range ids {
		out = append(out, m.tokens[id].clone())
	}
	return out, nil
}

func (m *memory) NextTokenID() (uint, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nextID, nil
}

func (m *memory) CreateToken(t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tokens[t.ID]; ok {
		return ErrExists
	}
	m.tokens[t.ID] = t.clone()
	m.objects[t.ID] = map[string]Object{}
	m.nextID = max(m.nextID, t.ID+1)
	return nil
}

func (m *memory) UpdateToken(id uint, fn func(*Token) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[id]
	if !ok {
		return ErrNotFound
	}
	t = t.clone()
	if err := fn(&t); err != nil {
		return err
	}
	t.ID = id
	m.tokens[id] = t
	return nil
}

func (m *memory) ResetToken(t Token) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tokens[t.ID]; !ok {
		return ErrNotFound
	}
	m.tokens[t.ID] = t.clone()
	m.objects[t.ID] = map[string]Object{}
	return nil
}

func (m *memory) DeleteToken(id uint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.tokens, id)
	delete(m.objects, id)
	return nil
}

func (m *memory) Objects(token uint) ([]Object, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Object, 0, len(m.objects[token]))
	for _, uid := range slices.Sorted(maps.Keys(m.objects[token])) {
		out = append(out, m.objects[token][uid].clone())
	}
	return out, nil
}

func (m *memory) PutObjects(objs ...Object) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range objs {
		if _, ok := m.objects[o.Token]; !ok {
			return ErrNotFound
		}
	}
	for _, o := range objs {
		m.objects[o.Token][o.UID] = o.clone()
	}
	return nil
}

func (m *memory) DeleteObject(token uint, uid string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objects[token], uid)
	return nil
}

func (m *memory) Changed() (bool, error) { return false, nil }

func (m *memory) Close() error { return nil }
