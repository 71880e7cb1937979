export interface ChartSeries {
  label: string
  /** Numbers for plotting only (money converted here is never shown as an amount). */
  values: readonly (number | null)[]
  kind: 'bars' | 'line'
  scale?: 'y' | 'y2'
  format?: (value: number) => string
  /** Whole numbers (counts): the axis ticks stay integers. */
  integer?: boolean
}

export interface ChartProps {
  /** "YYYY-MM-DD", oldest first. */
  days: readonly string[]
  series: readonly ChartSeries[]
  stacked?: boolean
  /** One sentence read by screen readers in place of the canvas. */
  summary: string
  height?: number
}
