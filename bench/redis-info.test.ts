import assert from 'node:assert/strict'
import { test } from 'node:test'
import { callsBetween, parseRedisInfo, redisCounters } from './redis-info.ts'

const info = (evalshaCalls: number, inputBytes: number) =>
  [
    '# Stats',
    `total_net_input_bytes:${inputBytes}`,
    'total_net_output_bytes:1513',
    '',
    '# CPU',
    'used_cpu_sys:0.362491',
    'used_cpu_user:0.442622',
    'used_cpu_sys_children:0.000000',
    'used_cpu_user_children:0.100000',
    'used_cpu_sys_main_thread:0.360685',
    '',
    '# Commandstats',
    `cmdstat_evalsha:calls=${evalshaCalls},usec=17,usec_per_call=8.50,rejected_calls=0,failed_calls=0`,
    'cmdstat_client|list:calls=1,usec=117,usec_per_call=117.00,rejected_calls=0,failed_calls=0',
    '',
  ].join('\r\n')

test('INFO fields by name; section headers and blank lines are not fields', () => {
  const fields = parseRedisInfo(info(2, 278))
  assert.equal(fields.get('total_net_input_bytes'), '278')
  assert.equal(fields.get('cmdstat_client|list')?.split(',')[0], 'calls=1')
  assert.ok(![...fields.keys()].some((name) => name.startsWith('#') || name === ''))
})

test('counters: CPU from getrusage in µs (children included), calls per command, bytes', () => {
  const counters = redisCounters(info(2, 278))
  assert.equal(counters.cpuUs, 362_491 + 442_622 + 100_000)
  assert.deepEqual(
    [...counters.calls],
    [
      ['evalsha', 2],
      ['client|list', 1],
    ],
  )
  assert.equal(counters.netInputBytes, 278)
  assert.equal(counters.netOutputBytes, 1513)
  assert.deepEqual([...callsBetween(counters, redisCounters(info(9, 300)))], [['evalsha', 7]])
})
