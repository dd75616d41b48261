// Lifecycle shared by the test servers (server.mjs, hostile.mjs,
// tests/faults/server.mjs): announce readiness through an atomically
// written port file, and stop by itself on a signal or after its lifetime,
// so that no test can leave a server behind.
import { renameSync, unlinkSync, writeFileSync } from 'node:fs';

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
