import bimiRecord from '../../checks/bimi-record.js';
import blocklistListing from '../../checks/blocklist-listing.js';
import daneTlsa from '../../checks/dane-tlsa.js';
import dkimKey from '../../checks/dkim-key.js';
import dmarcHoster from '../../checks/dmarc-hoster.js';
import dmarcPolicy from '../../checks/dmarc-policy.js';
import dmarcRecord from '../../checks/dmarc-record.js';
import dmarcReports from '../../checks/dmarc-reports.js';
import dnssecChain from '../../checks/dnssec-chain.js';
import mtaStsPolicy from '../../checks/mta-sts-policy.js';
import mtaStsRecord from '../../checks/mta-sts-record.js';
import mxHoster from '../../checks/mx-hoster.js';
import mxRecords from '../../checks/mx-records.js';
import smtpStarttls from '../../checks/smtp-starttls.js';
import spfAll from '../../checks/spf-all.js';
import spfHoster from '../../checks/spf-hoster.js';
import spfIncludes from '../../checks/spf-includes.js';
import spfLookups from '../../checks/spf-lookups.js';
import spfPtr from '../../checks/spf-ptr.js';
import spfRecord from '../../checks/spf-record.js';
import spfSendingIp from '../../checks/spf-sending-ip.js';
import tlsrptRecord from '../../checks/tlsrpt-record.js';
import { gatherBimi } from '../facts/bimi.js';
import { gatherBlocklists } from '../facts/blocklists.js';
import { gatherDkim } from '../facts/dkim.js';
import { gatherDmarc } from '../facts/dmarc.js';
import { gatherDnssec } from '../facts/dnssec.js';
import { gatherDane, gatherMtaStsRecord, gatherTlsRptRecord } from '../facts/mail-tls-records.js';
import { gatherMtaStsPolicy } from '../facts/mta-sts-policy.js';
import { gatherHosterMx } from '../facts/hoster-mx.js';
import { gatherMx } from '../facts/mx.js';
import { gatherSmtpProbe } from '../facts/smtp-probe.js';
import { gatherSpf } from '../facts/spf.js';
import type { GathererTable } from './run-checks.js';
import type { Check } from './types.js';

/** Every check `facteur check` runs, in report order. */
export const ALL_CHECKS: readonly Check[] = [
  bimiRecord,
  blocklistListing,
  daneTlsa,
  dkimKey,
  dmarcHoster,
  dmarcPolicy,
  dmarcRecord,
  dmarcReports,
  dnssecChain,
  mtaStsPolicy,
  mtaStsRecord,
  mxHoster,
  mxRecords,
  smtpStarttls,
  spfAll,
  spfHoster,
  spfIncludes,
  spfLookups,
  spfPtr,
  spfRecord,
  spfSendingIp,
  tlsrptRecord,
] as readonly Check[];

/** The gatherer of each fact. */
export const GATHERERS: GathererTable = {
  bimi: gatherBimi,
  blocklists: gatherBlocklists,
  dane: gatherDane,
  dkim: gatherDkim,
  dmarc: gatherDmarc,
  dnssec: gatherDnssec,
  hosterMx: gatherHosterMx,
  mtaStsPolicy: gatherMtaStsPolicy,
  mtaStsRecord: gatherMtaStsRecord,
  mx: gatherMx,
  smtpProbe: gatherSmtpProbe,
  spf: gatherSpf,
  tlsRptRecord: gatherTlsRptRecord,
};
