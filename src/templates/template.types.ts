import type { TemplateVariant } from '../email/domain/template-compiler.js';

/** A template as the API shows it: its current version, and with details the version history. */
export interface TemplateView {
  id: string;
  name: string;
  defaultLocale: string;
  /** The current version; every change makes a new one. */
  version: number;
  locales: string[];
  createdAt: string;
  updatedAt: string;
  variants?: Record<string, TemplateVariant>;
  versions?: TemplateVersionSummary[];
}

export interface TemplateVersionSummary {
  version: number;
  defaultLocale: string;
  locales: string[];
  createdAt: string;
  createdBy: string;
}

export interface TemplateVersionView extends TemplateVersionSummary {
  templateId: string;
  variants: Record<string, TemplateVariant>;
}

export interface PreviewView {
  subject: string;
  html: string;
  text: string;
  locale: string;
  version: number;
  /** What a send would refuse this variant for (e.g. `variants.nl.mjml` without the footer); [] when it can be sent. */
  problems: { field: string; message: string }[];
}
