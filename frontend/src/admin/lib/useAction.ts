// Run a change against the server, telling the admin how it went (status or alert).
import { useEffect, useState } from 'preact/hooks';
import { errorText } from '../../shared/components/errors';

/** How long a success message stays (a refusal stays until the next try). */
const DONE_MS = 6000;

export interface Action {
  busy: boolean;
  /** the last success, for a polite live region */
  done: string;
  /** the last failure, for an alert */
  failed: string;
  run: <T>(work: () => Promise<T>, success?: string) => Promise<T | undefined>;
  clear: () => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState('');
  const [failed, setFailed] = useState('');

  useEffect(() => {
    if (!done) return undefined;
    const timer = setTimeout(() => setDone(''), DONE_MS);
    return () => clearTimeout(timer);
  }, [done]);

  async function run<T>(work: () => Promise<T>, success = ''): Promise<T | undefined> {
    setBusy(true);
    setDone('');
    setFailed('');
    try {
      const result = await work();
      setDone(success);
      return result;
    } catch (e) {
      setFailed(errorText(e));
      return undefined;
    } finally {
      setBusy(false);
    }
  }

  const clear = () => {
    setDone('');
    setFailed('');
  };
  return { busy, done, failed, run, clear };
}
