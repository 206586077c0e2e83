import { useEffect, useState } from 'preact/hooks';
import type { ScreenSettings } from '../../shared/api-types';
import { TitledForm } from '../../shared/components/forms';
import { t } from '../../shared/i18n';
import { COLOUR_KEYS, deleteLogo, getScreen, patchTheme, putLogo, type ColourKey } from '../api';
import { Feedback } from '../components/Feedback';
import { FilePicker } from '../components/FilePicker';
import { LoadState } from '../components/LoadState';
import { formatRatio } from '../lib/contrast';
import { AREAS, areaContrast, BUILT_IN, normaliseHex, type Area, type Colours } from '../lib/theme';
import { useAction } from '../lib/useAction';
import { useLoad } from '../lib/useLoad';
import { CsatSetting } from './CsatSetting';
import { WidgetPreview } from './WidgetPreview';
import './screen.css';

const PICTURES = 'image/png,image/jpeg,image/gif,image/webp';

function coloursOf(screen: ScreenSettings): Colours {
  const out = {} as Colours;
  for (const key of COLOUR_KEYS) out[key] = screen.colours[key] ?? null;
  return out;
}

/** A3: logo and colours of the widget, with a live preview and contrast warnings. */
export function ScreenSection() {
  const loaded = useLoad(getScreen);
  return (
    <section class="admin-section" aria-labelledby="screen-heading">
      <h2 id="screen-heading" class="admin-section__title">
        {t('tab.screen')}
      </h2>
      <p class="admin-muted">{t('screen.intro')}</p>
      <LoadState loaded={loaded}>{(screen) => <ScreenEditor screen={screen} onChange={loaded.set} />}</LoadState>
      <CsatSetting />
    </section>
  );
}

function ScreenEditor({ screen, onChange }: { screen: ScreenSettings; onChange: (s: ScreenSettings) => void }) {
  const [draft, setDraft] = useState<Colours>(() => coloursOf(screen));
  const action = useAction();
  const dirty = COLOUR_KEYS.some((k) => draft[k] !== (screen.colours[k] ?? null));

  const save = async () => {
    const saved = await action.run(() => patchTheme(draft), t('screen.saved'));
    if (saved) {
      onChange(saved);
      setDraft(coloursOf(saved));
    }
  };

  return (
    <div class="screen-layout">
      <div class="admin-stack">
        <LogoCard screen={screen} onChange={onChange} />
        <TitledForm class="admin-card" onSubmit={save} title={t('screen.colours')} titleId="colours-title" titleClass="admin-card__title"
          testId="colours-form">
          {AREAS.map((area) => (
            <AreaColours key={area} area={area} draft={draft} onChange={(key, v) => setDraft({ ...draft, [key]: v })} />
          ))}
          <div class="form-actions">
            <button type="submit" class="btn btn-primary" disabled={action.busy || !dirty} data-testid="colours-save">
              {t('act.save')}
            </button>
            <button type="button" class="btn btn-ghost" disabled={!dirty} onClick={() => setDraft(coloursOf(screen))}>
              {t('screen.undo')}
            </button>
          </div>
          <Feedback action={action} testid="colours" />
        </TitledForm>
      </div>
      <div class="screen-layout__preview">
        <WidgetPreview colours={draft} logoUrl={screen.logo_url} storeName={screen.store.name} />
      </div>
    </div>
  );
}

interface AreaProps {
  area: Area;
  draft: Colours;
  onChange: (key: ColourKey, value: string | null) => void;
}

