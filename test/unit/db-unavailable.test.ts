import { describe, expect, it } from 'vitest';
import { unavailableReason } from '../../infrastructure/db/client';

describe('what the CLI says when the database is out', () => {
  it("takes the error's own first line", () => {
    expect(unavailableReason(new Error("Can't reach database server at 127.0.0.1:5432\nmore"))).toBe(
      "Can't reach database server at 127.0.0.1:5432",
    );
  });

  it("falls back to the driver's message or code when the adapter's error says nothing", () => {
    // Prisma 7's PostgreSQL adapter throws a DriverAdapterError with an empty message.
    const refused = Object.assign(new Error(''), {
      cause: {
        kind: 'postgres',
        originalCode: 'ECONNREFUSED',
        originalMessage: 'connect ECONNREFUSED 127.0.0.1:5432',
      },
    });
    expect(unavailableReason(refused)).toBe('connect ECONNREFUSED 127.0.0.1:5432');
    const codeOnly = Object.assign(new Error(''), { cause: { originalCode: '57P03' } });
    expect(unavailableReason(codeOnly)).toBe('57P03');
  });

  it('is empty when there is nothing to tell', () => {
    expect(unavailableReason(new Error(''))).toBe('');
    expect(unavailableReason(null)).toBe('');
  });
});
