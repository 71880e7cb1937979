/**
 * Turns undici's push callbacks (data, end, error) into the pull-style async iterable the
 * gateway reads, with backpressure: past the high-water mark the upstream connection is paused
 * until the reader catches up. One small object per response instead of a Readable stream,
 * its async iterator, end-of-stream tracking and an AsyncResource.
 *
 * @module
 */

export interface FlowControl {
  pause(): void
  resume(): void
}

const HIGH_WATER_BYTES = 256 * 1024
const LOW_WATER_BYTES = 64 * 1024

export class UpstreamBodyQueue implements AsyncIterable<Uint8Array> {
  #chunks: Uint8Array[] = []
  #buffered = 0
  #ended = false
  #error: unknown
  #paused = false
  #waiting: { resolve(): void } | undefined
  /** A reader takes the whole body at once (`collect`): never pause the upstream. */
  #collecting = false
  readonly #flow: FlowControl

  constructor(flow: FlowControl) {
    this.#flow = flow
  }

  push(chunk: Uint8Array): void {
    this.#chunks.push(chunk)
    this.#buffered += chunk.byteLength
    if (this.#buffered > HIGH_WATER_BYTES && !this.#paused && !this.#collecting) {
      this.#paused = true
      this.#flow.pause()
    }
    this.#wake()
  }

  end(): void {
    this.#ended = true
    this.#wake()
  }

  fail(error: unknown): void {
    if (this.#ended) return
    this.#error ??= error
    this.#ended = true
    this.#wake()
  }

  #wake(): void {
    const waiting = this.#waiting
    this.#waiting = undefined
    waiting?.resolve()
  }

  /**
   * The whole body in one buffer, for a reader that wants it at once (a non-stream answer):
   * no generator and no promise per chunk. Rejects with `tooLarge()` past `limitBytes`.
   */
  async collect(limitBytes: number, tooLarge: () => Error): Promise<Buffer> {
    this.#collecting = true
    if (this.#paused) {
      this.#paused = false
      this.#flow.resume()
    }
    while (!this.#ended && this.#buffered <= limitBytes) {
      await new Promise<void>((resolve) => {
        this.#waiting = { resolve }
      })
    }
    if (this.#error !== undefined) throw this.#error
    if (this.#buffered > limitBytes) throw tooLarge()
    const chunks = this.#chunks
    const size = this.#buffered
    this.#chunks = []
    this.#buffered = 0
    return Buffer.concat(chunks, size)
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      const chunk = this.#chunks.shift()
      if (chunk !== undefined) {
        this.#buffered -= chunk.byteLength
        if (this.#paused && this.#buffered < LOW_WATER_BYTES) {
          this.#paused = false
          this.#flow.resume()
        }
        yield chunk
        continue
      }
      if (this.#error !== undefined) throw this.#error
      if (this.#ended) return
      await new Promise<void>((resolve) => {
        this.#waiting = { resolve }
      })
    }
  }
}
