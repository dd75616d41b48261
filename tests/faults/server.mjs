// A misbehaving OpenID Provider for the provider-fault tests of pam_pkce
// (tests/integration/provider_faults.sh).  Node built-ins only.
//
// node server.mjs --certdir DIR --port-file FILE --upstream ISSUER --ca CA.pem
//                 [--lifetime SECONDS (default 300)]
//
// Every fault has its own route prefix, so one server serves them all:
// any request under /fault/NAME/ gets fault NAME's answer, whatever the
// rest of the path (the module asks for NAME/.well-known/openid-configuration
// when the issuer is https://127.0.0.1:PORT/fault/NAME, and POSTs to or GETs
// whatever token_endpoint / jwks_uri names).  GET /stats returns, per fault,
// {"hits":N,"on":{"LISTENER":N,...},"held_ms":[...]}: the requests, the
// listeners they came in on, and how long each request's connection stayed
// open before the client (the module) gave up or the answer ended.
//
// Listeners, all on 127.0.0.1 only, ephemeral ports, written to --port-file
// (atomically) as "NAME PORT" lines once all listen:
//   main        HTTPS with DIR/server.pem (the test CA's certificate)
//   plain       plain HTTP, the same routes
//   expired     HTTPS with DIR/expired.pem   (test CA, expired in 2020)
//   wronghost   HTTPS with DIR/wronghost.pem (test CA, wrong-host.example)
//   unknownca   HTTPS with DIR/unknownca.pem (a CA nobody trusts)
//   selfsigned  HTTPS with DIR/selfsigned.pem
//   stall       TCP that accepts and never says a word (no TLS handshake)
// The certificate listeners serve the same routes, so a module that
// accepted the certificate would get a valid discovery document from
// /fault/ok/ and go on: the test then sees an authorize URL.
//
// The upstream (the real test provider) discovery document is read once at
// start; "valid" documents below are it with "issuer" replaced by the
// fault's own issuer (scheme://Host/fault/NAME), so its endpoints are real.
//
// Exits by itself after --lifetime seconds and on SIGTERM / SIGINT.

import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import { freshKeyPair } from '../idp/keypair.mjs';
import {
  parseServerArgs, reporter, stopOnSignalOrLifetime, writeAtomically,
} from '../idp/lifecycle.mjs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import { join } from 'node:path';

const PROG = 'faults';
// Nothing here may run for long, whatever the client does.
const MAX_STREAM = 64 * 1024 * 1024;
const MAX_HOLD_MS = 120 * 1000;

const { log, die } = reporter(PROG);

// ---------------------------------------------------------------- arguments

const args = parseServerArgs({
  usage: 'usage: node server.mjs --certdir DIR --port-file FILE --upstream ISSUER '
    + '--ca CA.pem [--lifetime SECONDS]',
  options: {
    upstream: { type: 'string' },
    ca: { type: 'string' },
  },
  required: ['upstream', 'ca'],
  lifetime: 300,
  die,
});
const upstream = new URL(args.upstream);
if (upstream.protocol !== 'https:' || !['127.0.0.1', '[::1]'].includes(upstream.hostname)) {
  die(`--upstream must be https on a loopback address: ${args.upstream}`);
}

function pair(name) {
  try {
    return {
      key: readFileSync(join(args.certdir, `${name}.key`)),
      cert: readFileSync(join(args.certdir, `${name}.pem`)),
    };
  } catch (err) {
    return die(`cannot read ${name}.key / ${name}.pem in ${args.certdir}: ${err.message}`);
  }
}
const upstreamCa = readFileSync(args.ca);

// ---------------------------------------------------------------- upstream

