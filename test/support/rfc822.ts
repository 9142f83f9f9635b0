// A raw RFC 822 message as a municipality's mail client writes a reply (with the filled template
// attached), for delivery into the test IMAP mailbox.
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** A raw RFC 822 message, as a mail client writes a reply with an attachment. */
export function rfc822(m: {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text: string;
  attachment?: { filename: string; content: Uint8Array; contentType?: string };
  extraHeaders?: string[];
}): string {
  const boundary = `b-${Math.random().toString(36).slice(2)}`;
  const subject = `=?UTF-8?B?${Buffer.from(m.subject, 'utf8').toString('base64')}?=`;
  const head = [
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${subject}`,
    `Message-ID: ${m.messageId}`,
    `Date: ${new Date().toUTCString()}`,
    'MIME-Version: 1.0',
    ...(m.extraHeaders ?? []),
  ];
  const textPart = [
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from(m.text, 'utf8').toString('base64'),
  ];
  if (!m.attachment) return [...head, ...textPart].join('\r\n') + '\r\n';
  const name = `=?UTF-8?B?${Buffer.from(m.attachment.filename, 'utf8').toString('base64')}?=`;
  const b64 = Buffer.from(m.attachment.content).toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    ...head,
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    ...textPart,
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
