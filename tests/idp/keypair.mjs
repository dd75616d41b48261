// Fresh signing key pairs for the test servers (server.mjs, hostile.mjs,
// tests/faults/server.mjs).
//
// Node 20 can deadlock when a key pair made by generateKeyPairSync is
// exported as a JWK: a garbage collection during the export runs the key
// generation job's destructor, which takes the lock the export already
// holds, and the server hangs before it is ready.  Generating PEM and
// importing it gives KeyObjects that share nothing with the job.
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

// { privateKey, publicKey } KeyObjects of a new key of TYPE ('rsa', 'ec',
// 'ed25519', ...) with OPTIONS as for generateKeyPairSync.
export function freshKeyPair(type, options = {}) {
  const { privateKey: pem } = generateKeyPairSync(type, {
    ...options,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKey = createPrivateKey(pem);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}
