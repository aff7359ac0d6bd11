/** A body source that exactly one consumer may take: the web stream, or a native sender that claims it. */
export class SingleReader {
  #taken = false
  #started = false

  /** Hands the source to the caller (who then owns it); false once the web stream has started reading. */
  claim(): boolean {
    if (this.#taken || this.#started) return false
    this.#taken = true
    return true
  }

  /** Marks the web stream as the reader; false when the source was claimed. */
  startWeb(): boolean {
    if (this.#taken) return false
    this.#started = true
    return true
  }
}
