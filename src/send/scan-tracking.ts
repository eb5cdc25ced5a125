import { Parser } from 'htmlparser2';

/** What a template does that tells a third party, or the sender, who read the mail or followed a link. */
export interface TrackingTrace {
  id: 'template.tracking_pixel' | 'template.remote_image' | 'template.tracking_link';
  /** 1-based line of the template where the tag or link starts. */
  line: number;
  /** The image source or the link, as written (placeholders included). */
  url: string;
  /** The host the reader's mail program would contact, or the URL itself when it names none. */
  host: string;
}

/**
 * Hosts (and their subdomains) that exist to log a click before redirecting: the click-tracking domains of the
 * sending services a town or an association may have used before (Mailchimp, Brevo/Sendinblue, Mailjet, SendGrid,
 * Mandrill, Campaign Monitor, Constant Contact, HubSpot, MailerLite, Amazon SES), and URL shorteners. A template
 * copied from such a service keeps its links.
 */
const REDIRECTORS = [
  'list-manage.com',
  'sendibt2.com',
  'sendibt3.com',
  'sendibt4.com',
  'sendibm1.com',
  'sendibm2.com',
  'mjt.lu',
  'sendgrid.net',
  'mandrillapp.com',
  'createsend.com',
  'createsend1.com',
  'cmail19.com',
  'cmail20.com',
  'rs6.net',
  'hubspotlinks.com',
  'mlsend.com',
  'awstrack.me',
  'bit.ly',
  'tinyurl.com',
  'ow.ly',
];

/** The host of an http(s) URL, lower-case; null for any other URL (mailto:, cid:, a placeholder). */
function hostOf(url: string): string | null {
  const match = /^\s*https?:\/\/([^/?#:\s]+)/i.exec(url);
  return match?.[1]?.toLowerCase() ?? null;
}

function isRedirector(url: string): boolean {
  const host = hostOf(url);
  return host !== null && REDIRECTORS.some((domain) => host === domain || host.endsWith(`.${domain}`));
}

/**
 * An image that shows nothing: 0 or 1 pixel both wide and high (in attributes or an inline style), or not displayed.
 * A 1-pixel-wide spacer of some height is layout, not a beacon: it counts as an image like any other.
 */
function isInvisible(attributes: Record<string, string>): boolean {
  const tiny = (value: string | undefined): boolean => value !== undefined && /^\s*[01](?:px)?\s*$/i.test(value);
  const style = (attributes.style ?? '').toLowerCase();
  const styled = (property: string): string | undefined =>
    new RegExp(`(?:^|;)\\s*${property}\\s*:\\s*([^;]+)`).exec(style)?.[1];
  const isNarrow = tiny(attributes.width) || tiny(styled('width'));
  const isFlat = tiny(attributes.height) || tiny(styled('height'));
  return (isNarrow && isFlat) || /^\s*none\s*$/.test(styled('display') ?? '');
}

/**
 * Reads an HTML template as a mail reader would and lists its tracking: an image no one can see (a tracking pixel),
 * an image fetched from a server when the mail is opened (which tells that server who read it, and when), and links
 * through a click-tracking redirect or a URL shortener. Images attached (`cid:`) or inline (`data:`) fetch nothing.
 */
export function scanHtmlTemplate(html: string): TrackingTrace[] {
  const traces: TrackingTrace[] = [];
  const trace = (id: TrackingTrace['id'], line: number, url: string): void => {
    traces.push({ id, line, url, host: hostOf(url) ?? url });
  };
  // Tags come in document order: count the line breaks once, up to each tag in turn.
  let counted = 0;
  let countedLine = 1;
  const lineAt = (index: number): number => {
    for (; counted < index; counted++) if (html.charCodeAt(counted) === 10) countedLine++;
    return countedLine;
  };
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        const line = lineAt(parser.startIndex);
        if (name === 'img') {
          const src = attributes.src ?? '';
          if (isInvisible(attributes)) trace('template.tracking_pixel', line, src);
          else if (hostOf(src) !== null) trace('template.remote_image', line, src);
        }
        const href = attributes.href;
        if ((name === 'a' || name === 'area') && href !== undefined && isRedirector(href))
          trace('template.tracking_link', line, href);
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true },
  );
  parser.end(html);
  return traces;
}

/** Lists the links of a text template that go through a click-tracking redirect or a URL shortener. */
export function scanTextTemplate(text: string): TrackingTrace[] {
  return text
    .split('\n')
    .flatMap((content, index) =>
      [...content.matchAll(/https?:\/\/[^\s<>"')\]]+/gi)].flatMap((match) =>
        isRedirector(match[0])
          ? [{ id: 'template.tracking_link' as const, line: index + 1, url: match[0], host: hostOf(match[0]) ?? '' }]
          : [],
      ),
    );
}
