package conformance

func authCodeScenarios() []Scenario { return nil }
