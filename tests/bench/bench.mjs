// Helpers for tests/bench/run.sh (`make bench`).
//
//   node bench.mjs authorize AUTHORIZATION_ENDPOINT STATEFILE
//       A PKCE authorization request of our own (client pam-pkce-test,
//       redirect_uri http://127.0.0.1:PORT/callback on a port nobody
//       listens on: the callback is only printed, never requested).
//       Prints the URL; keeps verifier, state and redirect_uri in STATEFILE.
//   node bench.mjs token-form STATEFILE CALLBACK_URL
//       Checks the callback's state and prints the token request body
//       (the same fields as the module's token request).
//   node bench.mjs callback URL [TIMEOUT_SECONDS [hold]]
//       Sends the browser's GET to the module's listener and prints
//       "sent NS status CODE": NS is CLOCK_REALTIME in nanoseconds, taken
//       right before connecting.  With "hold", then stays idle until its
//       standard input ends (within TIMEOUT): on 2 cores, a node process
//       tearing itself down would compete with the module and the provider
//       for the very milliseconds being measured.
//   node bench.mjs report SAMPLES INFO OUT.md
//       Medians, p90 and the targets: prints the table and writes OUT.md.

import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';

const [cmd, ...args] = process.argv.slice(2);

function die(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

// CLOCK_REALTIME in ns: timeOrigin is the wall clock at process start and
// now() the monotonic time since, both with sub-microsecond resolution.
function realtimeNs() {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1e3)) * 1000n;
}

const b64u = (buf) => buf.toString('base64url');

function authorize([endpoint, stateFile]) {
  const verifier = b64u(randomBytes(32));
  const st = {
    verifier,
    state: b64u(randomBytes(32)),
    redirect_uri: 'http://127.0.0.1:9/callback',
  };
  const u = new URL(endpoint);
  const q = {
    response_type: 'code',
    client_id: 'pam-pkce-test',
    redirect_uri: st.redirect_uri,
    scope: 'openid profile email',
    state: st.state,
    nonce: b64u(randomBytes(32)),
    code_challenge: b64u(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    login_hint: 'alice',
  };
  for (const [k, v] of Object.entries(q)) u.searchParams.set(k, v);
  writeFileSync(stateFile, JSON.stringify(st), { mode: 0o600 });
  console.log(u.href);
}

function tokenForm([stateFile, callback]) {
  const st = JSON.parse(readFileSync(stateFile, 'utf8'));
  const p = new URL(callback).searchParams;
  if (p.get('state') !== st.state) die('callback state does not match');
  if (!p.get('code')) die(`no code in the callback: ${p.get('error') || '?'}`);
  console.log(new URLSearchParams({
    grant_type: 'authorization_code',
    code: p.get('code'),
    redirect_uri: st.redirect_uri,
    code_verifier: st.verifier,
    client_id: 'pam-pkce-test',
  }).toString());
}

// Connect to URL, send the request, resolve with the status line's code.
function get(u, req) {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: u.hostname, port: Number(u.port) }, () => sock.write(req));
    let answer = '';
    sock.setEncoding('latin1');
    sock.on('data', (d) => { answer += d; });
    sock.on('error', reject);
    sock.on('close', () => {
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(answer);
      resolve(m ? m[1] : '000');
    });
  });
}

async function callback([url, timeout = '10', hold]) {
  const u = new URL(url);
  const req = `GET ${u.pathname}${u.search} HTTP/1.1\r\nHost: ${u.host}\r\n`
    + 'User-Agent: pam-pkce-bench/1\r\nAccept: text/html\r\nConnection: close\r\n\r\n';
  const timer = setTimeout(() => die(`no answer from ${u.host} in ${timeout}s`), Number(timeout) * 1000);
  // The first connection of a node process costs ~2 ms of its own (lazy
  // loading); make it to a throw-away server here, so that the time taken
  // below is within ~0.3 ms of the request reaching the listener.
  const dummy = net.createServer((s) => s.end('HTTP/1.1 204 No Content\r\n\r\n'));
  await new Promise((r) => { dummy.listen(0, '127.0.0.1', r); });
  await get(new URL(`http://127.0.0.1:${dummy.address().port}/`), req);
  dummy.close();
  const sent = realtimeNs();
  const status = await get(u, req).catch((e) => die(`callback: ${e.message}`));
  console.log(`sent ${sent} status ${status}`);
  if (hold !== 'hold') {
    clearTimeout(timer);
    return;
  }
  process.stdin.on('data', () => {});
  process.stdin.on('end', () => process.exit(0));
}

// ------------------------------------------------------------- statistics

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

function p90(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(0.9 * s.length) - 1)];
}

