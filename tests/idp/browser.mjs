// A scripted "browser" for headless tests of the loopback sign-in flow.
//
// node browser.mjs --ca CA.pem --user NAME --password PW [--print-callback]
//                  [--cancel] [--timeout SECONDS] [--verbose] URL
//
// Starts at URL (the provider's authorization request, https on loopback),
// follows redirects by hand with its own cookie jar, fills in and submits the
// provider's sign-in form, and follows redirects until one points at a
// loopback http callback (http://127.0.0.1:PORT/..., http://[::1]:PORT/...,
// http://localhost:PORT/...).
//
//   --print-callback  print the callback URL on stdout and exit 0, without
//                     requesting it
//   otherwise         GET the callback URL, print "HTTP <status>" and the body
//                     on stdout; exit 0 if the status is 200, else 1
//   --cancel          press "Cancel" on the sign-in page instead of signing
//                     in: the expected callback then carries
//                     error=access_denied; exit 0 once it is delivered (any
//                     status) or printed
//
// Exit status: 0 success; 1 failure (login refused, provider error, bad
// status, timeout, ...); 2 a redirect to a host that is not loopback;
// 64 usage.  Messages go to stderr.

import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { parseArgs } from 'node:util';

const PROG = 'browser';
const MAX_REDIRECTS = 20;
const MAX_BODY = 1024 * 1024;

function fail(code, msg) {
  process.stderr.write(`${PROG}: ${msg}\n`);
  process.exit(code);
}

const USAGE = 'usage: node browser.mjs --ca CA.pem --user NAME --password PW '
  + '[--print-callback] [--cancel] [--timeout SECONDS] [--verbose] URL';

let opts;
let positionals;
try {
  ({ values: opts, positionals } = parseArgs({
    options: {
      ca: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      'print-callback': { type: 'boolean', default: false },
      cancel: { type: 'boolean', default: false },
      timeout: { type: 'string', default: '20' },
      verbose: { type: 'boolean', short: 'v', default: false },
    },
    strict: true,
    allowPositionals: true,
  }));
} catch (err) {
  fail(64, `${err.message}\n${USAGE}`);
}
if (positionals.length !== 1) fail(64, USAGE);
if (!opts.ca) fail(64, `--ca is required\n${USAGE}`);
if (!opts.cancel && (opts.user === undefined || opts.password === undefined)) {
  fail(64, `--user and --password are required\n${USAGE}`);
}
if (!/^\d+(\.\d+)?$/.test(opts.timeout) || Number(opts.timeout) <= 0 || Number(opts.timeout) > 3600) {
  fail(64, `bad --timeout: ${opts.timeout}`);
}

let ca;
try {
  ca = readFileSync(opts.ca);
} catch (err) {
  fail(64, `cannot read --ca ${opts.ca}: ${err.message}`);
}

function verbose(msg) {
  if (opts.verbose) process.stderr.write(`${PROG}: ${msg}\n`);
}

let currentUrl = '';
const timer = setTimeout(() => {
  fail(1, `timed out after ${opts.timeout}s${currentUrl ? ` (at ${currentUrl})` : ''}`);
}, Number(opts.timeout) * 1000);

// ------------------------------------------------------------ URL policing

function isLoopbackHost(hostname) {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(hostname);
  return Boolean(m && m.slice(1).every((n) => Number(n) <= 255));
}

function isCallback(url) {
  return url.protocol === 'http:' && isLoopbackHost(url.hostname);
}

function checkAllowed(url) {
  if (!['http:', 'https:'].includes(url.protocol) || !isLoopbackHost(url.hostname)) {
    fail(2, `refusing to go to a location that is not on loopback: ${url.href}`);
  }
}

// --------------------------------------------------------------- cookie jar
// RFC 6265, reduced to what a loopback test needs: host-only and domain
// cookies, Path, Max-Age / Expires, Secure.

const jar = new Map(); // key "domain|path|name" -> cookie

