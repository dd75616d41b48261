// Lifecycle shared by the test servers (server.mjs, hostile.mjs,
// tests/faults/server.mjs): the command line and log lines they have in
// common, readiness announced through an atomically written port file, and
// stopping by itself on a signal or after its lifetime, so that no test can
// leave a server behind.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

// { log, die } for the server PROG: lines on stderr prefixed "PROG: ";
// die logs an error and exits 2.
export function reporter(prog) {
  const log = (line) => process.stderr.write(`${prog}: ${line}\n`);
  const die = (msg) => {
    log(`error: ${msg}`);
    process.exit(2);
  };
  return { log, die };
}

// The command line: --certdir DIR, --port-file FILE and --lifetime SECONDS
// (default LIFETIME) that every server takes, plus OPTIONS (as for
// util.parseArgs).  --certdir, --port-file and the REQUIRED options must be
// given; anything wrong ends the process through DIE, with USAGE.
export function parseServerArgs({ usage, options = {}, required = [], lifetime, die }) {
  let args;
  try {
    ({ values: args } = parseArgs({
      options: {
        certdir: { type: 'string' },
        'port-file': { type: 'string' },
        lifetime: { type: 'string', default: String(lifetime) },
        ...options,
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    die(`${err.message}\n${usage}`);
  }
  for (const name of ['certdir', 'port-file', ...required]) {
    if (!args[name]) die(`--${name} is required\n${usage}`);
  }
  if (!/^\d{1,7}$/.test(args.lifetime) || Number(args.lifetime) < 1 || Number(args.lifetime) > 2000000) {
    die(`bad --lifetime (1..2000000 seconds): ${args.lifetime}`);
  }
  return args;
}

// Write TEXT to PATH so that a reader sees all of it or nothing.
export function writeAtomically(path, text) {
  const tmp = `${path}.tmp.${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

// Exit 0 on SIGTERM / SIGINT / SIGHUP or after LIFETIME_S seconds, closing
// SERVERS and removing PORT_FILE first.
export function stopOnSignalOrLifetime({ servers, portFile, lifetimeS, log }) {
  let stopping = false;
  const shutdown = (reason) => {
    if (stopping) return;
    stopping = true;
    log(`stopping (${reason})`);
    try { unlinkSync(portFile); } catch { /* already gone */ }
    for (const server of servers) {
      server.close();
      server.closeAllConnections?.();
    }
    process.exit(0);
  };
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => shutdown(sig));
  setTimeout(() => shutdown(`lifetime of ${lifetimeS}s reached`), lifetimeS * 1000);
}
