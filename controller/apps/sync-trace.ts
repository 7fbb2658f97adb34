// The spans of one full sync of an Application: the stages' start times as the pipeline
// reports them, turned into render and apply spans of the revision's trace when the sync
// ends (and, on the revision's first sync, the commit's root and its fetch). The trace id
// goes into status, so the Application shows it.

import type { ApplicationStatus } from '../api/application.ts';
import type { GitRepository } from '../api/git-repository.ts';
import { type StageMark, syncSpans } from '../observability/tracing/commit-spans.ts';
import { commitTraceId } from '../observability/tracing/commit-trace.ts';
import { type CommitTracer, NO_TRACER } from '../observability/tracing/commit-tracer.ts';

type Outcome = Parameters<typeof syncSpans>[0]['outcome'];

export class SyncTrace {
  private readonly marks: StageMark[] = [];
  private readonly tracer: CommitTracer;
  private readonly clock: () => Date;

  constructor(tracer: CommitTracer | undefined, clock: () => Date) {
    this.tracer = tracer ?? NO_TRACER;
    this.clock = clock;
  }

  /** A stage began (the pipeline's onStage). */
  mark(stage: string): void {
    if (this.tracer !== NO_TRACER) this.marks.push({ stage, at: this.clock() });
  }

  /** The sync ended: its spans go out and status names the trace. */
  end(
    target: { app: { namespace: string; name: string }; revision: string; repo: GitRepository | undefined },
    status: ApplicationStatus,
    outcome: Outcome,
  ): void {
    if (this.tracer === NO_TRACER || !target.revision) return;
    const { app, revision, repo } = target;
    const first = status.trace?.revision !== revision;
    status.trace = { revision, traceID: commitTraceId(app, revision) };
    const artifact = repo?.status?.artifact;
    const fetched =
      artifact?.revision === revision && artifact.lastUpdateTime
        ? {
            at: new Date(artifact.lastUpdateTime),
            source: `GitRepository/${repo?.metadata.name}`,
            url: repo?.spec.url,
          }
        : undefined;
    this.tracer.emit(
      syncSpans({ app, revision, first, fetched, marks: this.marks, end: this.clock(), outcome }),
    );
  }
}
