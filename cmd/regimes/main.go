package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/regimes/regimes/internal/cli"
	"github.com/regimes/regimes/plots"
)

// commands is the command table, in the order "regimes help" lists them.
var commands = []*Command{
	cmdDemo,
	cmdTheory,
	cmdSimulate,
	cmdConventional,
	cmdAnalyze,
	cmdCompare,
	cmdSweep,
	cmdPlot,
	cmdTrain,
	cmdReproduce,
	cmdFinetune,
	cmdGrid,
	cmdRealised,
	cmdStability,
	cmdThermo,
	cmdVersion,
}

// A Command is one subcommand of regimes, in the style of the go command.
type Command struct {
	// UsageLine is the one-line usage message; its first word is the name.
	UsageLine string
	// Short is the one-line description shown by "regimes help".
	Short string
	// Long is the full description shown by "regimes help <command>".
	Long string
	// Flags defines the command's flags on fs, bound to a configuration of
	// its own, and returns the function that runs the command once fs has
	// parsed the arguments; run gets the arguments left after the flags.
	// A command without flags leaves Flags nil and sets Run.
	Flags func(fs *flag.FlagSet) (run func(args []string) error)
	// Run runs a command that has no flags of its own.
	Run func(args []string) error
}

// Name returns the command's name: the first word of its usage line.
func (c *Command) Name() string {
	name, _, _ := strings.Cut(c.UsageLine, " ")
	return name
}

// flagSet returns a new flag set of c with its flags defined, and the
// function that runs c.
func (c *Command) flagSet() (*flag.FlagSet, func(args []string) error) {
	fs := flag.NewFlagSet(c.Name(), flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if c.Flags == nil {
		return fs, c.Run
	}
	return fs, c.Flags(fs)
}

// parseFlags parses the flags of a subcommand, or those after a command's
// first argument; a parse error is a usage error (cli.Explain).
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return usageError{cli.Explain(fs, err)}
	}
	return nil
}

// errUsage reports a usage error whose message has already been printed.
var errUsage = errors.New("usage")

var stdout io.Writer = os.Stdout
var stderr io.Writer = os.Stderr

func main() {
	os.Exit(run(os.Args[1:]))
}

// run executes the program with the given arguments and returns the exit code.
func run(args []string) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	name := args[0]
	if name == "help" || name == "-h" || name == "-help" || name == "--help" {
		return help(args[1:])
	}
	if name == "-version" || name == "--version" {
		name, args = "version", append([]string{"version"}, args[1:]...)
	}
	c := lookup(name)
	if c == nil {
		fmt.Fprintf(stderr, "regimes: unknown command %q\nRun 'regimes help' for usage.\n", name)
		return 2
	}
	commandLine = append([]string{"regimes"}, args...)
	plots.DefaultProvenance = provenance(false)
	fs, runCmd := c.flagSet()
	pos, err := cli.ParseAnywhere(fs, args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(stdout, c)
			return 0
		}
		fmt.Fprintf(stderr, "regimes %s: %v\nRun 'regimes help %s' for usage.\n", name, err, name)
		return 2
	}
	if err := runCmd(pos); err != nil {
		if errors.Is(err, errUsage) {
			return exitUsage
		}
		var ue usageError
		if errors.As(err, &ue) {
			fmt.Fprintf(stderr, "regimes %s: %v\n", name, oneLine(flagWording(err)))
			return exitUsage
		}
		fmt.Fprintf(stderr, "regimes %s: %v\n", name, oneLine(flagWording(err)))
		var d disagreement
		if errors.As(err, &d) {
			return exitDisagree
		}
		return exitError
	}
	return 0
}

// The exit codes, as "regimes help" lists them.
const (
	exitError    = 1 // an error: bad data, a failed run, a refused file
	exitUsage    = 2 // a usage error: unknown command or flag, bad arguments
	exitDisagree = 3 // compare: the run and the golden were compared and disagree
)

// usageError is an error in the shape of the command line (exit 2): a
// missing or extra argument, an unknown KIND or step, a missing required
// flag, a flag that does not parse.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// usagef returns a usageError with the formatted message.
func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// disagreement is the error of a comparison whose runs disagree (exit 3).
type disagreement struct{ msg string }

func (d disagreement) Error() string { return d.msg }

// lookup returns the command of that name, or nil.
func lookup(name string) *Command {
	for _, c := range commands {
		if c.Name() == name {
			return c
		}
	}
	return nil
}

// oneLine folds a message onto a single line.
func oneLine(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}

func help(args []string) int {
	if len(args) == 0 {
		printUsage(stdout)
		return 0
	}
	if c := lookup(args[0]); c != nil {
		printCommandHelp(stdout, c)
		return 0
	}
	fmt.Fprintf(stderr, "regimes help %s: unknown command\nRun 'regimes help' for usage.\n", args[0])
	return 2
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `Regimes studies how scale-invariant networks train on the sphere at a fixed
effective learning rate (ELR): convergence, chaotic equilibrium, divergence.

Usage:

	regimes <command> [arguments]

The commands are:

`)
	for _, c := range commands {
		fmt.Fprintf(w, "\t%-13s %s\n", c.Name(), c.Short)
	}
	fmt.Fprint(w, `
Use "regimes help <command>" for more information about a command.

To start: "regimes demo" runs the main job on built-in defaults, and
"regimes reproduce mnist -quick" a tiny version of the MNIST reproduction
of the three regimes (seconds; without -quick, the full one).

Exit status: 0 on success; 1 on an error (bad data, a flag value out of
range, a failed run, a refused file); 2 on a usage error (an unknown
command, flag, KIND or step, a flag value that does not parse, a missing
required flag or argument, an extra argument); 3 when "regimes compare"
compared the runs and they disagree.
`)
}

func printCommandHelp(w io.Writer, c *Command) {
	fmt.Fprintf(w, "usage: regimes %s\n\n%s\n", c.UsageLine, strings.TrimSpace(c.Long))
	fs, _ := c.flagSet()
	var any bool
	fs.VisitAll(func(*flag.Flag) { any = true })
	if any {
		fmt.Fprint(w, "\nFlags:\n")
		fs.SetOutput(w)
		fs.PrintDefaults()
	}
}
