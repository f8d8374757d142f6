/** What commands (and other pipelines) may use of maintenance windows (re-exported through #core). */
export type { MaintenancePort, MaintenanceAdminPort, WindowView, OpenWindowRequest, TypedWindowRequest, OpenedWindow, EndedWindow } from './port.js';
export type { Window as MaintenanceWindow, Matchers } from './types.js';
export { windowState } from './types.js';
export { parseStart, formatInZone } from './when.js';
