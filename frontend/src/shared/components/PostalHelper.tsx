import { useRef, useState } from 'preact/hooks';
import type { PostalAddress } from '../api-types';
import { t } from '../i18n';
import { addressLine, postalDigits, type PostalLookupFn } from '../postal';
import { errorText } from './errors';

type State =
  | { kind: 'idle' }
  | { kind: 'looking' }
  | { kind: 'found'; code: string; addresses: PostalAddress[]; filled: string | null }
  | { kind: 'error'; message: string };

/**
 * The look-up under a postal code field: `onInput` asks once the code has 7 digits,
 * `onBlur` asks for anything else typed, so the server's message says what is wrong.
 * `fill` puts a chosen address in the address field and says whether it did (false:
 * the field holds the person's own text, which a click on a candidate replaces).
 */
export function usePostalLookup(lookup: PostalLookupFn, fill: ((address: string, force: boolean) => boolean) | null) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const askedRef = useRef('');
  const ask = (raw: string) => {
    const typed = raw.trim();
    if (!typed || typed === askedRef.current) return;
    askedRef.current = typed;
    setState({ kind: 'looking' });
    lookup(typed).then(
      (answer) => {
        if (askedRef.current !== typed) return; // typed on meanwhile
        const only = answer.addresses.length === 1 ? answer.addresses[0] : undefined;
        const filled = only && fill && fill(addressLine(only), false) ? addressLine(only) : null;
        setState({ kind: 'found', code: answer.code, addresses: answer.addresses, filled });
      },
      (e: unknown) => {
        if (askedRef.current === typed) setState({ kind: 'error', message: errorText(e) });
      },
    );
  };
  const onInput = (raw: string) => {
    if (postalDigits(raw)?.length === 7) ask(raw);
    else if (state.kind !== 'idle') {
      askedRef.current = '';
      setState({ kind: 'idle' });
    }
  };
  const choose = (a: PostalAddress) => {
    if (fill && state.kind === 'found' && fill(addressLine(a), true)) setState({ ...state, filled: addressLine(a) });
  };
  return { state, onInput, onBlur: ask, choose, canFill: fill !== null };
}

/** What the look-up found (or why not), and the candidates to choose from. */
export function PostalStatus({ lookup, testId }: { lookup: ReturnType<typeof usePostalLookup>; testId: string }) {
  const { state } = lookup;
  if (state.kind === 'idle') return null;
  if (state.kind === 'looking') return <p class="postal postal--looking" role="status">{t('postal.looking')}</p>;
  if (state.kind === 'error') {
    return (
      <p class="postal postal--error" role="alert" data-testid={`${testId}-error`}>
        {state.message}
      </p>
    );
  }
  const one = state.addresses.length === 1;
  return (
    <div class="postal" role="status" data-testid={testId}>
      {state.filled ? (
        <p>{t('postal.filled', { address: state.filled })}</p>
      ) : (
        <p>{one ? t('postal.found') : t('postal.choose', { n: state.addresses.length })}</p>
      )}
      {!state.filled && (
        <ul class="postal__choices">
          {state.addresses.map((a) => (
            <li key={addressLine(a)}>
              {lookup.canFill ? (
                <button type="button" class="postal__choice" onClick={() => lookup.choose(a)} data-testid={`${testId}-choice`}>
                  {addressLine(a)}
                </button>
              ) : (
                <span>{addressLine(a)}</span>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
