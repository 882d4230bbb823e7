/**
 * A minimal protocol-buffers encoder: just the wire types ONNX needs (varint,
 * fixed32 floats, length-delimited bytes / strings / sub-messages, packed repeated scalars).
 * Fields are written in the order they are called; each sub-message is encoded into its own
 * writer first so that its length prefix is known.
 */
export class ProtobufWriter {
  private buffer = new Uint8Array(256);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
  }

  /** Appends raw bytes with no tag or length. */
  raw(bytes: Uint8Array): this {
    this.reserve(bytes.length);
    this.buffer.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /**
   * Appends a base-128 varint. Negative values are written as their 64-bit two's complement
   * (10 bytes), as protobuf does for `int64` and `int32`.
   */
  varint(value: number | bigint): this {
    let remaining = BigInt.asUintN(64, BigInt(value));
    this.reserve(10);
    while (remaining >= 0x80n) {
      this.buffer[this.length++] = Number(remaining & 0x7fn) | 0x80;
      remaining >>= 7n;
    }
    this.buffer[this.length++] = Number(remaining);
    return this;
  }

  /** Appends a field key: `(field << 3) | wireType` (0 varint, 2 length-delimited, 5 fixed32). */
  tag(field: number, wireType: 0 | 2 | 5): this {
    return this.varint(field * 8 + wireType);
  }

  /** A varint field (`int32`, `int64`, `uint64`, enums). */
  int(field: number, value: number | bigint): this {
    return this.tag(field, 0).varint(value);
  }

  /** A `float` field: fixed32, little-endian IEEE 754 single. */
  float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.tag(field, 5).raw(bytes);
  }

  /** A length-delimited `bytes` field. */
  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, 2).varint(value.length).raw(value);
  }

  /** A `string` field, UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** A sub-message field, encoded by `write` into a fresh writer. */
  message(field: number, write: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    write(inner);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated varint field (`repeated int64 ... [packed = true]`); nothing when empty. */
  packedVarints(field: number, values: ArrayLike<number | bigint>): this {
    if (values.length === 0) return this;
    const inner = new ProtobufWriter();
    for (let i = 0; i < values.length; i++) inner.varint(values[i]);
    return this.bytes(field, inner.finish());
  }

  /** A packed repeated `float` field: little-endian singles back to back; nothing when empty. */
  packedFloats(field: number, values: ArrayLike<number>): this {
    if (values.length === 0) return this;
    const bytes = new Uint8Array(values.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
    return this.bytes(field, bytes);
  }

  /** The bytes written so far (a copy, so the writer can keep going). */
  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}
