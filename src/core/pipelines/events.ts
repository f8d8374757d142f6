/**
 * Pushed pipeline events (GitLab's Pipeline Hook) reach the follower of that pipeline at once,
 * instead of waiting for its next poll. The HTTP route publishes; followers subscribe while they
 * follow. An event nobody follows is dropped: the hub keeps no history.
 */
export interface PipelineHookEvent {
  readonly projectId: number;
  readonly pipelineId: number;
  readonly status: string;
  readonly url: string | null;
  readonly jobs: readonly { readonly name: string; readonly stage: string; readonly status: string }[];
}

export type PipelineHookListener = (event: PipelineHookEvent) => void;

export class PipelineEventHub {
  private readonly listeners = new Map<string, Set<PipelineHookListener>>();

  static key(projectId: number, pipelineId: number): string {
    return `${projectId}:${pipelineId}`;
  }

  subscribe(projectId: number, pipelineId: number, listener: PipelineHookListener): () => void {
    const key = PipelineEventHub.key(projectId, pipelineId);
    let set = this.listeners.get(key);
    if (set === undefined) {
      set = new Set();
      this.listeners.set(key, set);
    }
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(key);
    };
  }

  /** Returns how many followers received the event. */
  publish(event: PipelineHookEvent): number {
    const set = this.listeners.get(PipelineEventHub.key(event.projectId, event.pipelineId));
    if (set === undefined) return 0;
    for (const listener of [...set]) listener(event);
    return set.size;
  }
}
