// A local attacker of pam_pkce's loopback listener, for
// tests/integration/listener_abuse.sh.  Node built-ins only; connects to
// 127.0.0.1 (or --host) only; every mode ends by itself within --wait
// seconds (default 10).
//
// node listener_client.mjs --port P [--host H] [--wait S] MODE
//
//   send   write standard input (raw bytes, as is) on one connection, never
//          half-close, and wait for the listener to answer and close
//   drip   write standard input one byte every --every ms (default 1000)
//          until the listener closes the connection
//   hold   open --count N (default 50) idle connections at once and hold
//          them; when every one has connected (or --wait passed) ...
//
// send and drip print one JSON line:
//   {"status":400|null,"line":"HTTP/1.1 400 Bad Request","closed":true,
//    "reset":false,"ms":12,"sent":N,"received":N,"body":"..."}
// ms: from connect to the close (or to --wait when never closed).
// hold prints {"count":N,"connected":N,"closedByPeer":N,"closedFirst":[i...],
// "ms":...} after --settle ms (default 1500) from the last connect, and again
// ({"final":true,...}) when --wait ends; closedFirst lists the indexes of
// the connections the listener closed, in the order it closed them.

import * as net from 'node:net';
import { parseArgs } from 'node:util';

let opts;
let positionals;
try {
  ({ values: opts, positionals } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string', default: '127.0.0.1' },
      wait: { type: 'string', default: '10' },
      every: { type: 'string', default: '1000' },
      count: { type: 'string', default: '50' },
      settle: { type: 'string', default: '1500' },
    },
    strict: true,
    allowPositionals: true,
  }));
} catch (err) {
  process.stderr.write(`listener_client: ${err.message}\n`);
  process.exit(64);
}
const port = Number(opts.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write('listener_client: --port is required\n');
  process.exit(64);
}
if (!['127.0.0.1', '::1'].includes(opts.host)) {
  process.stderr.write('listener_client: --host must be 127.0.0.1 or ::1\n');
  process.exit(64);
}
const waitMs = Number(opts.wait) * 1000;
const mode = positionals[0];

function readStdin() {
  return new Promise((resolve) => {
    const chunks = [];
    process.stdin.on('data', (c) => chunks.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(chunks)));
  });
}

// One connection; WRITE(sock) sends; resolves with what happened.
function exchange(write) {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks = [];
    const result = { closed: false, reset: false, sent: 0 };
    const sock = net.connect({ host: opts.host, port, allowHalfOpen: true });
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      const line = text.split('\r\n', 1)[0];
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(line);
      const body = text.includes('\r\n\r\n') ? text.slice(text.indexOf('\r\n\r\n') + 4) : '';
      resolve({
        status: m ? Number(m[1]) : null,
        line,
        ...result,
        ms: Date.now() - started,
        received: text.length,
        body: body.slice(0, 400),
      });
      sock.destroy();
    };
    const timer = setTimeout(finish, waitMs);
    sock.on('data', (c) => chunks.push(c));
    sock.on('end', () => { result.closed = true; finish(); });
    sock.on('close', () => { result.closed = true; finish(); });
    sock.on('error', (err) => {
      if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
        result.reset = true;
        result.closed = true;
      } else {
        result.error = err.code || err.message;
      }
      finish();
    });
    sock.on('connect', () => write(sock, result, () => done));
  });
}

async function send() {
  const data = await readStdin();
  const r = await exchange((sock, result) => {
    sock.write(data, () => { result.sent = data.length; });
  });
  console.log(JSON.stringify(r));
}

async function drip() {
  const data = await readStdin();
  const every = Number(opts.every);
  const r = await exchange((sock, result, isDone) => {
    let i = 0;
    const tick = setInterval(() => {
      if (isDone() || sock.destroyed || i >= data.length) {
        clearInterval(tick);
        return;
      }
      sock.write(data.subarray(i, i + 1));
      i += 1;
      result.sent = i;
    }, every);
  });
  console.log(JSON.stringify(r));
}

function hold() {
  const count = Number(opts.count);
  const settle = Number(opts.settle);
  const started = Date.now();
  const socks = [];
  const closedFirst = [];
  let connected = 0;
  let reported = false;
  const report = (final) => {
    console.log(JSON.stringify({
      final, count, connected, closedByPeer: closedFirst.length, closedFirst, ms: Date.now() - started,
    }));
  };
  const settleLater = () => {
    if (!reported && connected === count) {
      reported = true;
      setTimeout(() => report(false), settle);
    }
  };
  for (let i = 0; i < count; i++) {
    const sock = net.connect({ host: opts.host, port });
    socks.push(sock);
    let closed = false;
    const onClose = () => {
      if (closed) return;
      closed = true;
      closedFirst.push(i);
    };
    sock.on('connect', () => { connected += 1; settleLater(); });
    sock.on('data', () => {});
    sock.on('end', onClose);
    sock.on('close', onClose);
    sock.on('error', onClose);
  }
  setTimeout(() => {
    if (!reported) report(false);
    report(true);
    for (const s of socks) s.destroy();
    process.exit(0);
  }, waitMs);
}

switch (mode) {
  case 'send': await send(); break;
  case 'drip': await drip(); break;
  case 'hold': hold(); break;
  default:
    process.stderr.write('listener_client: MODE must be send, drip or hold\n');
    process.exit(64);
}
