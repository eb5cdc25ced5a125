/**
 * Every size bound of the bounce parser, in one place (as imapflow's lib/handler/limits.js). A bounce is
 * untrusted input: each bound keeps a hostile message (10 MB, broken MIME, a million-recipient header) from
 * costing more than a few milliseconds, while staying far above what a real DSN needs.
 */
export const BOUNCE_LIMITS = {
  /** Bytes of the message read at all: the DSN parts come first; the returned original can be cut. */
  MAX_INPUT_BYTES: 4 * 1024 * 1024,
  /** Bytes of one header block: real bounces have < 16 KiB of headers, Received chains included. */
  MAX_HEADER_BLOCK_BYTES: 256 * 1024,
  /** Header fields kept per block; anything past this is spam or an attack. */
  MAX_HEADER_FIELDS: 500,
  /** Characters of one unfolded header value (a To: with a million addresses is cut here). */
  MAX_HEADER_VALUE_CHARS: 16 * 1024,
  /** MIME parts walked per message: a DSN has 2-4, Exchange nests a few more. */
  MAX_PARTS: 64,
  /** Nesting depth of multiparts and message/rfc822 (a bounce of a bounce of a forward). */
  MAX_DEPTH: 6,
  /** Characters of decoded text scanned by the MTA-specific rules: the error text sits at the top. */
  MAX_TEXT_CHARS: 64 * 1024,
  /** Recipients reported per message: the largest real multi-recipient bounce lists a few hundred. */
  MAX_RECIPIENTS: 1000,
  /**
   * Characters of one diagnostic the reason rules read: real ones stay under 2 KiB, and the bound keeps phrase
   * patterns with a free-length middle ("mail from .+ rejected") from costing quadratic time on hostile text.
   */
  MAX_CLASSIFIED_CHARS: 8 * 1024,
  /** Characters kept of one diagnostic text. */
  MAX_DIAGNOSTIC_CHARS: 1000,
} as const;
