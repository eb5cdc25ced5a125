/**
 * A certificate this close to its end is reported: its automatic renewal has most likely failed, since ACME clients
 * renew a third of the lifetime before the end (30 days for a 90-day certificate), or the server was not reloaded
 * after it and still serves the old one.
 */
export const CERTIFICATE_EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 86_400_000;

/** How soon a certificate ends, for the findings that warn of it. */
export interface CertificateExpiry {
  /** The day it ends, `YYYY-MM-DD` (UTC). */
  expiresOn: string;
  /** Whole days left at the run's start. */
  daysLeft: number;
}

/**
 * When a certificate still valid at `now` ends within CERTIFICATE_EXPIRY_WARNING_DAYS: its end and the days left;
 * null otherwise, and for a date OpenSSL wrote in a form that cannot be read (`valid_to`, "Apr  1 00:00:00 2026 GMT").
 * An expired certificate is the chain's verdict (CERT_HAS_EXPIRED), not this one's.
 */
export function certificateExpiry(validTo: string, now: Date): CertificateExpiry | null {
  const end = Date.parse(validTo);
  if (Number.isNaN(end)) return null;
  const left = end - now.getTime();
  if (left < 0 || left >= CERTIFICATE_EXPIRY_WARNING_DAYS * DAY_MS) return null;
  return { expiresOn: new Date(end).toISOString().slice(0, 10), daysLeft: Math.floor(left / DAY_MS) };
}
