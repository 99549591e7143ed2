/**
 * The unsubscribe pages a person sees, in Dutch, English or French: a confirmation with a button
 * (opening the link never unsubscribes by itself — mail security gateways follow links), the
 * result, and a page for a link that does not work. Static HTML, no scripts, nothing loaded from elsewhere.
 */
export const PAGE_LOCALES = ['nl', 'en', 'fr'] as const;
export type PageLocale = (typeof PAGE_LOCALES)[number];
export type PageState = 'confirm' | 'done' | 'invalid';

interface Texts {
  title: string;
  thisAddress: string;
  confirmHeading: string;
  confirmBody: (address: string) => string;
  button: string;
  doneHeading: string;
  doneBody: (address: string) => string;
  invalidHeading: string;
  invalidBody: string;
}

const TEXTS: Record<PageLocale, Texts> = {
  nl: {
    title: 'Uitschrijven',
    thisAddress: 'dit adres',
    confirmHeading: 'Wil je geen e-mails meer van ons ontvangen?',
    confirmBody: (a) => `Klik op de knop om ${a} uit te schrijven. Je ontvangt daarna geen e-mails meer van ons.`,
    button: 'Uitschrijven',
    doneHeading: 'Je bent uitgeschreven',
    doneBody: (a) => `We sturen geen e-mails meer naar ${a}.`,
    invalidHeading: 'Deze link werkt niet',
    invalidBody: 'De link is onvolledig of niet meer geldig. Gebruik de link in de laatste e-mail die je van ons kreeg.',
  },
  en: {
    title: 'Unsubscribe',
    thisAddress: 'this address',
    confirmHeading: 'Stop receiving our emails?',
    confirmBody: (a) => `Click the button to unsubscribe ${a}. You will not receive any more emails from us.`,
    button: 'Unsubscribe',
    doneHeading: 'You are unsubscribed',
    doneBody: (a) => `We will not send any more emails to ${a}.`,
    invalidHeading: 'This link does not work',
    invalidBody: 'The link is incomplete or no longer valid. Use the link in the latest email you received from us.',
  },
  fr: {
    title: 'Se désinscrire',
    thisAddress: 'cette adresse',
    confirmHeading: 'Vous ne souhaitez plus recevoir nos e-mails ?',
    confirmBody: (a) => `Cliquez sur le bouton pour désinscrire ${a}. Vous ne recevrez plus d’e-mails de notre part.`,
    button: 'Me désinscrire',
    doneHeading: 'Vous êtes désinscrit',
    doneBody: (a) => `Nous n’enverrons plus d’e-mails à ${a}.`,
    invalidHeading: 'Ce lien ne fonctionne pas',
    invalidBody: 'Le lien est incomplet ou n’est plus valable. Utilisez le lien du dernier e-mail que vous avez reçu de notre part.',
  },
};

/** The page language: the lead's (nl-BE → nl), else the installation default, else English. */
export function pageLocale(leadLocale: string | null | undefined, defaultLocale: string): PageLocale {
  for (const candidate of [leadLocale, defaultLocale]) {
    const primary = candidate?.split(/[-_]/)[0]?.toLowerCase();
    if (primary && (PAGE_LOCALES as readonly string[]).includes(primary)) return primary as PageLocale;
  }
  return 'en';
}

/** Enough of the address for a person to recognise it, not enough to read it off a shared screen. */
export function maskAddress(email: string): string {
  const at = email.lastIndexOf('@');
  if (at < 1) return '•••';
  return `${email[0]}•••${email.slice(at)}`;
}

export function renderUnsubscribePage(state: PageState, locale: PageLocale, email?: string | null): string {
  const t = TEXTS[locale];
  const address = email ? `<strong>${escapeHtml(maskAddress(email))}</strong>` : t.thisAddress;
  const main =
    state === 'confirm'
      ? `<h1>${t.confirmHeading}</h1><p>${t.confirmBody(address)}</p>` +
        `<form method="post"><input type="hidden" name="confirm" value="yes"><button type="submit">${t.button}</button></form>`
      : state === 'done'
        ? `<h1>${t.doneHeading}</h1><p>${t.doneBody(address)}</p>`
        : `<h1>${t.invalidHeading}</h1><p>${t.invalidBody}</p>`;
  return (
    `<!doctype html><html lang="${locale}"><head><meta charset="utf-8">` +
    `<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">` +
    `<title>${t.title}</title><style>${STYLE}</style></head><body><main>${main}</main></body></html>`
  );
}

const STYLE =
  'body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;background:#f4f4f5;color:#18181b}' +
  'main{max-width:32rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px}' +
  'h1{font-size:1.4rem;margin-top:0}button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:6px;background:#18181b;color:#fff;cursor:pointer}';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
