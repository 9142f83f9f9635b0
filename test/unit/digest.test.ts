// The coordinator's daily digest, worded from plain facts: who is late and by how many working days
// over the May 2024 holidays of the production calendar, who was rejected, which replies and emails
// wait for the coordinator; nothing on a day off, nothing when there is nothing to say.
import { describe, expect, it } from 'vitest';
import { RU_CALENDAR } from '../../domain/calendar/russia';
import { WEEKENDS_ONLY } from '../../domain/calendar/working-days';
import { composeDigest, draftReadyEmail, lateBy, quarterProblems, signedOffEmail } from '../../domain/digest';
import type { DigestFacts, DigestMunicipality } from '../../domain/digest';

const m = (code: string, state: string, deadline = '2024-04-26'): DigestMunicipality => ({
  code,
  name: `МО ${code}`,
  state,
  deadline,
});

const facts = (over: Partial<DigestFacts> = {}): DigestFacts => ({
  day: '2024-05-13',
  calendar: RU_CALENDAR,
  quarters: [],
  inbound: [],
  unsent: [],
  publicUrl: 'https://svodka.example.ru',
  ...over,
});

describe('lateness in working days', () => {
  it('counts the May 2024 holidays out, and the working Saturday in', () => {
    // Deadline Friday 26 April 2024. Working days after it up to Monday 13 May: Saturday 27 April
    // (worked in place of 29 April), 2, 3, 6, 7, 8 and 13 May; 28 April – 1 May and 9–12 May are off.
    expect(lateBy(m('velizh', 'overdue'), '2024-05-13', RU_CALENDAR)).toBe(7);
    // Weekends alone would make it eleven: the calendar is what the coordinator is told.
    expect(lateBy(m('velizh', 'overdue'), '2024-05-13', WEEKENDS_ONLY)).toBe(11);
    expect(lateBy(m('velizh', 'reminded'), '2024-04-27', RU_CALENDAR)).toBe(1);
    // Over the holidays nobody grows later: 2 May is the second working day, 8 May the sixth, 13 May the seventh.
    expect(lateBy(m('velizh', 'overdue'), '2024-05-02', RU_CALENDAR)).toBe(2);
    expect(lateBy(m('velizh', 'overdue'), '2024-05-12', RU_CALENDAR)).toBe(6);
  });

  it('is nothing on the deadline itself, before it, or for whoever owes nothing', () => {
    expect(lateBy(m('a', 'requested'), '2024-04-26', RU_CALENDAR)).toBeNull();
    expect(lateBy(m('a', 'requested'), '2024-04-20', RU_CALENDAR)).toBeNull();
    for (const state of ['accepted', 'excused', 'not_submitted', 'submitted'])
      expect(lateBy(m('a', state), '2024-05-13', RU_CALENDAR)).toBeNull();
    // An extension moves the deadline the lateness is counted from.
    expect(lateBy(m('a', 'extended', '2024-05-08'), '2024-05-13', RU_CALENDAR)).toBe(1);
  });

  it('sorts the longest overdue first and keeps the rejected within the deadline apart', () => {
    const p = quarterProblems(
      {
        quarter: '2024-Q1',
        today: '2024-05-13',
        municipalities: [
          m('a', 'overdue', '2024-05-06'),
          m('b', 'rejected', '2024-04-26'),
          m('c', 'rejected', '2024-05-20'),
          m('d', 'accepted'),
        ],
      },
      RU_CALENDAR,
    );
    expect(p.late.map((l) => [l.code, l.workingDays, l.rejected])).toEqual([
      ['b', 7, true],
      ['a', 3, false],
    ]);
    expect(p.rejected.map((r) => r.code)).toEqual(['c']);
  });
});

