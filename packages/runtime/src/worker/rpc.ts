/**
 * One message protocol between the page and the engine worker, for every call either side makes: calls,
 * their progress (always before their answer: one channel keeps order), answers, errors as `{ code,
 * message }`, and engine events (riding on the next answer, or on their own message soon after).
 * Typed by an interface of handlers per side; values cross by structured clone, buffers listed as
 * transfers move.
 */
import type { TelemetryEvent } from '@ferry/protocol'
import { runtimeClosed, toWire } from '../engine/wire.js'

/** A Worker, the worker's global scope, or a MessagePort (tests): what the protocol talks through. */
export interface Channel {
  postMessage(message: unknown, transfer?: Transferable[]): void
  onmessage: ((ev: MessageEvent) => unknown) | null
  close?(): void
}

// biome-ignore lint/suspicious/noExplicitAny: any function, as Parameters<> and ReturnType<> take it
type Fn = (...args: any[]) => any

/** A side's calls, as an interface of methods. */
export type Handlers<T> = { [K in keyof T]: Fn }

/** What a handler may do besides returning: report progress, list buffers to transfer with its answer. */
export interface CallContext {
  progress(p: unknown): void
  transfer: Transferable[]
}

/** Handlers implementing `T`: each takes its arguments and then the call's context. */
export type Served<T extends Handlers<T>> = {
  [K in keyof T]: (
    ...a: [...Parameters<T[K]>, CallContext]
  ) => Awaited<ReturnType<T[K]>> | Promise<Awaited<ReturnType<T[K]>>>
}

export type Message =
  | { c: number; op: string; a: unknown[] }
  | { k: number; v?: unknown; e?: { code: string; message: string }; ev?: TelemetryEvent[] }
  | { g: number; v: unknown }
  | { ev: TelemetryEvent[] }

/** One end of the protocol: serves `handlers` (with a CallContext as last argument) and calls the other side's. */
export class Rpc<Mine extends Handlers<Mine>, Theirs extends Handlers<Theirs>> {
  #next = 1
  readonly #pending = new Map<
    number,
    { resolve(v: unknown): void; reject(e: unknown): void; progress?: ((p: unknown) => void) | undefined }
  >()
  /** Calls being served now. */
  protected running = 0
  #closedWith: unknown

  #channel: Channel
  #handlers: Partial<Served<Mine>>
  #onEvents: ((events: TelemetryEvent[]) => void) | undefined

  constructor(
    channel: Channel,
    handlers: Partial<Served<Mine>>,
    onEvents?: (events: TelemetryEvent[]) => void,
  ) {
    this.#channel = channel
    this.#handlers = handlers
    this.#onEvents = onEvents
    channel.onmessage = (ev) => this.#receive(ev.data as Message | null)
  }

  /** Calls `op` on the other side; `progress` gets its progress reports, in order, before the answer. */
  call<K extends keyof Theirs & string>(
    op: K,
    args: Parameters<Theirs[K]>,
    options: { transfer?: Transferable[]; progress?: ((p: unknown) => void) | undefined } = {},
  ): Promise<Awaited<ReturnType<Theirs[K]>>> {
    if (this.#closedWith) return Promise.reject(this.#closedWith)
    const c = this.#next++
    return new Promise((resolve, reject) => {
      this.#pending.set(c, { resolve: resolve as (v: unknown) => void, reject, progress: options.progress })
      this.#channel.postMessage({ c, op, a: args }, options.transfer ?? [])
    })
  }

  /** Rejects every call still waiting (with RUNTIME_CLOSED unless `err`); later calls reject at once. */
  close(err: unknown = runtimeClosed()): void {
    this.#closedWith = err
    for (const p of this.#pending.values()) p.reject(err)
    this.#pending.clear()
  }

  /** What rides along on an answer (the worker's side adds its queued events). */
  protected extra(): { ev?: TelemetryEvent[] } {
    return {}
  }

  protected post(m: Message, transfer: Transferable[] = []): void {
    try {
      this.#channel.postMessage(m, transfer)
    } catch (err) {
      // A value that cannot be cloned: answer the call with the error instead.
      if ('k' in m) this.#channel.postMessage({ k: m.k, e: toWire(err) })
    }
  }

  #receive(m: Message | null): void {
    if (!m || typeof m !== 'object') return
    if ('c' in m) void this.#serve(m.c, m.op, m.a)
    else if ('g' in m) this.#pending.get(m.g)?.progress?.(m.v)
    // Anything else a custom worker posts on its own channel is not ours: ignored.
    else if (!('k' in m)) m.ev && this.#onEvents?.(m.ev)
    else {
      if (m.ev) this.#onEvents?.(m.ev)
      const p = this.#pending.get(m.k)
      this.#pending.delete(m.k)
      if (m.e) p?.reject(m.e)
      else p?.resolve(m.v)
    }
  }

  #invoke(op: string, args: unknown[], ctx: CallContext): Promise<unknown> {
    const h = Object.hasOwn(this.#handlers, op) ? this.#handlers[op as keyof Mine] : undefined
    if (!h) return Promise.reject(new Error(`unknown call "${op}"`))
    return Promise.resolve((h as (...a: unknown[]) => unknown)(...args, ctx))
  }

  async #serve(c: number, op: string, args: unknown[]): Promise<void> {
    const ctx: CallContext = { progress: (v) => this.post({ g: c, v }), transfer: [] }
    this.running++
    try {
      const v = await this.#invoke(op, args, ctx)
      this.running--
      this.post({ k: c, v, ...this.extra() }, ctx.transfer)
    } catch (err) {
      this.running--
      this.post({ k: c, e: toWire(err), ...this.extra() })
    }
  }
}
