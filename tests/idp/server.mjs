// Test OpenID Provider for the pam_pkce tests, built on oidc-provider.
//
// node server.mjs --certdir DIR --port-file FILE [--port N] [--host 127.0.0.1|::1]
//                 [--lifetime SECONDS] [--id-token-alg RS256|PS256|ES256] [--extra-users N]
//
// Serves HTTPS on one loopback address only.  The port number is written to
// --port-file (atomically) once the provider is ready.  The process exits by
// itself after --lifetime seconds, and on SIGTERM / SIGINT.
//
// Test data only: the users, passwords and client secret below are fixtures.

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { freshKeyPair } from './keypair.mjs';
import {
  parseServerArgs, reporter, stopOnSignalOrLifetime, writeAtomically,
} from './lifecycle.mjs';

const PROG = 'idp';
const { log, die } = reporter(PROG);

// ---------------------------------------------------------------- arguments

const ID_TOKEN_ALGS = ['RS256', 'PS256', 'ES256'];

const args = parseServerArgs({
  usage: 'usage: node server.mjs --certdir DIR --port-file FILE [--port N] '
    + '[--host 127.0.0.1|::1] [--lifetime SECONDS] [--id-token-alg RS256|PS256|ES256] '
    + '[--extra-users N]',
  options: {
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    'id-token-alg': { type: 'string', default: 'RS256' },
    'extra-users': { type: 'string', default: '0' },
  },
  lifetime: 900,
  die,
});

if (!/^\d{1,5}$/.test(args.port) || Number(args.port) > 65535) die(`bad --port: ${args.port}`);
if (!['127.0.0.1', '::1'].includes(args.host)) die(`--host must be 127.0.0.1 or ::1, not ${args.host}`);
if (!/^\d{1,3}$/.test(args['extra-users'])) die(`bad --extra-users (0..999): ${args['extra-users']}`);
if (!ID_TOKEN_ALGS.includes(args['id-token-alg'])) {
  die(`--id-token-alg must be one of ${ID_TOKEN_ALGS.join(', ')}`);
}

const host = args.host;
const portFile = args['port-file'];
const idTokenAlg = args['id-token-alg'];

// ------------------------------------------------------------ test fixtures

const USERS = [
  {
    sub: 'alice-sub-0001',
    preferred_username: 'alice',
    email: 'alice@example.test',
    email_verified: true,
    name: 'Alice Example',
    groups: ['staff', 'admins'],
    department: 'Engineering',
    password: 'alice-password',
  },
  {
    sub: 'bob-sub-0002',
    preferred_username: 'bob',
    email: 'bob@example.test',
    email_verified: true,
    name: 'Bob Example',
    groups: ['staff'],
    password: 'bob-password',
  },
  {
    sub: 'carol-sub-0003',
    preferred_username: 'carol',
    email: 'carol@example.test',
    email_verified: false,
    name: 'Carol Example',
    groups: [],
    password: 'carol-password',
  },
];
// --extra-users N: user001..userN (password "userNNN-password"), for load tests.
for (let i = 1; i <= Number(args['extra-users']); i++) {
  const name = `user${String(i).padStart(3, '0')}`;
  USERS.push({
    sub: `${name}-sub`,
    preferred_username: name,
    email: `${name}@example.test`,
    email_verified: true,
    name: `User ${i}`,
    groups: ['staff'],
    password: `${name}-password`,
  });
}
const USERS_BY_NAME = new Map(USERS.map((u) => [u.preferred_username, u]));
const USERS_BY_SUB = new Map(USERS.map((u) => [u.sub, u]));

const SCOPES = ['openid', 'profile', 'email', 'groups'];

// A namespaced custom claim, as Auth0 requires them to be named.
const DEPARTMENT_CLAIM = 'https://pam-pkce.test/department';

const LOOPBACK_REDIRECT_URIS = [
  'http://127.0.0.1/callback',
  'http://[::1]/callback',
  'http://localhost/callback',
];

