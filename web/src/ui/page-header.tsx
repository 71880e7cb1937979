import type { ReactNode } from 'react'
import { bootData } from '../api/boot-data.ts'

/** The page's <h1> (focused after navigation) and the document title. */
export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <header className="page-header">
      <title>{`${title} · ${bootData().site_name}`}</title>
      <h1 tabIndex={-1}>{title}</h1>
      {children ? <div className="page-actions">{children}</div> : null}
    </header>
  )
}
