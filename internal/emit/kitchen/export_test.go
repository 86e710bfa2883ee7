package kitchen

// RandomEverything is randomEverything, for the external client tests.
var RandomEverything = randomEverything
