// The API's shapes, once, as data: request schemas validate bodies and parameters, and all of them are
// published under `components.schemas` in openapi.json. Schedules are Azure ML's `computeStartStop`.

import { MAX_PRINCIPAL_ID_LENGTH } from '../auth/principal.js';
import { MOST_ENTRIES_CONFIGURABLE } from '../schedule/index.js';
import { policySchemas } from './policy-schemas.js';
import { ref, type JsonSchema, type SchemaRegistry } from './schema.js';
import { connectUrl, scalingSchemas } from './scaling-schemas.js';

/** A string with nothing more to say: the answers' ids, names and links. */
const text: JsonSchema = { type: 'string' };

/** An answer's `links`: each named relation is a URL. */
function links(...relations: string[]): JsonSchema {
  return { type: 'object', properties: Object.fromEntries(relations.map((r) => [r, text])) };
}

const instant: JsonSchema = {
  type: 'string',
  format: 'date-time',
  description: 'A UTC instant, YYYY-MM-DDTHH:MM:SSZ.',
  examples: ['2026-11-26T16:00:00Z'],
};

const timeZone: JsonSchema = {
  type: 'string',
  maxLength: 100,
  description: 'An IANA id ("Europe/Berlin"), a Windows id ("W. Europe Standard Time") or "UTC".',
  examples: ['Pacific Standard Time'],
};

const wallTime: JsonSchema = {
  type: 'string',
  maxLength: 40,
  description: 'A wall time in the entry’s time zone (ISO 8601 without offset), or an instant ending in Z.',
  examples: ['2026-01-05T00:00:00'],
};

const principalId: JsonSchema = {
  type: 'string',
  minLength: 1,
  maxLength: MAX_PRINCIPAL_ID_LENGTH,
  description: 'An Entra ID object id (or another principal id the platform authenticates).',
};

