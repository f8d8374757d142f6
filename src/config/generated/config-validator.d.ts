// The type of config-validator.js, which ajv generated (see ../validator-module.ts).
import type { ValidateFunction } from 'ajv';

/** ConfigSchema's validator, compiled with createAjv()'s options: reads .errors after a call like any. */
export declare const validateConfigSchema: ValidateFunction;
