package codec

// Generated code and the runtime it needs.
//
// Code that mcpgen generates calls the runtime's packages (runtime,
// runtime/codec, runtime/client), whose API for generated code changes as
// mcpgen does. Each generated file says which version of that API it was
// written for, and fails to compile against a runtime that does not
// support it:
//
//	const (
//		_ = codec.RunGoGenerate(1 - codec.MinGeneratedVersion)
//		_ = codec.RunGoGenerate(codec.MaxGeneratedVersion - 1)
//	)
//
// The compiler then says "constant -1 overflows codec.RunGoGenerate",
// which is what to do: go generate rewrites the file with the mcpgen of
// the module's own version (go tool mcpgen), which matches its runtime.

// RunGoGenerate is the type of a generated file's version check: a
// version the runtime does not support makes a constant of this type
// negative, which does not compile.
type RunGoGenerate uint

// MinGeneratedVersion and MaxGeneratedVersion are the oldest and the newest
// version of generated code this runtime supports. A change to generated
// code that needs a newer runtime raises MaxGeneratedVersion (and the
// generator's version); a runtime change that breaks older generated code
// raises MinGeneratedVersion.
const (
	MinGeneratedVersion = 1
	MaxGeneratedVersion = 1
)
