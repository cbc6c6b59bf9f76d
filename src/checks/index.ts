/**
 * The registry of pure checks: each is `(record, params) -> CheckResult`, with no I/O and no
 * clock reads, so it runs the same live, on a saved recording, and in unit tests.
 */
import type { RunRecord } from '../record/timeline.js';
import { bookmarkBeforeDeadline } from './bookmark-before-deadline.js';
import { bookmarkObject } from './bookmark-object.js';
import { bookmarkPeriodic } from './bookmark-periodic.js';
import { bookmarkResourceVersion } from './bookmark-resource-version.js';
import { bookmarkSelectors } from './bookmark-selectors.js';
import { bookmarkUnrequested } from './bookmark-unrequested.js';
import { eventLatency } from './event-latency.js';
import { eventObjectKind } from './event-object-kind.js';
import { eventResourceVersionOrder } from './event-resource-version-order.js';
import { initialEventsAdded } from './initial-events-added.js';
import { initialEventsEndAnnotation } from './initial-events-end-annotation.js';
import { initialEventsEndLatency } from './initial-events-end-latency.js';
import { initialEventsEndPresent } from './initial-events-end-present.js';
import { initialEventsEndResourceVersion } from './initial-events-end-resource-version.js';
import { resourceVersionMonotonic } from './resource-version-monotonic.js';
import { streamErrorStatus } from './stream-error-status.js';
import { streamFraming } from './stream-framing.js';
import { streamProtobufFraming } from './stream-protobuf-framing.js';
import { validationWatchList } from './validation-watch-list.js';
import { watchAnswered } from './watch-answered.js';
import { watchConcurrentOrder } from './watch-concurrent-order.js';
import { watchExpired } from './watch-expired.js';
import { watchResume } from './watch-resume.js';
import { watchTimeout } from './watch-timeout.js';
import { DEFAULT_CHECK_PARAMS, type Check, type CheckParams, type CheckResult } from './types.js';

export {
  bookmarkBeforeDeadline,
  bookmarkObject,
  bookmarkPeriodic,
  bookmarkResourceVersion,
  bookmarkSelectors,
  bookmarkUnrequested,
  eventLatency,
  eventObjectKind,
  eventResourceVersionOrder,
  initialEventsAdded,
  initialEventsEndAnnotation,
  initialEventsEndLatency,
  initialEventsEndPresent,
  initialEventsEndResourceVersion,
  resourceVersionMonotonic,
  streamErrorStatus,
  streamFraming,
  streamProtobufFraming,
  validationWatchList,
  watchAnswered,
  watchConcurrentOrder,
  watchExpired,
  watchResume,
  watchTimeout,
};

/** Every check, in the stable order reports list them. */
export const ALL_CHECKS: readonly Check[] = [
  initialEventsEndPresent,
  initialEventsEndAnnotation,
  initialEventsEndResourceVersion,
  initialEventsEndLatency,
  initialEventsAdded,
  bookmarkUnrequested,
  bookmarkObject,
  eventObjectKind,
  bookmarkResourceVersion,
  bookmarkBeforeDeadline,
  eventResourceVersionOrder,
  resourceVersionMonotonic,
  streamFraming,
  streamProtobufFraming,
  streamErrorStatus,
  watchTimeout,
  watchAnswered,
  validationWatchList,
  bookmarkPeriodic,
  bookmarkSelectors,
  watchConcurrentOrder,
  eventLatency,
  watchResume,
  watchExpired,
];

/** Runs every check (or the given ones) on a record, in ALL_CHECKS order. */
export function runChecks(
  record: RunRecord,
  params: CheckParams = DEFAULT_CHECK_PARAMS,
  checks: readonly Check[] = ALL_CHECKS,
): CheckResult[] {
  return checks.map((check) => check.run(record, params));
}
