// A use case that cannot do what was asked says why in Russian; each surface words it its own way
// (the CLI's exit code, the portal's status). `kind` tells the surface which.
export type RefusalKind = 'not-found' | 'conflict' | 'unavailable';

export class RefusedError extends Error {
  constructor(
    readonly kind: RefusalKind,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}
