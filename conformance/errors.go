package conformance

func errorScenarios() []Scenario { return nil }
