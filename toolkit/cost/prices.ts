// The prices a month's estimate multiplies counts by, each with where it came from. docs/cost.md says
// which pages were read, when, and which figures could not be found there and were taken from elsewhere.

/** Flex Consumption, on-demand mode, pay as you go, USD. */
export const FLEX_ON_DEMAND = {
  /** Per GB-second of instance memory while the instance runs an execution. */
  usdPerGbSecond: 0.000026,
  /** Per execution. */
  usdPerExecution: 0.4 / 1_000_000,
  /** Free each month, per subscription (shared with every on-demand app in it). */
  freeGbSecondsPerMonth: 100_000,
  freeExecutionsPerMonth: 250_000,
  /** An instance's active period is billed for at least this long. */
  minimumBilledSeconds: 1,
  /** Active periods are billed in steps of this size. */
  billedStepSeconds: 0.1,
} as const;

/** Standard general-purpose v2 storage, locally redundant (LRS), hot tier, USD per 10,000 transactions. */
export const STORAGE_LRS = {
  /** Every queue operation (class 1 and class 2 are priced alike on GPv2). */
  queueUsdPer10k: 0.004,
  /**
   * Table transactions: Table Storage's own price list could not be read here; the queue figure is used,
   * which is an upper bound (see docs/cost.md).
   */
  tableUsdPer10k: 0.004,
  /** Blob write operations (the Functions host's timer status blobs). */
  blobWriteUsdPer10k: 0.055,
} as const;

/** The instance memory `infra/main.bicep` deploys with (`instanceMemoryMB`). */
export const DEFAULT_INSTANCE_MEMORY_MB = 512;

/** Days in the month the estimate is for. */
export const DAYS_PER_MONTH = 30;