function defaultPath(url) {
  const p = url.pathname;
  if (!p.startsWith('/') || p.lastIndexOf('/') === 0) return '/';
  return p.slice(0, p.lastIndexOf('/'));
}

function pathMatches(requestPath, cookiePath) {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function isIpHost(hostname) {
  return hostname.startsWith('[') || /^\d+\.\d+\.\d+\.\d+$/.test(hostname);
}

function domainMatches(hostname, cookie) {
  if (cookie.hostOnly) return hostname === cookie.domain;
  return hostname === cookie.domain
    || (!isIpHost(hostname) && hostname.endsWith(`.${cookie.domain}`));
}

function storeCookie(url, header) {
  const [pair, ...attrs] = header.split(';');
  const eq = pair.indexOf('=');
  if (eq <= 0) return;
  const name = pair.slice(0, eq).trim();
  const value = pair.slice(eq + 1).trim();
  const host = url.hostname.toLowerCase();
  const cookie = {
    name, value, domain: host, hostOnly: true, path: defaultPath(url), secure: false, expires: Infinity,
  };
  let maxAgeSeen = false;
  for (const attr of attrs) {
    const i = attr.indexOf('=');
    const key = (i === -1 ? attr : attr.slice(0, i)).trim().toLowerCase();
    const val = i === -1 ? '' : attr.slice(i + 1).trim();
    if (key === 'path' && val.startsWith('/')) {
      cookie.path = val;
    } else if (key === 'domain' && val) {
      const d = val.replace(/^\./, '').toLowerCase();
      if (d !== host && (isIpHost(host) || !host.endsWith(`.${d}`))) return; // not ours: ignore
      cookie.domain = d;
      cookie.hostOnly = false;
    } else if (key === 'secure') {
      cookie.secure = true;
    } else if (key === 'max-age' && /^-?\d+$/.test(val)) {
      maxAgeSeen = true;
      cookie.expires = Number(val) <= 0 ? 0 : Date.now() + Number(val) * 1000;
    } else if (key === 'expires' && !maxAgeSeen) {
      const t = Date.parse(val);
      if (!Number.isNaN(t)) cookie.expires = t;
    }
  }
  const key = `${cookie.domain}|${cookie.path}|${cookie.name}`;
  if (cookie.expires <= Date.now()) {
    jar.delete(key);
  } else {
    jar.set(key, cookie);
  }
}

function cookieHeader(url) {
  const now = Date.now();
  const host = url.hostname.toLowerCase();
  const list = [];
  for (const [key, c] of jar) {
    if (c.expires <= now) {
      jar.delete(key);
    } else if (domainMatches(host, c) && pathMatches(url.pathname, c.path)
      && (!c.secure || url.protocol === 'https:')) {
      list.push(c);
    }
  }
  list.sort((a, b) => b.path.length - a.path.length);
  return list.map((c) => `${c.name}=${c.value}`).join('; ');
}

// ------------------------------------------------------------------- HTTP

function request(url, method = 'GET', form = undefined) {
  currentUrl = url.href;
  const body = form === undefined ? undefined : Buffer.from(form.toString());
  const headers = {
    'User-Agent': 'pam-pkce-test-browser/1',
    Accept: 'text/html,application/xhtml+xml,*/*;q=0.8',
  };
  const cookies = cookieHeader(url);
  if (cookies) headers.Cookie = cookies;
  if (body) {
    headers['Content-Type'] = 'application/x-www-form-urlencoded';
    headers['Content-Length'] = body.length;
  }
  const mod = url.protocol === 'https:' ? https : http;
  const options = { method, headers, agent: false };
  if (url.protocol === 'https:') options.ca = ca;

  return new Promise((resolve, reject) => {
    const req = mod.request(url, options, (res) => {
      const chunks = [];
      let size = 0;
      res.on('data', (chunk) => {
        size += chunk.length;
        if (size > MAX_BODY) {
          req.destroy(new Error(`response body from ${url.href} larger than ${MAX_BODY} bytes`));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => {
        for (const sc of res.headers['set-cookie'] || []) storeCookie(url, sc);
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ------------------------------------------------------------- tiny HTML

function decodeEntities(s) {
  return s.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos|#39);/gi, (_m, e) => {
    const lower = e.toLowerCase();
    if (lower.startsWith('#x')) return String.fromCodePoint(parseInt(lower.slice(2), 16));
    if (lower.startsWith('#')) return String.fromCodePoint(parseInt(lower.slice(1), 10));
    return {
      amp: '&', lt: '<', gt: '>', quot: '"', apos: "'",
    }[lower];
  });
}

function attributes(tag) {
  const attrs = {};
  const re = /([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+)))?/g;
  const inner = tag.replace(/^<\s*[a-z]+/i, '').replace(/\/?>$/, '');
  let m;
  while ((m = re.exec(inner)) !== null) {
    attrs[m[1].toLowerCase()] = decodeEntities(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

function parseForms(html) {
  const forms = [];
  const formRe = /(<form\b[^>]*>)([\s\S]*?)<\/form\s*>/gi;
  let m;
  while ((m = formRe.exec(html)) !== null) {
    const attrs = attributes(m[1]);
    const controls = [];
    const controlRe = /<(input|button)\b[^>]*>/gi;
    let c;
    while ((c = controlRe.exec(m[2])) !== null) {
      controls.push({ tag: c[1].toLowerCase(), ...attributes(c[0]) });
    }
    forms.push({ attrs, controls });
  }
  return forms;
}

function textOf(html, id) {
  const re = new RegExp(`<([a-z0-9]+)\\b[^>]*\\bid=["']${id}["'][^>]*>([\\s\\S]*?)</\\1\\s*>`, 'i');
  const m = re.exec(html);
  if (!m) return undefined;
  return decodeEntities(m[2].replace(/<[^>]*>/g, '')).replace(/\s+/g, ' ').trim();
}

function pageSummary(html) {
  const error = textOf(html, 'error');
  const desc = textOf(html, 'error_description');
  if (error || desc) return [error, desc].filter(Boolean).join(': ');
  const title = /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(html);
  const text = decodeEntities(html.replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '').replace(/<[^>]*>/g, ' '))
    .replace(/\s+/g, ' ').trim();
  return `${title ? `${title[1].trim()} - ` : ''}${text.slice(0, 300)}`;
}

// Build the form data a browser would send when `button` is clicked.
function formData(form, button, values) {
  const data = new URLSearchParams();
  for (const c of form.controls) {
    if (!c.name || 'disabled' in c) continue;
    const type = (c.type || (c.tag === 'button' ? 'submit' : 'text')).toLowerCase();
    if (['submit', 'image', 'reset', 'button'].includes(type)) {
      if (c === button) data.append(c.name, c.value ?? '');
      continue;
    }
    if ((type === 'checkbox' || type === 'radio') && !('checked' in c)) continue;
    if (type === 'file') continue;
    data.append(c.name, Object.hasOwn(values, c.name) ? values[c.name] : (c.value ?? ''));
  }
  return data;
}

function findLoginForm(forms) {
  return forms.find((f) => f.controls.some((c) => c.name === 'username')
    && f.controls.some((c) => c.name === 'password'));
}

function findCancelForm(forms) {
  return forms.find((f) => f.controls.some((c) => c.id === 'cancel'))
    || forms.find((f) => /\/abort$/.test(f.attrs.action || ''));
}

// ------------------------------------------------------------------- flow

async function deliver(callback) {
  const error = callback.searchParams.get('error');
  if (error) {
    const desc = callback.searchParams.get('error_description');
    const msg = `provider returned error=${error}${desc ? ` (${desc})` : ''}`;
    if (!opts.cancel) process.stderr.write(`${PROG}: ${msg}\n`);
    else verbose(msg);
  } else if (opts.cancel) {
    process.stderr.write(`${PROG}: --cancel given, but the callback carries no error\n`);
  }
  const expected = opts.cancel ? error === 'access_denied' : !error;

  if (opts['print-callback']) {
    process.stdout.write(`${callback.href}\n`);
    return expected ? 0 : 1;
  }

  verbose(`GET ${callback.href}`);
  let res;
  try {
    res = await request(callback);
  } catch (err) {
    fail(1, `callback ${callback.href}: ${err.message}`);
  }
  process.stdout.write(`HTTP ${res.status}\n${res.body}${res.body.endsWith('\n') || !res.body ? '' : '\n'}`);
  if (!expected) return 1;
  if (opts.cancel) return 0;
  if (res.status !== 200) {
    process.stderr.write(`${PROG}: callback answered HTTP ${res.status}\n`);
    return 1;
  }
  return 0;
}

async function run() {
  let url;
  try {
    url = new URL(positionals[0]);
  } catch {
    fail(64, `not a URL: ${positionals[0]}`);
  }
  if (url.protocol !== 'https:') fail(64, `start URL must be https: ${url.href}`);
  checkAllowed(url);

  let method = 'GET';
  let form;
  let redirects = 0;
  let submittedLogin = false;
  let submittedCancel = false;

  for (;;) {
    verbose(`${method} ${url.href}`);
    let res;
    try {
      res = await request(url, method, form);
    } catch (err) {
      fail(1, `${method} ${url.href}: ${err.message}`);
    }

    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      let next;
      try {
        next = new URL(res.headers.location, url);
      } catch {
        fail(1, `bad Location header from ${url.href}: ${res.headers.location}`);
      }
      redirects += 1;
      if (redirects > MAX_REDIRECTS) fail(1, `more than ${MAX_REDIRECTS} redirects (at ${next.href})`);
      checkAllowed(next);
      if (isCallback(next)) return deliver(next);
      if (!(res.status === 307 || res.status === 308)) {
        method = 'GET';
        form = undefined;
      }
      url = next;
      continue;
    }

    const type = String(res.headers['content-type'] || '');
    if (res.status === 200 && type.startsWith('text/html')) {
      const forms = parseForms(res.body);
      const login = findLoginForm(forms);
      if (login) {
        if (submittedLogin || submittedCancel) {
          const why = textOf(res.body, 'error') || 'the sign-in page was shown again';
          fail(1, `login refused for user ${JSON.stringify(opts.user)}: ${why}`);
        }
        let target = login;
        let values;
        if (opts.cancel) {
          target = findCancelForm(forms);
          if (!target) fail(1, `no cancel button on the sign-in page ${url.href}`);
          values = {};
          submittedCancel = true;
        } else {
          values = { username: opts.user, password: opts.password };
          submittedLogin = true;
        }
        const button = target.controls.find((c) => c.id === 'submit' || c.id === 'cancel')
          || target.controls.find((c) => c.tag === 'button' || c.type === 'submit');
        const formMethod = String(target.attrs.method || 'get').toUpperCase();
        const action = new URL(target.attrs.action || url.href, url);
        checkAllowed(action);
        const data = formData(target, button, values);
        if (formMethod === 'POST') {
          method = 'POST';
          form = data;
          url = action;
        } else {
          action.search = data.toString();
          method = 'GET';
          form = undefined;
          url = action;
        }
        continue;
      }
      fail(1, `provider error page at ${url.href}: ${pageSummary(res.body)}`);
    }

    fail(1, `unexpected HTTP ${res.status} (${type || 'no content type'}) from ${url.href}: `
      + `${pageSummary(res.body)}`);
  }
}

run().then((code) => {
  clearTimeout(timer);
  process.exitCode = code;
  process.exit(code);
}, (err) => {
  fail(1, `internal error: ${err.stack || err}`);
});
