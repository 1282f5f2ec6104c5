package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/corepkcs11/corepkcs11/ck"
	"github.com/corepkcs11/corepkcs11/token"
)

var benchCommand = command{
	name:    "bench",
	summary: "measure PKCS#11 modules, the engine and Go's crypto, side by side",
	about: "Measures, one after the other in one run, each --module through its C ABI, corepkcs11's engine in\n" +
		"this program, and as ceilings Go's crypto called directly and `openssl speed` (when openssl is\n" +
		"installed; not with --quick): C_Initialize + C_Login with 0 and with --objects objects, EC P-256 key\n" +
		"generation, sign (CKM_ECDSA) and verify, RSA-2048 sign (CKM_SHA256_RSA_PKCS) and verify, AES-GCM,\n" +
		"HMAC-SHA256, SHA-256, C_GenerateRandom, durable object create, find by label and destroy, and\n" +
		"signing at each --threads count, each thread in a session of its own. Each module runs in a process\n" +
		"of its own on a fresh token in a temporary directory ($COREPKCS11_STORE, $SOFTHSM2_CONF;\n" +
		"corepkcs11's with COREPKCS11_KDF=fast), which also gives the resident memory of a host that loads\n" +
		"it. Prints operations per second and each figure's ratio to the first column; — where a module lacks\n" +
		"the mechanism. Figures are of this machine and this run.",
	example: "corepkcs11 bench --module build/libcorepkcs11.so --module /usr/lib/softhsm/libsofthsm2.so --secs 2",
	common:  withJSON,
	setup: func(fs *flag.FlagSet) func(*options, []string) error {
		var modules benchModules
		fs.Var(&modules, "module", "`PATH` of a PKCS#11 module to measure; repeat it for several (the engine and Go's crypto are always measured)")
		threads := fs.String("threads", "1,2", "`LIST` of thread counts to sign with, comma-separated")
		objects := fs.Int("objects", 10000, "`N` objects in the token for the login and find figures")
		secs := fs.Float64("secs", 1, "`SECONDS` each operation runs")
		quick := fs.Bool("quick", false, "run each operation a few times only, with 50 objects unless --objects is given: proves it works, measures nothing")
		return func(o *options, args []string) error {
			if spec := os.Getenv(benchChildVar); spec != "" {
				return benchChild(spec)
			}
			if len(args) > 0 {
				return usagef("bench takes no arguments")
			}
			cfg := benchConfig{modules: modules, objects: *objects, secs: *secs, quick: *quick, json: o.json}
			objectsSet := false
			fs.Visit(func(f *flag.Flag) { objectsSet = objectsSet || f.Name == "objects" })
			if cfg.quick && !objectsSet {
				cfg.objects = 50
			}
			if cfg.objects < 1 {
				return usagef("--objects %d: at least 1", cfg.objects)
			}
			if !(cfg.secs > 0) || cfg.secs > 3600 {
				return usagef("--secs %v: more than 0, at most 3600", *secs)
			}
			for _, t := range strings.Split(*threads, ",") {
				n, err := strconv.Atoi(strings.TrimSpace(t))
				if err != nil || n < 1 || n > 256 {
					return usagef("--threads %q: thread counts from 1 to 256, comma-separated", *threads)
				}
				cfg.threads = append(cfg.threads, n)
			}
			return runBench(cfg, os.Stdout)
		}
	},
}

// benchModules is --module, which may be repeated.
type benchModules []string

func (m *benchModules) String() string { return strings.Join(*m, ",") }
func (m *benchModules) Set(v string) error {
	*m = append(*m, v)
	return nil
}

type benchConfig struct {
	modules []string
	threads []int
	objects int
	secs    float64
	quick   bool
	json    bool
}

// benchChildVar, in a bench process's environment, makes it a child
// that measures one column (or probes the memory of one module) and
// writes what it found to a file: the spec, in JSON.
const benchChildVar = "COREPKCS11_BENCH_CHILD"

// benchSpec is what a child process measures.
type benchSpec struct {
	Role     string // "measure", or "probe" (the resident memory of a host)
	Kind     string // "module", "engine", "go" or "openssl"
	Path     string // the module's
	Dir      string // the child's scratch directory: stores, SoftHSMv2's configuration
	Out      string // the file the child writes its result to
	Objects  int
	Threads  []int
	Secs     float64
	Quick    bool
	Progress bool // say on stderr what is being measured
}

