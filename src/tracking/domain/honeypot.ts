/**
 * Link index reserved for the hidden honeypot link added to every tracked email: no person sees it,
 * so a "click" on it marks the requester (and its other clicks on that message) as a link scanner.
 */
export const HONEYPOT_LINK_INDEX = 65535;