function fetchJson(url) {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca: upstreamCa, agent: false, timeout: 10000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        if (res.statusCode !== 200) {
          reject(new Error(`HTTP ${res.statusCode}`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

const upstreamBase = args.upstream.replace(/\/$/, '');
let upstreamDoc;
try {
  upstreamDoc = await fetchJson(`${upstreamBase}/.well-known/openid-configuration`);
} catch (err) {
  die(`cannot read the upstream discovery document: ${err.message}`);
}
for (const m of ['authorization_endpoint', 'token_endpoint', 'jwks_uri']) {
  if (typeof upstreamDoc[m] !== 'string') die(`upstream discovery lacks ${m}`);
}

// A JWKS with keys that must all be refused: a symmetric key, an RSA key
// for encryption, an RSA key too small, an EC key on a curve nobody uses
// for JWS, and an EC key missing its y coordinate.
function jwkOf(type, options, extra) {
  return { ...freshKeyPair(type, options).publicKey.export({ format: 'jwk' }), ...extra };
}
const ec = jwkOf('ec', { namedCurve: 'P-256' }, { kid: 'no-y', use: 'sig', alg: 'ES256' });
delete ec.y;
const UNUSABLE_JWKS = {
  keys: [
    { kty: 'oct', kid: 'oct', k: randomBytes(32).toString('base64url'), alg: 'HS256' },
    jwkOf('rsa', { modulusLength: 2048 }, { kid: 'enc', use: 'enc', alg: 'RSA-OAEP' }),
    jwkOf('rsa', { modulusLength: 1024 }, { kid: 'small', use: 'sig', alg: 'RS256' }),
    jwkOf('ec', { namedCurve: 'secp256k1' }, { kid: 'k1', use: 'sig' }),
    ec,
  ],
};

// ------------------------------------------------------------------ faults

const stats = new Map();
function note(name, listener) {
  const s = stats.get(name) || { hits: 0, on: {}, held_ms: [] };
  s.hits += 1;
  s.on[listener] = (s.on[listener] || 0) + 1;
  stats.set(name, s);
  return s;
}

function issuerOf(req, name) {
  const scheme = req.socket.encrypted ? 'https' : 'http';
  return `${scheme}://${req.headers.host}/fault/${name}`;
}

function validDoc(req, name, patch = {}) {
  return { ...upstreamDoc, issuer: issuerOf(req, name), ...patch };
}

function send(res, status, type, body, extra = {}) {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  res.writeHead(status, {
    'Content-Type': type, 'Content-Length': buf.length, 'Cache-Control': 'no-store', ...extra,
  });
  res.end(buf);
}
const sendJson = (res, status, obj, extra) => send(res, status, 'application/json', JSON.stringify(obj), extra);

const HTML = '<!DOCTYPE html><html><head><title>Service Unavailable</title></head>'
  + '<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service '
  + 'your request.</p></body></html>\n';

// Write CHUNK to RES for as long as the client reads (bounded by MAX_STREAM).
function stream(res, chunk) {
  let sent = 0;
  const pump = () => {
    while (!res.destroyed && sent < MAX_STREAM) {
      sent += chunk.length;
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.destroy();
  };
  pump();
}

// One byte of TEXT per second through WRITE, until SOCKET closes.
function drip(socket, text, write = (b) => socket.write(b)) {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) {
      clearInterval(timer);
      return;
    }
    write(text[i % text.length]);
    i += 1;
  }, 1000);
  socket.once('close', () => clearInterval(timer));
}

const GZIP_BOMB = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20), { level: 9 });
const nested = (depth, open, close, inner) => open.repeat(depth) + inner + close.repeat(depth);

