import { t } from '../../shared/i18n';

interface Props {
  id: string;
  /** what the button says, e.g. 「離席中」の画像を選ぶ */
  label: string;
  accept: string;
  hint?: string;
  disabled?: boolean;
  /** the chosen file's name, shown beside the button (forms that upload later) */
  chosen?: string | null;
  onPick: (input: HTMLInputElement) => void;
  testid?: string;
}

/**
 * A file input whose button speaks the UI language (the native one follows the
 * browser's): the input stays in the page, focusable, named by its label.
 */
export function FilePicker({ id, label, accept, hint, disabled, chosen, onPick, testid }: Props) {
  return (
    <div class="file-picker">
      <input id={id} class="file-picker__input" type="file" accept={accept} disabled={disabled}
        aria-describedby={hint ? `${id}-hint` : undefined} onChange={(e) => onPick(e.currentTarget)} data-testid={testid} />
      <label for={id} class={`btn btn-ghost btn-small file-picker__button${disabled ? ' is-disabled' : ''}`}>
        {label}
      </label>
      {chosen !== undefined && <span class="file-picker__name">{chosen || t('file.none')}</span>}
      {hint && (
        <small id={`${id}-hint`} class="hint file-picker__hint">
          {hint}
        </small>
      )}
    </div>
  );
}
