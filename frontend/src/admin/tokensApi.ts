// The admin menu's calls for API tokens (issue 17), typed with the generated API types.
import type { TokenCreated, TokenIn, TokenList, TokenOut } from '../shared/api-types';
import { api } from '../shared/session';

export const listTokens = () => api.get<TokenList>('/api/admin/tokens');
export const createToken = (body: TokenIn) => api.post<TokenCreated>('/api/admin/tokens', body);
export const revokeToken = (tokenId: string) =>
  api.post<TokenOut>(`/api/admin/tokens/${encodeURIComponent(tokenId)}/revoke`, {});