// Signing keys: made fresh at every start.  kid = RFC 7638 thumbprint.
function thumbprint(jwk) {
  const members = jwk.kty === 'RSA'
    ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
    : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

function signingKey(type, options) {
  const { privateKey } = freshKeyPair(type, options);
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, use: 'sig', kid: thumbprint(jwk) };
}

// --------------------------------------------------------------- HTML pages

function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  // No form-action here: browsers apply it to the redirect chain that ends
  // on the client's loopback callback.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

const STYLE = 'body{font-family:sans-serif;max-width:24em;margin:3em auto;padding:0 1em}'
  + 'label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3em 0}'
  + 'input,button{padding:.5em;font-size:1em}#error{color:#a00}';

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function loginPage({ uid, clientId, username, error }) {
  return page('Sign in - pam_pkce test provider', `<h1>Sign in</h1>
<p>Application: <code id="client">${esc(clientId)}</code></p>
${error ? `<p id="error" role="alert">${esc(error)}</p>\n` : ''}<form id="login" method="post" action="/interaction/${esc(uid)}/login" autocomplete="off">
<label for="username">Username</label>
<input id="username" name="username" type="text" value="${esc(username)}" autocapitalize="none" spellcheck="false" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button id="submit" type="submit">Sign in</button>
</form>
<form id="abort" method="post" action="/interaction/${esc(uid)}/abort">
<button id="cancel" type="submit">Cancel</button>
</form>`);
}

function errorPage(error, description) {
  return page('Error - pam_pkce test provider', `<h1>Sign-in error</h1>
<p>error: <code id="error">${esc(error)}</code></p>
<p>error_description: <code id="error_description">${esc(description)}</code></p>`);
}

function send(res, status, html, extraHeaders = {}) {
  const body = Buffer.from(html);
  res.writeHead(status, { ...PAGE_HEADERS, 'Content-Length': body.length, ...extraHeaders });
  res.end(body);
}

// ------------------------------------------------------------ HTTPS listener

let tls;
try {
  tls = {
    key: readFileSync(join(args.certdir, 'server.key')),
    cert: readFileSync(join(args.certdir, 'server.pem')),
  };
} catch (err) {
  die(`cannot read TLS key/certificate in ${args.certdir}: ${err.message}`);
}

const server = createServer(tls);
server.on('tlsClientError', () => {}); // a client that drops TLS is not our business
server.on('error', (err) => die(`listen on ${host} port ${args.port}: ${err.message}`));
await new Promise((resolve) => {
  server.listen({ host, port: Number(args.port), ipv6Only: host === '::1', exclusive: true }, resolve);
});
const { port } = server.address();
log(`listening on port ${port} after ${Math.round(performance.now())}ms`);
const issuer = host === '::1' ? `https://[::1]:${port}` : `https://127.0.0.1:${port}`;

// ------------------------------------------------------------------ provider

// oidc-provider prints notices through console.* ; the in-memory adapter one
// is expected here (throw-away test data), so drop just that one.
for (const method of ['warn', 'info']) {
  const original = console[method].bind(console);
  console[method] = (...parts) => {
    const text = parts.join(' ');
    if (text.includes('in-memory adapter is used')) return;
    original(`${PROG}: ${text}`);
  };
}

const { default: Provider, errors } = await import('oidc-provider');
log(`oidc-provider loaded after ${Math.round(performance.now())}ms`);

const clientCommon = {
  application_type: 'native',
  grant_types: ['authorization_code'],
  response_types: ['code'],
  redirect_uris: LOOPBACK_REDIRECT_URIS,
  id_token_signed_response_alg: idTokenAlg,
};

const ttl = (seconds) => () => seconds;

