/**
 * `cleanToken` is core's `decodeToken` (one implementation, in `@inseq/core`): the text a single
 * vocabulary entry stands for, as Inseq shows it (`Ġcapital` → `' capital'`, `âĢĻ` → `'’'`,
 * `▁capital` → `' capital'`). Kept under this name for existing callers.
 */
export { decodeToken as cleanToken } from '@inseq/core';
