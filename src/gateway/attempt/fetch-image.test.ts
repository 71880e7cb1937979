import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { ImageFetchConfig } from '../../config/config.ts'
import type { GatewayError } from '../../errors/gateway-error.ts'
import { fetchImageAsDataUrl, isPublicAddress } from './fetch-image.ts'

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex')

test('public and non-public addresses', () => {
  for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111', '93.184.216.34'])
    assert.equal(isPublicAddress(address), true, address)
  for (const address of [
    '127.0.0.1',
    '10.1.2.3',
    '172.20.0.1',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '::1',
    '::',
    'fe80::1',
    'fd00::1',
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    'not-an-ip',
  ])
    assert.equal(isPublicAddress(address), false, address)
})

describe('fetching an image safely', () => {
  let url: string
  let port: number
  const server = createServer((request, response) => {
    switch (request.url) {
      case '/cat.png':
        response.writeHead(200, { 'content-type': 'image/png' })
        response.end(PNG)
        return
      case '/page.html':
        response.writeHead(200, { 'content-type': 'text/html' })
        response.end('<html>')
        return
      case '/big.png':
        response.writeHead(200, { 'content-type': 'image/png' })
        response.end(Buffer.alloc(4096))
        return
      case '/to-localhost':
        response.writeHead(302, { location: `http://localhost:${port}/cat.png` })
        response.end()
        return
      case '/loop':
        response.writeHead(302, { location: '/loop' })
        response.end()
        return
      case '/slow':
        return // never answers
      default:
        response.writeHead(404)
        response.end()
    }
  })
  before(async () => {
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    port = (server.address() as AddressInfo).port
    url = `http://127.0.0.1:${port}`
  })
  after(() => {
    server.closeAllConnections()
    server.close()
  })
  const config = (extra: Partial<ImageFetchConfig> = {}): ImageFetchConfig => ({
    maxBytes: 1024,
    timeoutMs: 500,
    maxRedirects: 2,
    maxImages: 4,
    allowHosts: ['127.0.0.1'],
    ...extra,
  })
  const refusedWith = (pattern: RegExp) => (error: GatewayError) =>
    error.code === 'image_fetch_failed' &&
    error.status === 400 &&
    error.param === 'p' &&
    pattern.test(error.message)

  test('an allowed host: the bytes as a data URL', async () => {
    assert.equal(
      await fetchImageAsDataUrl(`${url}/cat.png`, 'p', config()),
      `data:image/png;base64,${PNG.toString('base64')}`,
    )
  })

  test('loopback is refused unless the operator allows the host', async () => {
    await assert.rejects(
      fetchImageAsDataUrl(`${url}/cat.png`, 'p', config({ allowHosts: [] })),
      refusedWith(/private/),
    )
  })

  test('a redirect is checked again: an allowed host cannot redirect to a private name', async () => {
    await assert.rejects(fetchImageAsDataUrl(`${url}/to-localhost`, 'p', config()), refusedWith(/private/))
    assert.ok(
      (
        await fetchImageAsDataUrl(
          `${url}/to-localhost`,
          'p',
          config({ allowHosts: ['127.0.0.1', 'localhost'] }),
        )
      ).startsWith('data:image/png'),
    )
  })

  test('schemes, credentials, types, sizes, redirects and time are limited', async () => {
    await assert.rejects(
      fetchImageAsDataUrl('file:///etc/passwd', 'p', config()),
      refusedWith(/http and https/),
    )
    await assert.rejects(
      fetchImageAsDataUrl(`http://user:pw@127.0.0.1:${port}/cat.png`, 'p', config()),
      refusedWith(/credentials/),
    )
    await assert.rejects(fetchImageAsDataUrl(`${url}/page.html`, 'p', config()), refusedWith(/not an image/))
    await assert.rejects(
      fetchImageAsDataUrl(`${url}/big.png`, 'p', config()),
      refusedWith(/larger than 1024/),
    )
    await assert.rejects(fetchImageAsDataUrl(`${url}/loop`, 'p', config()), refusedWith(/too many redirects/))
    await assert.rejects(
      fetchImageAsDataUrl(`${url}/slow`, 'p', config({ timeoutMs: 100 })),
      refusedWith(/longer than 100 ms/),
    )
    await assert.rejects(fetchImageAsDataUrl(`${url}/missing.png`, 'p', config()), refusedWith(/HTTP 404/))
    await assert.rejects(fetchImageAsDataUrl('http://[::1]:1/x.png', 'p', config()), refusedWith(/private/))
  })
})
