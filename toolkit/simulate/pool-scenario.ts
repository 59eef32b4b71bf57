// The pool acceptance scenario: two weeks of a team's shared pool (JupyterHub on each instance) with
// office-hours bursts, an evening session, a weekend connect and faults on, for 1 pool or many across four
// subscriptions. The same count and seed give the same scenario. `scripts/pool-scenario.mjs` prints it.

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** Monday 2026-03-02 00:00 UTC; Berlin is UTC+1 these two weeks (summer time starts 2026-03-29). */
const FROM = Date.parse('2026-03-02T00:00:00Z');
const DAYS = 14;
const BERLIN_OFFSET_MS = 3_600_000;

const SUBSCRIPTIONS = [
  '00000000-0000-0000-0000-0000000000a1',
  '00000000-0000-0000-0000-0000000000a2',
  '00000000-0000-0000-0000-0000000000a3',
  '00000000-0000-0000-0000-0000000000a4',
];

export interface PoolScenarioOptions {
  pools?: number;
  seed?: number;
  /** Faults as in any scenario; default: some throttling, a few errors and host crashes. */
  faults?: { throttle: number; error: number; crash: number };
  days?: number;
  /**
   * Only part of the first day, in Berlin wall-clock hours (`{ from: 8, to: 18.5 }`): the pools start as the
   * night left them (at the floor, 0 instances) and only what falls inside the window is kept, sessions cut
   * at its edges. For many pools, where two weeks would take days to simulate.
   */
  window?: { from: number; to: number };
}

/** A small deterministic generator (mulberry32), so a scenario is the same for the same seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const iso = (t: number) => new Date(t).toISOString().replace('.000Z', 'Z');
/** A Berlin wall-clock time on day `day` of the scenario, in UTC ms. */
const berlin = (day: number, hours: number, minutes = 0) =>
  FROM + day * DAY_MS + hours * 3_600_000 + minutes * MINUTE_MS - BERLIN_OFFSET_MS;

function poolId(index: number): string {
  const subscription = SUBSCRIPTIONS[index % SUBSCRIPTIONS.length]!;
  return `/subscriptions/${subscription}/resourceGroups/rg-ds/providers/Microsoft.Compute/virtualMachineScaleSets/pool-${index}`;
}

/** One pool's two weeks: bursts on weekdays, one evening session, one weekend connect. */
function poolActivity(resourceId: string, rnd: () => number, days: number) {
  const activity: { resourceId: string; from: string; to: string; sessions: number }[] = [];
  const connects: { resourceId: string; at: string }[] = [];
  const session = (from: number, minutes: number, sessions: number) =>
    activity.push({ resourceId, from: iso(from), to: iso(from + minutes * MINUTE_MS), sessions });
  for (let day = 0; day < days; day++) {
    const weekday = day % 7 < 5;
    if (!weekday) continue;
    // The morning: people arrive between 08:40 and 10:00, a few at a time, and work two to three hours.
    const people = 3 + Math.floor(rnd() * 8);
    for (let p = 0; p < people; p++) {
      const arrive = berlin(day, 8, 40) + Math.floor(rnd() * 80) * MINUTE_MS;
      session(arrive, 90 + Math.floor(rnd() * 90), 1);
    }
    // The afternoon burst: a workshop some days, lone work the others.
    const afternoon = day % 7 === 2 ? 9 + Math.floor(rnd() * 5) : 1 + Math.floor(rnd() * 5);
    session(berlin(day, 14, Math.floor(rnd() * 30)), 120 + Math.floor(rnd() * 60), afternoon);
  }
  // One evening session (Tuesday of the first week) and a weekend connect (Saturday of the second).
  session(berlin(1, 20, 15), 75, 1);
  const saturday = Math.min(days - 1, 12);
  connects.push({ resourceId, at: iso(berlin(saturday, 11, 5)) });
  session(berlin(saturday, 11, 8), 50, 1);
  return { activity, connects };
}

type Activity = { resourceId: string; from: string; to: string; sessions: number };
type Connect = { resourceId: string; at: string };

/** What of the sessions and connects falls inside [from, to): sessions cut at the edges. */
function within(from: number, to: number, activity: Activity[], connects: Connect[]) {
  const kept = activity.flatMap((a) => {
    const start = Math.max(from, Date.parse(a.from));
    const end = Math.min(to, Date.parse(a.to));
    return end > start ? [{ ...a, from: iso(start), to: iso(end) }] : [];
  });
  const at = (c: Connect) => Date.parse(c.at);
  return { activity: kept, connects: connects.filter((c) => at(c) >= from && at(c) < to) };
}

/** The scenario document, as `compute-scheduler simulate --scenario` reads it. */
export function poolScenario(options: PoolScenarioOptions = {}): Record<string, unknown> {
  const whole = fullDays(options);
  const window = options.window;
  if (!window) return whole;
  if (!(window.from >= 0 && window.to > window.from && window.to <= 24))
    throw new RangeError('window: hours from 0 to 24, from before to');
  const from = berlin(0, window.from);
  const to = berlin(0, window.to);
  const made = within(from, to, whole.activity as Activity[], whole.connects as Connect[]);
  const fleet = (whole.fleet as { resourceId: string }[]).map(({ resourceId }) => ({
    resourceId,
    state: 'deallocated',
    capacity: 0,
  }));
  return { ...whole, from: iso(from), to: iso(to), fleet, ...made };
}

function fullDays(options: PoolScenarioOptions): Record<string, unknown> {
  const pools = options.pools ?? 1;
  const days = options.days ?? DAYS;
  const seed = options.seed ?? 1;
  const rnd = random(seed);
  const fleet = [];
  const targets = [];
  const activity = [];
  const connects = [];
  for (let i = 0; i < pools; i++) {
    const resourceId = poolId(i);
    fleet.push({ resourceId, state: 'running', capacity: 2 });
    targets.push({
      resourceId,
      schedules: {
        computeStartStop: [
          {
            triggerType: 'Cron',
            action: 'Start',
            cron: { expression: '30 8 * * 1-5', timeZone: 'W. Europe Standard Time' },
          },
          {
            triggerType: 'Cron',
            action: 'Stop',
            cron: { expression: '0 18 * * 1-5', timeZone: 'W. Europe Standard Time' },
          },
        ],
      },
      pool: {
        minCapacity: 0,
        wakeCapacity: 1,
        maxCapacity: 4,
        sessionsPerInstance: 4,
        idleMinutes: 30,
        activity: 'sessions',
        cpuThresholdPercent: 5,
      },
    });
    const made = poolActivity(resourceId, rnd, days);
    activity.push(...made.activity);
    connects.push(...made.connects);
  }
  return {
    from: iso(FROM),
    to: iso(FROM + days * DAY_MS),
    seed,
    fleet,
    targets,
    activity,
    connects,
    faults: options.faults ?? { throttle: 0.1, error: 0.02, crash: 0.02 },
  };
}
