// Finding 5 of issue 16, the rules on real parsed messages: the token counts only in the
// plus-address of the reply mailbox, the sender must be in the registry, and only our own server's
// Authentication-Results are believed.
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { authenticationResults, checkSender, plusTokens } from '../../client/mail';
import { rfc822 } from '../support/rfc822';

const TOKEN = 'A'.repeat(20) + 'b_-' + 'c'.repeat(20);
const REPLY_TO = 'svodka@region.example.ru';
const OURS = 'mx.region.example.ru';
const registry = {
  name: 'Вяземский район',
  email: 'vyazma@mo.example.ru',
  headEmail: 'glava@vyazma.example.ru',
};

async function parse(m: Partial<Parameters<typeof rfc822>[0]>) {
  return simpleParser(
    rfc822({
      from: 'Администрация <vyazma@mo.example.ru>',
      to: `svodka+${TOKEN}@region.example.ru`,
      subject: 'Re: Запрос сведений',
      messageId: '<m@mo.example.ru>',
      ...m,
    }),
  );
}

async function check(m: Partial<Parameters<typeof rfc822>[0]>, authservId: string | null = null) {
  const parsed = await parse(m);
  const from = (parsed.from?.value ?? []).map((v) => v.address ?? '');
  return checkSender({ from, registry, headerLines: parsed.headerLines, authservId });
}

describe('where the token is read', () => {
  it('from the plus-address of the reply mailbox in To or Delivered-To', async () => {
    expect(plusTokens((await parse({})).headerLines, REPLY_TO)).toEqual([TOKEN]);
    const delivered = await parse({
      to: REPLY_TO,
      headers: [`Delivered-To: svodka+${TOKEN}@region.example.ru`],
    });
    expect(plusTokens(delivered.headerLines, REPLY_TO)).toEqual([TOKEN]);
  });

  it('not from the subject', async () => {
    const parsed = await parse({ to: REPLY_TO, subject: `Re: Запрос сведений ${TOKEN}` });
    expect(plusTokens(parsed.headerLines, REPLY_TO)).toEqual([]);
  });

  it('not from the plus-address of another mailbox', async () => {
    const parsed = await parse({
      to: `evil+${TOKEN}@attacker.example`,
      headers: [`Cc: other+${TOKEN}@region.example.ru`],
    });
    expect(plusTokens(parsed.headerLines, REPLY_TO)).toEqual([]);
  });

  it('not at all when there is no reply mailbox', async () => {
    expect(plusTokens((await parse({})).headerLines, null)).toEqual([]);
  });
});

describe('who may submit', () => {
  it('a registry address, either of them, answered at that address', async () => {
    expect(await check({})).toEqual({ ok: true, answerTo: 'vyazma@mo.example.ru' });
    expect(await check({ from: 'Глава <Glava@Vyazma.example.ru>' })).toEqual({
      ok: true,
      answerTo: 'glava@vyazma.example.ru',
    });
  });

  it('the answer never goes to Reply-To', async () => {
    const result = await check({ headers: ['Reply-To: victim@elsewhere.example'] });
    expect(result).toEqual({ ok: true, answerTo: 'vyazma@mo.example.ru' });
  });

  it('holds a message with two From headers', async () => {
    const result = await check({ headers: ['From: evil@attacker.example'] });
    expect(result).toMatchObject({ ok: false });
    expect(!result.ok && result.reason).toContain('несколько заголовков From');
  });

  it('holds any other sender, and a From with two addresses', async () => {
    const other = await check({ from: 'Вязьма <vyazma@attacker.example>' });
    expect(other).toMatchObject({ ok: false });
    expect(!other.ok && other.reason).toContain('не указан в реестре');
    const two = await check({ from: 'vyazma@mo.example.ru, evil@attacker.example' });
    expect(two).toMatchObject({ ok: false });
    expect(!two.ok && two.reason).toContain('несколько адресов');
  });
});

describe('Authentication-Results', () => {
  const ar = (id: string, results: string) => `Authentication-Results: ${id};\r\n\t${results}`;

  it('holds when our server says DKIM or DMARC failed', async () => {
    const dkim = await check(
      { headers: [ar(OURS, 'dkim=fail (bad signature) header.d=mo.example.ru; spf=pass')] },
      OURS,
    );
    expect(!dkim.ok && dkim.reason).toContain('DKIM');
    const dmarc = await check({ headers: [ar(OURS, 'dkim=pass header.d=mo.example.ru; dmarc=fail')] }, OURS);
    expect(!dmarc.ok && dmarc.reason).toContain('DMARC');
  });

  it('passes when it says pass (one broken signature beside a good one is no failure)', async () => {
    expect(await check({ headers: [ar(OURS, 'dkim=pass; dmarc=pass')] }, OURS)).toMatchObject({ ok: true });
    expect(
      await check(
        { headers: [ar(OURS, 'dkim=fail header.s=old; dkim=pass header.s=new; dmarc=pass')] },
        OURS,
      ),
    ).toMatchObject({
      ok: true,
    });
  });

  it('believes no header another server (or the sender) wrote', async () => {
    const forged = await parse({ headers: [ar('mx.attacker.example', 'dkim=pass; dmarc=pass')] });
    expect(authenticationResults(forged.headerLines, OURS)).toEqual({ trusted: 0, results: [] });
    // With only a forged header, our server's verdict is missing: held.
    const result = await check({ headers: [ar('mx.attacker.example', 'dkim=pass; dmarc=pass')] }, OURS);
    expect(!result.ok && result.reason).toContain('нет результатов проверки подлинности');
    // A forged pass beside our server's fail changes nothing.
    const both = await check(
      { headers: [ar(OURS, 'dmarc=fail'), ar('mx.attacker.example', 'dmarc=pass')] },
      OURS,
    );
    expect(both.ok).toBe(false);
  });

  it('is not consulted when no authserv-id is configured', async () => {
    expect(await check({ headers: [ar(OURS, 'dmarc=fail')] }, null)).toMatchObject({ ok: true });
  });
});
