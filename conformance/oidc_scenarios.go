package conformance

// oidcScenarios returns the OpenID Connect scenarios against the provider
// (discovery, ID token verification, userinfo, logout).
func oidcScenarios() []Scenario { return nil }
