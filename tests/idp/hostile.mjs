// A hostile layer in front of the test OpenID Provider, for the ID token
// validation tests of pam_pkce.
//
// node hostile.mjs --certdir DIR --port-file FILE --upstream ISSUER --ca CA.pem
//                  [--lifetime SECONDS (default 900)] [--record DIR]
//
// With --record, every token request body the module sent and the token
// response it got are written to DIR/NAME.token-request and
// DIR/NAME.token-response (the secrets test greps the logs for them).
//
// The real provider (server.mjs) still runs /authorize and the sign-in; the
// module's token_endpoint, jwks_uri and userinfo_endpoint point here.  Every
// case has its own routes, so one server serves all cases:
//
//   POST /case/NAME/token     forwards the module's form body (and its
//                             Authorization header) to the real token
//                             endpoint, takes the real id_token, applies case
//                             NAME's mutation, re-signs it with this layer's
//                             own keys and returns the token response
//   GET  /case/NAME/jwks      the JWKS that case NAME publishes (may change
//                             from one fetch to the next)
//   GET  /case/NAME/userinfo  proxies the real userinfo endpoint (with the
//                             module's Authorization header), maybe mutated
//   GET  /case/NAME/jku       a JWKS holding the attacker key (what a "jku"
//                             header points at; the module must never come)
//   GET  /case/NAME/stats     JSON counts of requests per route for NAME, e.g.
//                             {"jwks":2,"token":1,"token_upstream_ok":1}
//   POST /case/NAME/reset     forget NAME's counts (and so its fetch history)
//   GET  /cases               the case names this server knows, one a line
//
// Keys, made fresh at every start: RSA 2048 "h-rsa", EC P-256 "h-ec",
// Ed25519 "h-ed", RSA 1024 "h-rsa-small" (published only where a case says
// so) and RSA 2048 "attacker" (never in a case's JWKS).  The JWS signatures
// are made here with node:crypto (RS*, PS*, ES* as raw R||S, EdDSA).
//
// HTTPS on 127.0.0.1 with the provider's certificate (DIR/server.pem,
// DIR/server.key).  The port number is written to --port-file (atomically)
// once the upstream discovery document has been read.  Exits by itself
// after --lifetime seconds, and on SIGTERM / SIGINT / SIGHUP.
//
// To add a case: add an entry to CASES below and a line to
// tests/integration/id_token_cases.txt.

