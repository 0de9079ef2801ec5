package conformance

import "context"

// hostileScenarios returns the scenarios run against misbehaving servers
// written in Go, named by the IDs of the hostile-server catalogue: section
// B (signed tokens and key sets, hostile_jws.go), section C (ID tokens and
// the code flow, hostile_idtoken.go) and DM-01 (discovery). Each starts its
// own hostile provider (hostile_op.go), sets Hostile and needs nothing of
// the provider under test, so they run with -short too.
func hostileScenarios() []Scenario {
	const (
		core      = "OpenID Connect Core 1.0 §3.1.3.7"
		bcp       = "RFC 8725 §3.1"
		discovery = "OpenID Connect Discovery 1.0 §4.3"
	)
	return []Scenario{
		hostile("jw-01-alg-none", "alg none in any case, with or without signature, is never accepted", "RFC 8725 §2.1, §3.1; OIDC Core §2", runJW01AlgNone),
		hostile("jw-02-hs256-with-rsa-public-key", "HS256 keyed with the provider's RSA public key (PEM, DER, JWK, modulus) is refused", bcp+"; RFC 7518 §3.2", runJW02HMACWithPublicKey),
		hostile("jw-03-bad-signature-rs256", "RS256 token signed with another key under the provider's kid is refused", "RFC 7515 §5.2; "+core+" step 6", runJW03BadSignatureRS256),
		hostile("jw-03-bad-signature-es256", "ES256 token signed with another P-256 key is refused", "RFC 7515 §5.2; RFC 7518 §3.4", runJW03BadSignatureES256),
		hostile("jw-03-bad-signature-hs256", "HS256 token keyed with another secret is refused by a confidential client", "RFC 7515 §5.2; OIDC Core §10.1", runJW03BadSignatureHS256),
		hostile("jw-04-parsing-dos", "oversized and dot-bomb tokens are refused before decoding or any key request", "RFC 8725 §3.2; RFC 7515 §7.1", runJW04ParsingDoS),
		hostile("jw-05-jku-x5u-ignored", "jku and x5u headers are ignored: the attacker's host gets no request", "RFC 8725 §3.10", runJW05JKUX5U),
		hostile("jw-06-embedded-jwk-x5c", "a key embedded in the jwk or x5c header is never used", "RFC 7515 §4.1.3, §4.1.6; RFC 8725 §3.10", runJW06EmbeddedKey),
		hostile("jw-07-kid-injection", "hostile kid values are opaque, length-capped strings; errors stay clean", "RFC 7515 §4.1.4; RFC 8725 §3.10", runJW07KidInjection),
		hostile("jw-07-unknown-kid", "an unknown kid causes exactly one no-cache refetch, then jose.ErrUnknownKey", "OIDC Core §10.1.1; RFC 7517 §4.5", runJW07UnknownKid),
		hostile("jw-08-crit", "crit headers (unknown, empty, standard names, b64) are refused", "RFC 7515 §4.1.11; RFC 7797 §3", runJW08Crit),
		hostile("jw-10-serialization-confusion", "only compact JWS with canonical base64url is accepted", "RFC 7515 §2, §7.1; OIDC Core §2", runJW10Serialization),
		hostile("jw-11-jwe-bombs", "JWE bombs (zip, PBES2 p2c, off-curve epk) are refused at once", "RFC 8725 §3.4, §3.6; RFC 7516 §4.1.3", runJW11JWEBombs),
		hostile("jw-13-key-alg-use-mismatch", "a key verifies only with the algorithm, curve and use it fits", "RFC 7517 §4.2-4.4; "+bcp, runJW13KeyMismatch),
		hostile("jw-14-weak-keys", "weak, oversized, off-curve and symmetric keys from the network are refused", "RFC 7518 §3.3; RFC 8725 §3.4", runJW14WeakKeys),
		hostile("jw-15-jwks-refetch-storm", "a storm of random kids against a slow, failing, junk key set makes a bounded number of requests", "OIDC Core §10.1.1; RFC 8725 §3.10", runJW15RefetchStorm),
		hostile("jw-16-key-rotation", "rotation to a new kid just before signing: one no-cache refetch, then success", "OIDC Core §10.1.1", runJW16KeyRotation),
		hostile("jw-17-kid-absent-single", "without kid, the single key of the right type verifies", "OIDC Core §10.1", runJW17KidAbsentSingle),
		hostile("jw-17-kid-absent-multiple", "without kid among several keys, a bounded number of candidates is tried", "OIDC Core §10.1", runJW17KidAbsentMultiple),
		hostile("jw-18-unusable-keys", "unusable keys beside the real one are skipped", "RFC 7517 §5", runJW18UnusableKeys),

		hostile("oi-01-iss-mismatch", "iss of another host, with a trailing slash, in another case or missing is refused", core+" step 2", runOI01IssuerMismatch),
		hostile("oi-02-aud-mismatch", "aud without the client_id, empty, missing or not a string is refused", core+" step 3", runOI02AudienceMismatch),
		hostile("oi-02-aud-untrusted-extra", "an extra audience the client does not trust is refused", core+" step 3", runOI02UntrustedAudience),
		hostile("oi-03-azp", "azp must be the client_id, and is required with several audiences", core+" steps 4-5", runOI03AuthorizedParty),
		hostile("oi-04-expired", "exp beyond the leeway, or missing, is refused", core+" step 9", runOI04Expired),
		hostile("oi-04-iat-future", "iat or nbf beyond the leeway in the future, or iat missing, is refused", core+" step 10", runOI04IssuedInFuture),
		hostile("oi-04-malformed-time", "time claims of the wrong type or out of range are malformed", "RFC 7519 §2, §4.1.4", runOI04MalformedTime),
		hostile("oi-05-nonce-missing", "an ID token without the nonce sent fails the code flow", core+" step 11", runOI05NonceMissing),
		hostile("oi-05-nonce-wrong", "an ID token with another nonce fails the code flow", core+" step 11", runOI05NonceWrong),
		hostile("oi-05-nonce-replay", "a valid ID token replayed into a second login is refused", "OIDC Core §15.5.2", runOI05NonceReplay),
		hostile("oi-06-state", "missing, wrong, repeated and replayed state is refused before any token request", "RFC 6749 §3.1, §4.1.2, §10.12", runOI06State),
		hostile("oi-07-mix-up", "a response naming another issuer, or none when promised, is refused", "RFC 9207 §2.4; RFC 9700 §4.4", runOI07MixUp),
		hostile("oi-08-pkce-downgrade", "S256 with fresh verifiers whatever the metadata advertises", "RFC 7636 §4.1-4.2; RFC 9700 §2.1.1", runOI08PKCEDowngrade),
		hostile("oi-09-at-hash-wrong", "a wrong at_hash fails the code flow; a required one must be present", "OIDC Core §3.1.3.8, §3.2.2.9", runOI09AccessTokenHash),
		hostile("oi-09-c-hash-wrong", "a wrong or missing required c_hash is refused", "OIDC Core §3.3.2.11", runOI09CodeHash),
		hostile("oi-11-userinfo-sub-mismatch", "userinfo of another end-user or without sub is refused", "OIDC Core §5.3.4", runOI11UserinfoSubMismatch),
		hostile("oi-11-userinfo-signed-invalid", "signed userinfo with a bad signature, issuer or audience is refused", "OIDC Core §5.3.2", runOI11UserinfoSigned),
		hostile("oi-12-token-type-confusion", "access, refresh and logout tokens and DPoP proofs are not ID tokens", "RFC 8725 §3.11; RFC 9068 §2.1", runOI12TokenTypeConfusion),
		hostile("oi-13-sub-missing", "sub missing, empty, too long or not ASCII is refused", "OIDC Core §2", runOI13Subject),
		hostile("oi-13-alg-not-registered", "only the registered alg (RS256) is accepted; no HS256 for a public client", core+" step 7", runOI13Algorithm),

		hostile("dm-01-discovery-issuer-mismatch", "a configuration document of another issuer is refused and none of its endpoints used", discovery+"; RFC 8414 §3.3", runDM01DiscoveryIssuerMismatch),
	}
}

// hostile returns a hostile scenario: no needs, Hostile set.
func hostile(id, title, spec string, run func(context.Context, *Env) error) Scenario {
	return Scenario{ID: id, Title: title, Spec: spec, Hostile: true, Run: run}
}
