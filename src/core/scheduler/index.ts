/** What commands may use of schedules (re-exported through #core). */
export type { SchedulesPort, ScheduleView, NewScheduleRequest } from './port.js';
export type { ScheduleAction, MissedPolicy, ScheduleRecord } from './types.js';
export { MISSED_POLICIES } from './types.js';
export { SCHEDULE_ID } from './service.js';
export { SERVICE_PRINCIPAL } from './identity.js';
export { personBehind } from './person-behind.js';
export { parseChannelList } from './channels.js';
export { isTimeZone } from './cron.js';
