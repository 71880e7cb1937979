/**
 * Per-deployment data the gateway writes into `<meta name="onekey-boot" content="…">` (HTML-escaped
 * JSON), read once at start. Defaults apply when the page is served without it (vite preview).
 *
 * @module
 */

export interface BootData {
  site_name: string
  base_url: string
  signup: 'open' | 'invite_only' | 'closed'
  support_email: string | null
  /** The deployment serves the console playground (`site.pages.playground`). */
  playground: boolean
}

export function parseBootData(content: string | null | undefined, origin: string): BootData {
  const fallback: BootData = {
    site_name: 'OneKey',
    base_url: `${origin}/v1`,
    signup: 'open',
    support_email: null,
    playground: true,
  }
  if (!content) return fallback
  try {
    const raw = JSON.parse(content) as Partial<Record<keyof BootData, unknown>>
    return {
      site_name:
        typeof raw.site_name === 'string' && raw.site_name !== '' ? raw.site_name : fallback.site_name,
      base_url: typeof raw.base_url === 'string' && raw.base_url !== '' ? raw.base_url : fallback.base_url,
      signup:
        raw.signup === 'open' || raw.signup === 'invite_only' || raw.signup === 'closed'
          ? raw.signup
          : fallback.signup,
      support_email:
        typeof raw.support_email === 'string' && raw.support_email !== '' ? raw.support_email : null,
      playground: raw.playground !== false,
    }
  } catch {
    return fallback
  }
}

let boot: BootData | undefined

/** The boot data of this document. */
export function bootData(): BootData {
  boot ??= parseBootData(
    document.querySelector<HTMLMetaElement>('meta[name="onekey-boot"]')?.content,
    window.location.origin,
  )
  return boot
}
