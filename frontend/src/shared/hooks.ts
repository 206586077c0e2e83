// Small hooks shared by the surfaces.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';

/**
 * A function of fixed identity that always calls the latest `fn`: an effect can depend on it
 * without running again each time its parent passes a new handler (an inline `onClose`).
 * Call it from effects and event handlers, not while rendering.
 */
export function useLatestCallback<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
  const latestRef = useRef(fn);
  useLayoutEffect(() => {
    latestRef.current = fn;
  });
  return useCallback((...args: A) => latestRef.current(...args), []);
}

/** The time, read again every `everyMs` (for "waiting for 3 min" labels). */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}
