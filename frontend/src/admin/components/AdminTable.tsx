import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

import { t } from '../../shared/i18n';

/** A column heading: its text, and whether the column holds numbers (right-aligned). */
export type Column = string | { label: string; num: boolean };

interface TableProps {
  caption: string;
  columns: Column[];
  /** A last column of buttons, headed for screen readers only. */
  actions?: boolean;
  class?: string;
  testid: string;
  children: ComponentChildren;
}

/** The admin menu's table: scrolls sideways on narrow screens, captioned for screen readers. */
export function AdminTable({ caption, columns, actions = false, class: extra, testid, children }: TableProps) {
  return (
    <div class="table-wrap">
      <table class={extra ? `admin-table ${extra}` : 'admin-table'} data-testid={testid}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((column) =>
              typeof column === 'string' ? (
                <th key={column} scope="col">{column}</th>
              ) : (
                <th key={column.label} scope="col" class={column.num ? 'num' : undefined}>{column.label}</th>
              ),
            )}
            {actions && (
              <th scope="col">
                <span class="visually-hidden">{t('act.actions')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

interface ConfirmProps {
  /** Whether the second step (confirm or keep) is showing. */
  asking: boolean;
  busy: boolean;
  /** The first button's text, and its longer name for screen readers when the text is short. */
  label: string;
  name?: string;
  confirm: string;
  keep: string;
  onAsk: () => void;
  onConfirm: () => void;
  onKeep: () => void;
  /** The first button's test id; the confirming one gets `-confirm` after it. */
  testid: string;
}

/**
 * A destructive action in two steps: the button, then "confirm" beside "keep".
 * The confirming button takes the focus when it appears, so the keyboard stays in place.
 */
export function ConfirmButtons({ asking, busy, label, name, confirm, keep, onAsk, onConfirm, onKeep, testid }: ConfirmProps) {
  const confirmRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) confirmRef.current?.focus();
  }, [asking]);
  if (!asking) {
    return (
      <button type="button" class="btn btn-ghost btn-small" aria-label={name} onClick={onAsk} data-testid={testid}>
        {label}
      </button>
    );
  }
  return (
    <>
      <button ref={confirmRef} type="button" class="btn btn-danger btn-small" disabled={busy} onClick={onConfirm} data-testid={`${testid}-confirm`}>
        {confirm}
      </button>
      <button type="button" class="btn btn-ghost btn-small" onClick={onKeep}>
        {keep}
      </button>
    </>
  );
}
