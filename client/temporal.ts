// A Temporal client for the CLI and the portal: TEMPORAL_ADDRESS, or the embedded dev server's port;
// mTLS from TEMPORAL_TLS_* (client/temporal-tls.ts).
import { Client, Connection } from '@temporalio/client';
import { temporalTls, TemporalTlsError } from './temporal-tls';

export function temporalAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env.TEMPORAL_ADDRESS || `127.0.0.1:${env.TEMPORAL_PORT || 7233}`;
}

export async function connectClient(address: string = temporalAddress()): Promise<Client> {
  let tls;
  try {
    tls = temporalTls();
  } catch (err) {
    if (err instanceof TemporalTlsError) throw new UserError(err.message);
    throw err;
  }
  try {
    const connection = await Connection.connect({ address, tls, connectTimeout: 5_000 });
    return new Client({ connection, namespace: process.env.TEMPORAL_NAMESPACE || 'default' });
  } catch (err) {
    throw new UserError(
      `Нет связи с Temporal на ${address}. Запустите «npm start» в другом окне терминала ` +
        `или укажите адрес кластера в TEMPORAL_ADDRESS. (${(err as Error).message})`,
    );
  }
}

/** An error meant for the person at the terminal: printed without a stack trace. */
export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
