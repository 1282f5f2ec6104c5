package token

import (
	"testing"

	"github.com/corepkcs11/corepkcs11/ck"
)

// call is one step on an operation in TestStage: a call of form f whose
// output buffer is nil (query), short (short) or big enough.
type call struct {
	f            form
	query, short bool
	want         ck.RV
}

func TestStage(t *testing.T) {
	tests := []struct {
		name  string
		calls []call
		busy  bool // whether a new C_*Init is refused afterwards
	}{
		{"fresh", nil, true},
		{"single-part length query", []call{{f: singlePart, query: true}}, false},
		{"two length queries", []call{{f: singlePart, query: true}, {f: singlePart, query: true}}, false},
		{"buffer too small", []call{{f: singlePart, short: true, want: ck.CKR_BUFFER_TOO_SMALL}}, true},
		{"query after buffer too small", []call{{f: singlePart, short: true, want: ck.CKR_BUFFER_TOO_SMALL}, {f: singlePart, query: true}}, true},
		{"update", []call{{f: update}}, true},
		{"final length query", []call{{f: final, query: true}}, true},
		{"final after a single-part query", []call{{f: singlePart, query: true}, {f: final, want: ck.CKR_OPERATION_ACTIVE}}, false},
		{"update after a single-part query", []call{{f: singlePart, query: true}, {f: update, want: ck.CKR_OPERATION_ACTIVE}}, false},
		{"single-part after an update", []call{{f: update}, {f: singlePart, want: ck.CKR_OPERATION_ACTIVE}}, true},
		{"single-part after a final query", []call{{f: update}, {f: final, query: true}, {f: singlePart, want: ck.CKR_OPERATION_ACTIVE}}, true},
		{"final after buffer too small", []call{{f: singlePart, short: true, want: ck.CKR_BUFFER_TOO_SMALL}, {f: final, want: ck.CKR_OPERATION_ACTIVE}}, true},
	}
	for _, tt := range tests {
		var st stage
		for i, c := range tt.calls {
			err := st.enter(c.f)
			if err == nil {
				var out []byte
				switch {
				case c.short:
					out = make([]byte, 1)
				case !c.query:
					out = make([]byte, 32)
				}
				_, err = st.output(c.f, out, 32)
			}
			if got := ck.ToRV(err); got != c.want {
				t.Errorf("%s: call %d = %v, want %v", tt.name, i, got, c.want)
			}
		}
		if st.busy() != tt.busy {
			t.Errorf("%s: busy = %v, want %v", tt.name, st.busy(), tt.busy)
		}
	}
	for _, f := range []form{update, final} {
		var st stage
		if err := st.enterWith(f, true); ck.ToRV(err) != ck.CKR_OPERATION_NOT_INITIALIZED {
			t.Errorf("multi-part call %d with a single-part mechanism = %v", f, err)
		}
	}
	var st stage
	if err := st.enterWith(singlePart, true); err != nil {
		t.Errorf("single-part call with a single-part mechanism = %v", err)
	}
}
