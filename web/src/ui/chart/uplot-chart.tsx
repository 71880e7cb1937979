/**
 * A day-by-day chart on uPlot (canvas). Canvas has no semantics: the figure carries role="img"
 * and a one-sentence summary, and each page renders the same numbers in a table. Only this
 * chunk imports uPlot.
 *
 * @module
 */
import { useEffect, useRef } from 'react'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import type { ChartProps } from './chart-types.ts'

/** Tick steps for counts: never a fractional request. */
const INTEGER_STEPS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6, 1e7, 1e8, 1e9,
]

function cssVar(name: string, fallback: string): string {
  const value = getComputedStyle(document.documentElement).getPropertyValue(name).trim()
  return value === '' ? fallback : value
}

export default function UplotChart({ days, series, stacked = false, summary, height = 240 }: ChartProps) {
  const container = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const element = container.current
    if (element === null) return
    const x = days.map((day) => Date.parse(`${day}T00:00:00Z`) / 1000)
    // Stacked bars: cumulative values drawn tallest first, so each band shows above the one below.
    const plotted = series.map((entry) => entry.values.map((value) => value ?? 0))
    if (stacked) {
      for (let index = 1; index < plotted.length; index++) {
        const below = plotted[index - 1]!
        plotted[index] = plotted[index]!.map((value, day) => value + (below[day] ?? 0))
      }
    }
    const order = stacked
      ? series.map((_, index) => series.length - 1 - index)
      : series.map((_, index) => index)
    const text = cssVar('--text-muted', '#555')
    const grid = cssVar('--border', '#ddd')
    const bars = uPlot.paths.bars?.({ size: [0.7, 40], align: 0 })
    const hasY2 = series.some((entry) => entry.scale === 'y2')
    const firstOf = (scale: 'y' | 'y2') => series.find((entry) => (entry.scale ?? 'y') === scale)
    const axisFormat = (scale: 'y' | 'y2') => (_: uPlot, values: number[]) =>
      values.map((value) => firstOf(scale)?.format?.(value) ?? String(value))
    const options: uPlot.Options = {
      width: Math.max(element.clientWidth, 280),
      height,
      legend: { show: true, live: !stacked },
      cursor: { drag: { x: false, y: false } },
      scales: {
        // Half a day of padding each side, so the first and last bars are whole.
        x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] },
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] },
      },
      axes: [
        { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid },
          values: axisFormat('y'),
          size: 60,
          ...(firstOf('y')?.integer ? { incrs: INTEGER_STEPS } : {}),
        },
        ...(hasY2
          ? [
              {
                scale: 'y2',
                side: 1,
                stroke: text,
                grid: { show: false },
                values: axisFormat('y2'),
                size: 60,
                ...(firstOf('y2')?.integer ? { incrs: INTEGER_STEPS } : {}),
              },
            ]
          : []),
      ],
      series: [
        { value: (_u, value) => (value == null ? '' : new Date(value * 1000).toISOString().slice(0, 10)) },
        ...order.map((index) => {
          const entry = series[index]!
          const color = cssVar(`--chart-${(index % 8) + 1}`, '#3366cc')
          return {
            label: entry.label,
            scale: entry.scale ?? 'y',
            stroke: color,
            width: entry.kind === 'line' ? 2 : 0,
            fill: entry.kind === 'bars' ? color : undefined,
            paths: entry.kind === 'bars' ? bars : undefined,
            points: { show: entry.kind === 'line' && days.length < 40 },
            value: (_u: uPlot, value: number | null) =>
              value == null ? '' : (entry.format?.(value) ?? String(value)),
          } satisfies uPlot.Series
        }),
      ],
    }
    if (hasY2) options.scales!.y2 = { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] }
    const data: uPlot.AlignedData = [x, ...order.map((index) => plotted[index]!)]
    const plot = new uPlot(options, data, element)
    const observer = new ResizeObserver(() => {
      plot.setSize({ width: Math.max(element.clientWidth, 280), height })
    })
    observer.observe(element)
    return () => {
      observer.disconnect()
      plot.destroy()
    }
  }, [days, series, stacked, height])
  return (
    <div className="chart" role="img" aria-label={summary}>
      <div ref={container} className="chart-canvas" aria-hidden="true" />
    </div>
  )
}
