/** The public API's route plugins, in the order they are registered (roles with the api module). */
import type { FastifyPluginAsync } from 'fastify';
import type { Portability } from '../app/portability.js';
import type { TaskService } from '../app/tasks.js';
import type { AuditStore, Clock, IdentityProvider, NotificationStore, PreferencesStore, ViewStore } from '../ports/index.js';
import type { Authenticate } from './authenticate.js';
import { authRoutes } from './routes/auth.js';
import { compatRoutes } from './routes/compat.js';
import { portabilityRoutes } from './routes/portability.js';
import { taskRoutes } from './routes/tasks.js';
import { userDataRoutes } from './routes/user-data.js';

export function publicApiRoutes(p: {
  auth: IdentityProvider;
  authenticate: Authenticate;
  publicOrigin: string;
  rateLimitPerMinute: number;
  tasks: TaskService;
  portability: Portability;
  clock: Clock;
  stores: { audit: AuditStore; notifications: NotificationStore; preferences: PreferencesStore; views: ViewStore };
}): Array<[FastifyPluginAsync<never>, unknown]> {
  return [
    [authRoutes, { auth: p.auth, publicOrigin: p.publicOrigin, rateLimitPerMinute: p.rateLimitPerMinute }],
    [taskRoutes, { tasks: p.tasks, authenticate: p.authenticate, clock: p.clock }],
    [compatRoutes, { tasks: p.tasks, authenticate: p.authenticate, clock: p.clock }],
    [
      userDataRoutes,
      {
        authenticate: p.authenticate,
        tasks: p.tasks,
        audit: p.stores.audit,
        notifications: p.stores.notifications,
        preferences: p.stores.preferences,
        views: p.stores.views,
      },
    ],
    [portabilityRoutes, { authenticate: p.authenticate, portability: p.portability, clock: p.clock }],
  ];
}