export const schemas: SchemaRegistry = {
  ...policySchemas,
  RegisterTargetRequest: {
    type: 'object',
    description: 'Registers a machine by its ARM resource id. The kind is inferred from the id.',
    properties: {
      resourceId: {
        type: 'string',
        minLength: 1,
        maxLength: 1024,
        description:
          'A VM (Microsoft.Compute/virtualMachines), a pool (Microsoft.Compute/virtualMachineScaleSets) or ' +
          'an Azure ML compute instance (Microsoft.MachineLearningServices/workspaces/{ws}/computes).',
        examples: [
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-data/providers/Microsoft.Compute/virtualMachines/vm-ds-01',
        ],
      },
      assignedTo: {
        ...principalId,
        description: 'Admins only: the principal the target is registered for (they may then act on it).',
      },
      connectUrl,
    },
    required: ['resourceId'],
    additionalProperties: false,
  },
  Target: {
    type: 'object',
    properties: {
      id: {
        type: 'string',
        pattern: '^[0-9a-f]{32}$',
        description: 'Derived from the lowercased resource id.',
      },
      resourceId: text,
      kind: { type: 'string', enum: ['vm', 'pool', 'computeInstance'] },
      subscriptionId: text,
      resourceGroup: text,
      name: text,
      workspace: { type: 'string', description: 'Compute instances only.' },
      owner: {
        type: 'object',
        properties: { id: text, name: text },
        required: ['id'],
      },
      assignedTo: text,
      createdAt: instant,
      registration: {
        type: 'string',
        description: 'This registration of the machine; its run history starts afresh with each one.',
      },
      connectUrl,
      links: links('self', 'schedules', 'runs', 'timeline', 'override', 'wake'),
    },
    required: ['id', 'resourceId', 'kind', 'name', 'owner', 'createdAt'],
  },
  TargetList: {
    type: 'object',
    properties: {
      value: { type: 'array', items: ref('Target') },
      continuationToken: { type: 'string', description: 'Pass back to get the next page.' },
      nextLink: { type: 'string', description: 'The next page, when there is one.' },
    },
    required: ['value'],
  },
  CronTrigger: {
    type: 'object',
    properties: {
      expression: {
        type: 'string',
        description: 'Five fields: minute hour day-of-month month day-of-week.',
        examples: ['0 18 * * 1-5'],
      },
      timeZone,
      startTime: wallTime,
      endTime: wallTime,
    },
    required: ['expression'],
    additionalProperties: false,
  },
  RecurrenceSchedule: {
    type: 'object',
    properties: {
      hours: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 23 } },
      minutes: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 59 } },
      weekDays: {
        type: 'array',
        items: {
          type: 'string',
          enum: ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'],
        },
      },
      monthDays: {
        type: 'array',
        items: { type: 'integer', minimum: -31, maximum: 31 },
        description: 'Days of the month; negative counts from the month’s end.',
      },
    },
    required: ['hours', 'minutes'],
    additionalProperties: false,
  },
  RecurrenceTrigger: {
    type: 'object',
    properties: {
      frequency: { type: 'string', enum: ['Minute', 'Hour', 'Day', 'Week', 'Month'] },
      interval: { type: 'integer', minimum: 1 },
      timeZone,
      startTime: wallTime,
      schedule: ref('RecurrenceSchedule'),
    },
    required: ['frequency', 'interval'],
    additionalProperties: false,
  },
  ScheduleEntry: {
    type: 'object',
    description: 'One entry of Azure ML’s computeStartStop, exactly as its ARM templates write it.',
    properties: {
      triggerType: { type: 'string', enum: ['Cron', 'Recurrence'] },
      action: { type: 'string', enum: ['Start', 'Stop'] },
      status: { type: 'string', enum: ['Enabled', 'Disabled'] },
      cron: ref('CronTrigger'),
      recurrence: ref('RecurrenceTrigger'),
      // Accepted and ignored, so that entries copied from Azure ML or read from this API can be sent back.
      id: { type: 'string', description: 'Ignored (Azure ML returns it).' },
      provisioningStatus: { type: 'string', description: 'Ignored (Azure ML returns it).' },
      description: { type: 'string', description: 'Ignored (this API’s GET returns it).' },
      nextOccurrences: { type: 'array', items: instant, description: 'Ignored (this API’s GET returns it).' },
    },
    required: ['triggerType', 'action'],
    additionalProperties: false,
  },
  ScheduleDocument: {
    type: 'object',
    description:
      'Azure ML’s compute-instance schedules, pasted unchanged. Validated by the schedule engine: time zones, ' +
      'cron and recurrence rules, at most four entries (a deployment may allow VMs and pools up to ' +
      `${MOST_ENTRIES_CONFIGURABLE}; compute instances never more than four, as Azure ML), and no Start and ` +
      'Stop at the same instant.',
    // The deployment's own limit per kind is the engine's to check: the schema holds only the widest.
    properties: {
      computeStartStop: { type: 'array', items: ref('ScheduleEntry'), maxItems: MOST_ENTRIES_CONFIGURABLE },
    },
    required: ['computeStartStop'],
    additionalProperties: false,
    examples: [
      {
        computeStartStop: [
          {
            triggerType: 'Cron',
            action: 'Stop',
            status: 'Enabled',
            cron: {
              expression: '0 18 * * 1-5',
              timeZone: 'Pacific Standard Time',
              startTime: '2026-01-05T00:00:00',
            },
          },
          {
            triggerType: 'Recurrence',
            action: 'Start',
            status: 'Enabled',
            recurrence: {
              frequency: 'Week',
              interval: 1,
              timeZone: 'W. Europe Standard Time',
              schedule: { hours: [8], minutes: [0], weekDays: ['Monday', 'Friday'] },
            },
          },
        ],
      },
    ],
  },
  ExpandedScheduleEntry: {
    type: 'object',
    description: 'A schedule entry as stored, with what it means.',
    properties: {
      triggerType: text,
      action: text,
      status: text,
      cron: ref('CronTrigger'),
      recurrence: ref('RecurrenceTrigger'),
      description: {
        type: 'string',
        examples: ['At 18:00, Monday to Friday, Pacific time (UTC−08:00/−07:00)'],
      },
      nextOccurrences: { type: 'array', items: instant, description: 'Empty for disabled entries.' },
    },
    required: ['triggerType', 'action', 'description', 'nextOccurrences'],
  },
  Schedules: {
    type: 'object',
    properties: {
      targetId: text,
      computeStartStop: { type: 'array', items: ref('ExpandedScheduleEntry') },
      registeredAt: { ...instant, description: 'Recurrences without a startTime count intervals from here.' },
      updatedAt: instant,
      updatedBy: text,
    },
    required: ['targetId', 'computeStartStop', 'registeredAt', 'updatedAt'],
  },
  TimelinePoint: {
    type: 'object',
    properties: {
      at: instant,
      action: { type: 'string', enum: ['Start', 'Stop'] },
      entryIndex: { type: 'integer' },
      desiredState: { type: 'string', enum: ['Running', 'Stopped'] },
      overridden: { type: 'boolean', description: 'Inside an override: this occurrence will not act.' },
    },
    required: ['at', 'action', 'entryIndex', 'desiredState'],
  },
  Timeline: {
    type: 'object',
    properties: {
      targetId: text,
      override: ref('Override'),
      from: instant,
      to: instant,
      desiredStateAtFrom: {
        type: 'string',
        enum: ['Running', 'Stopped'],
        description: 'What the latest occurrence before `from` asked for; absent when none ever fired.',
      },
      points: { type: 'array', items: ref('TimelinePoint') },
    },
    required: ['from', 'to', 'points'],
  },
  Preview: {
    type: 'object',
    properties: {
      computeStartStop: { type: 'array', items: ref('ExpandedScheduleEntry') },
      timeline: ref('Timeline'),
    },
    required: ['computeStartStop', 'timeline'],
  },
  Run: {
    type: 'object',
    description: 'One occurrence (or manual request) of one target and what came of it.',
    properties: {
      id: { type: 'string', description: 'The run id: the occurrence instant in UTC ms.' },
      occurrence: instant,
      requestedAction: {
        type: 'string',
        enum: ['Start', 'Stop', 'Restart', 'ApplyPolicy', 'Warn', 'Delete'],
        description: '`Delete` only records a machine deleted in Azure.',
      },
      source: {
        type: 'string',
        enum: ['schedule', 'manual', 'idle', 'wake', 'policy', 'warning', 'override', 'enforce', 'event'],
        description:
          '`override`: an override’s state; `enforce`: a stop undoing someone else’s start; `event`: what ' +
          'happened to the machine outside the scheduler.',
      },
      outcome: {
        type: 'string',
        enum: [
          'pending',
          'accepted',
          'succeeded',
          'skipped-already-there',
          'superseded',
          'overridden',
          'failed',
          'poisoned',
          'observed',
        ],
        description:
          '`accepted`: Azure accepted the call and has not reported it done; `overridden`: not acted on ' +
          'while an override suspended the schedule; `observed`: recorded, not done by the scheduler.',
      },
      attempts: { type: 'integer', minimum: 0 },
      operation: { type: 'string', description: 'The ARM operation called, e.g. deallocate.' },
      note: text,
      error: {
        type: 'object',
        properties: { code: text, message: text },
        required: ['code', 'message'],
      },
      requestedBy: principalId,
      createdAt: instant,
      startedAt: instant,
      finishedAt: instant,
    },
    required: ['id', 'occurrence', 'requestedAction', 'source', 'outcome', 'attempts', 'createdAt'],
  },
  RunList: {
    type: 'object',
    properties: {
      registration: {
        type: 'string',
        description:
          'The registration of the target these runs belong to (a new one after each registration).',
      },
      value: { type: 'array', items: ref('Run') },
      continuationToken: text,
      nextLink: text,
    },
    required: ['value'],
  },
  RegistrationList: {
    type: 'object',
    properties: {
      current: { type: 'string', description: 'The registration in force, if the target is registered.' },
      value: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            registration: { type: 'string', description: 'Absent for a history older than registrations.' },
            latestAction: { type: 'string', enum: ['Start', 'Stop', 'Restart', 'Delete'] },
            latestAt: instant,
            links: links('runs'),
          },
          required: ['latestAction', 'latestAt', 'links'],
        },
      },
    },
    required: ['value'],
  },
  ActionAccepted: {
    type: 'object',
    properties: {
      targetId: text,
      runId: text,
      action: { type: 'string', enum: ['Start', 'Stop', 'Restart'] },
      occurrence: instant,
      outcome: { type: 'string', enum: ['pending'] },
      links: links('runs'),
    },
    required: ['targetId', 'runId', 'action', 'occurrence', 'outcome'],
  },
  EnforcementRequest: {
    type: 'object',
    description: 'Whether the schedule holds against people’s starts.',
    properties: {
      enforce: {
        type: 'boolean',
        description: 'Stop starts the scheduler did not make while the schedule wants the target stopped.',
      },
      graceMinutes: {
        type: 'integer',
        minimum: 0,
        maximum: 1440,
        description: 'How long such a start may run before it is stopped.',
      },
    },
    required: ['enforce'],
    additionalProperties: false,
  },
  Enforcement: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      enforce: { type: 'boolean' },
      graceMinutes: { type: 'integer' },
      updatedAt: instant,
      updatedBy: { type: 'string', description: 'A principal id, or `policy:{name}` when a policy set it.' },
    },
    required: ['targetId', 'enforce', 'graceMinutes'],
  },
  OverrideRequest: {
    type: 'object',
    description: 'Suspend the schedule until an instant, keeping the target running or stopped meanwhile.',
    properties: {
      until: {
        ...instant,
        description: 'When the schedule applies again: after now, at most seven days ahead.',
      },
      state: { type: 'string', enum: ['Running', 'Stopped'] },
    },
    required: ['until', 'state'],
    additionalProperties: false,
  },
  Override: {
    type: 'object',
    properties: {
      targetId: { type: 'string' },
      until: instant,
      state: { type: 'string', enum: ['Running', 'Stopped'] },
      setAt: instant,
      setBy: { type: 'string' },
    },
    required: ['targetId', 'until', 'state', 'setAt'],
  },
  Problem: {
    type: 'object',
    description: 'An RFC 9457 problem document.',
    properties: {
      type: text,
      title: text,
      status: { type: 'integer' },
      detail: text,
      instance: text,
      errors: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            pointer: { type: 'string', description: 'RFC 6901 JSON pointer into the request body.' },
            parameter: { type: 'string', description: 'A query or path parameter.' },
            header: text,
            reason: text,
          },
          required: ['reason'],
        },
      },
    },
    required: ['type', 'title', 'status'],
  },
  ...scalingSchemas,
};