async function findAccount(_ctx, sub) {
  const user = USERS_BY_SUB.get(sub);
  if (!user) return undefined;
  return {
    accountId: user.sub,
    // The provider filters these by the granted scopes / claims.
    async claims() {
      return {
        sub: user.sub,
        preferred_username: user.preferred_username,
        name: user.name,
        email: user.email,
        email_verified: user.email_verified,
        groups: [...user.groups],
        [DEPARTMENT_CLAIM]: user.department,
      };
    },
  };
}

const provider = new Provider(issuer, {
  clients: [
    {
      ...clientCommon,
      client_id: 'pam-pkce-test',
      token_endpoint_auth_method: 'none',
    },
    {
      ...clientCommon,
      client_id: 'pam-pkce-secret',
      client_secret: 'test-secret-0123456789',
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: {
    keys: [
      signingKey('rsa', { modulusLength: 2048 }),
      signingKey('ec', { namedCurve: 'P-256' }),
    ],
  },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  responseTypes: ['code'],
  scopes: SCOPES,
  claims: {
    openid: ['sub'],
    profile: ['preferred_username', 'name'],
    email: ['email', 'email_verified'],
    groups: ['groups', DEPARTMENT_CLAIM],
  },
  // Put the scope-requested claims into the ID token itself (the module
  // reads the ID token), not only into the userinfo response.
  conformIdTokenClaims: false,
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
  },
  interactions: {
    url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  findAccount,
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: ttl(3600),
    AuthorizationCode: ttl(60),
    IdToken: ttl(3600),
    Interaction: ttl(600),
    Session: ttl(3600),
    Grant: ttl(3600),
    RefreshToken: ttl(3600),
  },
  async renderError(ctx, out) {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = errorPage(out.error, out.error_description);
  },
});

// Attach the OAuth error (if any) to the request so the access log line
// can show it.
for (const event of ['authorization.error', 'grant.error', 'userinfo.error', 'discovery.error',
  'jwks.error', 'end_session.error', 'server_error']) {
  provider.on(event, (ctx, err) => {
    if (ctx?.req) {
      const detail = err.error_detail ? ` [${err.error_detail}]` : '';
      ctx.req.idpError = `${err.error || err.name}: ${err.error_description || err.message}${detail}`;
    }
    if (event === 'server_error') log(`server_error: ${err.stack || err}`);
  });
}

// --------------------------------------------------------- interaction pages

// Grant everything the client asked for (first-party test clients: no
// consent screen).
async function grantRequested(interaction, accountId) {
  const { params, prompt } = interaction;
  let grant;
  if (interaction.grantId) {
    grant = await provider.Grant.find(interaction.grantId);
    if (grant && grant.accountId !== accountId) grant = undefined;
  }
  grant ||= new provider.Grant({ accountId, clientId: params.client_id });

  const scopes = String(params.scope || '').split(' ').filter((s) => SCOPES.includes(s));
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const details = prompt?.details || {};
  if (details.missingOIDCScope) grant.addOIDCScope(details.missingOIDCScope.join(' '));
  if (details.missingOIDCClaims) grant.addOIDCClaims(details.missingOIDCClaims);
  for (const [indicator, list] of Object.entries(details.missingResourceScopes || {})) {
    grant.addResourceScope(indicator, list.join(' '));
  }
  return grant.save();
}

async function finishConsent(req, res, interaction) {
  const accountId = interaction.session?.accountId;
  if (!accountId) {
    send(res, 400, errorPage('invalid_request', 'no signed-in account for consent'));
    return;
  }
  const grantId = await grantRequested(interaction, accountId);
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const MAX_FORM = 16 * 1024;

async function readForm(req) {
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw Object.assign(new Error('expected a form post'), { status: 415 });
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM) throw Object.assign(new Error('form too large'), { status: 413 });
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function passwordMatches(user, given) {
  const a = createHash('sha256').update(String(user.password)).digest();
  const b = createHash('sha256').update(String(given)).digest();
  return timingSafeEqual(a, b);
}

async function interactionRoute(req, res, pathname) {
  const m = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login|\/abort)?$/.exec(pathname);
  if (!m) {
    send(res, 404, errorPage('not_found', 'no such page'));
    return;
  }
  const [, uid, action] = m;
  const wanted = action ? 'POST' : 'GET';
  if (req.method !== wanted) {
    send(res, 405, errorPage('invalid_request', `use ${wanted}`), { Allow: wanted });
    return;
  }

  let interaction;
  try {
    interaction = await provider.interactionDetails(req, res);
  } catch (err) {
    if (err instanceof errors.SessionNotFound) {
      send(res, 400, errorPage('invalid_request', 'sign-in session not found or expired; start again'));
      return;
    }
    throw err;
  }
  if (interaction.uid !== uid) {
    send(res, 400, errorPage('invalid_request', 'stale sign-in page; start again'));
    return;
  }

  const clientId = interaction.params.client_id;
  const promptName = interaction.prompt?.name;

  if (!action) {
    if (promptName === 'login') {
      send(res, 200, loginPage({ uid, clientId, username: interaction.params.login_hint || '' }));
    } else if (promptName === 'consent') {
      await finishConsent(req, res, interaction);
    } else {
      send(res, 400, errorPage('invalid_request', `unsupported prompt ${promptName}`));
    }
    return;
  }

  const form = await readForm(req);

  if (action === '/abort') {
    await provider.interactionFinished(req, res, {
      error: 'access_denied',
      error_description: 'End-User cancelled the sign-in',
    }, { mergeWithLastSubmission: false });
    return;
  }

  // action === '/login'
  if (promptName === 'consent') {
    await finishConsent(req, res, interaction);
    return;
  }
  if (promptName !== 'login') {
    send(res, 400, errorPage('invalid_request', `unsupported prompt ${promptName}`));
    return;
  }

  const username = form.get('username') || '';
  const user = USERS_BY_NAME.get(username);
  const ok = passwordMatches(user || { password: randomBytes(16).toString('hex') }, form.get('password') || '');
  if (!user || !ok) {
    req.idpError = `login refused for ${JSON.stringify(username.slice(0, 64))}`;
    send(res, 200, loginPage({ uid, clientId, username, error: 'Invalid username or password.' }));
    return;
  }

  // Sign in and consent in one step.
  const grantId = await grantRequested(interaction, user.sub);
  await provider.interactionFinished(req, res, {
    login: { accountId: user.sub, amr: ['pwd'], remember: false },
    consent: { grantId },
  }, { mergeWithLastSubmission: false });
}

// ------------------------------------------------------------------ serving

const providerHandler = provider.callback();

server.on('request', (req, res) => {
  const started = process.hrtime.bigint();
  const pathname = String(req.url || '/').split('?')[0];
  res.on('finish', () => {
    const ms = Number((process.hrtime.bigint() - started) / 1000000n);
    log(`${req.method} ${pathname} ${res.statusCode} ${ms}ms${req.idpError ? ` (${req.idpError})` : ''}`);
  });

  if (pathname === '/interaction' || pathname.startsWith('/interaction/')) {
    interactionRoute(req, res, pathname).catch((err) => {
      req.idpError = err.message;
      if (err.status !== 413 && err.status !== 415) log(`interaction error: ${err.stack || err}`);
      if (!res.headersSent) {
        send(res, err.status || 500, errorPage('server_error', err.message));
      } else {
        res.destroy();
      }
    });
    return;
  }
  providerHandler(req, res);
});

// ------------------------------------------------------------- lifecycle

stopOnSignalOrLifetime({ servers: [server], portFile, lifetimeS: Number(args.lifetime), log });
writeAtomically(portFile, `${port}\n`);
log(`ready after ${Math.round(performance.now())}ms: issuer ${issuer}, id_token alg ${idTokenAlg}, pid ${process.pid}, lifetime ${args.lifetime}s`);
