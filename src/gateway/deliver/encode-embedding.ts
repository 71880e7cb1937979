/**
 * `encoding_format: "base64"`: the vector as little-endian float32 bytes, base64-encoded, as
 * OpenAI sends it. Each JSON number is rounded to the nearest float32 (the precision the
 * models produce), so decoding gives exactly `Math.fround(value)` for every component.
 *
 * @module
 * @see https://platform.openai.com/docs/api-reference/embeddings/create#embeddings-create-encoding_format
 */
export function encodeEmbeddingBase64(values: readonly number[]): string {
  const floats = Float32Array.from(values)
  const bytes = Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength)
  // Float32Array uses the platform's byte order; every platform Node supports here is little-endian.
  return bytes.toString('base64')
}

/** The inverse, for tests and clients: base64 float32 → numbers. */
export function decodeEmbeddingBase64(text: string): number[] {
  const bytes = Uint8Array.from(Buffer.from(text, 'base64')) // aligned copy
  const floats = new Float32Array(bytes.buffer, 0, Math.floor(bytes.byteLength / 4))
  return Array.from(floats)
}
