/** Pipelines: what `#core` exposes to commands (the port types and the flows over them). */
export type { PipelinePort, PipelineBackend, PipelineRun, PipelineUpdate, PipelineOutcome, PipelineSnapshot, PipelineState, PipelineAction, StartRequest } from './ports.js';
export type { PipelineInfo, PreparedRun, VariableSpec } from './catalog.js';
export { parseRunTarget, formatRun, pipelineLockKey, RUN_TARGET_PATTERN, PIPELINE_NAME_PATTERN, type RunTarget } from './run-ref.js';
export { runPipeline, retryPipeline, cancelPipeline, pipelineStatus, pipelineOfJob, pipelineExtraPermissions, retryByJobRefusal } from './pipeline-flow.js';
