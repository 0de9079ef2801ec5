module github.com/oauthkit/oauthkit/internal/compare

go 1.26

require (
	github.com/coreos/go-oidc/v3 v3.21.0
	github.com/golang-jwt/jwt/v5 v5.3.1
	github.com/oauthkit/oauthkit v0.0.0-00010101000000-000000000000
	golang.org/x/oauth2 v0.36.0
)

require github.com/go-jose/go-jose/v4 v4.1.9 // indirect

replace github.com/oauthkit/oauthkit => ../..