function AreaColours({ area, draft, onChange }: AreaProps) {
  const { ratio, ok } = areaContrast(draft, area);
  const warnId = `contrast-${area}`;
  return (
    <fieldset class="colour-area" aria-describedby={warnId}>
      <legend>{t(`screen.area_${area}`)}</legend>
      <div class="colour-area__pair">
        <ColourField colourKey={`${area}_bg`} value={draft[`${area}_bg`]} onChange={onChange} />
        <ColourField colourKey={`${area}_fg`} value={draft[`${area}_fg`]} onChange={onChange} />
      </div>
      <p id={warnId} class={`contrast ${ok ? 'contrast--ok' : 'contrast--low'}`} data-testid={`contrast-${area}`}
        role={ok ? undefined : 'status'}>
        {ok ? t('screen.contrast_ok', { ratio: formatRatio(ratio) }) : t('screen.contrast_low', { ratio: formatRatio(ratio) })}
      </p>
    </fieldset>
  );
}

function ColourField({ colourKey, value, onChange }: { colourKey: ColourKey; value: string | null; onChange: AreaProps['onChange'] }) {
  const [text, setText] = useState(value ?? '');
  const shown = value ?? BUILT_IN[colourKey];
  const id = `colour-${colourKey}`;
  const invalid = text !== '' && normaliseHex(text) === null;

  const typed = (raw: string) => {
    setText(raw);
    const hex = normaliseHex(raw);
    if (hex || raw.trim() === '') onChange(colourKey, hex);
  };
  useEffect(() => {
    // Follow changes made elsewhere (undo, the swatch) unless the text already says the same.
    setText((current) => (normaliseHex(current) === value ? current : (value ?? '')));
  }, [value]);

  return (
    <div class="colour-field">
      <label for={id}>{t(`screen.${colourKey.endsWith('_bg') ? 'background' : 'text'}`)}</label>
      <div class="colour-field__controls">
        <input type="color" class="colour-field__swatch" value={shown} aria-label={t('screen.pick', { name: t(`colour.${colourKey}`) })}
          onInput={(e) => typed(e.currentTarget.value)} data-testid={`swatch-${colourKey}`} />
        <input id={id} class="input colour-field__hex" value={text} placeholder={BUILT_IN[colourKey]} maxLength={7}
          spellcheck={false} aria-invalid={invalid} aria-describedby={`${id}-hint`}
          onInput={(e) => typed(e.currentTarget.value)} data-testid={`colour-${colourKey}`} />
        <button type="button" class="btn btn-ghost btn-small" disabled={value === null}
          onClick={() => {
            setText('');
            onChange(colourKey, null);
          }}>
          {t('screen.builtin')}
        </button>
      </div>
      <small id={`${id}-hint`} class={invalid ? 'hint hint--error' : 'hint'}>
        {invalid ? t('screen.hex_invalid') : value === null ? t('screen.using_builtin', { hex: BUILT_IN[colourKey] }) : ''}
      </small>
    </div>
  );
}

function LogoCard({ screen, onChange }: { screen: ScreenSettings; onChange: (s: ScreenSettings) => void }) {
  const action = useAction();
  const upload = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    if (!file) return;
    const saved = await action.run(() => putLogo(file), t('screen.logo_uploaded'));
    input.value = '';
    if (saved) onChange(saved);
  };
  const remove = async () => {
    const saved = await action.run(() => deleteLogo(), t('screen.logo_removed'));
    if (saved) onChange(saved);
  };
  return (
    <div class="admin-card" data-testid="logo-card">
      <h3 class="admin-card__title">{t('screen.logo')}</h3>
      <div class="logo-row">
        <div class="logo-row__image">
          {screen.logo_url ? (
            <img src={screen.logo_url} alt={t('screen.logo_alt')} data-testid="logo-img" />
          ) : (
            <span class="admin-muted">{t('screen.no_logo')}</span>
          )}
        </div>
        <div class="logo-row__actions">
          <FilePicker id="logo-file" label={t('screen.logo_choose')} accept={PICTURES} hint={t('screen.logo_rule')} disabled={action.busy}
            onPick={(input) => void upload(input)} testid="logo-file" />
          <button type="button" class="btn btn-ghost btn-small" disabled={!screen.logo_url || action.busy} onClick={() => void remove()}>
            {t('screen.logo_remove')}
          </button>
        </div>
      </div>
      <Feedback action={action} testid="logo" />
    </div>
  );
}

