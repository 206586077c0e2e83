// The guest's unsent text, kept in this browser per store so a reload (or a
// crash, or a link followed by mistake) does not lose what was being written.
const PREFIX = 'chats:draft:';

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage blocked (private mode, third-party iframe rules)
  }
}

/** The store key this panel was opened for (the `store` query parameter). */
export function panelStoreKey(search: string = globalThis.location?.search ?? ''): string {
  return new URLSearchParams(search).get('store') ?? '';
}

/** The saved draft for a store ('' when none). */
export function loadDraft(storeKey: string, store: Storage | null = storage()): string {
  try {
    return store?.getItem(PREFIX + storeKey) ?? '';
  } catch {
    return '';
  }
}

/** Save (or, when empty, forget) the draft for a store. */
export function saveDraft(storeKey: string, text: string, store: Storage | null = storage()): void {
  try {
    if (text) store?.setItem(PREFIX + storeKey, text);
    else store?.removeItem(PREFIX + storeKey);
  } catch {
    /* storage full or blocked: the draft lives on the screen only */
  }
}
