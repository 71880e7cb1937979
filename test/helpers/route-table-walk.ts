/**
 * The gateway's route table built with stand-in dependencies, for tests that walk every route
 * (nothing is called: the table only keeps the dependencies).
 *
 * @module
 */
import type { AppDependencies } from '../../src/http/app.ts'
import { createRouteTable, type RouteTable } from '../../src/http/route-table.ts'

export function routeTableForWalk(): RouteTable {
  const dependencies = new Proxy({} as AppDependencies, {
    get: (_target, name) =>
      name === 'console'
        ? {
            enabled: true,
            publicUrl: 'http://127.0.0.1:1',
            signup: 'open',
            sessionMaxMs: 1,
            sessionIdleMs: 1,
          }
        : name === 'site'
          ? { name: 'x', supportEmail: null }
          : name === 'consoleDirectory'
            ? '/nonexistent'
            : () => undefined,
  })
  return createRouteTable(dependencies)
}
