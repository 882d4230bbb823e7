import * as tf from '../tf';

/** Left padding puts every row's last real token in the last column: `[batch, seq, hidden]` → `[batch, hidden]`. */
export function lastColumn(x: tf.Tensor3D): tf.Tensor2D {
  const [batch, seq, hidden] = x.shape;
  return tf.reshape(tf.slice(x, [0, seq - 1, 0], [batch, 1, hidden]), [batch, hidden]);
}

/** 0 at `(b, positions[b])` for `positions[b] >= 0`, 1 elsewhere: `[batch, seq, 1]` (value zeroing). */
export function valueMask(positions: Int32Array, seq: number): tf.Tensor3D {
  const mask = new Float32Array(positions.length * seq).fill(1);
  positions.forEach((position, b) => {
    if (position >= 0) mask[b * seq + position] = 0;
  });
  return tf.tensor3d(mask, [positions.length, seq, 1]);
}

/** Rows of `table` (`[n, hidden]`) at `ids` (`[batch, seq]`): `[batch, seq, hidden]`. */
export function lookup(table: tf.Tensor2D, ids: tf.Tensor2D): tf.Tensor3D {
  const [batch, seq] = ids.shape;
  return tf.reshape<tf.Rank.R3>(tf.gather(table, tf.reshape(ids, [batch * seq])), [batch, seq, table.shape[1]]);
}
