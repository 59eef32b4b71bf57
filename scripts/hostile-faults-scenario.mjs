// Prints a hostile scenario for `simulate`: 48 targets (VMs, pools and ML compute instances, by turns) in
// zones with odd offsets (Kolkata +05:30, Kathmandu +05:45, Adelaide +10:30, Lord Howe +11:00, Chatham +13:45,
// as IANA and as Windows ids), each started and stopped (or stopped and started) 1–4 minutes apart between
// 00:05 and 00:57 UTC; nine in ten ARM requests throttled, one in ten failing with a 500, one invocation in
// five crashing, storage down from 00:40 to 00:55; seed 11. The window runs to 03:00 so retries can finish.
// Half the machines go there and back; the other half must end in the state they did not start in. Every
// target must end where its schedule wants it (`wrongFinal: 0`); it takes under a minute to run:
//   npm run build && node scripts/hostile-faults-scenario.mjs [seed] > hostile.json
//   node dist/toolkit/cli/main.js simulate --scenario hostile.json
// Measured on 2026-11-27: seeds 11 to 16 end wrongFinal 0, with no duplicates, stale actions, failed or poisoned
// runs. What it took: a pool's write goes again from what it read, If-Match (before, seed 11 left five pools
// wrong and seed 12 nine); throttled retries spread over at most 90 s (was 5 min); and the executor reads the
// machine before it claims the target, so a host that dies while reading leaves no run in doubt (before, one
// ML compute instance of seed 16 stayed in doubt, unable to read, for two hours). With envelopes in the simulated
// tick (docs/decisions/0017), seeds 11, 16 and 23 end the same way, and two runs of a seed give the same report
// but for wall times.
const SUBSCRIPTION = '11111111-1111-1111-1111-111111111111';
const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-sim/providers`;
const ZONES = [
  ['Asia/Kolkata', 'Asia/Kolkata'],
  ['Asia/Kathmandu', 'Asia/Kathmandu'],
  ['Australia/Adelaide', 'Australia/Adelaide'],
  ['Australia/Lord_Howe', 'Australia/Lord_Howe'],
  ['Pacific/Chatham', 'Pacific/Chatham'],
  ['India Standard Time', 'Asia/Kolkata'],
  ['Nepal Standard Time', 'Asia/Kathmandu'],
  ['Cen. Australia Standard Time', 'Australia/Adelaide'],
  ['Lord Howe Standard Time', 'Australia/Lord_Howe'],
  ['Chatham Islands Standard Time', 'Pacific/Chatham'],
];
const DAY = Date.parse('2026-03-02T00:00:00Z');

/** A fixed-time cron for one instant, written in the zone's wall time. */
function cronAt(instant, ianaZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: ianaZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
    })
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return `${Number(parts.minute)} ${Number(parts.hour)} ${Number(parts.day)} ${Number(parts.month)} *`;
}

const fleet = [];
const targets = [];
for (let i = 0; i < 48; i++) {
  const kind = i % 3;
  const resourceId =
    kind === 0
      ? `${GROUP}/Microsoft.Compute/virtualMachines/vm-${i}`
      : kind === 1
        ? `${GROUP}/Microsoft.Compute/virtualMachineScaleSets/pool-${i}`
        : `${GROUP}/Microsoft.MachineLearningServices/workspaces/ws-sim/computes/ci${i}x`;
  const on = i % 2 === 0;
  if (kind === 1) fleet.push({ resourceId, state: on ? 'running' : 'deallocated', capacity: on ? 2 : 0 });
  else if (kind === 2) fleet.push({ resourceId, state: on ? 'Running' : 'Stopped' });
  else fleet.push({ resourceId, state: on ? 'running' : 'deallocated' });
  const [timeZone, iana] = ZONES[i % ZONES.length];
  const first = DAY + (5 + i) * 60_000;
  const second = first + (1 + (i % 4)) * 60_000;
  // Half the machines go there and back (a running one stopped, then started); the other half are first asked
  // for the state they are in and then moved, so they must end in the state they did not start in: a
  // scheduler that loses the second action cannot pass by doing nothing.
  const moves = Math.floor(i / 2) % 2 === 1;
  const [a, b] = on === moves ? ['Start', 'Stop'] : ['Stop', 'Start'];
  targets.push({
    resourceId,
    schedules: {
      computeStartStop: [
        { triggerType: 'Cron', action: a, cron: { expression: cronAt(first, iana), timeZone } },
        { triggerType: 'Cron', action: b, cron: { expression: cronAt(second, iana), timeZone } },
      ],
    },
  });
}

process.stdout.write(
  JSON.stringify({
    from: '2026-03-02T00:00:00Z',
    to: '2026-03-02T03:00:00Z',
    fleet,
    targets,
    faults: {
      throttle: 0.9,
      error: 0.1,
      crash: 0.2,
      outages: [{ from: '2026-03-02T00:40:00Z', to: '2026-03-02T00:55:00Z' }],
    },
    seed: Number(process.argv[2] ?? 11),
  }),
);
