// Command regimes is the command-line program of the regimes toolkit: exact
// theory and simulation of scale-invariant toy problems, trajectory analysis,
// sweeps, figures and a trainer for scale-invariant networks.
//
// Usage:
//
//	regimes <command> [arguments]
//
// Run "regimes help" for the list of commands and "regimes help <command>"
// for the documentation of one.
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

// A Command is one subcommand of regimes, in the style of the go command.
type Command struct {
	// Run runs the command with the arguments after the command name.
	Run func(cmd *Command, args []string) error
	// UsageLine is the one-line usage message; its first word is the name.
	UsageLine string
	// Short is the one-line description shown by "regimes help".
	Short string
	// Long is the full description shown by "regimes help <command>".
	Long string
	// Flag is the command's own flag set.
	Flag *flag.FlagSet
}

// Name returns the command's name: the first word of its usage line.
func (c *Command) Name() string {
	name, _, _ := strings.Cut(c.UsageLine, " ")
	return name
}

// commands lists the subcommands in the order "regimes help" shows them.
// Each command's file adds itself with register in an init function.
var commands []*Command

// commandOrder is the order of the commands in "regimes help"; commands not
// listed follow in the order they registered.
var commandOrder = []string{"demo", "theory", "simulate", "conventional", "analyze", "compare", "sweep", "plot", "train", "reproduce", "finetune", "realised"}

// register adds c to the command table at its place in commandOrder.
func register(c *Command) {
	if c.Flag == nil {
		c.Flag = flag.NewFlagSet(c.Name(), flag.ContinueOnError)
	}
	commands = append(commands, c)
	rank := func(c *Command) int {
		for i, n := range commandOrder {
			if n == c.Name() {
				return i
			}
		}
		return len(commandOrder)
	}
	sort.SliceStable(commands, func(i, j int) bool { return rank(commands[i]) < rank(commands[j]) })
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
	for _, c := range commands {
		if c.Name() != name {
			continue
		}
		c.Flag.SetOutput(io.Discard)
		c.Flag.Usage = func() {}
		// Start from the defaults, so that run can be called more than once
		// in one process (the tests do).
		c.Flag.VisitAll(func(f *flag.Flag) { f.Value.Set(f.DefValue) })
		if err := c.Flag.Parse(args[1:]); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printCommandHelp(stdout, c)
				return 0
			}
			fmt.Fprintf(stderr, "regimes %s: %v\nRun 'regimes help %s' for usage.\n", name, err, name)
			return 2
		}
		if err := c.Run(c, c.Flag.Args()); err != nil {
			if errors.Is(err, errUsage) {
				return 2
			}
			fmt.Fprintf(stderr, "regimes %s: %v\n", name, oneLine(err))
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "regimes: unknown command %q\nRun 'regimes help' for usage.\n", name)
	return 2
}

// oneLine folds an error message onto a single line.
func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func help(args []string) int {
	if len(args) == 0 {
		printUsage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.Name() == args[0] {
			printCommandHelp(stdout, c)
			return 0
		}
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
`)
}

func printCommandHelp(w io.Writer, c *Command) {
	fmt.Fprintf(w, "usage: regimes %s\n\n%s\n", c.UsageLine, strings.TrimSpace(c.Long))
	var any bool
	c.Flag.VisitAll(func(*flag.Flag) { any = true })
	if any {
		fmt.Fprint(w, "\nFlags:\n")
		c.Flag.SetOutput(w)
		c.Flag.PrintDefaults()
		c.Flag.SetOutput(io.Discard)
	}
}
