import { t } from '../../shared/i18n';
import { type Colours, previewStyle } from '../lib/theme';

/** A mock of the guest's chat panel painted with the colours being edited (A3 live preview). */
export function WidgetPreview({ colours, logoUrl, storeName }: { colours: Colours; logoUrl: string | null; storeName: string }) {
  return (
    <figure class="preview" aria-labelledby="preview-caption" data-testid="widget-preview">
      <figcaption id="preview-caption" class="preview__caption">
        {t('screen.preview')}
      </figcaption>
      <div class="preview__panel" style={previewStyle(colours)} aria-hidden="true">
        <div class="preview__header">
          {logoUrl ? <img class="preview__logo" src={logoUrl} alt="" /> : null}
          <span class="preview__store">{storeName}</span>
          <span class="preview__close">×</span>
        </div>
        <div class="preview__body">
          <p class="preview__system">{t('screen.sample_system')}</p>
          <div class="preview__row preview__row--staff">
            <span class="preview__who">{t('screen.sample_staff_name')}</span>
            <p class="preview__bubble preview__bubble--staff">{t('screen.sample_staff_1')}</p>
          </div>
          <div class="preview__row preview__row--guest">
            <p class="preview__bubble preview__bubble--guest">{t('screen.sample_guest')}</p>
          </div>
          <div class="preview__row preview__row--staff">
            <p class="preview__bubble preview__bubble--staff">{t('screen.sample_staff_2')}</p>
          </div>
        </div>
        <div class="preview__composer">
          <span class="preview__input">{t('screen.sample_input')}</span>
          <span class="preview__send">{t('screen.sample_send')}</span>
        </div>
      </div>
    </figure>
  );
}
