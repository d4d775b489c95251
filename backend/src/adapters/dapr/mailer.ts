/** E-mail through the Dapr SMTP output binding `email` (server and credentials are the binding's). */
import type { Mailer } from '../../ports/index.js';
import { EMAIL_BINDING } from './names.js';
import type { DaprSidecar } from './sidecar.js';

export function createDaprMailer(dapr: DaprSidecar, from: string): Mailer {
  return {
    async send(mail) {
      await dapr.request('POST', `/v1.0/bindings/${EMAIL_BINDING}`, {
        body: { operation: 'create', data: mail.text, metadata: { emailTo: mail.to, subject: mail.subject, emailFrom: from } },
      });
    },
  };
}
