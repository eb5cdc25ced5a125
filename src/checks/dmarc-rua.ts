/** Adds a URI to a DMARC record's rua tag, or adds the tag (RFC 7489 6.4: tags are `;`-separated, `rua` a comma list). */
export function withRua(record: string, uri: string): string {
  const parts = record.split(';').map((part) => part.trim());
  const index = parts.findIndex((part) => part.split('=')[0]?.trim().toLowerCase() === 'rua');
  const existing = index >= 0 ? (parts[index] ?? '').slice((parts[index] ?? '').indexOf('=') + 1).trim() : '';
  const tag = `rua=${existing === '' ? uri : `${existing},${uri}`}`;
  if (index >= 0) parts[index] = tag;
  else parts.splice(parts.at(-1) === '' ? parts.length - 1 : parts.length, 0, tag);
  return parts.filter((part) => part !== '').join('; ');
}
