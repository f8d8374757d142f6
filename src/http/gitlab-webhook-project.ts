/**
 * Whether a Pipeline Hook event belongs to a project whose webhook token it came with. The token is
 * the only thing the sender proved; the body's `project.id` and `project.path_with_namespace` are
 * whatever it wrote, and the event is delivered by `project.id`. So project A's token must not carry
 * `project.id = B` with A's path: the numeric id itself must be A's.
 *
 * A project configured by id is checked by that id. One configured by path is checked by its path
 * and by the numeric id GitLab's API gave for that path when this process followed one of its
 * pipelines (PipelineEventHub.projectIdOf). Before any such follow the id is unknown here, and so is
 * any follower the event could reach: it is accepted and delivered to nobody, rather than refused,
 * since GitLab disables a hook whose deliveries keep failing.
 */
export type ProjectVerdict =
  | { readonly kind: 'match' }
  | { readonly kind: 'unverified'; readonly reason: string }
  | { readonly kind: 'mismatch'; readonly reason: string };

export interface EventProject {
  readonly id: number;
  readonly path: string | null;
}

const NUMERIC_PROJECT = /^\d+$/;

/** `configured`: the projects (id or path, as configured) whose webhook token the request carried. */
export function checkEventProject(configured: readonly string[], event: EventProject, idOf: (project: string) => number | null): ProjectVerdict {
  let unknownId: string | null = null;
  for (const project of configured) {
    const byPath = !NUMERIC_PROJECT.test(project);
    // GitLab paths are case-insensitive.
    if (byPath && event.path?.toLowerCase() !== project.toLowerCase()) continue;
    const id = idOf(project);
    if (id === null) unknownId ??= project;
    else if (id === event.id) return { kind: 'match' };
  }
  if (unknownId !== null) {
    return { kind: 'unverified', reason: `no pipeline of project ${unknownId} is followed here yet, so its numeric id is not known to check; delivered to nobody` };
  }
  const tokenOf = configured.map((project) => {
    const id = idOf(project);
    return id === null || String(id) === project ? project : `${project} (id ${id})`;
  });
  const named = event.path === null ? `id ${event.id}` : `${event.path} (id ${event.id})`;
  return { kind: 'mismatch', reason: `the event is for project ${named}, but this token is the webhook token of ${[...new Set(tokenOf)].join(', ')}` };
}
