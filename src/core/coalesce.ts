/**
 * Calls that arrive in the same turn of the event loop run as one: `run` gets all their items at
 * once and each caller gets back the results for its own items, in order.
 *
 * For the alert store this turns one transaction per delivery into one per turn. Under a storm
 * many deliveries are read in one turn, and the fixed costs of a transaction (begin, commit, the
 * reads of the alerts' rows and groups) are paid once for all of them. In the alerts benchmark,
 * intake slowed by a tenth for a few seconds whenever its memory of 10,000 alerts ran out and each
 * delivery went back to the store on its own; it no longer does (see `npm run bench`). A lone call
 * waits for nothing but the end of the turn it came in (setImmediate).
 *
 * A failed joint run gives nobody the error of someone else's items: each caller's items are then
 * run again on their own, one caller after another, so each gets exactly its own result or error.
 */
export type Batched<I, O, C> = (items: readonly I[], context: C) => Promise<O[]>;

interface Caller<I, O, C> {
  readonly items: readonly I[];
  readonly context: C;
  readonly resolve: (results: O[]) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * `merge` folds the callers' contexts into the one the joint run gets (for the alert store: the
 * latest "now"). A joint run holds at most `maxItems` items, unless one caller alone brings more.
 */
export function coalesce<I, O, C>(run: (items: readonly I[], context: C) => Promise<readonly O[]>, merge: (a: C, b: C) => C, maxItems: number): Batched<I, O, C> {
  let waiting: Caller<I, O, C>[] = [];

  async function alone(caller: Caller<I, O, C>): Promise<void> {
    try {
      caller.resolve([...(await run(caller.items, caller.context))]);
    } catch (error: unknown) {
      caller.reject(error);
    }
  }

  async function together(callers: readonly Caller<I, O, C>[]): Promise<void> {
    const [first, ...rest] = callers;
    if (first === undefined) return;
    if (rest.length === 0) return alone(first);
    let context = first.context;
    for (const caller of rest) context = merge(context, caller.context);
    let results: readonly O[];
    try {
      results = await run(
        callers.flatMap((caller) => caller.items),
        context,
      );
    } catch {
      for (const caller of callers) await alone(caller);
      return;
    }
    let at = 0;
    for (const caller of callers) {
      caller.resolve(results.slice(at, at + caller.items.length));
      at += caller.items.length;
    }
  }

  function flush(): void {
    const callers = waiting;
    waiting = [];
    let batch: Caller<I, O, C>[] = [];
    let size = 0;
    for (const caller of callers) {
      if (batch.length > 0 && size + caller.items.length > maxItems) {
        void together(batch);
        batch = [];
        size = 0;
      }
      batch.push(caller);
      size += caller.items.length;
    }
    void together(batch);
  }

  return (items, context) =>
    new Promise<O[]>((resolve, reject) => {
      if (waiting.length === 0) setImmediate(flush);
      waiting.push({ items, context, resolve, reject });
    });
}
