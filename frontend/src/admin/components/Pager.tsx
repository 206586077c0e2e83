import { t } from '../../shared/i18n';

/** Previous / next over a paged list (hidden when everything fits on one page). */
export function Pager({ page, hasMore, onPage, testid }: { page: number; hasMore: boolean; onPage: (p: number) => void; testid: string }) {
  if (page === 1 && !hasMore) return null;
  return (
    <nav class="pager" aria-label={t('pager.pages')}>
      <button type="button" class="btn btn-ghost btn-small" disabled={page <= 1} onClick={() => onPage(page - 1)} data-testid={`${testid}-prev`}>
        {t('pager.prev')}
      </button>
      <span>{t('pager.page', { page })}</span>
      <button type="button" class="btn btn-ghost btn-small" disabled={!hasMore} onClick={() => onPage(page + 1)} data-testid={`${testid}-next`}>
        {t('pager.next')}
      </button>
    </nav>
  );
}
