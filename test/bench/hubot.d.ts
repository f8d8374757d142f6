/**
 * The slice of hubot v14's CommandBus (node_modules/hubot/src/CommandBus.mjs) the dispatch
 * benchmark uses. hubot ships no type declarations; this ambient module covers only what we call.
 */
declare module 'hubot' {
  export interface HubotArgSchema {
    readonly type: 'string' | 'number' | 'boolean' | 'enum' | 'user' | 'room' | 'date' | (string & {});
    readonly required?: boolean;
    readonly default?: unknown;
    /** For `enum`. */
    readonly values?: readonly string[];
  }

  export interface HubotInvokeContext {
    readonly room: string;
    readonly user: { readonly id: string; readonly name?: string };
  }

  export interface HubotCommandSpec {
    readonly id: string;
    readonly description?: string;
    readonly aliases?: readonly string[];
    readonly examples?: readonly string[];
    readonly args?: Readonly<Record<string, HubotArgSchema>>;
    readonly sideEffects?: readonly string[];
    readonly confirm?: 'always' | 'never' | 'if_ambiguous';
    readonly permissions?: { readonly rooms?: readonly string[]; readonly roles?: readonly string[] };
    handler(input: { args: Record<string, unknown>; context: HubotInvokeContext }): unknown;
  }

  /** What invoke resolves to; null when the text names no registered command. */
  export type HubotInvokeResult =
    | null
    | { readonly ok: true; readonly result: unknown; readonly helpOnly?: true }
    | { readonly ok: false; readonly errors: readonly string[]; readonly missing: readonly string[] }
    | { readonly needsConfirmation: true; readonly proposal: unknown };

  export class CommandBus {
    constructor(robot: unknown, options?: { prefix?: string; disableLogging?: boolean; proposalTTL?: number; logPath?: string });
    register(spec: HubotCommandSpec, opts?: { update?: boolean }): unknown;
    registerTypeResolver(typeName: string, resolver: (value: unknown, schema: HubotArgSchema, context: HubotInvokeContext) => unknown): void;
    invoke(text: string, context: HubotInvokeContext): Promise<HubotInvokeResult>;
    clearPendingProposals(): void;
  }
}
