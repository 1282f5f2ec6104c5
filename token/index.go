package token

import (
	"cmp"
	"slices"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/object"
)

// entry is an object as the engine holds it: its handle, the object, and
// where it belongs.
type entry struct {
	handle ck.ObjectHandle
	obj    *object.Object
	uid    string           // token objects: the store's UID
	owner  ck.SessionHandle // session objects: the session that created it
}

type entrySet map[*entry]struct{}

// index holds a token's objects with the lookups C_FindObjects needs,
// so a search costs in proportion to the objects that could match (same
// label, CKA_ID or class), not to the number of objects.
type index struct {
	byHandle map[ck.ObjectHandle]*entry
	byClass  map[ck.ObjectClass]entrySet
	byLabel  map[string]entrySet
	byID     map[string]entrySet
}

func newIndex() index {
	return index{
		byHandle: map[ck.ObjectHandle]*entry{},
		byClass:  map[ck.ObjectClass]entrySet{},
		byLabel:  map[string]entrySet{},
		byID:     map[string]entrySet{},
	}
}

func addTo[K comparable](m map[K]entrySet, k K, e *entry) {
	s, ok := m[k]
	if !ok {
		s = entrySet{}
		m[k] = s
	}
	s[e] = struct{}{}
}

func removeFrom[K comparable](m map[K]entrySet, k K, e *entry) {
	if s, ok := m[k]; ok {
		delete(s, e)
		if len(s) == 0 {
			delete(m, k)
		}
	}
}

func (ix *index) add(e *entry) {
	ix.byHandle[e.handle] = e
	addTo(ix.byClass, e.obj.Class(), e)
	if v, ok := e.obj.Value(ck.CKA_LABEL); ok {
		addTo(ix.byLabel, string(v), e)
	}
	if v, ok := e.obj.Value(ck.CKA_ID); ok {
		addTo(ix.byID, string(v), e)
	}
}

func (ix *index) remove(e *entry) {
	delete(ix.byHandle, e.handle)
	removeFrom(ix.byClass, e.obj.Class(), e)
	if v, ok := e.obj.Value(ck.CKA_LABEL); ok {
		removeFrom(ix.byLabel, string(v), e)
	}
	if v, ok := e.obj.Value(ck.CKA_ID); ok {
		removeFrom(ix.byID, string(v), e)
	}
}

// replace swaps in a new version of an entry's object, keeping its handle.
func (ix *index) replace(e *entry, obj *object.Object) {
	ix.remove(e)
	e.obj = obj
	ix.add(e)
}

// find returns the entries that match tmpl and pass visible, in
// ascending handle order.
func (ix *index) find(q object.Query, visible func(*entry) bool) []*entry {
	var out []*entry
	consider := func(e *entry) {
		if visible(e) && e.obj.Matches(q) {
			out = append(out, e)
		}
	}
	if s, ok := ix.narrowest(q.Attributes()); ok {
		for e := range s {
			consider(e)
		}
	} else {
		for _, e := range ix.byHandle {
			consider(e)
		}
	}
	slices.SortFunc(out, func(a, b *entry) int { return cmp.Compare(a.handle, b.handle) })
	return out
}

// narrowest picks the smallest candidate set the template allows.
func (ix *index) narrowest(tmpl object.Template) (entrySet, bool) {
	var best entrySet
	found := false
	try := func(s entrySet) {
		if !found || len(s) < len(best) {
			best, found = s, true
		}
	}
	for _, a := range tmpl {
		switch a.Type {
		case ck.CKA_LABEL:
			try(ix.byLabel[string(a.Value)])
		case ck.CKA_ID:
			try(ix.byID[string(a.Value)])
		case ck.CKA_CLASS:
			if c, ok := object.DecodeULong(a.Value); ok {
				try(ix.byClass[ck.ObjectClass(c)])
			}
		}
	}
	return best, found
}
