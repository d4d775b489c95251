/** Names shared with deploy/dapr/ and the Helm chart: components, app ids, routes. */
export const PUBSUB = 'kairos-pubsub';
/** Fan-out to every replica (a consumer group per sidecar): task-updates → realtime. */
export const BROADCAST_PUBSUB = 'kairos-broadcast';
export const STATE_STORE = 'kairos-state';
export const SECRET_STORE = 'kairos-secrets';
export const SECRET_NAME = 'kairos';
export const EMAIL_BINDING = 'email';
export const API_APP_ID = 'kairos-api';
export const RECURRENCE_APP_ID = 'kairos-recurrence';
/** Dapr 1.17 serves the Jobs API under the alpha prefix; 1.18 adds /v1.0/jobs. */
/** Bulk publish is alpha in Dapr 1.17; the prefix moves when it graduates. */
export const BULK_PUBLISH_API = process.env.DAPR_BULK_PUBLISH_API ?? '/v1.0-alpha1/publish/bulk';
export const JOBS_API = process.env.DAPR_JOBS_API ?? '/v1.0-alpha1/jobs';
export const NEXT_OCCURRENCE_METHOD = 'internal/tasks/next-occurrence';
