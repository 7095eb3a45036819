/**
 * Kept for the views that still import it (inject, answers): the shared experiment styles and helpers
 * now live in ./shared/experiment-styles.ts (used by the sweep view too).
 */
export { experimentStyles, etaText, renderProgress, parseWhole, settleAll, type Progress } from './shared/experiment-styles';
