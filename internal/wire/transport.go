package wire

import (
	"net/http"
	"time"
)

// Transport is the wire for requests whose response body streams to the
// caller (the Session's resource requests): it sends each request with
// Base and shows the observer the exchange once the response headers have
// arrived, with ResponseBody nil. Requests and responses are passed
// through untouched, so it follows the http.RoundTripper contract as Base
// does.
type Transport struct {
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
	// Observe, when set, is called with each exchange.
	Observe func(*Exchange)
	// Reveal turns off redaction in what Observe is shown.
	Reveal bool
	// Clock returns the current time, for Duration; nil means time.Now.
	Clock func() time.Time
}

// RoundTrip sends req with Base and observes the exchange.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	if t.Observe == nil {
		return base.RoundTrip(req)
	}
	c := Call{Observe: t.Observe, Reveal: t.Reveal, Clock: t.Clock}
	// Headers are read before sending: the RoundTripper contract lets base
	// close the request body, never change the header map, but a copy
	// costs little next to the exchange.
	header := req.Header.Clone()
	secrets := c.secrets(req)
	start := c.now()
	res, err := base.RoundTrip(req)
	shown := *req
	shown.Header = header
	if err != nil {
		err = secrets.Error(err)
	}
	c.observe(&shown, res, nil, c.now().Sub(start), secrets, err)
	return res, err
}
