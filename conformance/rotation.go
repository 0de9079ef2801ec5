package conformance

func rotationScenarios() []Scenario { return nil }
