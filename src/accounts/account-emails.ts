/**
 * The text of every email the console sends, in the operator's brand, with links to the
 * deployment's public URL. Plain text only: nothing to render, nothing to sanitise.
 *
 * @module
 */
import type { MailMessage } from './mailer.ts'

/** Message builders for one brand and public URL. */
export function accountEmails(siteName: string, publicUrlOf: () => string) {
  const link = (path: string, token: string) =>
    `${publicUrlOf()}/console/${path}?token=${encodeURIComponent(token)}`
  return {
    verification(to: string, token: string): MailMessage {
      return {
        to,
        subject: `Confirm your email for ${siteName}`,
        text:
          `Welcome to ${siteName}.\n\nConfirm this address by opening the link below ` +
          `(it works once, for 48 hours):\n\n${link('verify-email', token)}\n\n` +
          'If you did not sign up, ignore this message.\n',
      }
    },
    passwordReset(to: string, token: string): MailMessage {
      return {
        to,
        subject: `Reset your ${siteName} password`,
        text:
          `Someone asked to reset the password of your ${siteName} account.\n\n` +
          `Choose a new password here (the link works once, for 1 hour):\n\n${link('reset-password', token)}\n\n` +
          'If it was not you, ignore this message: your password stays as it is.\n',
      }
    },
    alreadyRegistered(to: string): MailMessage {
      const publicUrl = publicUrlOf()
      return {
        to,
        subject: `Your ${siteName} account`,
        text:
          `Someone tried to sign up to ${siteName} with this address, which already has an account.\n\n` +
          `Sign in at ${publicUrl}/console/sign-in, or reset your password at ${publicUrl}/console/reset-password.\n`,
      }
    },
    invitation(
      to: string,
      token: string,
      workspaceName: string,
      role: string,
      invitedBy: string,
    ): MailMessage {
      return {
        to,
        subject: `You are invited to ${workspaceName} on ${siteName}`,
        text:
          `${invitedBy} invited you to the workspace "${workspaceName}" on ${siteName} as ${role}.\n\n` +
          `Accept here (the link works once, for 7 days):\n\n${link('invite', token)}\n`,
      }
    },
  }
}
