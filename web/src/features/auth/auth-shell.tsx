import type { ReactNode } from 'react'
import { bootData } from '../../api/boot-data.ts'

/** The frame of a signed-out page: brand, one card, an <h1>. */
export function AuthShell({ title, children }: { title: string; children: ReactNode }) {
  const boot = bootData()
  return (
    <div className="auth">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="auth-brand">{boot.site_name}</header>
      <main id="main" className="auth-card">
        <title>{`${title} · ${boot.site_name}`}</title>
        <h1 tabIndex={-1}>{title}</h1>
        {children}
      </main>
    </div>
  )
}
