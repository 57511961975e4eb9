package http

// ConsoleOps is what the operator console's risk and operations pages need from the
// gateway.
type ConsoleOps interface{}