func (sp benchSpec) clock() benchClock {
	return benchClock{d: time.Duration(sp.Secs * float64(time.Second)), quick: sp.Quick}
}

// benchColumn is a child's measurements of one module.
type benchColumn struct {
	Library, Backend, Token string
	RSSBase, RSS0, RSSN     int64 // resident memory of a host process: before loading, with 0 and with N objects
	Results                 map[string]benchResult
	Notes                   []string
	Err                     string // what stopped the measurements
}

// benchResult is one operation's figure: its rate, or why there is none.
type benchResult struct {
	Ops   float64 `json:",omitempty"`
	Lacks bool    `json:",omitempty"` // the module lacks the mechanism or function
	Err   string  `json:",omitempty"`
}

// recorder runs one measurement and keeps its result.
func (col *benchColumn) recorder(sp benchSpec) func(id string, measure func() (float64, error)) {
	if col.Results == nil {
		col.Results = map[string]benchResult{}
	}
	return func(id string, measure func() (float64, error)) {
		if sp.Progress {
			fmt.Fprintf(os.Stderr, "  %s\n", id)
		}
		ops, err := measure()
		switch rv := ck.ToRV(err); {
		case err == nil:
			col.Results[id] = benchResult{Ops: ops}
		case rv == ck.CKR_MECHANISM_INVALID || rv == ck.CKR_FUNCTION_NOT_SUPPORTED:
			col.Results[id] = benchResult{Lacks: true, Err: rv.String()}
		default:
			col.Results[id] = benchResult{Err: oneLine(err)}
		}
	}
}

// benchChild is a child process's work: measure, then write the result.
func benchChild(spec string) error {
	var sp benchSpec
	if err := json.Unmarshal([]byte(spec), &sp); err != nil {
		return fmt.Errorf("$%s: %w", benchChildVar, err)
	}
	var result any
	switch {
	case sp.Role == "probe":
		result = benchProbe(sp)
	case sp.Kind == "go":
		col := &benchColumn{}
		benchGo(sp, col)
		result = col
	case sp.Kind == "openssl":
		col := &benchColumn{}
		benchOpenSSL(sp, col)
		result = col
	default:
		col := &benchColumn{}
		benchToken(sp, col)
		result = col
	}
	b, err := json.Marshal(result)
	if err != nil {
		return err
	}
	return os.WriteFile(sp.Out, b, 0o600)
}

// runBenchChild runs this program as a child with sp and reads its result.
func runBenchChild(sp benchSpec, result any) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	spec, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	os.Remove(sp.Out)
	cmd := exec.Command(exe, "bench")
	cmd.Env = benchEnviron(sp.Dir, string(spec))
	// The child's output, and that of the module it loads, never mixes
	// with the table.
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the bench process failed: %w", err)
	}
	b, err := os.ReadFile(sp.Out)
	if err != nil {
		return fmt.Errorf("the bench process left no result: %w", err)
	}
	return json.Unmarshal(b, result)
}

// benchEnviron is the environment of a child: this one's, without what
// chooses corepkcs11's store and PIN cost and SoftHSMv2's configuration,
// which it sets to the child's directory. corepkcs11's log settings stay.
func benchEnviron(dir, spec string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "COREPKCS11_") && name != "COREPKCS11_LOG" && name != "COREPKCS11_LOG_FILE" || name == "SOFTHSM2_CONF" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "COREPKCS11_STORE="+filepath.Join(dir, "store"), "COREPKCS11_KDF=fast",
		"SOFTHSM2_CONF="+filepath.Join(dir, "softhsm2.conf"), benchChildVar+"="+spec)
}

// benchOp is one row of the table.
type benchOp struct {
	id, label string
	threads   int    // for a row of signing at several threads
	base      string // the row a threads row's scaling is to
}

func threadsID(id string, n int) string { return fmt.Sprintf("%s/%d", id, n) }

