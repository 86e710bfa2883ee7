package codec

import "bytes"

// Args decodes a component's arguments, a JSON object, with a generated
// reader: the reader reads from Decoder and adds the constraint violations
// it finds to Errors, and Finish turns the outcome into one error. In
// generated code:
//
//	a := codec.ArgsOf(args)
//	if err := a.Finish(mcpReadForecastArgs(&a.Decoder, &in, &a.Errors, "")); err != nil {
//		return runtime.ArgumentsError(err), nil
//	}
//
// The reader is called directly, not through a function value, so that
// nothing escapes to the heap.
type Args struct {
	Decoder Decoder
	Errors  Errors
}

// ArgsOf returns an Args reading data. Empty input and null read as {}.
func ArgsOf(data []byte) Args {
	var a Args
	if s := bytes.TrimSpace(data); len(s) == 0 || string(s) == "null" {
		data = emptyObject
	}
	a.Decoder.Reset(data)
	return a
}

var emptyObject = []byte("{}")

// Finish returns the reader's error, which stopped decoding, if any; then
// an error if anything follows the object; then every constraint
// violation the reader found, at once; and nil when there is none.
func (a *Args) Finish(readErr error) error {
	if readErr != nil {
		return readErr
	}
	if err := a.Decoder.End(); err != nil {
		return err
	}
	return a.Errors.Err()
}

// A Reader reads a JSON value into v, adding the constraint violations it
// finds to errs at their paths (path is v's), and returns only the
// problems that stop decoding: malformed JSON or a value of the wrong
// type. It is the signature of the readers mcpgen generates.
type Reader[T any] func(d *Decoder, v *T, errs *Errors, path string) error

// Unchecked makes a Reader of a reader of values without constraints
// (such as ReadIntMap).
func Unchecked[T any](read func(d *Decoder, v *T) error) Reader[T] {
	return func(d *Decoder, v *T, _ *Errors, _ string) error { return read(d, v) }
}

// Decode reads the JSON document data into v with read, and returns the
// problem that stopped decoding, an error if anything follows the value,
// or else every constraint violation at once. It calls read through a
// function value, which costs allocations: generated servers, which
// decode on every call, use Args; typed clients, which wait on the
// network anyway, use Decode.
func Decode[T any](data []byte, v *T, read Reader[T]) error {
	var d Decoder
	d.Reset(data)
	var errs Errors
	if err := read(&d, v, &errs, ""); err != nil {
		return err
	}
	if err := d.End(); err != nil {
		return err
	}
	return errs.Err()
}
