// Raw RFC 822 messages as mail clients write them, with any headers a sender (or forger) chooses.
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

export function rfc822(m: {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text?: string;
  headers?: string[];
  attachment?: { filename: string; content: Uint8Array; contentType?: string };
}): string {
  const boundary = `b-${Math.random().toString(36).slice(2)}`;
  const head = [
    ...(m.headers ?? []),
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: =?UTF-8?B?${Buffer.from(m.subject, 'utf8').toString('base64')}?=`,
    `Message-ID: ${m.messageId}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
  ];
  const text = ['Content-Type: text/plain; charset=utf-8', '', m.text ?? 'Сведения во вложении.'];
  if (!m.attachment) return [...head, ...text].join('\r\n') + '\r\n';
  const b64 = Buffer.from(m.attachment.content).toString('base64').replace(/.{76}/g, '$&\r\n');
  const name = `=?UTF-8?B?${Buffer.from(m.attachment.filename, 'utf8').toString('base64')}?=`;
  return [
    ...head,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    ...text,
    `--${boundary}`,
    `Content-Type: ${m.attachment.contentType ?? DOCX}; name="${name}"`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: attachment; filename="${name}"`,
    '',
    b64,
    `--${boundary}--`,
    '',
  ].join('\r\n');
}
