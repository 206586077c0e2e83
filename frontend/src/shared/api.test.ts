import { describe, expect, it } from 'vitest';
import { ApiClient, ApiError, needsCsrf, parseError, type FetchLike } from './api';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(status: number, body: unknown, calls: Call[] = []): FetchLike {
  return (url, init = {}) => {
    calls.push({ url, init });
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    return Promise.resolve(new Response(status === 204 ? null : text, { status }));
  };
}

const headersOf = (c: Call | undefined): Record<string, string> => (c?.init.headers ?? {}) as Record<string, string>;

describe('needsCsrf', () => {
  it('is false for safe methods and true for the others', () => {
    for (const m of ['GET', 'get', 'HEAD', 'OPTIONS']) expect(needsCsrf(m)).toBe(false);
    for (const m of ['POST', 'patch', 'PUT', 'DELETE']) expect(needsCsrf(m)).toBe(true);
  });
});

describe('ApiClient CSRF header', () => {
  it('sends X-CSRF-Token on state-changing calls once a token is known', async () => {
    const calls: Call[] = [];
    const api = new ApiClient({ fetch: fakeFetch(200, { ok: true }, calls) });
    api.csrfToken = 'tok-1';
    await api.post('/api/x', { a: 1 });
    await api.patch('/api/x', { a: 2 });
    await api.delete('/api/x');
    for (const c of calls) expect(headersOf(c)['X-CSRF-Token']).toBe('tok-1');
  });

  it('never sends it on GET', async () => {
    const calls: Call[] = [];
    const api = new ApiClient({ fetch: fakeFetch(200, {}, calls) });
    api.csrfToken = 'tok-1';
    await api.get('/api/x');
    expect(headersOf(calls[0])).not.toHaveProperty('X-CSRF-Token');
  });

  it('sends none before login', async () => {
    const calls: Call[] = [];
    const api = new ApiClient({ fetch: fakeFetch(200, {}, calls) });
    await api.post('/api/auth/login', { login_id: 'a', password: 'b' });
    expect(headersOf(calls[0])).not.toHaveProperty('X-CSRF-Token');
  });
});

describe('ApiClient requests', () => {
  it('sends JSON with same-origin credentials and parses the answer', async () => {
    const calls: Call[] = [];
    const api = new ApiClient({ fetch: fakeFetch(200, { id: 'g1' }, calls), language: () => 'en' });
    const out = await api.post<{ id: string }>('/api/guests', { nickname: '太郎' });
    expect(out).toEqual({ id: 'g1' });
    const c = calls[0];
    expect(c?.url).toBe('/api/guests');
    expect(c?.init.method).toBe('POST');
    expect(c?.init.credentials).toBe('same-origin');
    expect(c?.init.body).toBe('{"nickname":"太郎"}');
    expect(headersOf(c)['Content-Type']).toBe('application/json');
    expect(headersOf(c)['Accept-Language']).toBe('en');
  });

  it('adds query parameters, skipping empty ones', async () => {
    const calls: Call[] = [];
    const api = new ApiClient({ fetch: fakeFetch(200, {}, calls) });
    await api.get('/api/guests', { q: 'やまだ', page: 2, none: undefined, nil: null });
    expect(calls[0]?.url).toBe('/api/guests?q=%E3%82%84%E3%81%BE%E3%81%A0&page=2');
  });

  it('resolves 204 to undefined', async () => {
    const api = new ApiClient({ fetch: fakeFetch(204, undefined) });
    await expect(api.post('/api/auth/logout')).resolves.toBeUndefined();
  });

  it('leaves the content type of FormData to the browser', async () => {
    const calls: Call[] = [];
    const api = new ApiClient({ fetch: fakeFetch(200, {}, calls) });
    const form = new FormData();
    form.set('file', new Blob(['x']), 'a.txt');
    await api.post('/api/conversations/c1/files', form);
    expect(calls[0]?.init.body).toBe(form);
    expect(headersOf(calls[0])).not.toHaveProperty('Content-Type');
  });
});

describe('errors', () => {
  it('throws a typed ApiError from the error envelope', async () => {
    const api = new ApiClient({
      fetch: fakeFetch(401, { error: { code: 'unauthorized', message: 'ログインIDまたはパスワードが違います' } }),
    });
    const err = await api.post('/api/auth/login', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, code: 'unauthorized', message: 'ログインIDまたはパスワードが違います' });
  });

  it('copes with FastAPI detail bodies and non-JSON pages', () => {
    expect(parseError(422, { detail: [{ msg: 'x' }] })).toMatchObject({ status: 422, code: 'http_422' });
    expect(parseError(404, { detail: 'Not Found' })).toMatchObject({ code: 'http_404', message: 'Not Found' });
    expect(parseError(502, '<html>Bad gateway</html>')).toMatchObject({ code: 'http_502', message: 'HTTP 502' });
    expect(parseError(409, { error: { code: 'conflict' } })).toMatchObject({ code: 'conflict', message: 'conflict' });
  });

  it('reports 401 answers to onUnauthorized, and nothing else', async () => {
    let ended = 0;
    const onUnauthorized = () => ended++;
    await new ApiClient({ fetch: fakeFetch(401, {}), onUnauthorized }).get('/api/auth/me').catch(() => {});
    await new ApiClient({ fetch: fakeFetch(403, {}), onUnauthorized }).get('/api/x').catch(() => {});
    expect(ended).toBe(1);
  });

  it('turns a failed fetch into network_error', async () => {
    const api = new ApiClient({
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
    });
    await expect(api.get('/api/auth/me')).rejects.toMatchObject({ status: 0, code: 'network_error' });
  });
});