function report([samplesFile, infoFile, out]) {
  const samples = {};
  for (const line of readFileSync(samplesFile, 'utf8').split('\n')) {
    const [k, v] = line.trim().split(/\s+/);
    if (k && v !== undefined) (samples[k] ||= []).push(Number(v));
  }
  const info = {};
  for (const line of readFileSync(infoFile, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) info[line.slice(0, i)] = line.slice(i + 1);
  }
  const st = (k) => {
    const xs = samples[k] || [];
    return xs.length ? { med: median(xs), p90: p90(xs), n: xs.length } : { med: NaN, p90: NaN, n: 0 };
  };
  const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : 'n/a');
  const mib = (kib) => (Number.isFinite(kib) ? `${(kib / 1024).toFixed(1)} MiB` : 'n/a');
  const verdict = (ok) => (ok === undefined ? '' : ok ? '**pass**' : '**MISS**');
  const rows = [];
  const verdicts = [];
  const row = (what, s, fmt, target, ok) => {
    rows.push(`| ${what} | ${fmt(s.med)} | ${fmt(s.p90)} | ${s.n} | ${target} | ${verdict(ok)} |`);
    if (ok !== undefined) verdicts.push(ok);
  };

  // 1. pam_authenticate -> URL shown
  const urlCold = st('url_cold');
  const urlWarm = st('url_warm');
  row('1. pam_authenticate → URL shown, cold (`cache_dir=none`)', urlCold, ms, 'info', undefined);
  row('1. pam_authenticate → URL shown, warm cache', urlWarm, ms, 'warm ≤ 5 ms', urlWarm.med <= 5);

  // 2. callback -> PAM_SUCCESS, next to curl
  for (const mode of ['cold', 'warm']) {
    const mod = st(`cb_${mode}`);
    const crl = st(`curl_${mode}`);
    const limit = 1.2 * crl.med + 3;
    const what = mode === 'cold' ? 'token POST + JWKS GET' : 'token POST';
    row(`2. callback → PAM_SUCCESS, ${mode}`, mod, ms, `≤ 1.2 × curl + 3 ms = ${ms(limit)}`, mod.med <= limit);
    row(`2. curl, ${what} (${mode})`, crl, ms, '', undefined);
    rows.push(`| 2. ratio module / curl, ${mode} | ${(mod.med / crl.med).toFixed(2)} × | ${(mod.p90 / crl.p90).toFixed(2)} × (p90s) | | excess ${ms(mod.med - crl.med)} | |`);
  }

  // 3. peak RSS
  const rssPermit = st('rss_permit');
  const rssCold = st('rss_pkce_cold');
  const rssWarm = st('rss_pkce_warm');
  row('3. peak RSS, pamtester + pam_permit', rssPermit, mib, '', undefined);
  row('3. peak RSS, pamtester + pam_pkce, full login, cold', rssCold, mib, '', undefined);
  row('3. peak RSS, pamtester + pam_pkce, full login, warm', rssWarm, mib, '', undefined);
  const over = Math.max(rssCold.med, rssWarm.med) - rssPermit.med;
  rows.push(`| 3. RSS overhead of pam_pkce (larger of cold/warm medians) | ${mib(over)} | | | ≤ 8 MiB | ${verdict(over <= 8192)} |`);
  verdicts.push(over <= 8192);

  // 4. concurrency
  const n = Number(info.concurrent_logins);
  const failures = Number(info.concurrent_failures);
  rows.push(`| 4. ${n} concurrent logins (warm cache): wall time | ${Number(info.concurrent_wall_ms).toFixed(0)} ms | | ${n} | | |`);
  row(`4. … pam_authenticate → URL shown under that load`, st('url_load'), ms, '', undefined);
  rows.push(`| 4. … failures | ${failures} | | ${n} | 0 | ${verdict(failures === 0)} |`);
  verdicts.push(failures === 0);

  const text = [
    `## Benchmark (\`make bench\`, ${info.date})`,
    '',
    `Machine: ${info.cpu}, ${info.cores} cores, Linux ${info.kernel}, ${info.os}; `
      + `libcurl ${info.curl}, node ${info.node}. Provider: the bundled oidc-provider on `
      + '127.0.0.1 over HTTPS; everything on loopback. Load average (1, 5, 15 min) '
      + `at the start ${info.load_start}, at the end ${info.load_end}; bench at nice ${info.nice}.`,
    '',
    '| measurement | median | p90 | n | target | result |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    `Cache: ${info.cache_note}`,
    '',
    '1: `pam_probe --timing`, from just before `pam_authenticate` to the conversation '
      + 'receiving the message that holds the URL (CLOCK_REALTIME, same process).',
    '2: from the bench writing the browser\'s `GET /callback` to the listener '
      + '(time taken right before connecting) to `pam_authenticate` returning in the probe. '
      + 'curl: `curl --cacert CA -s -o /dev/null -w %{time_total}` on a code from a PKCE '
      + 'request of the bench\'s own; cold = one curl invocation, token POST then '
      + '`--next` JWKS GET on the same connection (as the module does), sum of both '
      + 'time_total; warm = the token POST alone. curl\'s process start and '
      + '`curl_global_init` are not in its time.',
    '3: GNU time `%M` of pamtester under the same pam_wrapper/nss_wrapper set-up, median of the runs.',
    `4: ${n} pam_probe processes started 20 ms apart, each finished by its own scripted browser `
      + '(a node process); wall time from the first start to the last exit, browsers included.',
    '',
    `Targets: ${verdicts.filter(Boolean).length} of ${verdicts.length} hold.`,
    '',
  ].join('\n');
  process.stdout.write(text);
  writeFileSync(out, text);
}

switch (cmd) {
  case 'authorize': authorize(args); break;
  case 'token-form': tokenForm(args); break;
  case 'callback': callback(args); break;
  case 'report': report(args); break;
  default: die('usage: node bench.mjs authorize|token-form|callback|report ...');
}
