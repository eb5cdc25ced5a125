import dnsPacket, { type Answer } from 'dns-packet';
import { normalizeName } from './memory-resolver.js';
import { RR_TYPES, type DnsRecord, type RrType } from './types.js';

/** RCODE numbers (RFC 1035 section 4.1.1), for building responses: dns-packet reads them from the low bits of `flags`. */
/** EDNS0 UDP payload size, asked for and served: the DNS Flag Day 2020 value, small enough to avoid IP fragmentation. */
export const EDNS_UDP_SIZE = 1232;

/** The EDNS0 OPT pseudo-record (RFC 6891 6.1.2), with the DO bit (RFC 3225) when DNSSEC answers are wanted. */
export function ednsOpt(isDnssecOk: boolean): Answer {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: EDNS_UDP_SIZE,
    extendedRcode: 0,
    ednsVersion: 0,
    flags: isDnssecOk ? dnsPacket.DNSSEC_OK : 0,
    flag_do: isDnssecOk,
    options: [],
  };
}

export const RCODE = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 } as const;

export function isRrType(type: string): type is RrType {
  return (RR_TYPES as readonly string[]).includes(type);
}

/** Converts a decoded answer to facteur's record shape; undefined for types facteur never asks for (RRSIG, OPT…). */
export function fromPacketAnswer(answer: Answer): DnsRecord | undefined {
  const name = normalizeName(answer.name);
  const ttl = 'ttl' in answer && answer.ttl !== undefined ? answer.ttl : 0;
  switch (answer.type) {
    case 'A':
    case 'AAAA':
      return { type: answer.type, name, ttl, address: answer.data };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { type: answer.type, name, ttl, target: normalizeName(answer.data) };
    case 'MX':
      return {
        type: 'MX',
        name,
        ttl,
        preference: answer.data.preference ?? 0,
        exchange: normalizeName(answer.data.exchange),
      };
    case 'TXT': {
      const data = Array.isArray(answer.data) ? answer.data : [answer.data];
      return {
        type: 'TXT',
        name,
        ttl,
        strings: data.map((part) => (typeof part === 'string' ? part : part.toString('utf8'))),
      };
    }
    case 'SOA':
      return {
        type: 'SOA',
        name,
        ttl,
        mname: normalizeName(answer.data.mname),
        rname: normalizeName(answer.data.rname),
        serial: answer.data.serial ?? 0,
        minimum: answer.data.minimum ?? 0,
      };
    case 'TLSA':
      return {
        type: 'TLSA',
        name,
        ttl,
        usage: answer.data.usage,
        selector: answer.data.selector,
        matchingType: answer.data.matchingType,
        data: answer.data.certificate.toString('hex'),
      };
    case 'DS':
      return {
        type: 'DS',
        name,
        ttl,
        keyTag: answer.data.keyTag,
        algorithm: answer.data.algorithm,
        digestType: answer.data.digestType,
        digest: answer.data.digest.toString('hex'),
      };
    case 'DNSKEY':
      return {
        type: 'DNSKEY',
        name,
        ttl,
        flags: answer.data.flags,
        algorithm: answer.data.algorithm,
        key: answer.data.key.toString('base64'),
      };
    case 'CAA':
      return { type: 'CAA', name, ttl, flags: answer.data.flags ?? 0, tag: answer.data.tag, value: answer.data.value };
    default:
      return undefined;
  }
}

/** Converts a record to what dns-packet encodes; SOA timers facteur does not keep get RFC 1912 values. */
export function toPacketAnswer(record: DnsRecord): Answer {
  const { name, ttl } = record;
  switch (record.type) {
    case 'A':
    case 'AAAA':
      return { type: record.type, name, ttl, data: record.address };
    case 'CNAME':
    case 'NS':
    case 'PTR':
      return { type: record.type, name, ttl, data: record.target };
    case 'MX':
      return { type: 'MX', name, ttl, data: { preference: record.preference, exchange: record.exchange } };
    case 'TXT':
      return { type: 'TXT', name, ttl, data: record.strings.map((s) => Buffer.from(s, 'utf8')) };
    case 'SOA':
      return {
        type: 'SOA',
        name,
        ttl,
        data: {
          mname: record.mname,
          rname: record.rname,
          serial: record.serial,
          refresh: 7200,
          retry: 3600,
          expire: 1_209_600,
          minimum: record.minimum,
        },
      };
    case 'TLSA':
      return {
        type: 'TLSA',
        name,
        ttl,
        data: {
          usage: record.usage,
          selector: record.selector,
          matchingType: record.matchingType,
          certificate: Buffer.from(record.data, 'hex'),
        },
      };
    case 'DS':
      return {
        type: 'DS',
        name,
        ttl,
        data: {
          keyTag: record.keyTag,
          algorithm: record.algorithm,
          digestType: record.digestType,
          digest: Buffer.from(record.digest, 'hex'),
        },
      };
    case 'DNSKEY':
      return {
        type: 'DNSKEY',
        name,
        ttl,
        data: { flags: record.flags, algorithm: record.algorithm, key: Buffer.from(record.key, 'base64') },
      };
    case 'CAA':
      return { type: 'CAA', name, ttl, data: { flags: record.flags, tag: record.tag as 'issue', value: record.value } };
  }
}
