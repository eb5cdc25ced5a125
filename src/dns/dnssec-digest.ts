import { createHash } from 'node:crypto';

/** A DNSKEY as the zone publishes it: flags, algorithm and the base64 public key (the protocol is always 3). */
export interface DnskeyData {
  flags: number;
  algorithm: number;
  key: string;
}

/** The DS digest types facteur computes (RFC 4034 5.1.4 SHA-1, RFC 4509 SHA-256, RFC 6605 SHA-384). */
const DIGESTS: ReadonlyMap<number, string> = new Map([
  [1, 'sha1'],
  [2, 'sha256'],
  [4, 'sha384'],
]);

/** Whether facteur can compute a DS of this digest type. */
export function isSupportedDigestType(digestType: number): boolean {
  return DIGESTS.has(digestType);
}

/** The DNSKEY RDATA in wire format (RFC 4034 2.2): flags, protocol 3, algorithm, public key. */
function dnskeyRdata(key: DnskeyData): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(key.flags, 0);
  head.writeUInt8(3, 2);
  head.writeUInt8(key.algorithm, 3);
  return Buffer.concat([head, Buffer.from(key.key, 'base64')]);
}

/** A domain name in canonical wire format (RFC 4034 6.2): lower-case labels, each after its length, then the root. */
function canonicalName(name: string): Buffer {
  const labels = name.toLowerCase().replace(/\.$/, '').split('.').filter(Boolean);
  return Buffer.concat([
    ...labels.map((label) => {
      const bytes = Buffer.from(label, 'ascii');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
    Buffer.from([0]),
  ]);
}

/** The key tag of a DNSKEY (RFC 4034 appendix B), for every algorithm but the retired RSA/MD5. */
export function dnskeyTag(key: DnskeyData): number {
  const rdata = dnskeyRdata(key);
  let sum = 0;
  for (let i = 0; i < rdata.length; i++) sum += i % 2 === 0 ? (rdata[i] ?? 0) << 8 : (rdata[i] ?? 0);
  sum += (sum >> 16) & 0xffff;
  return sum & 0xffff;
}

/**
 * The DS digest of a DNSKEY at `owner` (RFC 4034 5.1.4): the hash of the owner's canonical name followed by the
 * DNSKEY RDATA, in lower-case hex; null for a digest type facteur does not compute.
 */
export function dsDigest(owner: string, key: DnskeyData, digestType: number): string | null {
  const algorithm = DIGESTS.get(digestType);
  if (algorithm === undefined) return null;
  return createHash(algorithm).update(canonicalName(owner)).update(dnskeyRdata(key)).digest('hex');
}