// Each fault: (req, res, ctx) => void.  ctx.port: the main HTTPS port.
const FAULTS = {
  // Controls: a good document (the listener tests and the certificate
  // listeners rely on it), and the target of the redirect below.
  ok: (req, res) => sendJson(res, 200, validDoc(req, 'ok')),
  redirect_target: (req, res) => sendJson(res, 200, validDoc(req, 'redirect')),

  http_500: (req, res) => sendJson(res, 500, { error: 'server_error' }),
  http_503_html: (req, res) => send(res, 503, 'text/html; charset=utf-8', HTML, { 'Retry-After': '120' }),
  http_404: (req, res) => send(res, 404, 'text/plain', 'not found\n'),
  html_200: (req, res) => send(res, 200, 'text/html; charset=utf-8', HTML),
  json_array: (req, res) => sendJson(res, 200, [validDoc(req, 'json_array')]),
  json_string: (req, res) => sendJson(res, 200, JSON.stringify(validDoc(req, 'json_string'))),
  // Content-Length promises more than comes; then the connection closes.
  truncated_json: (req, res) => {
    const body = Buffer.from(JSON.stringify(validDoc(req, 'truncated_json')));
    const part = body.subarray(0, body.length >> 1);
    res.socket.end(Buffer.concat([
      Buffer.from(`HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${body.length + 1000}\r\n\r\n`),
      part,
    ]));
  },
  // Chunked JSON white space that never ends, as fast as the client reads.
  endless_chunked: (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{"issuer":');
    stream(res, Buffer.alloc(64 * 1024, 0x20));
  },
  // 1 MiB of white space, then a valid document: twice the 512 KiB cap,
  // announced by Content-Length.
  oversize_length: (req, res) => {
    const doc = Buffer.from(JSON.stringify(validDoc(req, 'oversize_length')));
    send(res, 200, 'application/json', Buffer.concat([Buffer.alloc(1024 * 1024, 0x20), doc]));
  },
  // The same without Content-Length (chunked): only the module's own cap stops it.
  oversize_chunked: (req, res) => {
    const doc = Buffer.from(JSON.stringify(validDoc(req, 'oversize_chunked')));
    res.writeHead(200, { 'Content-Type': 'application/json' });
    for (let i = 0; i < 16; i++) res.write(Buffer.alloc(64 * 1024, 0x20));
    res.end(doc);
  },
  // Headers that never end, as fast as the client reads.
  endless_headers: (req, res) => {
    const sock = res.socket;
    sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n');
    const line = Buffer.from(`X-Filler: ${'a'.repeat(1000)}\r\n`.repeat(64));
    let sent = 0;
    const pump = () => {
      while (!sock.destroyed && sent < MAX_STREAM) {
        sent += line.length;
        if (!sock.write(line)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.destroy();
    };
    pump();
  },
  // 1xx interim responses that never end (each a small header block).
  endless_1xx: (req, res) => {
    const sock = res.socket;
    const block = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n'.repeat(256));
    let sent = 0;
    const pump = () => {
      while (!sock.destroyed && sent < MAX_STREAM) {
        sent += block.length;
        if (!sock.write(block)) {
          sock.once('drain', pump);
          return;
        }
      }
      sock.destroy();
    };
    pump();
  },
  // Unasked-for gzip: a few KiB that would inflate to 64 MiB of white space.
  gzip_bomb: (req, res) => {
    send(res, 200, 'application/json', GZIP_BOMB, { 'Content-Encoding': 'gzip' });
  },
  // Deep nesting: a recursive parser without a depth limit overflows its
  // stack.  Each under the 512 KiB cap, so that the parser sees it.
  deep_array: (req, res) => send(res, 200, 'application/json', nested(100000, '[', ']', '')),
  deep_in_object: (req, res) => {
    const doc = JSON.stringify(validDoc(req, 'deep_in_object'));
    send(res, 200, 'application/json', `${doc.slice(0, -1)},"x":${nested(100000, '[', ']', '')}}`);
  },
  deep_objects: (req, res) => {
    const doc = JSON.stringify(validDoc(req, 'deep_objects'));
    send(res, 200, 'application/json', `${doc.slice(0, -1)},"x":${nested(80000, '{"a":', '}', '1')}}`);
  },
  // Not followed: following it would give a valid document.
  redirect: (req, res, ctx) => {
    const to = `https://127.0.0.1:${ctx.port}/fault/redirect_target/.well-known/openid-configuration`;
    send(res, 302, 'text/plain', `see ${to}\n`, { Location: to });
  },
  // A token endpoint that passes the request on to the real one, with
  // method and body (307): following it would redeem the code.
  token_redirect_307: (req, res) => {
    send(res, 307, 'text/plain', 'moved\n', { Location: upstreamDoc.token_endpoint });
  },
  jwks_redirect: (req, res) => {
    send(res, 302, 'text/plain', 'moved\n', { Location: upstreamDoc.jwks_uri });
  },
  // One byte a second, from the status line on, forever.
  drip: (req, res) => drip(res.socket, 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n'),
  // Headers at once, then the body one byte a second (one chunk each), forever.
  drip_body: (req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.write('{');
    drip(res.socket, ' ', (b) => res.write(b));
  },
  // The request is read and never answered.
  silent: () => {},
  issuer_mismatch: (req, res) => sendJson(res, 200, validDoc(req, 'issuer_mismatch', {
    issuer: 'https://idp.attacker.example',
  })),
  no_s256: (req, res) => sendJson(res, 200, validDoc(req, 'no_s256', {
    code_challenge_methods_supported: ['plain'],
  })),
  // A document that sends the code (and verifier) to a plain-HTTP endpoint
  // on a name, not a loopback literal.
  http_token_endpoint: (req, res, ctx) => sendJson(res, 200, validDoc(req, 'http_token_endpoint', {
    token_endpoint: `http://localhost:${ctx.plainPort}/fault/token_500/token`,
  })),
  jwks_no_key: (req, res) => sendJson(res, 200, UNUSABLE_JWKS),
  token_500: (req, res) => sendJson(res, 500, { error: 'server_error', error_description: 'boom' }),
  // Not a refusal of the code: a wrong endpoint, and rate limiting.
  token_404: (req, res) => send(res, 404, 'text/html', '<html><body>Not Found</body></html>\n'),
  token_429: (req, res) => sendJson(res, 429, { error: 'too_many_requests' }, { 'Retry-After': '60' }),
  token_invalid_grant: (req, res) => sendJson(res, 400, {
    error: 'invalid_grant', error_description: 'grant request is invalid',
  }),
};

// ------------------------------------------------------------------ serving

const ctx = {};

function handle(listener, req, res) {
  const started = Date.now();
  const url = new URL(req.url || '/', 'http://x');
  if (url.pathname === '/stats' && req.method === 'GET') {
    sendJson(res, 200, Object.fromEntries(stats));
    return;
  }
  const m = /^\/fault\/([a-z0-9_]{1,64})(\/|$)/.exec(url.pathname);
  if (!m || !Object.hasOwn(FAULTS, m[1])) {
    sendJson(res, 404, { error: 'no such fault' });
    return;
  }
  const name = m[1];
  const s = note(name, listener);
  // Bounded on our side too, whatever the fault.
  const socket = req.socket;
  const guard = setTimeout(() => socket.destroy(), MAX_HOLD_MS);
  socket.once('close', () => {
    clearTimeout(guard);
    s.held_ms.push(Date.now() - started);
  });
  // Read (and drop) any request body first, so that the fault is the answer.
  req.resume();
  req.once('end', () => {
    log(`${listener}: ${req.method} ${url.pathname} -> ${name}`);
    try {
      FAULTS[name](req, res, ctx);
    } catch (err) {
      log(`fault ${name}: ${err.message}`);
      socket.destroy();
    }
  });
}

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(server.address().port));
  });
}

