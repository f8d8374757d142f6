/** Scaling: what `#core` exposes to commands (the port types, the change grammar and the flow). */
export type { ScalingPort, ScaleTarget, ReplicaCount, ServiceReplicas, ScalingRecord, Orchestrator, OrchestratorKind } from './ports.js';
export { parseScaleChange, asksForZero, namedCount, planScale, describeChange, SCALE_CHANGE_PATTERN, SCALE_CHANGE_HINT, type ScaleChange, type ScalePlan } from './change.js';
export { checkBounds, runScale, type ScaleRequest } from './scale-flow.js';
export { scalePermission } from './scaling-port.js';
export { serviceStatus, serviceStatusBlocks, withServices } from './status.js';
