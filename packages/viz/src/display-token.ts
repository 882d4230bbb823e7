/**
 * The heatmap label of a token: core's `displayToken` (one implementation, in `@inseq/core`),
 * i.e. `decodeToken` made printable on one line (`Ċ` → `\n`, a space-only token → `␣`).
 */
export { displayToken } from '@inseq/core';