function configure(listener, server) {
  // No keep-alive: every request on a connection of its own, so that
  // held_ms measures one request.
  server.keepAliveTimeout = 1;
  server.on('request', (req, res) => {
    res.shouldKeepAlive = false;
    handle(listener, req, res);
  });
  server.on('tlsClientError', () => {});
  server.on('clientError', (err, socket) => socket.destroy());
  return server;
}

const servers = {
  main: configure('main', https.createServer(pair('server'))),
  plain: configure('plain', http.createServer()),
  expired: configure('expired', https.createServer(pair('expired'))),
  wronghost: configure('wronghost', https.createServer(pair('wronghost'))),
  unknownca: configure('unknownca', https.createServer(pair('unknownca'))),
  selfsigned: configure('selfsigned', https.createServer(pair('selfsigned'))),
};
const stalled = new Set();
servers.stall = net.createServer((sock) => {
  const s = note('stall', 'stall');
  const started = Date.now();
  stalled.add(sock);
  sock.on('error', () => {});
  sock.resume();
  const guard = setTimeout(() => sock.destroy(), MAX_HOLD_MS);
  sock.once('close', () => {
    clearTimeout(guard);
    stalled.delete(sock);
    s.held_ms.push(Date.now() - started);
  });
});

const ports = {};
try {
  for (const [name, server] of Object.entries(servers)) ports[name] = await listen(server);
} catch (err) {
  die(`listen on 127.0.0.1: ${err.message}`);
}
ctx.port = ports.main;
ctx.plainPort = ports.plain;

const portFile = args['port-file'];
stopOnSignalOrLifetime({
  servers: Object.values(servers), portFile, lifetimeS: Number(args.lifetime), log,
});
writeAtomically(portFile, Object.entries(ports).map(([n, p]) => `${n} ${p}\n`).join(''));
log(`ready: ${Object.entries(ports).map(([n, p]) => `${n}=${p}`).join(' ')}, pid ${process.pid}`);
