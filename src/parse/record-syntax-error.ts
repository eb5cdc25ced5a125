import { InputError } from '../errors.js';

/**
 * A DNS TXT record that breaks its protocol's grammar, with the 0-based offset of the bad part: one message shape
 * for every record parser, so the SPF and DMARC findings read alike.
 */
export class RecordSyntaxError extends InputError {
  readonly position: number;

  constructor(protocol: string, name: string, reason: string, position: number) {
    super(
      {
        en: `Cannot parse ${protocol} record at "${name}": ${reason} at position ${position}`,
        fr: `Impossible d’analyser l’enregistrement ${protocol} de « ${name} » : ${reason} à la position ${position}`,
      },
      { record: name },
    );
    this.name = 'RecordSyntaxError';
    this.position = position;
  }
}
