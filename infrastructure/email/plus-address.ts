// The reply address that names its municipality and quarter: what request emails carry in Reply-To
// and what the email channel (client/mail) reads back.

/** svodka@region.ru + token → svodka+token@region.ru: the reply names its municipality and quarter. */
export function plusAddress(address: string, token: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? address : `${address.slice(0, at)}+${token}${address.slice(at)}`;
}
