import type { SystemStatusFieldsFragment } from '@ledger/client';
import { byId, h } from './dom.js';
import type { Session } from './session.js';

/** Compact "0-3, 7, 9-10" form of a partition list. */
export function ranges(partitions: readonly number[]): string {
  const sorted = [...partitions].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}–${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Lease ownership per worker kind and member, and the rebuild button with its progress. */
export function createWorkersView(session: Session) {
  const target = byId('workers');
  const button = byId<HTMLButtonElement>('rebuild-button');
  const bar = byId('rebuild-bar');
  const text = byId('rebuild-text');

  button.addEventListener('click', async () => {
    button.disabled = true;
    text.textContent = 'Rebuild requested…';
    try {
      const headers = session.authorization();
      let response = await fetch('/rebuild/balance', { method: 'POST', headers });
      // Gateways without the POST route serve the seed's GET.
      if (response.status === 404 || response.status === 405) response = await fetch('/rebuild/balance', { headers });
      const body = (await response.json().catch(() => ({}))) as {
        error?: { message?: string };
        generation?: string;
      };
      if (!response.ok) text.textContent = `Rebuild refused: ${body.error?.message ?? `HTTP ${response.status}`}`;
      // It answers once the new read model is in place; the operator view says so at its next beat.
      else text.textContent = `Rebuild done${body.generation ? `: generation ${body.generation} swapped in` : ''}.`;
    } catch (error) {
      text.textContent = `Rebuild failed: ${String(error)}`;
    } finally {
      button.disabled = false;
    }
  });

  return {
    show(status: SystemStatusFieldsFragment): void {
      const groups = status.workers.map((group) =>
        h(
          'div',
          { className: 'workers-kind' },
          h('h4', { text: `${group.kind.toLowerCase()} · ${group.members.length} member(s)` }),
          ...group.members.map((member) =>
            h(
              'div',
              { className: 'member' },
              h('span', { className: 'id mono', text: member.id }),
              h('strong', { text: `${member.partitions.length}` }),
              h('span', { className: 'parts mono', text: ranges(member.partitions) }),
            ),
          ),
          group.unowned.length > 0
            ? h('div', { className: 'unowned mono', text: `unowned: ${ranges(group.unowned)}` })
            : null,
        ),
      );
      target.replaceChildren(
        ...(groups.length ? groups : [h('p', { className: 'empty', text: 'No lease holders seen.' })]),
      );

      const { rebuild } = status;
      bar.style.width = `${rebuild.phase === 'DONE' ? 100 : Math.round(rebuild.progress * 100)}%`;
      const busy = rebuild.phase === 'REPLAYING' || rebuild.phase === 'CATCHING_UP' || rebuild.phase === 'SWAPPING';
      button.disabled = busy;
      if (rebuild.phase === 'IDLE') return;
      const counts = `${rebuild.eventsApplied.toLocaleString()} / ${rebuild.eventsTotal.toLocaleString()} events`;
      text.textContent =
        rebuild.phase === 'FAILED'
          ? `Rebuild failed: ${rebuild.error ?? 'unknown reason'}`
          : rebuild.phase === 'DONE'
            ? `Rebuild done: generation ${rebuild.generation ?? '?'} swapped in (${counts}).`
            : `Rebuild ${rebuild.phase.toLowerCase().replace('_', ' ')}: ${counts}`;
    },
  };
}
