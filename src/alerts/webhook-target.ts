/**
 * Where a workspace's webhook may point, so that registering one cannot make the gateway call
 * what only it can reach (SSRF): https to public addresses; private, loopback, link-local and
 * reserved addresses (and plain http, to loopback only) only when the operator sets
 * `alerts.allow_private_webhook_targets`. The URL is checked when the webhook is registered,
 * and the address is checked again in the socket's own DNS lookup at every send, so a name that
 * later resolves elsewhere (rebinding) is refused too.
 *
 * The ranges are net/public-address.ts's, as for fetched image URLs.
 *
 * @module
 * @see https://cheatsheetseries.owasp.org/cheatsheets/Server_Side_Request_Forgery_Prevention_Cheat_Sheet.html
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { lookup as dnsLookupAsync } from 'node:dns/promises'
import { isIP, type LookupFunction } from 'node:net'
import { GatewayError } from '../errors/gateway-error.ts'
import { isPublicAddress, unmappedAddress } from '../net/public-address.ts'

function isLoopbackAddress(address: string): boolean {
  const plain = unmappedAddress(address)
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'))
}

/** Why a resolved address may not be sent to, or null when it may. */
function addressProblem(address: string, protocol: string, allowPrivate: boolean): string | null {
  if (protocol === 'http:' && !(allowPrivate && isLoopbackAddress(address)))
    return 'plain http is only allowed to loopback addresses, when the operator allows private targets'
  if (!allowPrivate && !isPublicAddress(address)) return 'it is on a private or reserved network address'
  return null
}

/** A refused target; its message names no address the caller did not give. */
export class WebhookTargetError extends Error {
  override name = 'WebhookTargetError'
}

/**
 * A DNS lookup for the webhook's socket that fails for addresses the rules refuse (the socket
 * connects to what it returns, so what is checked is what is reached).
 */
export function guardedLookup(protocol: string, allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0)
      const list = addresses as LookupAddress[]
      const problem = list
        .map((entry) => addressProblem(entry.address, protocol, allowPrivate))
        .find((each) => each !== null)
      if (problem !== undefined) return callback(new WebhookTargetError(problem), '', 0)
      if (options.all) return callback(null, list)
      const first = list[0]
      if (first === undefined) return callback(new Error(`no address for ${hostname}`), '', 0)
      callback(null, first.address, first.family)
    })
  }
}

/** The problem with sending to an IP literal (which skips DNS), or null. */
export function literalProblem(url: URL, allowPrivate: boolean): string | null {
  const hostname = url.hostname.replace(/^\[|\]$/g, '')
  return isIP(hostname) === 0 ? null : addressProblem(hostname, url.protocol, allowPrivate)
}

function refused(reason: string): GatewayError {
  return new GatewayError('invalid_parameter', `Invalid 'url': ${reason}.`, { param: 'url' })
}

/**
 * Checks a webhook URL when it is registered: https (or http to loopback when private targets
 * are allowed), no credentials, and every address its host resolves to allowed.
 * @throws GatewayError `invalid_parameter` naming `url`
 */
export async function checkWebhookUrl(raw: string, allowPrivate: boolean): Promise<URL> {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw refused('not a valid URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refused('it must be an https URL')
  if (url.username !== '' || url.password !== '') throw refused('URLs with credentials are not allowed')
  if (url.hash !== '') throw refused('a URL with a #fragment is not allowed')
  const hostname = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  if (isIP(hostname) !== 0) addresses = [hostname]
  else {
    try {
      addresses = (await dnsLookupAsync(hostname, { all: true })).map((entry) => entry.address)
    } catch {
      throw refused(`the host ${hostname} could not be resolved`)
    }
  }
  for (const address of addresses) {
    const problem = addressProblem(address, url.protocol, allowPrivate)
    if (problem !== null) throw refused(problem)
  }
  return url
}
