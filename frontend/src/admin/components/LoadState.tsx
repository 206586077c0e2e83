import type { ComponentChildren } from 'preact';
import { t } from '../../shared/i18n';
import { errorText } from '../../shared/components/errors';
import type { Loaded } from '../lib/useLoad';

/** Loading text, or the error with a retry button, or the children once data is there. */
export function LoadState<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.data !== undefined) return <>{children(loaded.data)}</>;
  if (loaded.error) {
    return (
      <div class="admin-stack">
        <div class="alert" role="alert">
          {errorText(loaded.error)}
        </div>
        <button type="button" class="btn btn-ghost" onClick={loaded.reload}>
          {t('common.retry')}
        </button>
      </div>
    );
  }
  return (
    <p class="admin-muted" role="status">
      {t('common.loading')}
    </p>
  );
}
