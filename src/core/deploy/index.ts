/** The deploy capability's public surface for commands (re-exported by #core). */
export { COLOURS, otherColour, type Colour, type StoreSpec, type PlaybookSpec, type VarSpec, type VarValues, type DeployState, type PendingSwitch, type HostRecap, type PlaybookResult, type PlaybookEvent, type InventorySpec, type DeployEnv } from './types.js';
export type { DeployPorts, StoresPort, PlaybooksPort, PlaybookRunRequest, RepoPort, TrafficPort, HealthPort, HealthOutcome, HealthWaitOptions, RemoteCommandPort, RemoteResult, BuildPort, BuildResult, DeployStateStore, ApprovalRequest, ApprovalDecision } from './ports.js';
export type { FlowContext } from './context.js';
export { checkDeploy, checkStore, pipelineFreeze, runDeploy, type DeployRequest } from './deploy-flow.js';
export { runRollback } from './rollback-flow.js';
export { describeStatus, type StatusContext } from './status.js';
export { catalogPermission, checkRun, prepareRun, requireCatalogPermission, runCatalogPlaybook, type RunRequest, type PreparedPlaybookRun } from './run-playbook.js';
export { checkApproval, decideApproval } from './approve-flow.js';
export { STORE_NAME, DEPLOY_VERSION, PLAYBOOK_ID, INVENTORY_HOST } from './names.js';
