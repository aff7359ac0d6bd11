/** A call rate that decays over about a minute, in O(1) per call: what the session pool ranks by. */

// With a one-minute time constant, the decayed count reads as calls per minute.
const TAU_MS = 60_000

export class RateMeter {
  #level = 0
  #at = 0

  /** Counts `n` calls at `now`. */
  add(n: number, now = Date.now()): void {
    this.#level = this.#level * Math.exp(-(now - this.#at) / TAU_MS) + n
    this.#at = now
  }

  /** Recent calls per minute: the count decayed with a one-minute time constant. */
  perMinute(now = Date.now()): number {
    return this.#level * Math.exp(-Math.max(0, now - this.#at) / TAU_MS)
  }
}
