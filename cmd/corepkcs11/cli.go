package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// command is one corepkcs11 command. Its help (--help) is made from these
// fields and its flags, and the README's CLI reference is that help.
type command struct {
	name    string // "list", or "pin change" for a command with a sub-command
	args    string // the positional arguments, for the usage line
	summary string // one line, for the command list
	about   string // what it does, in a few sentences
	example string
	common  commonFlags
	// setup defines the command's own flags on fs and returns what runs
	// it with the parsed options and positional arguments.
	setup func(fs *flag.FlagSet) func(o *options, args []string) error
}

// usageError is a command line the command cannot run: exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// errHelp is --help: the help went to stdout, exit status 0.
var errHelp = errors.New("help shown")

// runCommand parses args for c and runs it.
func runCommand(c *command, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o := defineCommon(fs, c.common)
	run := c.setup(fs)
	// Flags may come after positional arguments (export LABEL --out F),
	// as users write them: parsing resumes after each positional one.
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				writeHelp(stdout, c, fs)
				return errHelp
			}
			return usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			positional = append(positional, args[1:]...)
			break
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
	return run(o, positional)
}

// writeHelp prints a command's help: usage, what it does, an example and
// its flags in name order.
func writeHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	line := "corepkcs11 " + c.name
	if c.args != "" {
		line += " " + c.args
	}
	fmt.Fprintf(w, "usage: %s [flags]\n\n%s\n\nexample:\n  %s\n\nflags:\n", line, c.about, c.example)
	var names []string
	fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
	sort.Strings(names)
	for _, n := range names {
		f := fs.Lookup(n)
		arg, usage := flag.UnquoteUsage(f)
		head := "  --" + n
		if arg != "" {
			head += " " + arg
		}
		fmt.Fprintf(w, "%s\n      %s\n", head, usage)
	}
}

// writeCommandList prints every command with its summary.
func writeCommandList(w io.Writer) {
	fmt.Fprintln(w, "usage: corepkcs11 <command> [flags]; corepkcs11 <command> --help for one command")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-14s %s\n", c.name, c.summary)
	}
}

// lookupCommand finds the command args start with, and the arguments
// after its name.
func lookupCommand(args []string) (*command, []string) {
	for i := range commands {
		c := &commands[i]
		words := strings.Fields(c.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == c.name {
			return c, args[len(words):]
		}
	}
	return nil, nil
}

// exitCode runs the command line and says how the process ends: 0 done,
// 1 failed, 2 usage. Failures are one line on stderr.
func exitCode(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		writeCommandList(stderr)
		return 2
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		writeCommandList(stdout)
		return 0
	}
	c, rest := lookupCommand(args)
	if c == nil {
		fmt.Fprintf(stderr, "corepkcs11: unknown command %q; corepkcs11 --help lists them\n", strings.Join(args, " "))
		return 2
	}
	err := runCommand(c, rest, stdout)
	var ue usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "corepkcs11 %s: %s; corepkcs11 %s --help shows how\n", c.name, ue.msg, c.name)
		return 2
	}
	fmt.Fprintf(stderr, "corepkcs11 %s: %s\n", c.name, oneLine(err))
	return 1
}

// oneLine keeps an error message on one line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func main() {
	os.Exit(exitCode(os.Args[1:], os.Stdout, os.Stderr))
}
