// The layer rules against the real source tree (node --test eslint/, run by npm run lint).
import { RuleTester } from 'eslint';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import kairos from './layers.js';

const src = (p) => fileURLToPath(new URL(`../backend/src/${p}`, import.meta.url));
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' } });

tester.run('kairos/layers', kairos.rules.layers, {
  valid: [
    { filename: src('http/problem.ts'), code: "import { NotFoundError } from '../app/errors.js';" },
    { filename: src('adapters/dapr/inbound.ts'), code: "import type { Consumer } from '../../app/consumer.js';" },
    { filename: src('roles/modules.ts'), code: "import { createAuth } from '../adapters/auth/better-auth.js';" },
    { filename: src('app/delivery.ts'), code: "import { z } from 'zod';" },
  ],
  invalid: [
    {
      filename: src('http/problem.ts'),
      code: "import { x } from '../adapters/postgres/keyset.js';",
      errors: [{ message: /http\/ must not import adapters\// }],
    },
    {
      filename: src('adapters/dapr/inbound.ts'),
      code: "import type { T } from '../../http/server.js';",
      errors: [{ message: /adapters\/ must not import http\// }],
    },
    {
      filename: src('domain/task.ts'),
      code: "export { x } from '../ports/index.js';",
      errors: [{ message: /domain\/ must not import ports\// }],
    },
    {
      filename: src('app/tasks.ts'),
      code: "const m = await import('../roles/table.js');",
      errors: [{ message: /app\/ must not import roles\// }],
    },
  ],
});

tester.run('kairos/no-cycle', kairos.rules['no-cycle'], {
  valid: [{ filename: src('adapters/postgres/db.ts'), code: "import { backfillRecurrenceSummaries } from './task-json.js';" }],
  invalid: [
    {
      filename: src('adapters/postgres/sql-runner.ts'),
      code: "import type { Db } from './db.js';",
      errors: [{ message: 'import loop: sql-runner.ts → db.ts → sql-runner.ts' }],
    },
  ],
});
