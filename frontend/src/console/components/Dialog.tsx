import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { t } from '../../shared/i18n';

interface Props {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  wide?: boolean;
  testId?: string;
}

/** A modal panel: Escape or the close button dismisses it; focus starts inside. */
export function Dialog({ title, onClose, children, wide, testId }: Props) {
  const panel = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = panel.current?.querySelector<HTMLElement>('input, textarea, select, button:not(.dialog__close)');
    (first ?? panel.current)?.focus();
    const onKey = (ev: KeyboardEvent) => {
      if (ev.key === 'Escape' && !ev.isComposing) onClose();
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      previous?.focus?.();
    };
  }, []);
  return (
    <div class="dialog-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div class={`dialog${wide ? ' dialog--wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} ref={panel} tabIndex={-1} data-testid={testId}>
        <header class="dialog__header">
          <h2 class="dialog__title">{title}</h2>
          <button type="button" class="dialog__close" aria-label={t('console.close')} onClick={onClose}>
            ×
          </button>
        </header>
        <div class="dialog__body">{children}</div>
      </div>
    </div>
  );
}
