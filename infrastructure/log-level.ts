// SVODKA_LOG_LEVEL, read once for every service (the portal must not load the worker's native SDK for it).
export type LogLevel = 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

const LEVELS: Record<string, LogLevel> = {
  TRACE: 'TRACE',
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  WARN: 'WARN',
  WARNING: 'WARN',
  ERROR: 'ERROR',
};

/** SVODKA_LOG_LEVEL in the Temporal SDK's terms (TRACE…ERROR); `fallback` when unset or unknown. */
export function logLevel(env: NodeJS.ProcessEnv = process.env, fallback: LogLevel = 'INFO'): LogLevel {
  return LEVELS[(env.SVODKA_LOG_LEVEL ?? '').trim().toUpperCase()] ?? fallback;
}
