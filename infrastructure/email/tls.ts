// Certificates of the SMTP relay and the IMAP server are verified. SVODKA_TLS_INSECURE=1 turns that
// off, for a lab whose servers present self-signed certificates; nothing else does.
export function tlsInsecure(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.SVODKA_TLS_INSECURE?.trim() === '1';
}

export function tlsOptions(insecure: boolean): { rejectUnauthorized: boolean } {
  return { rejectUnauthorized: !insecure };
}
