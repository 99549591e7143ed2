/**
 * The variant of a template a lead reads: their own locale when the template has it, else one in their
 * language (`nl-BE` reads `nl`, `nl` reads `nl-BE`), else the template's default locale.
 */
export function chooseLocale(available: readonly string[], wanted: string | null | undefined, templateDefault: string): string {
  if (wanted) {
    const want = wanted.trim().toLowerCase();
    const exact = available.find((l) => l.toLowerCase() === want);
    if (exact) return exact;
    const language = want.split(/[-_]/)[0];
    const sameLanguage =
      available.find((l) => l.toLowerCase() === language) ?? available.find((l) => l.toLowerCase().split(/[-_]/)[0] === language);
    if (sameLanguage) return sameLanguage;
  }
  if (available.includes(templateDefault)) return templateDefault;
  return available[0] ?? templateDefault;
}
