// The configuration of node oidc-provider that oauthkit's tests run as a
// second real OpenID provider. Started by the Go harness in this directory
// (oidcprovider.Start) as:
//
//	node provider.mjs SETUP.json
//
// SETUP.json holds what changes per start: the loopback port, the issuer,
// the redirect URI, the client secrets, the public key of the
// private_key_jwt client and the users' passwords. Everything else (the
// clients' roles, the features, the user's claims) is fixed here.
//
// Only 127.0.0.1 is bound. The provider keeps its state in memory; it is
// gone when the process ends.

import { readFileSync } from 'node:fs';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';

const setup = JSON.parse(readFileSync(process.argv[2], 'utf8'));

// Signing keys for ID tokens, JWT userinfo and the rest: one RSA key for
// RS256 (the default of OpenID Connect Core, section 3.1.3.7) and one P-256
// key for ES256, generated at each start.
const signingKeys = [
  generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }),
];
signingKeys[0].kid = 'rsa-' + randomBytes(4).toString('hex');
signingKeys[1].kid = 'ec-' + randomBytes(4).toString('hex');

const codeGrants = ['authorization_code', 'refresh_token'];
const confidential = (role, method, extra = {}) => ({
  client_id: setup.clients[role].client_id,
  client_secret: setup.clients[role].client_secret,
  token_endpoint_auth_method: method,
  grant_types: [...codeGrants, 'client_credentials'],
  response_types: ['code'],
  redirect_uris: [setup.redirect_uri],
  post_logout_redirect_uris: [setup.redirect_uri],
  scope: 'openid profile email address phone offline_access api',
  ...extra,
});

// One client per role of the conformance target format: each
// authentication method of RFC 6749 section 2.3 and RFC 7523, a public
// client with PKCE (RFC 7636), a device client (RFC 8628) and a client
// whose access tokens are DPoP-bound (RFC 9449, section 5.2).
const clients = [
  confidential('client_secret_basic', 'client_secret_basic'),
  confidential('client_secret_post', 'client_secret_post'),
  confidential('client_secret_jwt', 'client_secret_jwt', { token_endpoint_auth_signing_alg: 'HS256' }),
  {
    client_id: setup.clients.private_key_jwt.client_id,
    token_endpoint_auth_method: 'private_key_jwt',
    token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [setup.clients.private_key_jwt.public_jwk] },
    grant_types: [...codeGrants, 'client_credentials'],
    response_types: ['code'],
    redirect_uris: [setup.redirect_uri],
    scope: 'openid profile email address phone offline_access api',
  },
  {
    client_id: setup.clients.public.client_id,
    token_endpoint_auth_method: 'none',
    grant_types: codeGrants,
    response_types: ['code'],
    redirect_uris: [setup.redirect_uri],
    post_logout_redirect_uris: [setup.redirect_uri],
    scope: 'openid profile email address phone offline_access',
  },
  {
    client_id: setup.clients.device.client_id,
    token_endpoint_auth_method: 'none',
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    scope: 'openid profile email offline_access',
  },
  confidential('dpop', 'client_secret_basic', { dpop_bound_access_tokens: true }),
];

// The test users. The claims cover every standard scope of OpenID
// Connect Core, section 5.4.
const users = new Map(setup.users.map((u) => [u.username, {
  sub: u.username,
  name: 'Alice Liddell',
  given_name: 'Alice',
  family_name: 'Liddell',
  preferred_username: u.username,
  locale: 'en',
  updated_at: 1700000000,
  email: u.username + '@example.com',
  email_verified: true,
  address: { street_address: '1 Rabbit Hole', locality: 'Oxford', postal_code: 'OX1', country: 'GB' },
  phone_number: '+44 1865 000000',
  phone_number_verified: false,
}]));

const configuration = {
  clients,
  jwks: { keys: signingKeys },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  scopes: ['openid', 'offline_access', 'api'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'given_name', 'family_name', 'preferred_username', 'locale', 'updated_at'],
    email: ['email', 'email_verified'],
    address: ['address'],
    phone: ['phone_number', 'phone_number_verified'],
  },
  // The development login and consent pages: a login form with the
  // fields "login" and "password", then a consent form. They accept any
  // password for a known user; findAccount refuses unknown users.
  async findAccount(_ctx, id) {
    const claims = users.get(id);
    if (!claims) return undefined;
    return { accountId: id, claims: async () => claims };
  },
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    introspection: { enabled: true },
    revocation: { enabled: true },
    dPoP: { enabled: true },
    pushedAuthorizationRequests: { enabled: true },
    clientCredentials: { enabled: true },
    userinfo: { enabled: true },
    jwtUserinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
    claimsParameter: { enabled: true },
    requestObjects: { enabled: false },
  },
  // RFC 7636 is required of public clients and accepted from the others.
  pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
  // Refresh tokens for every client allowed the grant, rotated at each
  // use (OAuth 2.0 Security BCP, section 4.14.2).
  issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: 300,
    AuthorizationCode: 60,
    ClientCredentials: 300,
    DeviceCode: 600,
    IdToken: 300,
    RefreshToken: 3600,
    Grant: 3600,
    Interaction: 600,
    Session: 3600,
  },
};

const provider = new Provider(setup.issuer, configuration);
provider.on('server_error', (_ctx, err) => console.error('server_error', err));
const server = provider.listen(setup.port, '127.0.0.1', () => {
  console.log(`oidc-provider listening at ${setup.issuer}`);
});
server.on('error', (err) => {
  console.error(`listen: ${err.code || err.message}`);
  process.exit(3);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
