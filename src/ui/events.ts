/**
 * Typed events the components dispatch. They bubble and cross shadow roots, so `<lab-app>` hears
 * them all; each carries plain data only.
 */
import type { Dtype, Template } from '../engine/types';
import type { AppendedToken } from '../lab/experiments/next-token';
import type { NextReport } from './lab-controller';
import type { PageBackend, Side } from './params';

const init: EventInit = { bubbles: true, composed: true };

/** The pair chooser (or the Models view) asks for a pair of models to be loaded; `dtypes` picks a weight
 *  variant per model (none: fp32, `onnx/model.onnx`). */
export class PairLoadEvent extends Event {
  static readonly type = 'pair-load';
  constructor(
    readonly base: string,
    readonly tuned: string,
    readonly backend: PageBackend,
    readonly dtypes: Partial<Record<Side, Dtype>> = {},
  ) {
    super(PairLoadEvent.type, init);
  }
}

/** The prompt text changed (every keystroke; the app debounces). */
export class PromptInputEvent extends Event {
  static readonly type = 'prompt-input';
  constructor(readonly prompt: string) {
    super(PromptInputEvent.type, init);
  }
}

export class TemplateChangeEvent extends Event {
  static readonly type = 'template-change';
  constructor(readonly template: Template) {
    super(TemplateChangeEvent.type, init);
  }
}

/** `enable_thinking` for chat templates that read it (Qwen3): the pair reloads with it. */
export class ThinkingChangeEvent extends Event {
  static readonly type = 'thinking-change';
  constructor(readonly thinking: boolean) {
    super(ThinkingChangeEvent.type, init);
  }
}

export class TopKChangeEvent extends Event {
  static readonly type = 'topk-change';
  constructor(readonly k: number) {
    super(TopKChangeEvent.type, init);
  }
}

/** A token of one model's table was chosen: append it to the shared context. */
export class TokenChooseEvent extends Event {
  static readonly type = 'token-choose';
  constructor(
    readonly side: Side,
    readonly id: number,
    readonly text: string,
  ) {
    super(TokenChooseEvent.type, init);
  }
}

/** Append this model's most likely next token. */
export class ModelStepEvent extends Event {
  static readonly type = 'model-step';
  constructor(readonly side: Side) {
    super(ModelStepEvent.type, init);
  }
}

export class LoadCancelEvent extends Event {
  static readonly type = 'load-cancel';
  constructor(readonly side: Side) {
    super(LoadCancelEvent.type, init);
  }
}

export class LoadRetryEvent extends Event {
  static readonly type = 'load-retry';
  constructor(readonly side: Side) {
    super(LoadRetryEvent.type, init);
  }
}

/** Reload both models of the pair with the same sources and backend, keeping the prompt and the
 *  appended tokens (after a lost GPU device). */
export class PairReloadEvent extends Event {
  static readonly type = 'pair-reload';
  constructor() {
    super(PairReloadEvent.type, init);
  }
}

/** Remove the last appended token (`all`: every appended token). */
export class ContextUndoEvent extends Event {
  static readonly type = 'context-undo';
  constructor(readonly all = false) {
    super(ContextUndoEvent.type, init);
  }
}

/** Put back the tokens that were appended to the previous prompt (dropped when the prompt was edited). */
export class ContextRestoreEvent extends Event {
  static readonly type = 'context-restore';
  constructor() {
    super(ContextRestoreEvent.type, init);
  }
}

declare global {
  interface HTMLElementEventMap {
    'context-restore': ContextRestoreEvent;
    'pair-load': PairLoadEvent;
    'prompt-input': PromptInputEvent;
    'template-change': TemplateChangeEvent;
    'topk-change': TopKChangeEvent;
    'thinking-change': ThinkingChangeEvent;
    'token-choose': TokenChooseEvent;
    'model-step': ModelStepEvent;
    'load-cancel': LoadCancelEvent;
    'load-retry': LoadRetryEvent;
    'context-undo': ContextUndoEvent;
    'pair-reload': PairReloadEvent;
  }
}

/** A run finished (any view): the app saves it to the library. Carries the spec and the result (plain JSON). */
export class RunFinishedEvent extends Event {
  static readonly type = 'run-finished';
  constructor(
    readonly spec: import('../lab/experiments/types').SpecEnvelope,
    readonly result: import('../lab/experiments/types').ResultEnvelope,
  ) {
    super(RunFinishedEvent.type, init);
  }
}

/** Open a stored run (the Library view asks the app to show it in its kind's view). */
export class RunOpenEvent extends Event {
  static readonly type = 'run-open';
  constructor(readonly record: import('../lab/experiments/types').RunRecord) {
    super(RunOpenEvent.type, init);
  }
}

declare global {
  interface HTMLElementEventMap {
    'run-finished': RunFinishedEvent;
    'run-open': RunOpenEvent;
  }
}

// ------------------------------------------------------------------ the Next-token tab to the app

/** A run of the current inputs started, finished or failed (the app's `labState` follows it). */
export class NextReportEvent extends Event {
  static readonly type = 'next-report';
  constructor(readonly report: NextReport) {
    super(NextReportEvent.type, init);
  }
}

/** Set every input of the tab at once (a stored run reopened, a shared spec). */
export class NextInputsEvent extends Event {
  static readonly type = 'next-inputs';
  constructor(
    readonly prompt: string,
    readonly template: Template,
    readonly k: number,
    readonly appended: AppendedToken[],
  ) {
    super(NextInputsEvent.type, init);
  }
}

declare global {
  interface HTMLElementEventMap {
    'next-report': NextReportEvent;
    'next-inputs': NextInputsEvent;
  }
}
