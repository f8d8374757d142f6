/**
 * Imported first by main.ts, for its side effect: caps the young generation (heap-policy.ts,
 * capYoungGeneration) before any other module of opsbot runs. V8 grows the semi-spaces while the
 * modules load and boot (to 16 MB each within the first second) and never gives that memory back
 * while the process is busy, so a cap set later, once the config is read, would come too late. The operator's own
 * `--max-semi-space-size` or `--semi-space-growth-factor` (NODE_OPTIONS or the command line) wins.
 */
import { startupNodeOptions } from '../config/node-options.js';
import { MAX_SEMI_SPACE_MB, capYoungGeneration, youngGenerationIsOurs } from './heap-policy.js';

if (youngGenerationIsOurs(process.execArgv, startupNodeOptions())) capYoungGeneration(MAX_SEMI_SPACE_MB);
