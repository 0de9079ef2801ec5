package conformance

// hostileScenarios returns the scenarios run against misbehaving servers
// written in Go, named by the IDs of the hostile-server catalogue. They
// set Hostile and need nothing of the provider.
func hostileScenarios() []Scenario { return nil }
