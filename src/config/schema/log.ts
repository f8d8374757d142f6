import { Type } from '@sinclair/typebox';
import { LOG_LEVELS } from '../log-levels.js';
import type { LogConfig } from '../types.js';
import { StringEnum } from './primitives.js';
import { defineSection } from './section.js';

const DEFAULT_LEVEL = 'info';

const LogSchema = Type.Object(
  {
    level: Type.Optional(
      StringEnum(LOG_LEVELS, { default: DEFAULT_LEVEL, description: 'Least severe level written. The LOG_LEVEL environment variable overrides it.' }),
    ),
  },
  { additionalProperties: false, title: 'Logging' },
);

export const logSection = defineSection({
  schema: LogSchema,
  load(raw, ctx): LogConfig {
    return { level: ctx.environment.LOG_LEVEL ?? raw?.level ?? DEFAULT_LEVEL };
  },
});