// benchOps are the table's rows, in order.
func benchOps(objects int, threads []int) []benchOp {
	ops := []benchOp{
		{id: "login0", label: "C_Initialize + C_Login, 0 objects"},
		{id: "loginN", label: fmt.Sprintf("C_Initialize + C_Login, %d objects", objects)},
		{id: "loginFindN", label: fmt.Sprintf("C_Initialize + C_Login + a search, %d objects", objects)},
		{id: "loginStrong", label: "C_Initialize + C_Login, strong PIN KDF"},
		{id: "ecGen", label: "EC P-256 key generation"},
		{id: "ecSign", label: "EC P-256 sign (CKM_ECDSA, 32 B digest)"},
		{id: "ecVerify", label: "EC P-256 verify"},
		{id: "rsaSign", label: "RSA-2048 sign (CKM_SHA256_RSA_PKCS)"},
		{id: "rsaVerify", label: "RSA-2048 verify"},
		{id: "gcm1K", label: "AES-256-GCM encrypt 1 KiB"},
		{id: "gcm1M", label: "AES-256-GCM encrypt 1 MiB"},
		{id: "hmac1K", label: "HMAC-SHA256 sign 1 KiB"},
		{id: "sha64", label: "SHA-256 of 64 B"},
		{id: "sha1M", label: "SHA-256 of 1 MiB"},
		{id: "rand32", label: "C_GenerateRandom 32 B"},
		{id: "create", label: "durable token object create"},
		{id: "find", label: fmt.Sprintf("find by label among %d objects", objects)},
		{id: "destroy", label: "durable token object destroy"},
	}
	for _, k := range []struct{ id, label string }{{"ecSign", "EC P-256 sign"}, {"rsaSign", "RSA-2048 sign"}} {
		for _, n := range threads {
			ops = append(ops, benchOp{id: threadsID(k.id, n), label: fmt.Sprintf("%s, %s", k.label, plural(n, "thread")),
				threads: n, base: threadsID(k.id, threads[0])})
		}
	}
	return ops
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// benchRun is a column with its name.
type benchRun struct {
	name string
	spec benchSpec
	col  benchColumn
}

func runBench(cfg benchConfig, w io.Writer) error {
	for _, m := range cfg.modules {
		if _, err := os.Stat(m); err != nil {
			return fmt.Errorf("--module %s: %w", m, err)
		}
	}
	tmp, err := os.MkdirTemp("", "corepkcs11-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// Interrupted, the children stop with this process (the terminal
	// signals them all); their stores go too.
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(interrupt)
	go func() {
		if _, ok := <-interrupt; ok {
			os.RemoveAll(tmp)
			os.Exit(130)
		}
	}()
	progress := term.IsTerminal(int(os.Stderr.Fd()))

	var runs []*benchRun
	for _, m := range cfg.modules {
		runs = append(runs, &benchRun{name: m, spec: benchSpec{Kind: "module", Path: m}})
	}
	runs = append(runs, &benchRun{name: "corepkcs11 (in-process)", spec: benchSpec{Kind: "engine"}},
		&benchRun{name: "Go crypto", spec: benchSpec{Kind: "go"}})
	// What OpenSSL reaches by itself is the limit of the rows libcrypto
	// computes; --quick proves the command works and leaves it out.
	if _, err := exec.LookPath("openssl"); err == nil && !cfg.quick {
		runs = append(runs, &benchRun{name: "openssl speed", spec: benchSpec{Kind: "openssl"}})
	}
	for i, r := range runs {
		dir := filepath.Join(tmp, strconv.Itoa(i+1))
		if err := benchDir(dir); err != nil {
			return err
		}
		sp := r.spec
		sp.Role, sp.Dir, sp.Out = "measure", dir, filepath.Join(dir, "result.json")
		sp.Objects, sp.Threads, sp.Secs, sp.Quick, sp.Progress = cfg.objects, cfg.threads, cfg.secs, cfg.quick, progress
		if progress {
			fmt.Fprintf(os.Stderr, "[%d] %s\n", i+1, r.name)
		}
		if err := runBenchChild(sp, &r.col); err != nil {
			r.col = benchColumn{Err: oneLine(err)}
		}
	}
	rep := benchReport{cfg: cfg, runs: runs, ops: benchOps(cfg.objects, cfg.threads)}
	if cfg.json {
		if err := writeJSON(w, rep.json()); err != nil {
			return err
		}
	} else {
		rep.text(w)
	}
	// The figures are out; a module that could not be measured at all
	// still fails the command.
	var stopped []string
	for i, run := range runs {
		if run.col.Err != "" {
			stopped = append(stopped, fmt.Sprintf("[%d] %s: %s", i+1, run.name, run.col.Err))
		}
	}
	if len(stopped) > 0 {
		return fmt.Errorf("not every module could be measured: %s", strings.Join(stopped, "; "))
	}
	return nil
}

// benchDir makes a child's directory, with a SoftHSMv2 configuration
// whose tokens live there.
func benchDir(dir string) error {
	tokens := filepath.Join(dir, "softhsm-tokens")
	if err := os.MkdirAll(tokens, 0o700); err != nil {
		return err
	}
	conf := "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n"
	return os.WriteFile(filepath.Join(dir, "softhsm2.conf"), []byte(conf), 0o600)
}

// benchReport prints the runs' figures.
type benchReport struct {
	cfg  benchConfig
	runs []*benchRun
	ops  []benchOp
}

// figure is a column's rate for a row, or false.
func (r *benchReport) figure(run *benchRun, id string) (float64, bool) {
	res, ok := run.col.Results[id]
	return res.Ops, ok && res.Ops > 0
}

// ratio is a column's rate for a row over the first column's.
func (r *benchReport) ratio(run *benchRun, id string) (float64, bool) {
	v, ok := r.figure(run, id)
	first, ok1 := r.figure(r.runs[0], id)
	return v / first, ok && ok1
}

func (r *benchReport) text(w io.Writer) {
	fmt.Fprintln(w, commandLine())
	fmt.Fprintf(w, "%s; %s\n\n", time.Now().Format("2006-01-02"), machine())
	for i, run := range r.runs {
		fmt.Fprintf(w, "[%d] %s\n", i+1, run.name)
		for _, kv := range [][2]string{{"library", run.col.Library}, {"crypto", run.col.Backend}, {"token", run.col.Token}} {
			if kv[1] != "" {
				fmt.Fprintf(w, "    %s: %s\n", kv[0], kv[1])
			}
		}
	}
	fmt.Fprintln(w)

	header := []string{"operation (per second; × the first column)"}
	for i, run := range r.runs {
		header = append(header, fmt.Sprintf("[%d] %s", i+1, shortName(run.name)))
	}
	table := [][]string{header}
	for _, op := range r.ops {
		row := []string{op.label}
		for i, run := range r.runs {
			row = append(row, r.cell(run, op.id, i == 0, formatRate))
		}
		table = append(table, row)
		if op.threads != 0 && op.id != op.base {
			scaling := []string{fmt.Sprintf("%s ÷ %s", op.label, plural(r.cfg.threads[0], "thread"))}
			for _, run := range r.runs {
				v, ok := r.figure(run, op.id)
				b, okb := r.figure(run, op.base)
				if ok && okb {
					scaling = append(scaling, formatRatio(v/b))
				} else {
					scaling = append(scaling, "—")
				}
			}
			table = append(table, scaling)
		}
	}
	for _, m := range []struct {
		label string
		rss   func(c benchColumn) int64
	}{
		{"resident memory, logged in, searched, 0 objects", func(c benchColumn) int64 { return c.RSS0 }},
		{fmt.Sprintf("resident memory, logged in, searched, %d objects", r.cfg.objects), func(c benchColumn) int64 { return c.RSSN }},
	} {
		row := []string{m.label}
		first := m.rss(r.runs[0].col)
		for i, run := range r.runs {
			v := m.rss(run.col)
			switch {
			case v == 0:
				row = append(row, "—")
			case i == 0 || first == 0:
				row = append(row, formatMB(v))
			default:
				row = append(row, formatMB(v)+" "+formatRatio(float64(v)/float64(first)))
			}
		}
		table = append(table, row)
	}
	writeTable(w, table)

	fmt.Fprintln(w)
	fmt.Fprintln(w, "— the module lacks the mechanism or function, or the row does not apply to it; notes below say which failed.")
	fmt.Fprintf(w, "Each figure: %s; 1 MiB rows are MiB/s. Keys are token objects (EC, RSA) or session\n", benchTiming(r.duration(), r.cfg.quick))
	fmt.Fprintln(w, "objects (AES, HMAC); the objects are public 32-byte data objects; the threads rows sign in one session per thread.")
	fmt.Fprintln(w, "An operation's threads rows take their slices in turn, so that their ratio compares the same moments.")
	fmt.Fprintln(w, "A module's sign, verify, AES-GCM, HMAC, SHA-256, C_GenerateRandom, find and threads rows are timed in loops written in C,")
	fmt.Fprintln(w, "in threads of their own, as a C host calls a module; the other rows go through Go (miekg/pkcs11), the engine's are Go calls.")
	fmt.Fprintln(w, "C_Initialize + C_Login is C_Initialize, C_OpenSession, C_Login (user) and C_Finalize.")
	fmt.Fprintf(w, "PIN: corepkcs11's bench tokens derive keys from PINs at the fast cost (COREPKCS11_KDF=fast: %s), as CI and\n", kdfText(token.FastKDF))
	fmt.Fprintf(w, "test tokens may; the strong-KDF row is a token with the default cost (strong: %s)", kdfText(token.DefaultKDF))
	var costs []string
	for i, run := range r.runs {
		strong, ok := r.figure(run, "loginStrong")
		fast, okf := r.figure(run, "login0")
		if ok && okf {
			costs = append(costs, fmt.Sprintf("[%d] %.0f ms", i+1, 1000/strong-1000/fast))
		}
	}
	if len(costs) > 0 {
		fmt.Fprintf(w, ", which adds to each login: %s", strings.Join(costs, ", "))
	}
	fmt.Fprintln(w, ".")
	fmt.Fprintln(w, "Resident memory (VmRSS) is that of a new process that loaded the module, logged in and listed the data objects; before loading:")
	var base []string
	for i, run := range r.runs {
		if run.col.RSSBase > 0 {
			base = append(base, fmt.Sprintf("[%d] %s", i+1, formatMB(run.col.RSSBase)))
		}
	}
	fmt.Fprintf(w, "%s (the corepkcs11 command itself).\n", strings.Join(base, ", "))
	for i, run := range r.runs {
		var notes []string
		if run.col.Err != "" {
			notes = append(notes, "stopped: "+run.col.Err)
		}
		for _, op := range r.ops {
			if res, ok := run.col.Results[op.id]; ok && res.Err != "" && !res.Lacks {
				notes = append(notes, op.label+": "+res.Err)
			}
		}
		notes = append(notes, run.col.Notes...)
		for _, n := range notes {
			fmt.Fprintf(w, "note [%d]: %s\n", i+1, n)
		}
	}
}

func (r *benchReport) duration() string {
	if r.cfg.quick {
		return fmt.Sprintf("%d runs (--quick: not a measurement)", benchQuickCount)
	}
	return strconv.FormatFloat(r.cfg.secs, 'f', -1, 64) + " s"
}

// cell is a rate with its ratio to the first column, or —.
func (r *benchReport) cell(run *benchRun, id string, first bool, format func(float64) string) string {
	v, ok := r.figure(run, id)
	if !ok {
		return "—"
	}
	s := format(v)
	if ratio, ok := r.ratio(run, id); ok && !first {
		s += " " + formatRatio(ratio)
	}
	return s
}

// writeTable prints rows in columns two spaces apart.
func writeTable(w io.Writer, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, c := range row {
			if i >= len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range rows {
		var b strings.Builder
		for i, c := range row {
			b.WriteString(c)
			if i < len(row)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2))
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

// shortName is a column's name for the table's header.
func shortName(name string) string {
	if strings.Contains(name, "/") {
		return filepath.Base(name)
	}
	return name
}

// formatRate gives three significant digits, with k and M.
func formatRate(v float64) string {
	switch {
	case v >= 1e6:
		return sig3(v/1e6) + "M"
	case v >= 1e3:
		return sig3(v/1e3) + "k"
	}
	return sig3(v)
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'g', 3, 64)
}

func formatRatio(r float64) string {
	switch {
	case r >= 100:
		return strconv.FormatFloat(r, 'f', 0, 64) + "×"
	case r >= 0.01:
		return strconv.FormatFloat(r, 'f', 2, 64) + "×"
	}
	if r <= 0 {
		return "0×"
	}
	// Two significant digits, without an exponent.
	digits := 1 - int(math.Floor(math.Log10(r)))
	return strconv.FormatFloat(r, 'f', digits, 64) + "×"
}

// kdfText describes a PIN derivation cost.
func kdfText(k token.KDF) string {
	passes := fmt.Sprintf("%d passes", k.Time)
	if k.Time == 1 {
		passes = "1 pass"
	}
	mem := fmt.Sprintf("%d KiB", k.MemoryKiB)
	if k.MemoryKiB%1024 == 0 {
		mem = fmt.Sprintf("%d MiB", k.MemoryKiB/1024)
	}
	return "argon2id, " + passes + ", " + mem
}

func formatMB(b int64) string {
	return strconv.FormatFloat(float64(b)/(1<<20), 'f', 1, 64) + " MiB"
}

// commandLine is how this bench was run, for copying.
func commandLine() string {
	parts := []string{"corepkcs11"}
	for _, a := range os.Args[1:] {
		if a == "" || strings.ContainsAny(a, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// machine says where the bench ran.
func machine() string {
	s := plural(runtime.NumCPU(), "CPU")
	if cpu := cpuModel(); cpu != "" {
		s += " (" + cpu + ")"
	}
	return fmt.Sprintf("%s, %s/%s, %s", s, runtime.GOOS, runtime.GOARCH, runtime.Version())
}

func goVersion() string { return runtime.Version() }

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.Join(strings.Fields(v), " ")
		}
	}
	return ""
}

// benchJSON is --json's output.
type benchJSON struct {
	Command string            `json:"command"`
	Date    string            `json:"date"`
	Machine benchMachine      `json:"machine"`
	Secs    float64           `json:"secs"`
	Quick   bool              `json:"quick,omitempty"`
	Objects int               `json:"objects"`
	Modules []benchJSONModule `json:"modules"`
	Results []benchJSONRow    `json:"results"`
}

type benchMachine struct {
	CPUs int    `json:"cpus"`
	CPU  string `json:"cpu,omitempty"`
	OS   string `json:"goos"`
	Arch string `json:"goarch"`
	Go   string `json:"go"`
}

type benchJSONModule struct {
	Module  string   `json:"module"`
	Library string   `json:"library,omitempty"`
	Backend string   `json:"crypto,omitempty"`
	Token   string   `json:"token,omitempty"`
	RSSBase int64    `json:"rss_before_loading_bytes,omitempty"`
	RSS0    int64    `json:"rss_0_objects_bytes,omitempty"`
	RSSN    int64    `json:"rss_n_objects_bytes,omitempty"`
	Error   string   `json:"error,omitempty"`
	Notes   []string `json:"notes,omitempty"`
}

// benchJSONRow is one figure: ops_per_sec and ratio (to the first
// module's figure) are null where the table shows —.
type benchJSONRow struct {
	Operation string   `json:"operation"`
	Module    string   `json:"module"`
	OpsPerSec *float64 `json:"ops_per_sec"`
	Ratio     *float64 `json:"ratio"`
	Threads   int      `json:"threads,omitempty"`
	Scaling   *float64 `json:"scaling,omitempty"` // to the same module at the first --threads count
	Lacks     bool     `json:"lacks,omitempty"`
	Error     string   `json:"error,omitempty"`
}

func (r *benchReport) json() benchJSON {
	out := benchJSON{Command: commandLine(), Date: time.Now().Format("2006-01-02"), Secs: r.cfg.secs, Quick: r.cfg.quick, Objects: r.cfg.objects,
		Machine: benchMachine{CPUs: runtime.NumCPU(), CPU: cpuModel(), OS: runtime.GOOS, Arch: runtime.GOARCH, Go: runtime.Version()},
		Modules: []benchJSONModule{}, Results: []benchJSONRow{}}
	num := func(v float64, ok bool) *float64 {
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil
		}
		return &v
	}
	for _, run := range r.runs {
		m := benchJSONModule{Module: run.name, Library: run.col.Library, Backend: run.col.Backend, Token: run.col.Token,
			RSSBase: run.col.RSSBase, RSS0: run.col.RSS0, RSSN: run.col.RSSN, Error: run.col.Err, Notes: run.col.Notes}
		out.Modules = append(out.Modules, m)
	}
	for _, op := range r.ops {
		for _, run := range r.runs {
			row := benchJSONRow{Operation: op.label, Module: run.name, OpsPerSec: num(r.figure(run, op.id)), Ratio: num(r.ratio(run, op.id)),
				Threads: op.threads}
			if op.threads != 0 {
				v, ok := r.figure(run, op.id)
				b, okb := r.figure(run, op.base)
				row.Scaling = num(v/b, ok && okb)
			}
			res := run.col.Results[op.id]
			row.Lacks, row.Error = res.Lacks, res.Err
			out.Results = append(out.Results, row)
		}
	}
	return out
}
