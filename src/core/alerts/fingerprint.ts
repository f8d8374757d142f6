/**
 * Fingerprints for alerts whose source has no id of its own. The hash is Prometheus' label-set
 * fingerprint (FNV-1a 64 over the sorted `name 0xff value 0xff` pairs, 16 hex digits), so an
 * Alertmanager alert delivered without its `fingerprint` field gets the same id Alertmanager gives
 * it, and every other source gets an id that is stable across processes and versions.
 */
import type { Labels } from './model.js';

const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;
const SEPARATOR = 0xff;
const encoder = new TextEncoder();

function addBytes(hash: bigint, bytes: Uint8Array): bigint {
  let h = hash;
  for (const b of bytes) h = ((h ^ BigInt(b)) * PRIME) & MASK;
  return h;
}

export function labelsFingerprint(labels: Labels): string {
  let h = OFFSET;
  const sep = Uint8Array.of(SEPARATOR);
  for (const name of Object.keys(labels).sort()) {
    h = addBytes(h, encoder.encode(name));
    h = addBytes(h, sep);
    h = addBytes(h, encoder.encode(labels[name] ?? ''));
    h = addBytes(h, sep);
  }
  return h.toString(16).padStart(16, '0');
}
