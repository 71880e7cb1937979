/**
 * Sends the console's emails (verification, password reset, invitations). With `smtp.url` set
 * they go through nodemailer; without it each message is written to the gateway's log instead,
 * so a local `npm start` still lets someone follow the link.
 *
 * @module
 */
import nodemailer from 'nodemailer'
import type { Logger } from '../logging/logger.ts'

export interface MailMessage {
  to: string
  subject: string
  text: string
}

export interface Mailer {
  /** Resolves once the server accepted the message (or it was logged). */
  send(message: MailMessage): Promise<void>
  close(): void
}

export interface MailerOptions {
  /** smtp://user@host:port or smtps://…; null logs messages instead. */
  url: string | null
  /** The SMTP password, from the environment (never the file). */
  password: string | null
  from: string
  logger: Logger
}

/** A mailer for the configuration: SMTP when a URL is set, the log otherwise. */
export function createMailer(options: MailerOptions): Mailer {
  const { url, logger } = options
  if (url === null) {
    return {
      async send(message) {
        logger.info('email not sent (no smtp.url configured); its text follows', {
          to: message.to,
          subject: message.subject,
          text: message.text,
        })
      },
      close() {},
    }
  }
  const parsed = new URL(url)
  const transport = nodemailer.createTransport({
    host: parsed.hostname,
    port: Number(parsed.port || (parsed.protocol === 'smtps:' ? 465 : 587)),
    secure: parsed.protocol === 'smtps:',
    ...(parsed.username === ''
      ? {}
      : { auth: { user: decodeURIComponent(parsed.username), pass: options.password ?? '' } }),
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  })
  return {
    async send(message) {
      await transport.sendMail({
        from: options.from,
        to: message.to,
        subject: message.subject,
        text: message.text,
      })
    },
    close() {
      transport.close()
    },
  }
}
