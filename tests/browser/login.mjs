// Real-browser sign-in for the pam_pkce tests: headless Chromium (Debian's
// /usr/bin/chromium) driven through playwright-core.
//
// node login.mjs --user U --password P [--ca CA.pem] [--cancel]
//                [--screenshot FILE] [--timeout SECONDS] [--verbose] URL
//
// Opens URL (the /authorize URL the module showed), fills in "username" and
// "password" on the provider's sign-in page and presses "submit" (or, with
// --cancel, presses "cancel"), then waits until the browser has landed on
// the loopback callback (http://127.0.0.1:PORT/..., http://[::1]:PORT/...,
// http://localhost:PORT/...) and that page has loaded.
//
// --ca CA.pem   trust this CA for the provider's TLS, the way a person
//               would: it is added to an NSS database of a throw-away HOME
//               ($HOME/.pki/nssdb, which Chromium on Linux reads), so the
//               certificate is verified for real; without --ca only the
//               system trust store counts.  Certificate errors are never
//               ignored.
//
// Prints on stdout what the person sees at the end:
//   url: <final URL, query values hidden>
//   status: <HTTP status of the final page>
//   title: <page title>
//   <page text>
// and saves a screenshot of the final page when asked (also on failure, of
// whatever the browser shows then).
//
// Exit status: 0 the final page is the module's "Signed in" page; 1 the
// browser reached the callback but the page says something else (e.g.
// "Sign-in refused"); 2 the browser never got a page from the callback
// (provider refused the password, listener gone, time out, ...); 3 the
// browser or a helper could not be started; 64 usage.  Progress and
// diagnostics go to stderr.
//
// Everything (HOME, profile, Playwright's temporary files) lives in one
// temporary directory that is removed at exit; the browser is closed, and
// if it does not close, the process Playwright started for it is killed.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const PROG = 'login.mjs';
const CHROMIUM = process.env.PKCE_CHROMIUM || '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox', // root in a container: no user namespaces for the sandbox
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-proxy-server', // loopback only, whatever *_proxy says
];
const USAGE = 'usage: node login.mjs --user U --password P [--ca CA.pem] [--cancel] '
  + '[--screenshot FILE] [--timeout SECONDS] [--verbose] URL';

const EXIT = { signedIn: 0, otherPage: 1, noCallback: 2, setup: 3, usage: 64 };

