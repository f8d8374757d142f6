/**
 * Pushed pipeline events (GitLab's Pipeline Hook) reach the follower of that pipeline at once,
 * instead of waiting for its next poll. The HTTP route publishes; followers subscribe while they
 * follow. An event nobody follows is dropped: the hub keeps no history.
 *
 * A follower also tells the hub the numeric id GitLab's API gave for its configured project, which
 * the config may name by path only: the route checks an event's project id against it, since the
 * event's own fields are whatever its sender wrote.
 */
export interface PipelineHookEvent {
  readonly projectId: number;
  readonly pipelineId: number;
  readonly status: string;
  readonly url: string | null;
  readonly jobs: readonly { readonly name: string; readonly stage: string; readonly status: string }[];
}

export type PipelineHookListener = (event: PipelineHookEvent) => void;

/** A pipeline being followed: its project as configured (id or path), and the ids GitLab's API gave. */
export interface FollowedPipeline {
  readonly project: string;
  readonly projectId: number;
  readonly pipelineId: number;
}

const NUMERIC_PROJECT = /^\d+$/;

export class PipelineEventHub {
  private readonly listeners = new Map<string, Set<PipelineHookListener>>();
  /** Configured project path (lower case: GitLab paths are case-insensitive) → its numeric id, as learned from followers. */
  private readonly idsByPath = new Map<string, number>();

  static key(projectId: number, pipelineId: number): string {
    return `${projectId}:${pipelineId}`;
  }

  subscribe(followed: FollowedPipeline, listener: PipelineHookListener): () => void {
    const { project, projectId, pipelineId } = followed;
    // The latest answer wins: a path that now belongs to another project (moved, recreated) has its new id.
    if (!NUMERIC_PROJECT.test(project)) this.idsByPath.set(project.toLowerCase(), projectId);
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

  /**
   * The numeric id of a configured project: the project itself when the config gives an id, else
   * the id GitLab's API gave for that path when this process followed one of its pipelines; null
   * before then (and then nobody here follows a pipeline of it).
   */
  projectIdOf(project: string): number | null {
    if (NUMERIC_PROJECT.test(project)) return Number(project);
    return this.idsByPath.get(project.toLowerCase()) ?? null;
  }

  /** Returns how many followers received the event. */
  publish(event: PipelineHookEvent): number {
    const set = this.listeners.get(PipelineEventHub.key(event.projectId, event.pipelineId));
    if (set === undefined) return 0;
    for (const listener of [...set]) listener(event);
    return set.size;
  }
}
