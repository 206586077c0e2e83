import { t } from '../../shared/i18n';
import type { BusyInfo } from '../protocol';

/** Whole minutes, rounded up, never below one: "about 1 minute" rather than "0". */
export function waitMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}

/** "現在 N 人が順番待ちです・目安 約M分": only what the server knows, no invented figure. */
export function busyLine(busy: BusyInfo): string {
  const queue = busy.waiting > 0 ? t('busy.waiting', { n: busy.waiting }) : t('busy.nobody_waiting');
  const wait =
    busy.estimated_wait_seconds === null ? t('busy.no_estimate') : t('busy.estimate', { m: waitMinutes(busy.estimated_wait_seconds) });
  return `${queue}${t('busy.separator')}${wait}`;
}

/** Every staff member is busy: how many wait, and how long a wait has lately been (issue 14). */
export function BusyNote({ busy }: { busy: BusyInfo | null }) {
  return (
    <div class="busy-note" role="status" data-testid="busy-note">
      <p class="busy-note__title">{t('busy.all_busy')}</p>
      {busy && (
        <p class="busy-note__figures" data-testid="busy-figures">
          {busyLine(busy)}
        </p>
      )}
    </div>
  );
}
