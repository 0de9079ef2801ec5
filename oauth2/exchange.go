package oauth2

import "github.com/oauthkit/oauthkit/internal/wire"

// HTTPExchange is one HTTP exchange of oauthkit, as shown to
// [Config.Observer] once it has ended. Every exchange of the module has
// this shape: token, PAR, device authorization, introspection and
// revocation requests, discovery, protected resource metadata
// (resource.DiscoverOptions.Observer), key sets (jose.HTTPExchange is the
// same type), userinfo, and a Session's resource requests.
//
// Its fields:
//
//	Method         string        // the request method
//	URL            string        // the request URL, any password hidden
//	RequestHeader  http.Header   // the request headers as sent
//	Form           url.Values    // the form the body encoded; nil for none
//	RequestBody    []byte        // a body that is not a form (registration JSON); nil otherwise
//	StatusCode     int           // 0 when no response arrived
//	ResponseHeader http.Header
//	ResponseBody   []byte        // as read within the size cap; nil when streamed to the caller
//	Duration       time.Duration // from sending to the end of the body read
//	Err            error         // nil for a complete exchange, whatever its status
//
// Unless [Config.RevealSecrets] is set, every credential in it is replaced
// by "[redacted]": client secrets, passwords, codes, code verifiers, tokens,
// assertions and DPoP proofs, in the form, the headers (the Authorization
// scheme is kept) and the response body alike. A credential echoed in a
// JSON body is found whatever its escaping ("\/", "\u00e4").
type HTTPExchange = wire.Exchange
