import type { ComponentChildren } from 'preact';
import { useId, useRef } from 'preact/hooks';
import { useModalFocus } from '../focus';
import { t } from '../i18n';
import './dialog.css';

interface Props {
  title: ComponentChildren;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  /** classes besides `dialog`, for a dialog's own size or body layout */
  class?: string;
  testId?: string;
}

/**
 * A modal panel (the console's dialogs, the account dialog of the console and the admin
 * menu): Escape, the close button or a click beside it dismisses it; focus starts on its
 * first control and stays inside.
 */
export function Dialog({ title, onClose, children, wide, class: extra, testId }: Props) {
  const panelRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useModalFocus(panelRef, onClose, 'input, textarea, select, button:not(.dialog__close)');
  const cls = ['dialog', wide && 'dialog--wide', extra].filter(Boolean).join(' ');
  return (
    <div class="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div class={cls} role="dialog" aria-modal="true" aria-labelledby={titleId} ref={panelRef} tabIndex={-1} data-testid={testId}>
        <header class="dialog__header">
          <h2 id={titleId} class="dialog__title">
            {title}
          </h2>
          <button type="button" class="dialog__close" aria-label={t('dialog.close')} onClick={onClose}>
            ×
          </button>
        </header>
        <div class="dialog__body">{children}</div>
      </div>
    </div>
  );
}
