package interop

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// benchRows are the rows of corepkcs11 bench --quick's table (50 objects,
// threads 1 and 2).
var benchRows = []string{
	"C_Initialize + C_Login, 0 objects",
	"C_Initialize + C_Login, 50 objects",
	"C_Initialize + C_Login + a search, 50 objects",
	"C_Initialize + C_Login, strong PIN KDF",
	"EC P-256 key generation",
	"EC P-256 sign (CKM_ECDSA, 32 B digest)",
	"EC P-256 verify",
	"RSA-2048 sign (CKM_SHA256_RSA_PKCS)",
	"RSA-2048 verify",
	"AES-256-GCM encrypt 1 KiB",
	"AES-256-GCM encrypt 1 MiB",
	"HMAC-SHA256 sign 1 KiB",
	"SHA-256 of 64 B",
	"SHA-256 of 1 MiB",
	"C_GenerateRandom 32 B",
	"durable token object create",
	"find by label among 50 objects",
	"durable token object destroy",
	"EC P-256 sign, 1 thread",
	"EC P-256 sign, 2 threads",
	"EC P-256 sign, 2 threads ÷ 1 thread",
	"RSA-2048 sign, 1 thread",
	"RSA-2048 sign, 2 threads",
	"RSA-2048 sign, 2 threads ÷ 1 thread",
	"resident memory, logged in, searched, 0 objects",
	"resident memory, logged in, searched, 50 objects",
}

// benchCell is what a cell of the table may hold: a rate or a resident
// memory, with its ratio to the first column, a ratio alone, or —.
var benchCell = regexp.MustCompile(`^(—|[0-9]+(\.[0-9]+)?([kM]| MiB)?( [0-9]+(\.[0-9]+)?×)?|[0-9]+(\.[0-9]+)?×)$`)

// TestBench runs corepkcs11 bench --quick on the built module and
// SoftHSMv2 and checks the table's shape, never its timings: every row,
// a figure or — in every cell, and a figure in every cell of
// corepkcs11's columns, which do every operation.
func TestBench(t *testing.T) {
	if _, err := os.Stat(softHSMPath); err != nil {
		t.Fatalf("SoftHSMv2 is not installed (scripts/install-deps.sh installs softhsm2): %v", err)
	}
	bin := cliBinary(t)
	run := func(args ...string) string {
		t.Helper()
		args = append([]string{"bench", "--quick", "--module", modulePath, "--module", softHSMPath}, args...)
		cmd := exec.Command(bin, args...)
		cmd.Env = cliEnviron()
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("corepkcs11 %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, &stdout, &stderr)
		}
		return stdout.String()
	}

	out := run()
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "corepkcs11 bench --quick --module ") {
		t.Errorf("the first line is not the command line: %q", lines[0])
	}
	mustContain(t, "bench", out, "2 CPUs", "[1] "+modulePath, "[2] "+softHSMPath, "[3] corepkcs11 (in-process)", "[4] Go crypto",
		"crypto: Go crypto (crypto/ecdsa, crypto/rsa)", "crypto: OpenSSL libcrypto (libcrypto.so.3)",
		"crypto: OpenSSL libcrypto (libcrypto.so.3, loaded by the module) for RSA and ECDSA signatures", "COREPKCS11_KDF=fast", "SOFTHSM2_CONF")
	if strings.Contains(out, "note [1]") || strings.Contains(out, "note [3]") {
		t.Errorf("corepkcs11 failed an operation:\n%s", out)
	}
	table := map[string][]string{}
	in := false
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "operation "):
			in = true
			continue
		case !in:
			continue
		case line == "":
			in = false
			continue
		}
		cells := regexp.MustCompile(`  +`).Split(line, -1)
		if len(cells) != 5 {
			t.Errorf("row %q has %d cells, not an operation and 4 columns", line, len(cells))
			continue
		}
		table[cells[0]] = cells[1:]
	}
	if len(table) != len(benchRows) {
		t.Errorf("the table has %d rows, want %d:\n%s", len(table), len(benchRows), out)
	}
	for _, row := range benchRows {
		cells, ok := table[row]
		if !ok {
			t.Errorf("no row %q:\n%s", row, out)
			continue
		}
		for i, c := range cells {
			if !benchCell.MatchString(c) {
				t.Errorf("row %q, column %d: %q is neither a figure nor —", row, i+1, c)
			}
			if (i == 0 || i == 2) && c == "—" {
				t.Errorf("row %q: corepkcs11's column %d has no figure", row, i+1)
			}
		}
	}

	var report struct {
		Command string
		Modules []struct{ Module string }
		Results []struct {
			Operation string
			Module    string
			OpsPerSec *float64 `json:"ops_per_sec"`
			Ratio     *float64
		}
	}
	if err := json.Unmarshal([]byte(run("--json")), &report); err != nil {
		t.Fatalf("bench --json: %v", err)
	}
	if len(report.Modules) != 4 || !strings.HasPrefix(report.Command, "corepkcs11 bench ") {
		t.Errorf("bench --json: modules %+v, command %q", report.Modules, report.Command)
	}
	// Every operation row (not the scaling and memory rows) for each of
	// the 4 columns.
	if want := 4 * (len(benchRows) - 4); len(report.Results) != want {
		t.Errorf("bench --json: %d results, want %d", len(report.Results), want)
	}
	for _, r := range report.Results {
		if r.Module == modulePath && (r.OpsPerSec == nil || r.Ratio == nil || *r.Ratio != 1) {
			t.Errorf("bench --json: the built module's %q has no figure or a ratio other than 1: %+v", r.Operation, r)
		}
	}
}
