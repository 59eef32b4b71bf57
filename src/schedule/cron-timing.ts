// When a cron entry fires in its time zone: walks the zone's offset segments and applies the
// daylight-saving rules of docs/schedules.md (fixed-time entries: a gap time fires once right after the gap
// and a repeated time fires on its first pass; wildcard entries follow the wall clock).

import { ceilToMinute } from './civil.js';
import { nextWallMatch, type CronExpression } from './cron.js';
import type { TimeZone } from './zones.js';

/** How far ahead a search goes before it concludes there is no further occurrence. */
export const SEARCH_HORIZON_MS = 30 * 366 * 86_400_000;

export function nextCronInstant(
  cron: CronExpression,
  zone: TimeZone,
  after: number,
  horizon = SEARCH_HORIZON_MS,
): number | undefined {
  const limit = after + horizon;
  let seg = zone.segmentAt(after);
  let from = after + 1;
  for (;;) {
    if (seg.start > limit) return undefined;
    const offset = seg.offsetMs;
    let fromWall = ceilToMinute(from + offset);
    if (cron.fixedTime && seg.previousOffsetMs > offset) {
      // After a fall-back the first hour repeats: a fixed time already fired on the first pass.
      fromWall = Math.max(fromWall, ceilToMinute(seg.start + seg.previousOffsetMs));
    }
    const endWall = Math.min(seg.end, limit) + offset;
    const wall = nextWallMatch(cron, fromWall, endWall);
    if (wall !== undefined) return wall - offset;
    if (seg.end === Infinity || seg.end > limit) return undefined;
    const nextSeg = zone.segmentAt(seg.end);
    if (cron.fixedTime && nextSeg.offsetMs > offset) {
      // Spring-forward: wall times in [end+old, end+new) never exist; a fixed time there fires once, at the
      // first instant after the gap.
      const gapFrom = ceilToMinute(Math.max(fromWall, seg.end + offset));
      if (nextWallMatch(cron, gapFrom, seg.end + nextSeg.offsetMs) !== undefined) return seg.end;
    }
    // The next segment may begin before seg.end: coverage ends are not transitions, and the segment found
    // beyond one can be the same offset run, extended.
    from = seg.end;
    seg = nextSeg;
  }
}
