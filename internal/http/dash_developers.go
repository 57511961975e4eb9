package http

// DashDevelopers is what the dashboard's developers pages (keys, notifications) need
// from the gateway.
type DashDevelopers interface{}
