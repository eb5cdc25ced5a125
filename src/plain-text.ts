/**
 * Replaces control characters (C0 but newline, DEL, C1) in text meant for a terminal or a cron mail: a TXT record, a
 * members file or a bounce holding an escape sequence must not drive the reader's terminal (clear the screen, recolour
 * or rewrite the lines before it).
 */
export function plainText(value: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return value.replace(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g, '\uFFFD');
}
