import { describe, expect, it } from 'vitest';
import { compileTemplate, escapeHtml, headerValue, renderTemplate } from '../../src/send/render-message.js';

const ROW = { file: 'people.csv', line: 7 };

describe('compileTemplate()', () => {
  it('lists the fields a template uses, once each', () => {
    const template = compileTemplate('Bonjour {{firstname}} {{ lastname }}, {{firstname}}!', 'body.txt');
    expect(template.fields).toEqual(['firstname', 'lastname']);
  });

  it('takes a field named with accents, as a French spreadsheet header is', () => {
    const template = compileTemplate('Bonjour {{Prénom}}, quartier {{ Quartier_2 }}', 'body.txt');
    expect(template.fields).toEqual(['Prénom', 'Quartier_2']);
    expect(renderTemplate(template, { Prénom: 'Zoé', Quartier_2: 'Église' }, ROW)).toBe('Bonjour Zoé, quartier Église');
  });

  it.each([
    ['an unclosed placeholder', 'Hello {{firstname', 1],
    ['a placeholder with a space in the name', 'a\nb {{first name}}', 2],
  ])('rejects %s, naming the line', (_name, text, line) => {
    expect(() => compileTemplate(text, 'body.txt')).toThrow(
      `Cannot compile template "body.txt": "{{" at line ${line} does not start a {{field}} placeholder`,
    );
  });
});

describe('renderTemplate()', () => {
  it.each([
    ['Hello {{name}}', { name: 'Zoé' }, 'Hello Zoé'],
    ['{{a}}{{b}}', { a: '1', b: '2' }, '12'],
    ['no placeholder', {}, 'no placeholder'],
    ['{{name}} and {{name}}', { name: 'x' }, 'x and x'],
    ['empty {{name}}.', { name: '' }, 'empty .'],
    ['Votre code : {{attribute_1}}', { attribute_1: 'A-12' }, 'Votre code : A-12'],
  ])('renders %j', (text, fields, expected) => {
    expect(renderTemplate(compileTemplate(text, 't'), fields, ROW)).toBe(expected);
  });

  it('names the row and the field when the row lacks a field', () => {
    expect(() =>
      renderTemplate(compileTemplate('Hi {{firstname}}', 'body.txt'), { email: 'a@b.example' }, ROW),
    ).toThrow('Cannot render "body.txt" for line 7 of "people.csv": no field "firstname"');
  });

  it('does not expand a placeholder found inside a field value', () => {
    expect(renderTemplate(compileTemplate('{{a}}', 't'), { a: '{{b}}', b: 'secret' }, ROW)).toBe('{{b}}');
  });
});

describe('escapeHtml()', () => {
  it('escapes markup and both quotes', () => {
    expect(escapeHtml(`<a href="x" title='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
});

describe('headerValue()', () => {
  it.each([
    ['CRLF', 'Hi\r\nBcc: victim@example.org'],
    ['a bare LF', 'Hi\nBcc: victim@example.org'],
    ['a bare CR', 'Hi\rBcc: victim@example.org'],
    ['a NUL', 'Hi\u0000'],
  ])('refuses %s, naming the header and the row', (_name, value) => {
    expect(() => headerValue(value, 'Subject', ROW)).toThrow(
      'Cannot use the Subject header for line 7 of "people.csv": it contains a line break or control character',
    );
  });

  it('keeps a tab and non-ASCII text', () => {
    expect(headerValue('Consultation\tpublique — été', 'Subject', ROW)).toBe('Consultation\tpublique — été');
  });
});
