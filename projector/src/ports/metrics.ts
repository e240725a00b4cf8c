/** What the projector measures, as calls its code makes; adapters/prometheus turns them into metrics. */
export interface ProjectorMetrics {
  /** A batch of one partition committed to the read model (documents and checkpoint). */
  batchApplied(partition: number, events: number, seconds: number): void;
}

/** Measures nothing: the default when no metrics are wanted. */
export const noProjectorMetrics: ProjectorMetrics = { batchApplied: () => undefined };
