/**
 * The neutral message model. Handlers return these; each chat adapter renders them
 * (Mattermost markdown + attachments, Teams Adaptive Cards, plain text for the shell).
 */
export type Tone = 'info' | 'success' | 'warning' | 'danger' | 'neutral';

export interface Field {
  readonly label: string;
  readonly value: string;
  /** Short fields may be laid out side by side. */
  readonly short?: boolean;
}

export interface Link {
  readonly label: string;
  readonly url: string;
}

/** A button. `command` is the text dispatched when clicked (signed and user-bound by the adapter). */
export interface Action {
  readonly id: string;
  readonly label: string;
  readonly style?: 'primary' | 'danger' | 'default';
  readonly command: string;
}

export type Block =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'fields'; readonly fields: readonly Field[] }
  | { readonly kind: 'code'; readonly text: string }
  | { readonly kind: 'table'; readonly columns: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'progress'; readonly step: string; readonly done: number; readonly total: number | null }
  | { readonly kind: 'links'; readonly links: readonly Link[] };

export interface Message {
  readonly title?: string;
  readonly tone: Tone;
  readonly blocks: readonly Block[];
  readonly actions?: readonly Action[];
  /** Only the invoking user sees it, where the platform supports that. */
  readonly ephemeral?: boolean;
  /**
   * A text file that belongs with the message (a job's whole log). A platform that can upload files
   * attaches it when the message alone cannot show it; elsewhere it is left out, so the message's own
   * text must say where to find the content (`job <id>`).
   */
  readonly file?: TextFile;
}

export interface TextFile {
  /** File name as shown, e.g. `job-42.log`. */
  readonly name: string;
  readonly text: string;
}

/** Convenience builders so handlers stay short. */
export const msg = {
  text(text: string, tone: Tone = 'neutral'): Message {
    return { tone, blocks: [{ kind: 'text', text }] };
  },
  titled(title: string, tone: Tone, ...blocks: Block[]): Message {
    return { title, tone, blocks };
  },
  table(columns: readonly string[], rows: readonly (readonly string[])[], title?: string): Message {
    const base = { tone: 'neutral' as const, blocks: [{ kind: 'table' as const, columns, rows }] };
    return title === undefined ? base : { ...base, title };
  },
};
