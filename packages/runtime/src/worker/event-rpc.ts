/**
 * The worker's end of the protocol: an Rpc that also carries engine events to the page. They ride on the
 * next answer, or go on their own at the next macrotask when no call is running, else within 100 ms (a
 * timer per answer slowed calls). Only the worker has it, so the page's bundle does not.
 */
import type { TelemetryEvent } from '@ferry/protocol'
import { type Handlers, Rpc } from './rpc.js'

export class EventRpc<Mine extends Handlers<Mine>, Theirs extends Handlers<Theirs>> extends Rpc<
  Mine,
  Theirs
> {
  #events: TelemetryEvent[] = []
  #timer: ReturnType<typeof setTimeout> | undefined

  /** Queues engine events for the page. */
  emit(events: TelemetryEvent[]): void {
    this.#events.push(...events)
    this.#timer ??= setTimeout(() => this.flush(), this.running > 0 ? 100 : 0)
  }

  /** Sends the queued events now. */
  flush(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    const { ev } = this.extra()
    if (ev) this.post({ ev })
  }

  protected override extra(): { ev?: TelemetryEvent[] } {
    if (this.#events.length === 0) return {}
    const ev = this.#events
    this.#events = []
    return { ev }
  }
}
