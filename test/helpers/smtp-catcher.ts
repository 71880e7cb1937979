/**
 * A real SMTP server on 127.0.0.1 (the `smtp-server` package) that keeps every message it
 * receives, for tests that follow the links the gateway mails.
 *
 * @module
 */
import type { AddressInfo } from 'node:net'
import { SMTPServer } from 'smtp-server'

export interface CaughtMail {
  to: string[]
  from: string
  subject: string
  /** The decoded text body. */
  text: string
}

export interface SmtpCatcher {
  /** smtp://127.0.0.1:PORT, for `smtp.url`. */
  url: string
  messages: CaughtMail[]
  /** Resolves with the first message to `to` whose subject matches, waiting up to 5 s. */
  waitFor(to: string, subject: RegExp): Promise<CaughtMail>
  close(): Promise<void>
}

/** Undoes quoted-printable (soft line breaks and =XX escapes) of UTF-8 text. */
function decodeQuotedPrintable(text: string): string {
  const joined = text.replace(/=\r?\n/g, '')
  const bytes: number[] = []
  for (let index = 0; index < joined.length; index++) {
    const hex = joined.slice(index + 1, index + 3)
    if (joined[index] === '=' && /^[0-9A-F]{2}$/i.test(hex)) {
      bytes.push(Number.parseInt(hex, 16))
      index += 2
    } else bytes.push(...Buffer.from(joined[index]!))
  }
  return Buffer.from(bytes).toString('utf8')
}

function parse(raw: string, to: string[], from: string): CaughtMail {
  const split = raw.indexOf('\r\n\r\n')
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ')
  const body = raw.slice(split + 4)
  const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1]?.trim() ?? ''
  const encoding = header('Content-Transfer-Encoding').toLowerCase()
  const text =
    encoding === 'quoted-printable'
      ? decodeQuotedPrintable(body)
      : encoding === 'base64'
        ? Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8')
        : body
  return { to, from, subject: header('Subject'), text: text.replace(/\r\n/g, '\n') }
}

export async function startSmtpCatcher(): Promise<SmtpCatcher> {
  const messages: CaughtMail[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const to = session.envelope.rcptTo.map((address) => address.address)
        const from = session.envelope.mailFrom === false ? '' : session.envelope.mailFrom.address
        messages.push(parse(Buffer.concat(chunks).toString('utf8'), to, from))
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://127.0.0.1:${port}`,
    messages,
    async waitFor(to, subject) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const found = messages.find((message) => message.to.includes(to) && subject.test(message.subject))
        if (found !== undefined) return found
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(
        `no mail to ${to} matching ${subject} (got ${messages.map((m) => m.subject).join(', ')})`,
      )
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/** The first link to the console in a mail's text, and its token. */
export function linkIn(mail: CaughtMail): { url: string; token: string } {
  const url = /https?:\/\/\S+\/console\/\S+/.exec(mail.text)?.[0]
  if (url === undefined) throw new Error(`no console link in: ${mail.text}`)
  return { url, token: new URL(url).searchParams.get('token') ?? '' }
}