// Diagnostics, with URLs redacted and terminal escapes dropped.
function say(msg) {
  // eslint-disable-next-line no-control-regex
  const clean = redactText(String(msg).replace(/\x1b\[[0-9;]*m/g, ''));
  process.stderr.write(`${PROG}: ${clean}\n`);
}

function usage(msg) {
  say(`${msg}\n${USAGE}`);
  process.exit(EXIT.usage);
}

// ---------------------------------------------------------------- arguments

let opts;
let positionals;
try {
  ({ values: opts, positionals } = parseArgs({
    options: {
      user: { type: 'string' },
      password: { type: 'string' },
      ca: { type: 'string' },
      cancel: { type: 'boolean', default: false },
      screenshot: { type: 'string' },
      timeout: { type: 'string', default: '30' },
      verbose: { type: 'boolean', short: 'v', default: false },
    },
    strict: true,
    allowPositionals: true,
  }));
} catch (err) {
  usage(err.message);
}
if (positionals.length !== 1) usage('exactly one URL is needed');
if (!opts.cancel && (opts.user === undefined || opts.password === undefined)) {
  usage('--user and --password are required (unless --cancel)');
}
if (!/^\d+(\.\d+)?$/.test(opts.timeout) || Number(opts.timeout) <= 0 || Number(opts.timeout) > 600) {
  usage(`bad --timeout (seconds, 0 < S <= 600): ${opts.timeout}`);
}
let startUrl;
try {
  startUrl = new URL(positionals[0]);
} catch {
  usage(`not a URL: ${positionals[0]}`);
}
if (startUrl.protocol !== 'https:') usage(`the authorize URL must be https: ${startUrl.protocol}`);

const deadline = Date.now() + Number(opts.timeout) * 1000;
const remaining = () => Math.max(1, deadline - Date.now());

function verbose(msg) {
  if (opts.verbose) say(msg);
}

// The loopback redirect URI the module listens on (RFC 8252 7.3).
function isCallback(href) {
  let u;
  try {
    u = new URL(href);
  } catch {
    return false;
  }
  return u.protocol === 'http:' && ['127.0.0.1', '[::1]', 'localhost'].includes(u.hostname)
    && u.port !== '';
}

// A URL for the log: parameter names kept, values (code, state, ...) hidden.
function redact(href) {
  try {
    const u = new URL(href);
    const names = [...u.searchParams.keys()];
    const query = names.length ? `?${names.map((n) => `${n}=...`).join('&')}` : '';
    const base = u.origin === 'null' ? `${u.protocol}${u.host ? `//${u.host}` : ''}` : u.origin;
    return `${base}${u.pathname}${query}`;
  } catch {
    return String(href).replace(/[?#].*/, '?...');
  }
}

// The same for every URL inside a text (Playwright's error messages and
// Chromium's error pages quote whole URLs).
function redactText(text) {
  return String(text).replace(/\b(https?:\/\/[^\s"'<>]+)/g, (m) => redact(m));
}

// ------------------------------------------------------------------- set-up

let playwright;
try {
  playwright = await import('playwright-core');
} catch (err) {
  say(`playwright-core is not installed (run tests/setup-deps.sh, or npm ci in tests/browser): ${err.message}`);
  process.exit(EXIT.setup);
}

const scratch = mkdtempSync(join(tmpdir(), 'pam-pkce-browser-'));
const home = join(scratch, 'home');
mkdirSync(home, { mode: 0o700 });

let browser;
let chromiumProcess;
let finished = false;

function removeScratch() {
  try {
    rmSync(scratch, { recursive: true, force: true });
  } catch (err) {
    say(`cannot remove ${scratch}: ${err.message}`);
  }
}

// Kill the browser process Playwright started (and only that one: it is a
// process group leader, so its helpers (renderer, GPU, zygote) go with it).
function killChromium() {
  const pid = chromiumProcess?.pid;
  if (!pid || chromiumProcess.exitCode !== null || chromiumProcess.signalCode !== null) return;
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, 'SIGKILL');
      return;
    } catch {
      // not a group leader, or gone already: try the next
    }
  }
}

async function closeBrowser() {
  if (!browser) return;
  const b = browser;
  browser = undefined;
  let timer;
  const closed = await Promise.race([
    b.close().then(() => true, () => false),
    new Promise((resolve) => { timer = setTimeout(() => resolve(false), 5000); }),
  ]);
  clearTimeout(timer);
  if (!closed) {
    say('the browser did not close; killing the process Playwright started');
    killChromium();
  }
}

async function finish(code) {
  if (finished) return;
  finished = true;
  await closeBrowser();
  removeScratch();
  process.exit(code);
}

// A hard bound on the whole run, whatever hangs.
const watchdog = setTimeout(() => {
  say(`timed out after ${opts.timeout}s`);
  finish(EXIT.noCallback);
}, Number(opts.timeout) * 1000 + 2000);
watchdog.unref();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    say(`${sig}: stopping`);
    finish(EXIT.noCallback);
  });
}

// The test CA in a fresh NSS database, where Chromium on Linux finds the
// trust anchors a user has added.
if (opts.ca) {
  try {
    readFileSync(opts.ca);
  } catch (err) {
    say(`cannot read --ca ${opts.ca}: ${err.message}`);
    await finish(EXIT.usage);
  }
  const nssdb = join(home, '.pki', 'nssdb');
  mkdirSync(nssdb, { recursive: true, mode: 0o700 });
  try {
    const run = (...args) => execFileSync('certutil', ['-d', `sql:${nssdb}`, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10000 });
    run('-N', '--empty-password');
    run('-A', '-n', 'pam_pkce test CA', '-t', 'C,,', '-i', opts.ca);
    verbose(`test CA trusted in ${nssdb}`);
  } catch (err) {
    const detail = err.code === 'ENOENT'
      ? 'certutil not found (Debian: libnss3-tools)'
      : `${err.message}${err.stderr ? `: ${String(err.stderr).trim()}` : ''}`;
    say(`cannot make the NSS database: ${detail}`);
    await finish(EXIT.setup);
  }
}

// Playwright makes its own temporary profile (a fresh --user-data-dir) and
// artifacts under os.tmpdir(): keep those inside the scratch directory too.
process.env.TMPDIR = scratch;
const browserEnv = { ...process.env, HOME: home, TMPDIR: scratch };
for (const name of ['XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME',
  'http_proxy', 'https_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'all_proxy', 'ALL_PROXY']) {
  delete browserEnv[name];
}

try {
  browser = await playwright.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    env: browserEnv,
    timeout: Math.min(remaining(), 20000),
    handleSIGINT: false,
    handleSIGTERM: false,
    handleSIGHUP: false,
  });
} catch (err) {
  say(`cannot start ${CHROMIUM}: ${err.message.split('\n').slice(0, 8).join('\n')}`);
  await finish(EXIT.setup);
}
chromiumProcess = browser.process?.() ?? undefined;
verbose(`Chromium ${browser.version()} started${chromiumProcess ? `, pid ${chromiumProcess.pid}` : ''}`);

