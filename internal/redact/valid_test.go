package redact

import "encoding/json"

func isValid(b []byte) bool { return json.Valid(b) }
