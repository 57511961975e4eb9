package http

// DashStores is what the dashboard's stores, entry codes and branding pages need from
// the gateway.
type DashStores interface{}