// ------------------------------------------------------------------ sign in

const context = await browser.newContext({
  ignoreHTTPSErrors: false,
  viewport: { width: 800, height: 600 },
  locale: 'en-US',
});
const page = await context.newPage();
page.setDefaultTimeout(remaining());
page.setDefaultNavigationTimeout(remaining());

// What happened to the navigation to the callback.
let callback; // { url, status } or { url, failure }
let callbackSeen;
const callbackDone = new Promise((resolve) => { callbackSeen = resolve; });
// A top-level navigation to the callback (request.frame() throws for
// service worker requests, which have no frame).
function callbackNavigation(request) {
  try {
    return request.isNavigationRequest() && request.frame() === page.mainFrame()
      && isCallback(request.url());
  } catch {
    return false;
  }
}
page.on('response', (response) => {
  if (callbackNavigation(response.request())) {
    callback = { url: response.url(), status: response.status() };
    callbackSeen();
  }
});
page.on('requestfailed', (request) => {
  if (callbackNavigation(request)) {
    callback = { url: request.url(), failure: request.failure()?.errorText || 'failed' };
    callbackSeen();
  }
});
page.on('framenavigated', (frame) => {
  if (frame === page.mainFrame()) verbose(`at ${redact(frame.url())}`);
});

async function screenshot() {
  if (!opts.screenshot) return;
  try {
    await page.screenshot({ path: opts.screenshot, fullPage: true, timeout: 5000 });
    verbose(`screenshot saved to ${opts.screenshot}`);
  } catch (err) {
    say(`cannot save the screenshot: ${err.message.split('\n')[0]}`);
  }
}

async function report() {
  let title = '';
  let text = '';
  try {
    title = await page.title();
    text = await page.locator('body').innerText({ timeout: 5000 });
  } catch (err) {
    say(`cannot read the page: ${err.message.split('\n')[0]}`);
  }
  const status = callback?.status ?? '';
  process.stdout.write(`url: ${redact(page.url())}\nstatus: ${status}\ntitle: ${redactText(title)}\n`
    + `${redactText(text.trim())}\n`);
  return { title, text };
}

async function fail(code, msg) {
  say(msg);
  await screenshot();
  await report();
  await finish(code);
}

try {
  verbose(`opening ${redact(startUrl.href)}`);
  const first = await page.goto(startUrl.href, { waitUntil: 'load' });
  if (isCallback(page.url())) {
    // The provider answered at once (an existing session, or an error).
    verbose('the provider redirected straight to the callback');
  } else {
    if (!first || !first.ok()) {
      await fail(EXIT.noCallback, `the provider answered HTTP ${first ? first.status() : '?'}`);
    }
    const form = page.locator('form#login');
    try {
      await form.waitFor({ state: 'visible', timeout: Math.min(remaining(), 10000) });
    } catch {
      await fail(EXIT.noCallback, 'no sign-in form on the provider page');
    }
    verbose(`provider page: "${await page.title()}"`);

    if (opts.cancel) {
      await page.locator('#cancel').click();
    } else {
      await page.locator('#username').fill(opts.user);
      await page.locator('#password').fill(opts.password);
      await page.locator('#submit').click();
    }

    // Either the browser lands on the callback, or the provider shows the
    // sign-in page again with an error.
    const refused = page.locator('#error').waitFor({ state: 'visible', timeout: remaining() })
      .then(() => 'refused', () => 'timeout');
    const outcome = await Promise.race([callbackDone.then(() => 'callback'), refused,
      new Promise((resolve) => { setTimeout(() => resolve('timeout'), remaining()).unref(); })]);
    if (outcome === 'refused' && !callback) {
      const why = await page.locator('#error').innerText().catch(() => '');
      await fail(EXIT.noCallback, `the provider did not sign the person in: ${why}`);
    }
    if (outcome === 'timeout' && !callback) {
      await fail(EXIT.noCallback, `no callback within ${opts.timeout}s`);
    }
  }

  await callbackDone;
  if (callback.failure) {
    await fail(EXIT.noCallback, `the callback could not be loaded: ${callback.failure}`);
  }
  verbose(`landed on ${redact(callback.url)}, HTTP ${callback.status}`);
  await page.waitForLoadState('load', { timeout: Math.min(remaining(), 10000) }).catch(() => {});

  await screenshot();
  const { title } = await report();
  if (!isCallback(page.url())) {
    say(`the page shown is not the callback: ${redact(page.url())}`);
    await finish(EXIT.noCallback);
  }
  await finish(title === 'Signed in' ? EXIT.signedIn : EXIT.otherPage);
} catch (err) {
  await fail(EXIT.noCallback, `browser error: ${err.message.split('\n')[0]}`);
}
