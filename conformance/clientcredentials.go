package conformance

func clientCredentialsScenarios() []Scenario { return nil }
