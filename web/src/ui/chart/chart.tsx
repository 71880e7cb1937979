import { lazy, Suspense } from 'react'
import { Skeleton } from '../skeleton.tsx'
import type { ChartProps } from './chart-types.ts'

const UplotChart = lazy(() => import('./uplot-chart.tsx'))

/** The chart, loaded in its own chunk (uPlot stays off the first load). */
export function Chart(props: ChartProps) {
  return (
    <Suspense fallback={<Skeleton lines={4} label="Loading chart…" />}>
      <UplotChart {...props} />
    </Suspense>
  )
}
