package cli

import (
	"flag"
	"fmt"
	"sort"
	"strings"
)

// ParseAnywhere parses a command's flags wherever they stand among its
// arguments, so that "regimes analyze FILE -loss x" works like
// "regimes analyze -loss x FILE", and returns the positional arguments in
// order. "--" ends the flags. A flag set that defines no flags (a command
// whose subcommands parse their own) gets its arguments back as they are.
// A parse error is explained as Explain does.
func ParseAnywhere(fs *flag.FlagSet, args []string) ([]string, error) {
	defined := false
	fs.VisitAll(func(*flag.Flag) { defined = true })
	if !defined {
		return args, nil
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, Explain(fs, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			// flag.Parse stops after "--" and keeps what follows.
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// Explain adds a suggestion to the error of an unknown flag: the flag of
// fs closest in spelling ("did you mean -loss?"). Other errors are
// returned as they are.
func Explain(fs *flag.FlagSet, err error) error {
	const prefix = "flag provided but not defined: -"
	msg := err.Error()
	if !strings.HasPrefix(msg, prefix) {
		return err
	}
	name := strings.TrimLeft(strings.TrimPrefix(msg, prefix), "-")
	if s := Suggest(fs, name); s != "" {
		return fmt.Errorf("%w; did you mean -%s?", err, s)
	}
	return err
}

// Suggest returns the flag of fs nearest to name by edit distance (case
// folded), if it is within a third of the name's length (at least 1),
// else "".
func Suggest(fs *flag.FlagSet, name string) string {
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	fs.VisitAll(func(f *flag.Flag) {
		cs = append(cs, cand{f.Name, editDistance(strings.ToLower(name), strings.ToLower(f.Name))})
	})
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].d < cs[j].d })
	if len(cs) == 0 || cs[0].d > max(1, len(name)/3) {
		return ""
	}
	return cs[0].name
}

// editDistance is the Levenshtein distance of a and b, with a swap of two
// adjacent letters counting as one edit (optimal string alignment).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// HasBool reports whether args hold the boolean flag -name set to true
// (-name, --name, -name=true), for a command that picks its flag set by
// one flag before parsing.
func HasBool(args []string, name string) bool {
	for _, a := range args {
		if !strings.HasPrefix(a, "-") {
			continue
		}
		a = strings.TrimLeft(a, "-")
		if a == name || a == name+"=true" {
			return true
		}
	}
	return false
}
