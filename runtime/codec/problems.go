package codec

import (
	"errors"
	"strconv"
	"strings"
)

// Error is a decoding or validation problem, with the JSON path to the value
// at fault ("days", "stops[2].name"; "" for the root).
type Error struct {
	Path string
	Msg  string
}

func (e *Error) Error() string {
	if e.Path == "" {
		return e.Msg
	}
	return e.Path + ": " + e.Msg
}

// Duplicate reports a key that appears twice in one JSON object. JSON
// leaves their meaning open (encoding/json keeps the last, after checking
// both); generated decoders refuse them, as encoding/json/v2 does, so a
// request means one thing to every reader.
func Duplicate(name string) error {
	return &Error{Path: name, Msg: "duplicate key"}
}

// KeyError reports a map key that is not an integer of the key type; what
// says what was expected ("an integer").
func KeyError(name string, err error, what string) error {
	if errors.Is(err, strconv.ErrRange) {
		return &Error{Path: name, Msg: "key is out of range"}
	}
	return &Error{Path: name, Msg: "key is not " + what}
}

// AtField returns err with name prepended to its path. Errors that are not
// an *Error are wrapped into one. A nil err stays nil.
func AtField(err error, name string) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(*joined); ok {
		return j.each(func(e error) error { return AtField(e, name) })
	}
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Path: name, Msg: err.Error()}
	}
	p := name
	if e.Path != "" {
		if e.Path[0] == '[' {
			p += e.Path
		} else {
			p += "." + e.Path
		}
	}
	return &Error{Path: p, Msg: e.Msg}
}

// AtIndex returns err with the array index i prepended to its path.
func AtIndex(err error, i int) error {
	if err == nil {
		return nil
	}
	if j, ok := err.(*joined); ok {
		return j.each(func(e error) error { return AtIndex(e, i) })
	}
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Path: "[" + strconv.Itoa(i) + "]", Msg: err.Error()}
	}
	p := "[" + strconv.Itoa(i) + "]"
	if e.Path != "" {
		if e.Path[0] == '[' {
			p += e.Path
		} else {
			p += "." + e.Path
		}
	}
	return &Error{Path: p, Msg: e.Msg}
}

// Join returns the path of field within path.
func Join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// Index returns the path of element i within path.
func Index(path string, i int) string {
	return path + "[" + strconv.Itoa(i) + "]"
}

// Errors accumulates validation problems so that one call reports all of
// them. The zero value is ready for use.
type Errors struct {
	list []error
}

// Add records a problem at path.
func (e *Errors) Add(path, msg string) {
	e.list = append(e.list, &Error{Path: path, Msg: msg})
}

// Addf records a formatted problem at path.
func (e *Errors) Addf(path, format string, args ...any) {
	e.Add(path, sprintf(format, args...))
}

// Len returns the number of problems recorded.
func (e *Errors) Len() int { return len(e.list) }

// Err returns nil when no problem was recorded, and otherwise an error
// whose text is the problems joined with "; " in the order added. It
// unwraps to the individual *Error values.
func (e *Errors) Err() error {
	switch len(e.list) {
	case 0:
		return nil
	case 1:
		return e.list[0]
	}
	return &joined{errs: e.list}
}

type joined struct{ errs []error }

func (j *joined) Error() string {
	var b strings.Builder
	for i, err := range j.errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

func (j *joined) Unwrap() []error { return j.errs }

// each returns the problems of j, each transformed by f.
func (j *joined) each(f func(error) error) error {
	out := make([]error, len(j.errs))
	for i, e := range j.errs {
		out[i] = f(e)
	}
	return &joined{errs: out}
}
