// Every group of JSON API handlers, one per module of this folder, each keyed by the operation ids it serves
// (src/api-contract/operations.ts). The registry joins them; a new group is one more line here.

export { actionHandlers } from './actions.js';
export { activityHandlers } from './activity.js';
export { enforcementHandlers } from './enforcement.js';
export { overrideHandlers } from './override.js';
export { policyHandlers, warningHandlers } from './policies.js';
export { poolHistoryHandlers } from './pool-history.js';
export { runHistoryHandlers } from './run-history.js';
export { scalingPolicyHandlers } from './scaling-policies.js';
export { scheduleHandlers } from './schedules.js';
export { targetHandlers } from './targets.js';
export { wakeHandlers } from './wake.js';
