// A use case that cannot do what was asked says why in Russian; each surface words it its own way
// (the CLI's exit code, the portal's status). The class lives with the use-case contract.
export { RefusedError } from './use-case';
export type { RefusalKind } from './use-case';
