/** Fails a request with 408 TIMEOUT when its answer has not started in time, and aborts its work. */
import { FerryError } from '@ferry/protocol'
import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../http/env.js'

export function requestTimeout(ms: number): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const ctl = new AbortController()
    c.set('deadline', ctl.signal)
    let timer: ReturnType<typeof setTimeout> | undefined
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new FerryError('TIMEOUT', `request took longer than ${ms} ms`)
        ctl.abort(err)
        reject(err)
      }, ms)
    })
    try {
      await Promise.race([next(), expired])
    } finally {
      clearTimeout(timer)
    }
  }
}
