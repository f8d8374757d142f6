/**
 * Label values reach chat inside opsbot's own lines (the alert list of a group post, thread
 * replies, titles). Prometheus allows any text in a label, line breaks included: a value must not
 * start a line of its own, where Markdown would read a fence, a heading or a table out of it.
 */
import { describe, expect, it } from 'vitest';
import { renderPost } from '../../src/adapters/mattermost/render.js';
import { changeReply, threadState } from '../../src/core/alerts/thread.js';
import { renderGroup } from '../../src/core/alerts/render.js';
import type { AlertGroupRecord, StoredAlert } from '../../src/core/alerts/store.js';
import { alert, at } from './support/fixtures.js';

const HOSTILE = 'web-1\n```\n# @all\r\n| a | b |';

const group: AlertGroupRecord = {
  id: 7, key: 'ops|x', route: 'ops', labels: { alertname: 'HighCPU', instance: HOSTILE }, conversations: ['mattermost:ch-ops'], state: 'open', createdAt: at(0),
  version: 1, flushedVersion: 0, nextFlushAt: at(30), lastFlushAt: null, wait: 30_000, interval: 300_000, repeat: 3_600_000, ackedBy: null, ackedAt: null,
};

function stored(instance: string, status: 'firing' | 'resolved' = 'firing'): StoredAlert {
  return { ...alert({ instance, summary: 'CPU high', status }), groupId: 7, receivedCount: 1, firstSeenAt: at(0), lastSeenAt: at(0), heldUntil: null, heldBy: null };
}

describe('label values in chat lines', () => {
  it('stay inside the line of their alert in a group post, and the title stays one line', () => {
    const message = renderGroup(group, [stored(HOSTILE), stored('web-2')], at(40));
    expect(message.title).not.toMatch(/[\r\n]/);
    const list = message.blocks.find((b) => b.kind === 'text' && b.text.includes('CPU high'));
    expect(list?.kind === 'text' ? list.text.split('\n') : []).toHaveLength(2);
    const text = renderPost(message, null).attachments[0]?.text ?? '';
    expect(text.split('\n').filter((line) => /^\s*(```|#|\|)/.test(line))).toEqual([]);
  });

  it('stay inside the line of a thread reply', () => {
    const before = threadState(group, [stored(HOSTILE)], at(40));
    const reply = changeReply(before, group, [stored(HOSTILE, 'resolved'), stored('web-2')], at(400));
    const text = reply?.blocks[0]?.kind === 'text' ? reply.blocks[0].text : '';
    expect(text.split('\n')).toHaveLength(2);
  });
});
