// A held or unmatched reply's filled template, kept in the blob store so a coordinator can assign it
// to a municipality from the portal (the message itself stays in the mailbox, unread and flagged).
import type { Attachment, ParsedMail } from 'mailparser';
import type { BlobStore } from '../../infrastructure/blobs';
import { MAX_UPLOAD_BYTES } from '../../infrastructure/uploads';

export type KeptAttachment = { attachmentSha256: string; attachmentName: string };

/**
 * The first attachment that may be a filled template, within the upload limit; null when there is
 * none. Anyone can write to the mailbox: nothing larger than an upload is ever stored.
 */
export async function keepAttachment(
  files: BlobStore,
  parsed: ParsedMail,
  isTemplate: (a: Attachment) => boolean,
): Promise<KeptAttachment | null> {
  const attachment = parsed.attachments.find(isTemplate);
  if (!attachment || attachment.content.length === 0 || attachment.content.length > MAX_UPLOAD_BYTES)
    return null;
  return {
    attachmentSha256: await files.put(attachment.content),
    attachmentName: (attachment.filename || 'сведения.docx').slice(0, 255),
  };
}
