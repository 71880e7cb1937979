import { queryOptions } from '@tanstack/react-query'
import { api, withQuery } from '../../api/api-client.ts'
import type { ActivitySearch, GroupBy } from '../../search-schemas.ts'

export interface ActivityRow {
  day: string
  requests: number
  prompt_tokens: number
  completion_tokens: number
  spend: string
  /** The group's value under the name of `group_by` (model, provider, lane or key). */
  [group: string]: string | number | null
}

export interface ActivityAnswer {
  object: 'activity'
  group_by: GroupBy
  since: string
  data: ActivityRow[]
}

export const activityKeys = {
  all: ['activity'] as const,
  list: (search: ActivitySearch) => ['activity', search] as const,
}

export function activityQuery(search: ActivitySearch) {
  return queryOptions({
    queryKey: activityKeys.list(search),
    queryFn: ({ signal }) =>
      api<ActivityAnswer>('/api/v1/activity', {
        query: { days: search.days, group_by: search.group_by },
        signal,
      }),
    placeholderData: (previous) => previous,
  })
}

/** The CSV of the same rows, produced by the server with exact decimal strings. */
export function activityCsvUrl(search: ActivitySearch): string {
  return withQuery('/api/v1/activity.csv', { days: search.days, group_by: search.group_by })
}

export interface ActivityChartData {
  days: string[]
  groups: string[]
  /** spend[group][day] as numbers, for plotting only. */
  spend: number[][]
}

/** The top groups by request count (plus "Other") laid out over every day since `since`. */
export function chartData(answer: ActivityAnswer, allDays: string[], maxGroups = 7): ActivityChartData {
  const groupOf = (row: ActivityRow) => String(row[answer.group_by] ?? '(none)')
  const requestsByGroup = new Map<string, number>()
  for (const row of answer.data) {
    requestsByGroup.set(groupOf(row), (requestsByGroup.get(groupOf(row)) ?? 0) + row.requests)
  }
  const ranked = [...requestsByGroup.entries()].sort((a, b) => b[1] - a[1]).map(([group]) => group)
  const top = ranked.slice(0, maxGroups)
  const groups = ranked.length > maxGroups ? [...top, 'Other'] : top
  const dayIndex = new Map(allDays.map((day, index) => [day, index]))
  const spend = groups.map(() => allDays.map(() => 0))
  for (const row of answer.data) {
    const day = dayIndex.get(row.day)
    if (day === undefined) continue
    const position = top.indexOf(groupOf(row))
    const series = spend[position === -1 ? groups.length - 1 : position]
    if (series !== undefined) series[day] = (series[day] ?? 0) + Number(row.spend)
  }
  return { days: allDays, groups, spend }
}
