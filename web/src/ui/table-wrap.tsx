import type { ReactNode } from 'react'

/**
 * A table's horizontal scroller. It is focusable and named, so keyboard users can scroll a
 * table wider than the screen (WCAG 2.1.1; axe `scrollable-region-focusable`).
 */
export function TableWrap({ label, children }: { label: string; children: ReactNode }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region must be reachable by keyboard
    <section className="table-wrap" aria-label={label} tabIndex={0}>
      {children}
    </section>
  )
}
