// The schedule shapes users paste from Azure ML (compute-instance `computeStartStop` entries) and the
// values the engine answers with. Field names are Azure ML's, unchanged, so ARM JSON works as is.

export type ScheduleAction = 'Start' | 'Stop';
export type ScheduleStatus = 'Enabled' | 'Disabled';
export type RecurrenceFrequency = 'Minute' | 'Hour' | 'Day' | 'Week' | 'Month';
export type WeekDay = 'Monday' | 'Tuesday' | 'Wednesday' | 'Thursday' | 'Friday' | 'Saturday' | 'Sunday';

export interface CronTrigger {
  expression: string;
  timeZone?: string;
  /** Wall time in `timeZone` (ISO 8601 without offset), or an instant when it ends in `Z` or an offset. */
  startTime?: string;
  endTime?: string;
}

export interface RecurrencePattern {
  hours: number[];
  minutes: number[];
  weekDays?: WeekDay[];
  monthDays?: number[];
}

export interface RecurrenceTrigger {
  frequency: RecurrenceFrequency;
  interval: number;
  timeZone?: string;
  /** Wall time in `timeZone`; with a trailing `Z` an instant in UTC and the zone is ignored (Logic Apps). */
  startTime?: string;
  schedule?: RecurrencePattern;
}

/** One entry of `computeStartStop`, exactly as Azure ML and its ARM templates write it. */
export interface ScheduleEntry {
  triggerType: 'Cron' | 'Recurrence';
  action: ScheduleAction;
  status?: ScheduleStatus;
  cron?: CronTrigger;
  recurrence?: RecurrenceTrigger;
}

/** The request body users paste: `{"computeStartStop": [...]}`. */
export interface ScheduleDocument {
  computeStartStop: ScheduleEntry[];
}

/** The state a target should be in after an occurrence. */
export type DesiredState = 'Running' | 'Stopped';

export interface Occurrence {
  /** UTC instant in milliseconds since the epoch. */
  at: number;
  /** Index of the entry in the document it came from. */
  entryIndex: number;
  action: ScheduleAction;
}

export interface TimelinePoint extends Occurrence {
  desiredState: DesiredState;
}
