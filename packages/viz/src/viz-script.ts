import { attachVizBehaviour } from './attach-viz-behaviour';

/**
 * {@link attachVizBehaviour} as a script that attaches it to `document.body`: the body of the
 * inline `<script>` that `renderHtml` puts at the end of a standalone document. It makes no
 * request. Pages with a strict CSP call `attachVizBehaviour` instead.
 */
export const vizScript = `(${attachVizBehaviour.toString()})(document.body);`;
