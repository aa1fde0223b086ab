package run

import (
	"fmt"
	"strings"
)

// A FolderError is Run's refusal of a run folder: a folder that holds
// another run, or a resume that cannot continue. Its message says what is
// wrong and what to do instead, naming the TrainConfig fields that do it
// (Resume, Force, From, Epochs); Text names them otherwise, as a command
// line names its flags. A refusal changes no file.
type FolderError struct {
	// Dir is the run folder.
	Dir string
	// Err is the underlying error, if any (realnets.ErrCorruptCheckpoint
	// for a checkpoint that is not intact).
	Err error

	format string // with {Field} for the fields it names
	args   []any
}

// refuse returns a FolderError whose message is format (with {Resume},
// {Force}, {From} or {Epochs} for the fields it names) filled with args.
func refuse(dir string, err error, format string, args ...any) *FolderError {
	return &FolderError{Dir: dir, Err: err, format: format, args: args}
}

// Fields lists the TrainConfig fields a FolderError may name.
var Fields = []string{"Resume", "Force", "From", "Epochs"}

// Text returns the message with every field it names written as name
// returns it (for example "-force" for "Force").
func (e *FolderError) Text(name func(field string) string) string {
	f := e.format
	for _, k := range Fields {
		f = strings.ReplaceAll(f, "{"+k+"}", strings.ReplaceAll(name(k), "%", "%%"))
	}
	return fmt.Sprintf(f, e.args...)
}

// Error returns the message naming the fields as TrainConfig.Field.
func (e *FolderError) Error() string {
	return e.Text(func(f string) string { return "TrainConfig." + f })
}

func (e *FolderError) Unwrap() error { return e.Err }
