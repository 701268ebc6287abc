/**
 * Verification of Snowflake key-pair (SNOWFLAKE_JWT) login tokens with node:crypto.
 *
 * snowflake-sdk signs `{ iss: "<ACCOUNT>.<USER>.SHA256:<fingerprint>", sub: "<ACCOUNT>.<USER>",
 * iat, exp }` with the user's private key (RS256). The server checks the signature against the
 * registered public key, that the fingerprint names that key, and that the token has not expired.
 */
import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';

/** SHA256 fingerprint of a public key as Snowflake prints it (`SHA256:<base64>`). */
export function publicKeyFingerprint(key: KeyObject): string {
  const der = key.export({ format: 'der', type: 'spki' });
  return `SHA256:${createHash('sha256').update(der).digest('base64')}`;
}

/** Parses a PEM public key (SPKI or PKCS#1), or derives it from a PEM private key. */
export function parsePublicKey(pem: string): KeyObject {
  return createPublicKey({ key: pem, format: 'pem' });
}

/** Why a token was refused, or undefined when it is valid. */
export function verifyKeyPairJwt(token: string, user: string, publicKey: KeyObject, nowMs: number = Date.now()): string | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return 'malformed token';
  const [headerB64, payloadB64, signatureB64] = parts as [string, string, string];
  let header: { alg?: string };
  let payload: { iss?: string; sub?: string; exp?: number; iat?: number };
  try {
    header = JSON.parse(Buffer.from(headerB64, 'base64url').toString('utf8')) as typeof header;
    payload = JSON.parse(Buffer.from(payloadB64, 'base64url').toString('utf8')) as typeof payload;
  } catch {
    return 'malformed token';
  }
  if (header.alg !== 'RS256') return `unsupported algorithm ${String(header.alg)}`;
  const ok = verify('RSA-SHA256', Buffer.from(`${headerB64}.${payloadB64}`), publicKey, Buffer.from(signatureB64, 'base64url'));
  if (!ok) return 'signature does not match the registered public key';
  const subject = payload.sub?.split('.');
  if (!subject || subject.length < 2 || subject[subject.length - 1]!.toUpperCase() !== user.toUpperCase()) return 'subject does not name the user';
  if (!payload.iss || !payload.iss.endsWith(`.${publicKeyFingerprint(publicKey)}`)) return 'issuer fingerprint does not match the registered public key';
  if (typeof payload.exp !== 'number') return 'missing exp';
  // snowflake-sdk 3.x writes iat/exp in milliseconds; the JWT standard uses seconds.
  const expMs = payload.exp > 1e12 ? payload.exp : payload.exp * 1000;
  if (expMs < nowMs) return 'token expired';
  return undefined;
}