import {
  createHash, createHmac, randomBytes, sign as cryptoSign,
  constants as cryptoConstants,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import { join } from 'node:path';
import { freshKeyPair } from './keypair.mjs';
import {
  parseServerArgs, reporter, stopOnSignalOrLifetime, writeAtomically,
} from './lifecycle.mjs';

const PROG = 'hostile';
const MAX_BODY = 64 * 1024;
const UPSTREAM_TIMEOUT_MS = 10000;
const { log, die } = reporter(PROG);

// ---------------------------------------------------------------- arguments

const args = parseServerArgs({
  usage: 'usage: node hostile.mjs --certdir DIR --port-file FILE --upstream ISSUER '
    + '--ca CA.pem [--lifetime SECONDS] [--record DIR]',
  options: {
    upstream: { type: 'string' },
    ca: { type: 'string' },
    record: { type: 'string' },
  },
  required: ['upstream', 'ca'],
  lifetime: 900,
  die,
});

let upstreamIssuer;
try {
  upstreamIssuer = new URL(args.upstream);
} catch {
  die(`--upstream is not a URL: ${args.upstream}`);
}
if (upstreamIssuer.protocol !== 'https:') die(`--upstream must be https: ${args.upstream}`);

let upstreamCa;
let tls;
try {
  upstreamCa = readFileSync(args.ca);
  tls = {
    key: readFileSync(join(args.certdir, 'server.key')),
    cert: readFileSync(join(args.certdir, 'server.pem')),
  };
} catch (err) {
  die(`cannot read CA / TLS key / certificate: ${err.message}`);
}

const portFile = args['port-file'];

// ------------------------------------------------------------------- keys

function makeKey(kid, type, options) {
  const { privateKey, publicKey } = freshKeyPair(type, options);
  const jwk = publicKey.export({ format: 'jwk' });
  return {
    kid, privateKey, publicKey, jwk: { ...jwk, kid, use: 'sig' },
  };
}

const KEYS = {
  'h-rsa': makeKey('h-rsa', 'rsa', { modulusLength: 2048 }),
  'h-ec': makeKey('h-ec', 'ec', { namedCurve: 'P-256' }),
  'h-ed': makeKey('h-ed', 'ed25519'),
  'h-rsa-small': makeKey('h-rsa-small', 'rsa', { modulusLength: 1024 }),
  attacker: makeKey('attacker', 'rsa', { modulusLength: 2048 }),
};

// What a case publishes unless it says otherwise.
const DEFAULT_JWKS = ['h-rsa', 'h-ec', 'h-ed'];

function publicJwk(name, changes = {}) {
  const jwk = { ...KEYS[name].jwk, ...changes };
  for (const [k, v] of Object.entries(changes)) if (v === undefined) delete jwk[k];
  return jwk;
}

function jwksOf(names) {
  return { keys: names.map((n) => (typeof n === 'string' ? publicJwk(n) : n)) };
}

// -------------------------------------------------------------------- JWS

const b64u = (buf) => Buffer.from(buf).toString('base64url');
const b64uJson = (obj) => b64u(JSON.stringify(obj));

function decodeSegment(seg) {
  return JSON.parse(Buffer.from(seg, 'base64url').toString('utf8'));
}

const HASH_OF = { 256: 'sha256', 384: 'sha384', 512: 'sha512' };

// The raw signature over INPUT (a string) for ALG with KEY (private).
function jwsSign(alg, key, input, { dsaEncoding = 'ieee-p1363' } = {}) {
  const data = Buffer.from(input, 'ascii');
  const m = /^(RS|PS|ES)(256|384|512)$/.exec(alg);
  if (alg === 'EdDSA') return cryptoSign(null, data, key);
  if (!m) throw new Error(`cannot sign with alg ${alg}`);
  const hash = HASH_OF[m[2]];
  if (m[1] === 'RS') {
    return cryptoSign(hash, data, { key, padding: cryptoConstants.RSA_PKCS1_PADDING });
  }
  if (m[1] === 'PS') {
    return cryptoSign(hash, data, {
      key,
      padding: cryptoConstants.RSA_PKCS1_PSS_PADDING,
      saltLength: cryptoConstants.RSA_PSS_SALTLEN_DIGEST,
    });
  }
  return cryptoSign(hash, data, { key, dsaEncoding });
}

function defaultAlg(keyName) {
  const type = KEYS[keyName].privateKey.asymmetricKeyType;
  if (type === 'ec') return 'ES256';
  if (type === 'ed25519') return 'EdDSA';
  return 'RS256';
}

// OIDC Core 3.1.3.6: left half of the hash of the ASCII access token.
function leftHalfHash(alg, value) {
  const bits = alg === 'EdDSA' ? '512' : /(256|384|512)$/.exec(alg)[1];
  const digest = createHash(HASH_OF[bits]).update(String(value), 'ascii').digest();
  return b64u(digest.subarray(0, digest.length / 2));
}

const now = () => Math.floor(Date.now() / 1000);

// ------------------------------------------------------------------- cases
//
// A case may set:
//   key        signing key name (default "h-rsa")
//   alg        JWS alg (default from the key type)
//   header(h, ctx)   change the protected header in place (h already has
//                    alg and kid of the signing key)
//   claims(p, ctx)   change the payload in place
//   dsaEncoding      "der" for a DER ECDSA signature
//   signature(sig, ctx)  return changed signature bytes
//   token(h, p, ctx) build the whole compact token (replaces signing)
//   response(r, ctx) change the token response object in place
//   status           HTTP status of the token response (body: OAuth error)
//   jwks(n, ctx)     the JWKS object for the n-th fetch (1-based)
//   userinfo(u, ctx) change the userinfo response in place
// ctx: { base (this server's URL), name, clientId, accessToken, alg }.

const HS256 = (h, p, secret) => {
  const header = { ...h, alg: 'HS256' };
  const input = `${b64uJson(header)}.${b64uJson(p)}`;
  return `${input}.${b64u(createHmac('sha256', secret).update(input).digest())}`;
};

// Sign HEADER_TEXT (used verbatim) and the payload with KEY_NAME / ALG.
const signRaw = (headerText, p, keyName, alg) => {
  const input = `${b64u(headerText)}.${b64uJson(p)}`;
  return `${input}.${b64u(jwsSign(alg, KEYS[keyName].privateKey, input))}`;
};

const CASES = {
  control: {},
  control_ps256: { alg: 'PS256' },
  control_es256: { key: 'h-ec' },
  control_eddsa: { key: 'h-ed' },

  alg_none: {
    token: (h, p) => `${b64uJson({ ...h, alg: 'none' })}.${b64uJson(p)}.`,
  },
  // The classic confusion: HMAC keyed with what the JWKS publishes.
  hs256_with_rsa_n: {
    token: (h, p) => HS256(h, p, Buffer.from(KEYS['h-rsa'].jwk.n, 'base64url')),
  },
  hs256_with_rsa_pem: {
    token: (h, p) => HS256(h, p, KEYS['h-rsa'].publicKey.export({ type: 'spki', format: 'pem' })),
  },
  allowed_algs_excludes: { key: 'h-ec' },
  // JOSE names are case-sensitive.
  alg_lowercase: {
    token: (h, p) => signRaw(JSON.stringify({ ...h, alg: 'rs256' }), p, 'h-rsa', 'RS256'),
  },
  // Two "alg" members: a parser that keeps the first sees "none".
  dup_alg_header: {
    token: (h, p) => signRaw(`{"alg":"none","alg":"RS256","kid":"h-rsa"}`, p, 'h-rsa', 'RS256'),
  },

  bad_signature: {
    signature: (sig) => {
      const out = Buffer.from(sig);
      out[out.length >> 1] ^= 0x01;
      return out;
    },
  },
  es256_der_signature: { key: 'h-ec', dsaEncoding: 'der' },
  es256_zero_signature: { key: 'h-ec', signature: () => Buffer.alloc(64) },

  embedded_jwk: {
    key: 'attacker',
    header: (h) => { h.jwk = publicJwk('attacker'); },
  },
  jku_header: {
    key: 'attacker',
    header: (h, ctx) => { h.jku = `${ctx.base}/case/${ctx.name}/jku`; },
  },
  unknown_kid: {
    header: (h) => { h.kid = 'nope'; },
  },
  // The signing key is missing from the first JWKS fetch, there from the second.
  // Two published keys share the token's kid: the token must not pick.
  duplicate_kid: {
    jwks: () => jwksOf([...DEFAULT_JWKS, publicJwk('attacker', { kid: 'h-rsa' })]),
  },
  // No kid at all: the one RSA key in the JWKS is the only candidate.
  kid_absent: {
    header: (h) => { delete h.kid; },
  },
  rotation: {
    jwks: (n) => jwksOf(n === 1 ? ['h-ec', 'h-ed'] : DEFAULT_JWKS),
  },
  rsa_1024: {
    key: 'h-rsa-small',
    jwks: () => jwksOf([...DEFAULT_JWKS, 'h-rsa-small']),
  },
  key_use_enc: {
    jwks: () => jwksOf([publicJwk('h-rsa', { use: 'enc' }), 'h-ec', 'h-ed']),
  },
  key_alg_mismatch: {
    jwks: () => jwksOf([publicJwk('h-rsa', { alg: 'RS512' }), 'h-ec', 'h-ed']),
  },
  wrong_kty: {
    key: 'h-ec',
    header: (h) => { h.kid = 'h-rsa'; },
  },
  crit_header: {
    header: (h) => { h.crit = ['exp']; },
  },
  jwe: {
    token: () => [
      b64uJson({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'h-rsa' }),
      b64u(randomBytes(256)), b64u(randomBytes(12)), b64u(randomBytes(64)), b64u(randomBytes(16)),
    ].join('.'),
  },
  two_segments: {
    token: (h, p) => `${b64uJson(h)}.${b64uJson(p)}`,
  },
  typ_at_jwt: {
    header: (h) => { h.typ = 'at+jwt'; },
  },

  wrong_iss: { claims: (p) => { p.iss = `${p.iss}/evil`; } },
  iss_trailing_slash: { claims: (p) => { p.iss = `${p.iss}/`; } },
  wrong_aud: { claims: (p) => { p.aud = 'some-other-client'; } },
  aud_array_no_azp: {
    claims: (p, ctx) => { p.aud = [ctx.clientId, 'other']; delete p.azp; },
  },
  wrong_azp: { claims: (p) => { p.azp = 'other'; } },
  aud_array_with_azp: {
    claims: (p, ctx) => { p.aud = [ctx.clientId, 'other']; p.azp = ctx.clientId; },
  },
  expired: { claims: (p) => { p.exp = now() - 3600; } },
  exp_within_skew: { claims: (p) => { p.exp = now() - 30; } },
  exp_string: { claims: (p) => { p.exp = String(p.exp); } },
  iat_future: { claims: (p) => { p.iat = now() + 3600; } },
  missing_iat: { claims: (p) => { delete p.iat; } },
  nbf_future: { claims: (p) => { p.nbf = now() + 3600; } },
  wrong_nonce: { claims: (p) => { p.nonce = b64u(randomBytes(32)); } },
  missing_nonce: { claims: (p) => { delete p.nonce; } },
  missing_sub: { claims: (p) => { delete p.sub; } },
  empty_sub: { claims: (p) => { p.sub = ''; } },
  sub_not_string: { claims: (p) => { p.sub = 1234; } },
  // Terminal escapes and a newline, to forge or colour a log line.
  username_control_chars: { claims: (p) => { p.preferred_username = 'ali\u001b[31mce\nFORGED'; } },
  max_age_no_auth_time: { claims: (p) => { delete p.auth_time; } },
  max_age_old_auth_time: { claims: (p) => { p.auth_time = now() - 4000; } },
  at_hash_wrong: {
    claims: (p, ctx) => { p.at_hash = leftHalfHash(ctx.alg, `${ctx.accessToken}x`); },
  },
  at_hash_right: {
    claims: (p, ctx) => { p.at_hash = leftHalfHash(ctx.alg, ctx.accessToken); },
  },

  no_id_token: { response: (r) => { delete r.id_token; } },
  token_500: { status: 500 },

  userinfo_sub_mismatch: { userinfo: (u) => { u.sub = 'mallory-sub-6666'; } },
  userinfo_ok: {},
};

// ------------------------------------------------------------------- stats

const stats = new Map(); // case name -> { route: count }

function count(name, route) {
  const s = stats.get(name) || {};
  s[route] = (s[route] || 0) + 1;
  stats.set(name, s);
  return s[route];
}

// ---------------------------------------------------------------- upstream

function upstreamRequest(url, { method = 'GET', headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    if (target.protocol !== 'https:' || target.host !== upstreamIssuer.host) {
      reject(new Error(`refusing upstream URL ${url}`));
      return;
    }
    const req = https.request(target, {
      method, headers, ca: upstreamCa, agent: false, timeout: UPSTREAM_TIMEOUT_MS,
    }, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > 1024 * 1024) {
          req.destroy(new Error('upstream response too large'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({
        status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks),
      }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('upstream timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

const discoveryUrl = `${args.upstream.replace(/\/$/, '')}/.well-known/openid-configuration`;
let discovery;
try {
  const res = await upstreamRequest(discoveryUrl, { headers: { Accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  discovery = JSON.parse(res.body.toString('utf8'));
} catch (err) {
  die(`cannot read ${discoveryUrl}: ${err.message}`);
}
const UPSTREAM_TOKEN = discovery.token_endpoint;
const UPSTREAM_USERINFO = discovery.userinfo_endpoint;
if (!UPSTREAM_TOKEN) die('upstream discovery has no token_endpoint');

// ------------------------------------------------------------------ routes

function sendJson(res, status, obj, extra = {}) {
  const body = Buffer.from(JSON.stringify(obj));
  res.writeHead(status, {
    'Content-Type': 'application/json', 'Content-Length': body.length, 'Cache-Control': 'no-store', ...extra,
  });
  res.end(body);
}

function sendText(res, status, text) {
  const body = Buffer.from(text);
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': body.length });
  res.end(body);
}

async function readBody(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY) throw Object.assign(new Error('request body too large'), { status: 413 });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function forwardHeaders(req, extra = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (req.headers.authorization) headers.Authorization = req.headers.authorization;
  return headers;
}

function mutateIdToken(name, spec, idToken, ctx) {
  const [h64, p64] = idToken.split('.');
  const original = decodeSegment(h64);
  const payload = decodeSegment(p64);
  const keyName = spec.key || 'h-rsa';
  const alg = spec.alg || defaultAlg(keyName);
  ctx.alg = alg;
  const header = { ...original, alg, kid: keyName };
  if (spec.header) spec.header(header, ctx);
  if (spec.claims) spec.claims(payload, ctx);
  if (spec.token) return spec.token(header, payload, ctx);
  const input = `${b64uJson(header)}.${b64uJson(payload)}`;
  let sig = jwsSign(alg, KEYS[keyName].privateKey, input, { dsaEncoding: spec.dsaEncoding });
  if (spec.signature) sig = spec.signature(sig, ctx);
  return `${input}.${b64u(sig)}`;
}

async function tokenRoute(req, res, name, spec, base) {
  count(name, 'token');
  const body = await readBody(req);
  const up = await upstreamRequest(UPSTREAM_TOKEN, {
    method: 'POST',
    headers: forwardHeaders(req, {
      'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': body.length,
    }),
    body,
  });
  let response;
  try {
    response = JSON.parse(up.body.toString('utf8'));
  } catch {
    response = undefined;
  }
  if (up.status !== 200 || !response || typeof response.id_token !== 'string') {
    count(name, 'token_upstream_failed');
    req.hostileNote = `upstream token endpoint answered ${up.status}`;
    res.writeHead(up.status, {
      'Content-Type': up.headers['content-type'] || 'application/json', 'Content-Length': up.body.length,
    });
    res.end(up.body);
    return;
  }
  count(name, 'token_upstream_ok');
  if (spec.status) {
    sendJson(res, spec.status, { error: 'server_error', error_description: `case ${name}` });
    return;
  }
  // The client the real provider issued the token to.
  const { aud } = decodeSegment(response.id_token.split('.')[1]);
  const ctx = {
    base, name, accessToken: response.access_token, clientId: Array.isArray(aud) ? aud[0] : aud,
  };
  response.id_token = mutateIdToken(name, spec, response.id_token, ctx);
  if (spec.response) spec.response(response, ctx);
  if (args.record) {
    writeFileSync(join(args.record, `${name}.token-request`), body);
    writeFileSync(join(args.record, `${name}.token-response`), JSON.stringify(response));
  }
  sendJson(res, 200, response, { Pragma: 'no-cache' });
}

function jwksRoute(res, name, spec, base) {
  const n = count(name, 'jwks');
  sendJson(res, 200, spec.jwks ? spec.jwks(n, { base, name }) : jwksOf(DEFAULT_JWKS));
}

async function userinfoRoute(req, res, name, spec) {
  count(name, 'userinfo');
  if (!UPSTREAM_USERINFO) {
    sendJson(res, 500, { error: 'server_error', error_description: 'upstream has no userinfo_endpoint' });
    return;
  }
  const body = req.method === 'POST' ? await readBody(req) : undefined;
  const headers = forwardHeaders(req);
  if (body) {
    headers['Content-Type'] = req.headers['content-type'] || 'application/x-www-form-urlencoded';
    headers['Content-Length'] = body.length;
  }
  const up = await upstreamRequest(UPSTREAM_USERINFO, { method: req.method, headers, body });
  let info;
  try {
    info = JSON.parse(up.body.toString('utf8'));
  } catch {
    info = undefined;
  }
  if (up.status !== 200 || !info || typeof info !== 'object') {
    count(name, 'userinfo_upstream_failed');
    req.hostileNote = `upstream userinfo answered ${up.status}`;
    const extra = up.headers['www-authenticate'] ? { 'WWW-Authenticate': up.headers['www-authenticate'] } : {};
    res.writeHead(up.status, {
      'Content-Type': up.headers['content-type'] || 'application/json', 'Content-Length': up.body.length, ...extra,
    });
    res.end(up.body);
    return;
  }
  count(name, 'userinfo_upstream_ok');
  if (spec.userinfo) spec.userinfo(info, { name });
  sendJson(res, 200, info);
}

async function route(req, res) {
  const url = new URL(req.url || '/', 'https://127.0.0.1');
  const base = `https://127.0.0.1:${server.address().port}`;
  if (url.pathname === '/cases' && req.method === 'GET') {
    sendText(res, 200, `${Object.keys(CASES).join('\n')}\n`);
    return;
  }
  const m = /^\/case\/([A-Za-z0-9_-]{1,64})\/(token|jwks|userinfo|jku|stats|reset)$/.exec(url.pathname);
  if (!m || !Object.hasOwn(CASES, m[1])) {
    sendJson(res, 404, { error: 'not_found' });
    return;
  }
  const [, name, what] = m;
  const spec = CASES[name];
  const want = { token: ['POST'], reset: ['POST'], userinfo: ['GET', 'POST'] }[what] || ['GET'];
  if (!want.includes(req.method)) {
    res.writeHead(405, { Allow: want.join(', '), 'Content-Length': 0 });
    res.end();
    return;
  }
  switch (what) {
    case 'token':
      await tokenRoute(req, res, name, spec, base);
      break;
    case 'jwks':
      jwksRoute(res, name, spec, base);
      break;
    case 'userinfo':
      await userinfoRoute(req, res, name, spec);
      break;
    case 'jku':
      count(name, 'jku');
      sendJson(res, 200, jwksOf(['attacker']));
      break;
    case 'stats':
      sendJson(res, 200, stats.get(name) || {});
      break;
    case 'reset':
      stats.delete(name);
      sendJson(res, 200, {});
      break;
    default:
      sendJson(res, 404, { error: 'not_found' });
  }
}

// ------------------------------------------------------------------ serving

const server = https.createServer(tls);
server.on('tlsClientError', () => {});
server.on('error', (err) => die(`listen on 127.0.0.1: ${err.message}`));
server.on('request', (req, res) => {
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number((process.hrtime.bigint() - started) / 1000000n);
    const path = String(req.url || '/').split('?')[0];
    log(`${req.method} ${path} ${res.statusCode} ${ms}ms${req.hostileNote ? ` (${req.hostileNote})` : ''}`);
  });
  route(req, res).catch((err) => {
    req.hostileNote = err.message;
    if (!res.headersSent) {
      sendJson(res, err.status || 502, { error: 'server_error', error_description: err.message });
    } else {
      res.destroy();
    }
  });
});
await new Promise((resolve) => {
  server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, resolve);
});
const { port } = server.address();

// ------------------------------------------------------------- lifecycle

stopOnSignalOrLifetime({ servers: [server], portFile, lifetimeS: Number(args.lifetime), log });
writeAtomically(portFile, `${port}\n`);
log(`ready: https://127.0.0.1:${port}, upstream ${args.upstream}, ${Object.keys(CASES).length} cases, `
  + `pid ${process.pid}, lifetime ${args.lifetime}s`);
