// The admin menu's sections, addressed by the URL fragment (#staff, #buttons…).

export const TAB_IDS = ['staff', 'buttons', 'screen', 'fields', 'hours', 'stats', 'canned', 'embed', 'tokens', 'webhooks', 'outbox', 'audit', 'privacy'] as const;
export type TabId = (typeof TAB_IDS)[number];

/** The tab named by the address (#buttons or #/buttons), else the first one. */
export function tabFromHash(hash: string): TabId {
  const id = hash.replace(/^#\/?/, '');
  return (TAB_IDS as readonly string[]).includes(id) ? (id as TabId) : 'staff';
}
