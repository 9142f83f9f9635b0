// An Ed25519 signature of the signed-off report, when the region configures a key:
// SVODKA_SIGNING_KEY is the path of a PKCS#8 PEM private key (the worker signs); verification
// uses SVODKA_VERIFY_KEY (an SPKI PEM public key) or the public half of the signing key.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function signingKey(env: NodeJS.ProcessEnv = process.env): KeyObject | null {
  const file = env.SVODKA_SIGNING_KEY;
  return file ? createPrivateKey(readFileSync(file)) : null;
}

export function verifyKey(env: NodeJS.ProcessEnv = process.env): KeyObject | null {
  if (env.SVODKA_VERIFY_KEY) return createPublicKey(readFileSync(env.SVODKA_VERIFY_KEY));
  const key = signingKey(env);
  return key ? createPublicKey(key) : null;
}

/** Base64 Ed25519 signature of the bytes, or null without a key. */
export function signBytes(bytes: Uint8Array, key: KeyObject | null = signingKey()): string | null {
  return key ? sign(null, bytes, key).toString('base64') : null;
}

export function verifyBytes(bytes: Uint8Array, signature: string, key: KeyObject): boolean {
  try {
    return verify(null, bytes, key, Buffer.from(signature.trim(), 'base64'));
  } catch {
    return false;
  }
}

export function generateSigningKeys(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
