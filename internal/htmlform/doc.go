// Package htmlform reads the forms of login, consent and device pages and
// builds their submissions, for the headless user agents of keycloaktest
// and conformance/agent.
//
// It is a small tag scanner rather than an HTML parser (the standard
// library has none): it finds forms, their inputs and buttons, and the
// text of elements. It never fails and never panics; on markup it does not
// understand it finds nothing. Comments and the content of script and
// style elements are skipped, so markup quoted inside them is not taken
// for a form.
package htmlform
