import { t } from '../i18n';
import type { Enrolment } from '../session';
import './account.css';

/** The authenticator set-up: QR code, the secret as text for typing, and what to do. */
export function EnrolmentView({ enrolment }: { enrolment: Enrolment }) {
  return (
    <div class="enrolment" data-testid="totp-enrolment">
      <p class="account-hint">{t('totp.scan')}</p>
      <img class="enrolment__qr" src={enrolment.qr_svg} alt={t('totp.qr_alt')} width={180} height={180} data-testid="totp-qr" />
      <div class="field">
        <span class="account-label">{t('totp.secret')}</span>
        <code class="enrolment__secret" data-testid="totp-secret">
          {enrolment.secret.replace(/(.{4})/g, '$1 ').trim()}
        </code>
      </div>
    </div>
  );
}

interface CodeFieldProps {
  id: string;
  value: string;
  onInput: (v: string) => void;
  /** also accept a recovery code (at login) */
  recovery?: boolean;
}

/** The one-time code input: the app's six digits (or a recovery code at login). */
export function CodeField({ id, value, onInput, recovery }: CodeFieldProps) {
  return (
    <div class="field">
      <label for={id}>{t('totp.code')}</label>
      <input
        id={id}
        class="input enrolment__code"
        type="text"
        inputMode={recovery ? 'text' : 'numeric'}
        autocomplete="one-time-code"
        autocapitalize="none"
        spellcheck={false}
        maxLength={40}
        required
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
        aria-describedby={`${id}-hint`}
        data-testid="totp-code"
      />
      <small id={`${id}-hint`} class="hint">
        {recovery ? t('totp.code_hint_login') : t('totp.code_hint')}
      </small>
    </div>
  );
}

/** The ten recovery codes, shown once right after set-up. */
export function RecoveryCodes({ codes }: { codes: string[] }) {
  return (
    <div class="recovery" data-testid="recovery-codes">
      <p class="account-hint">{t('totp.recovery_intro')}</p>
      <ol class="recovery__list">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ol>
    </div>
  );
}
