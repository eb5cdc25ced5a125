import { domainToUnicode } from 'node:url';

/**
 * A domain as people read it. One with A-labels ("xn--", RFC 5891), as facteur keeps and asks DNS about every domain,
 * reads in its Unicode form followed by that DNS form, which its records are published under:
 * "école.example [xn--cole-9oa.example]". Any other domain, and one whose A-labels do not decode, as it is.
 */
export function displayDomain(domain: string): string {
  if (!domain.split('.').some((label) => label.startsWith('xn--'))) return domain;
  const unicode = domainToUnicode(domain);
  return unicode === '' || unicode === domain ? domain : `${unicode} [${domain}]`;
}
