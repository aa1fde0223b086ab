package regime

import (
	"encoding/json"
	"fmt"
	"strings"
)

// A Regime is the label of a training regime. The zero value is
// Undetermined. A Regime marshals to and from its name (String), the
// string that JSON and CSV results hold.
type Regime int

// The regimes, in the order of increasing ELR; Undetermined is the zero
// value.
const (
	Undetermined Regime = iota
	Convergence         // regime 1
	Chaotic             // regime 2, the chaotic equilibrium
	Divergence          // regime 3
)

// All lists the regimes in the order legends show them.
var All = []Regime{Convergence, Chaotic, Divergence, Undetermined}

var names = [...]string{"undetermined", "convergence", "chaotic equilibrium", "divergence"}

// String returns the regime's name: "convergence", "chaotic equilibrium",
// "divergence" or "undetermined", the strings results are written with.
func (r Regime) String() string {
	if r.Valid() {
		return names[r]
	}
	return fmt.Sprintf("Regime(%d)", int(r))
}

// Valid reports whether r is one of the four regimes.
func (r Regime) Valid() bool { return r >= Undetermined && r <= Divergence }

// Parse reads a regime label. Case, surrounding space and the separators
// "_" and "-" (read as spaces) are ignored. It accepts the names that String
// returns, their numbers 1, 2, 3 (0 for undetermined) and the short forms
// conv, chaos, chaotic, equilibrium and div; the empty string and "unknown"
// mean Undetermined (an empty CSV cell).
func Parse(s string) (Regime, error) {
	k := strings.NewReplacer("_", " ", "-", " ").Replace(strings.ToLower(s))
	switch strings.Join(strings.Fields(k), " ") {
	case "1", "conv", "convergence":
		return Convergence, nil
	case "2", "chaos", "chaotic", "equilibrium", "chaotic equilibrium":
		return Chaotic, nil
	case "3", "div", "divergence":
		return Divergence, nil
	case "0", "", "unknown", "undetermined":
		return Undetermined, nil
	}
	return Undetermined, fmt.Errorf("unknown regime %q (want 1|conv|convergence, 2|chaos|chaotic equilibrium, 3|div|divergence or 0|undetermined)", s)
}

// MarshalText returns the regime's name. It fails for an invalid Regime,
// so that a corrupt label is never written.
func (r Regime) MarshalText() ([]byte, error) {
	if !r.Valid() {
		return nil, fmt.Errorf("regime: cannot marshal invalid %v", r)
	}
	return []byte(names[r]), nil
}

// UnmarshalText parses text with Parse.
func (r *Regime) UnmarshalText(text []byte) error {
	v, err := Parse(string(text))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// MarshalJSON returns the regime's name as a JSON string.
func (r Regime) MarshalJSON() ([]byte, error) {
	b, err := r.MarshalText()
	if err != nil {
		return nil, err
	}
	return json.Marshal(string(b))
}

// UnmarshalJSON reads a JSON string with Parse. JSON null leaves r
// unchanged, as for the standard types.
func (r *Regime) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("regime: %s is not a regime name", data)
	}
	return r.UnmarshalText([]byte(s))
}
