/**
 * Talking to a registry over HTTP, as every Ferry client does (the runtime, the CLI, Ferry Edge): a
 * failed connection is REGISTRY_UNREACHABLE, an abort is ABORTED, and an error answer becomes the
 * FerryError its body names. No I/O of its own: the caller passes `fetch`.
 */
import { errorFromBody, FerryError, isErrorCode } from './errors.js'

/** The short reason behind a failed fetch: `ECONNREFUSED 127.0.0.1:9`, `ENOTFOUND host`, … */
export function describeNetworkError(err: unknown): string {
  let e: unknown = err
  for (let i = 0; i < 5 && e; i++) {
    const { code, message } = e as { code?: unknown; message?: unknown }
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code
    const next = (e as { cause?: unknown }).cause
    if (!next) return typeof message === 'string' ? message : String(e)
    e = next
  }
  return String(err)
}

/**
 * `fetch(input, init)` with a network failure as REGISTRY_UNREACHABLE (naming `registry` and the reason,
 * plus `hint`) and an abort as ABORTED.
 */
export async function fetchRegistry(
  fetchFn: (input: Request | string, init?: RequestInit) => Promise<Response>,
  registry: string,
  input: Request | string,
  init?: RequestInit,
  hint?: string,
): Promise<Response> {
  try {
    return await fetchFn(input, init)
  } catch (err) {
    if (err instanceof FerryError) throw err
    const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined)
    if (signal?.aborted) throw new FerryError('ABORTED', 'the request was aborted')
    throw new FerryError(
      'REGISTRY_UNREACHABLE',
      `cannot reach the registry at ${registry} (${describeNetworkError(err)})${hint ? `; ${hint}` : ''}`,
      { cause: err },
    )
  }
}

/**
 * The FerryError for a registry's error answer: the code its body names, else UNAUTHORIZED / FORBIDDEN
 * for 401 / 403, else REGISTRY_ERROR naming `what` (e.g. `GET http://…/v1/models`) and the status.
 */
export async function errorFromResponse(res: Response, what = 'the registry'): Promise<FerryError> {
  const body: unknown = await res.json().catch(() => null)
  const code = (body as { error?: { code?: unknown } } | null)?.error?.code
  if (isErrorCode(code)) return errorFromBody(body, res.status)
  if (res.status === 401) return new FerryError('UNAUTHORIZED', 'the registry needs a token', { status: 401 })
  if (res.status === 403)
    return new FerryError('FORBIDDEN', 'the registry refused the token', { status: 403 })
  return new FerryError('REGISTRY_ERROR', `${what} answered ${res.status} ${res.statusText}`.trim(), {
    status: res.status,
  })
}
