import { describe, expect, it } from 'vitest';
import { scanHtmlTemplate, scanTextTemplate } from '../../src/send/scan-tracking.js';

describe('scanHtmlTemplate()', () => {
  it('finds nothing in a plain message with its own links and attached or inline images', () => {
    const html = `<p>Bonjour {{firstname}},</p>
<p><a href="https://consult.mairie-exemple.example/velo?token={{token}}">Donner votre avis</a></p>
<img src="cid:logo@mairie" width="120" height="40" alt="Mairie">
<img src="data:image/png;base64,iVBORw0KGgo=" alt="">
<a href="mailto:democratie@mairie-exemple.example">Écrire</a>`;
    expect(scanHtmlTemplate(html)).toEqual([]);
  });

  it('finds tracking pixels however they are hidden, with their line', () => {
    const html = `<p>x</p>
<img src="https://t.vendor.example/open/{{token}}.gif" width="1" height="1">
<IMG SRC="https://t.vendor.example/o.gif" STYLE="display: none">
<img src="https://t.vendor.example/p.png" style="width:0px;height:0px" alt="">`;
    expect(scanHtmlTemplate(html)).toEqual([
      {
        id: 'template.tracking_pixel',
        line: 2,
        url: 'https://t.vendor.example/open/{{token}}.gif',
        host: 't.vendor.example',
      },
      { id: 'template.tracking_pixel', line: 3, url: 'https://t.vendor.example/o.gif', host: 't.vendor.example' },
      { id: 'template.tracking_pixel', line: 4, url: 'https://t.vendor.example/p.png', host: 't.vendor.example' },
    ]);
  });

  it('finds remote images and links through click-tracking redirects or shorteners', () => {
    const html = `<img src="https://www.mairie-exemple.example/logo.png" width="120">
<a href="https://mairie.us21.list-manage.com/track/click?u=1&amp;id=2">Avis</a>
<a href="HTTPS://BIT.LY/3xYz">court</a>
<a href="https://list-manage.com.mairie-exemple.example/">not a redirect</a>
<img src="https://www.mairie-exemple.example/spacer.gif" width="1" height="20" alt="">`;
    expect(scanHtmlTemplate(html)).toEqual([
      {
        id: 'template.remote_image',
        line: 1,
        url: 'https://www.mairie-exemple.example/logo.png',
        host: 'www.mairie-exemple.example',
      },
      {
        id: 'template.tracking_link',
        line: 2,
        url: 'https://mairie.us21.list-manage.com/track/click?u=1&id=2',
        host: 'mairie.us21.list-manage.com',
      },
      { id: 'template.tracking_link', line: 3, url: 'HTTPS://BIT.LY/3xYz', host: 'bit.ly' },
      // A 1-pixel-wide spacer is layout: a remote image, not a pixel.
      {
        id: 'template.remote_image',
        line: 5,
        url: 'https://www.mairie-exemple.example/spacer.gif',
        host: 'www.mairie-exemple.example',
      },
    ]);
  });
});

describe('scanTextTemplate()', () => {
  it('finds the links of a text template that go through a redirect, with their line', () => {
    const text = `Bonjour {{firstname}},\nDonnez votre avis : https://consult.mairie-exemple.example/velo?token={{token}}\n(ou https://r.sendibt3.com/tr/cl/abc).\n`;
    expect(scanTextTemplate(text)).toEqual([
      { id: 'template.tracking_link', line: 3, url: 'https://r.sendibt3.com/tr/cl/abc', host: 'r.sendibt3.com' },
    ]);
  });
});
