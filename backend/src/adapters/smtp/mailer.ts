/**
 * E-mail in the embedded mode: SMTP through nodemailer when KAIROS_SMTP_URL is set;
 * otherwise e-mail is off and each would-be message is logged once at info level.
 * (The distributed mode sends through the Dapr SMTP output binding instead.)
 */
import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import type { Mailer } from '../../ports/index.js';

export function createSmtpMailer(opts: { url?: string; from: string; logger: Logger }): Mailer {
  if (!opts.url) {
    return {
      async send(mail) {
        opts.logger.info({ subject: mail.subject }, 'e-mail not sent: KAIROS_SMTP_URL is not set');
      },
    };
  }
  const transport = nodemailer.createTransport(opts.url);
  return {
    async send(mail) {
      await transport.sendMail({ from: opts.from, to: mail.to, subject: mail.subject, text: mail.text });
    },
  };
}