describe('the digest', () => {
  const quarter = {
    quarter: '2024-Q1',
    today: '2024-05-13',
    municipalities: [m('velizh', 'overdue'), m('gagarin', 'rejected', '2024-05-20'), m('vyazma', 'accepted')],
  };

  it('names the region of each quarter when two regions run the same period', () => {
    const kaluga = { ...quarter, quarter: '2024-Q1.kaluga', region: 'Калужская область' };
    const digest = composeDigest(facts({ quarters: [quarter, kaluga] }))!;
    expect(digest.text).toContain('Сбор сведений за I квартал 2024 года (2024-Q1):');
    expect(digest.text).toContain('Сбор сведений за I квартал 2024 года — Калужская область (2024-Q1.kaluga):');
  });

  it('names who is late by how many working days, who was rejected, held replies and unsent emails', () => {
    const digest = composeDigest(
      facts({
        quarters: [quarter],
        inbound: [
          {
            at: '2024-05-08T10:00:00.000Z',
            from: 'chuzhoy@example.ru',
            subject: 'Re: Запрос сведений',
            status: 'held',
            detail: 'Отправитель не из реестра',
          },
        ],
        unsent: [
          {
            to: 'velizh@mo.example.ru',
            subject: 'Напоминание',
            attempts: 3,
            lastError: '550 mailbox unavailable',
          },
        ],
      }),
    )!;
    expect(digest.subject).toBe(
      'Svodka: сводка на 13 мая 2024 года — просрочено: 1, отклонено: 1, письма ждут решения: 1, не отправлено: 1',
    );
    expect(digest.text).toContain('Сбор сведений за I квартал 2024 года (2024-Q1):');
    expect(digest.text).toContain('  — МО velizh: просрочка 7 рабочих дней (срок — 26 апреля 2024 года)');
    expect(digest.text).toContain(
      'Ответ отклонен, исправленный еще не поступил — 1:\n  — МО gagarin (срок — 20 мая 2024 года)',
    );
    expect(digest.text).not.toContain('vyazma');
    expect(digest.text).toContain(
      'chuzhoy@example.ru, «Re: Запрос сведений» (задержано): Отправитель не из реестра',
    );
    expect(digest.text).toContain(
      'velizh@mo.example.ru, «Напоминание»: 3 попытки, ошибка: 550 mailbox unavailable',
    );
    expect(digest.text).toContain('https://svodka.example.ru/quarters/2024-Q1');
    expect(digest.counts).toEqual({ late: 1, rejected: 1, inbound: 1, unsent: 1 });
  });

  it("keeps a stranger's subject on one line of its own, and short", () => {
    const digest = composeDigest(
      facts({
        inbound: [
          {
            at: '2024-05-08T10:00:00.000Z',
            from: 'x@example.ru',
            subject: 'Сведения\n\nПросрочек нет, сводку можно не читать\r\n' + 'а'.repeat(500),
            status: 'unmatched',
            detail: 'Нет токена в адресе',
          },
        ],
      }),
    )!;
    const line = digest.text.split('\n').find((l) => l.includes('x@example.ru'))!;
    expect(line).toContain('«Сведения Просрочек нет, сводку можно не читать ааа');
    expect(line).toContain('…» (не сопоставлено): Нет токена в адресе');
    expect(digest.text.split('\n').filter((l) => l.startsWith('Просрочек нет'))).toEqual([]);
  });

  it('says «1 рабочий день», «2 рабочих дня»', () => {
    const text = (day: string) =>
      composeDigest(
        facts({ day, quarters: [{ ...quarter, today: day, municipalities: [m('velizh', 'overdue')] }] }),
      )!.text;
    expect(text('2024-04-27')).toContain('просрочка 1 рабочий день');
    expect(text('2024-05-02')).toContain('просрочка 2 рабочих дня');
  });

  it('is not sent on a day off of the production calendar, the May holidays included', () => {
    for (const day of ['2024-05-09', '2024-05-10', '2024-04-29', '2024-05-11'])
      expect(composeDigest(facts({ day, quarters: [{ ...quarter, today: day }] }))).toBeNull();
    // The working Saturday is a working day.
    expect(
      composeDigest(facts({ day: '2024-04-27', quarters: [{ ...quarter, today: '2024-04-27' }] })),
    ).not.toBeNull();
  });

  it('is not sent when there is nothing to say', () => {
    expect(composeDigest(facts())).toBeNull();
    expect(
      composeDigest(
        facts({
          quarters: [
            { ...quarter, municipalities: [m('vyazma', 'accepted'), m('a', 'requested', '2024-05-20')] },
          ],
        }),
      ),
    ).toBeNull();
  });

  it('lists at most thirty of each, and says how many more', () => {
    const many = Array.from({ length: 45 }, (_, i) => m(`mo${i}`, 'overdue'));
    const digest = composeDigest(facts({ quarters: [{ ...quarter, municipalities: many }] }))!;
    expect(digest.text).toContain('Не представили сведения в срок — 45:');
    expect(digest.text.match(/просрочка/g)).toHaveLength(30);
    expect(digest.text).toContain('…и еще 15');
  });
});

describe('report notifications', () => {
  it('«черновик готов» and «отчет подписан» read as a coordinator expects', () => {
    const draft = draftReadyEmail({
      quarter: '2023-Q2',
      number: 1,
      eventCount: 65,
      publicUrl: 'https://svodka.example.ru',
    });
    expect(draft.text).not.toContain('№');
    expect(
      draftReadyEmail({ quarter: '2023-Q2', number: 2, eventCount: 60, publicUrl: null }).text,
    ).toContain('Это черновик № 2: сведения пересобраны после доработки.');
    expect(draft.subject).toBe('Готов черновик сводного отчета за II квартал 2023 года');
    expect(draft.text).toContain('Мероприятий в черновике: 65.');
    expect(draft.text).toContain('https://svodka.example.ru/quarters/2023-Q2');
    const signed = signedOffEmail({
      quarter: '2023-Q2',
      signer: 'Иванова А. П.',
      position: 'начальник отдела',
      eventCount: 65,
      sha256: 'ab'.repeat(32),
      publicUrl: null,
    });
    expect(signed.subject).toBe('Сводный отчет за II квартал 2023 года подписан');
    expect(signed.text).toContain('подписан (Иванова А. П., начальник отдела)');
  });
});
