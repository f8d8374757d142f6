/**
 * Mattermost's integration payloads as they are on the wire (snake_case JSON keys), from
 * ../shared/contracts/mattermost/integrations.schema.json. Only what opsbot sends or reads.
 */

export interface PostActionOption {
  readonly text: string;
  readonly value: string;
}

export interface PostAction {
  readonly id: string;
  readonly type: 'button';
  readonly name: string;
  readonly style?: 'default' | 'primary' | 'danger';
  readonly integration: { readonly url: string; readonly context: Readonly<Record<string, unknown>> };
}

export interface AttachmentField {
  readonly title: string;
  readonly value: string;
  readonly short: boolean;
}

export interface MessageAttachment {
  readonly fallback: string;
  readonly color?: string;
  readonly title?: string;
  readonly text?: string;
  readonly fields?: readonly AttachmentField[];
  readonly actions?: readonly PostAction[];
}

/** The body of a slash command answer, and of a POST to its response_url. */
export interface CommandResponse {
  readonly response_type: 'ephemeral' | 'in_channel';
  readonly text: string;
  readonly attachments?: readonly MessageAttachment[];
  readonly skip_slack_parsing?: boolean;
}

/** The answer to a button click. */
export interface ActionResponse {
  readonly update?: { readonly message: string; readonly props: { readonly attachments: readonly MessageAttachment[] } };
  readonly ephemeral_text?: string;
}

export interface DialogElement {
  readonly display_name: string;
  readonly name: string;
  readonly type: 'text' | 'textarea' | 'select' | 'bool';
  readonly subtype?: 'text' | 'number' | 'password';
  readonly default?: string;
  readonly placeholder?: string;
  readonly help_text?: string;
  readonly optional: boolean;
  readonly max_length?: number;
  readonly options?: readonly PostActionOption[];
}

export interface Dialog {
  readonly callback_id: string;
  readonly title: string;
  readonly introduction_text?: string;
  readonly elements: readonly DialogElement[];
  readonly submit_label: string;
  readonly notify_on_cancel: boolean;
  readonly state: string;
}

export interface OpenDialogRequest {
  readonly trigger_id: string;
  readonly url: string;
  readonly dialog: Dialog;
}

/** The answer to a dialog submission: `error` / `errors` keep the dialog open. */
export interface DialogResponse {
  readonly error?: string;
  readonly errors?: Readonly<Record<string, string>>;
}

/**
 * The answer to an outgoing webhook: Mattermost posts it in the channel as the webhook's user when it
 * has `text` or `attachments` (an empty object posts nothing). `response_type: "comment"` would reply
 * in the triggering post's thread; opsbot answers in the channel, like a slash command's in_channel.
 */
export interface OutgoingWebhookResponse {
  readonly text?: string;
  readonly attachments?: readonly MessageAttachment[];
}
