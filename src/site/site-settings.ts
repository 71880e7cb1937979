/**
 * The operator's brand as the public pages use it: the `site:` block of the config resolved
 * with the console's settings (the public base URL is `console.public_url`, there is no second
 * one; sign-in and sign-up links follow `console.enabled` and `console.signup`).
 *
 * @module
 */
import type { ConsoleConfig, SiteConfig } from '../config/config-types.ts'

export type LaneName = 'cheap' | 'resale' | 'byok'

/** The resolved brand every page renders with. */
export interface SiteSettings {
  name: string
  tagline: string
  /** An https URL or a path on this gateway; null: the name alone. */
  logoUrl: string | null
  colors: { accent: string; accentDark: string }
  supportEmail: string | null
  /** The gateway's public address without a trailing slash, e.g. https://api.example.com. */
  publicUrl: string
  /** `${publicUrl}/v1`: what clients put in `base_url`. */
  apiBaseUrl: string
  legal: { termsUrl: string | null; privacyUrl: string | null }
  /** Which pages are served (and linked). */
  pages: { home: boolean; models: boolean; docs: boolean; apiReference: boolean; playground: boolean }
  /** Display names of the lanes (the IDs stay `cheap/…`, `resale/…`, `byok/…`). */
  laneNames: Record<LaneName, string>
  /** The console: whether it is served (sign-in links), and who may sign up. */
  console: { enabled: boolean; signup: 'open' | 'invite_only' | 'closed' }
  /** Where the sign-in and sign-up links go; null when not offered. */
  signInUrl: string | null
  signUpUrl: string | null
}

/** Builds the brand from the config's `site:` and `console:` blocks. */
export function resolveSiteSettings(site: SiteConfig, console: ConsoleConfig): SiteSettings {
  const publicUrl = console.publicUrl.replace(/\/+$/, '')
  return {
    name: site.name,
    tagline: site.tagline,
    logoUrl: site.logoUrl,
    colors: { ...site.colors },
    supportEmail: site.supportEmail,
    publicUrl,
    apiBaseUrl: `${publicUrl}/v1`,
    legal: { ...site.legal },
    pages: { ...site.pages, playground: site.pages.playground && console.enabled },
    laneNames: { ...site.laneNames },
    console: { enabled: console.enabled, signup: console.signup },
    signInUrl: console.enabled ? '/console/sign-in' : null,
    signUpUrl: console.enabled && console.signup !== 'closed' ? '/console/sign-up' : null,
  }
}

/** An absolute URL of a page of this site, from its path. */
export function absoluteUrl(site: SiteSettings, path: string): string {
  return `${site.publicUrl}${path.startsWith('/') ? path : `/${path}`}`
}

/**
 * The stylesheet served at `/site/brand.css`: the accent colours as custom properties for light
 * and dark (a colour the config validated as `#rrggbb`, so nothing here needs escaping).
 */
export function brandStylesheet(site: SiteSettings): string {
  const light = site.colors.accent
  const dark = site.colors.accentDark
  const block = (accent: string) =>
    `--accent: ${accent}; --accent-text: ${readableOn(accent)}; --focus: ${accent};`
  return [
    `/* ${site.name.replaceAll('*/', '')}: brand colours from the config's site.colors */`,
    `:root, :root[data-theme="light"] { ${block(light)} }`,
    `@media (prefers-color-scheme: dark) { :root:not([data-theme="light"]) { ${block(dark)} } }`,
    `:root[data-theme="dark"] { ${block(dark)} }`,
    '',
  ].join('\n')
}

/** Black or white text on a background colour, whichever contrasts more (WCAG relative luminance). */
export function readableOn(hex: string): string {
  const channel = (offset: number) => {
    const value = Number.parseInt(hex.slice(offset, offset + 2), 16) / 255
    return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4
  }
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
  // Contrast with white (1.05 / (L + 0.05)) against contrast with black ((L + 0.05) / 0.05).
  return 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 ? '#ffffff' : '#0b1020'
}

/** A square SVG icon: the brand's initial on its accent colour (served at `/site/favicon.svg`). */
export function brandIcon(site: SiteSettings): string {
  const initial = [...site.name.trim()][0]?.toUpperCase() ?? 'O'
  const letter = initial.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;')
  return [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64">',
    `<rect width="64" height="64" rx="14" fill="${site.colors.accent}"/>`,
    `<text x="32" y="44" font-family="system-ui, sans-serif" font-size="36" font-weight="700" text-anchor="middle" fill="${readableOn(site.colors.accent)}">${letter}</text>`,
    '</svg>',
    '',
  ].join('\n')
}
