/** Events of the Next-token tab to the app (they bubble and cross shadow roots, plain data only). */
import type { Template } from '../../../engine/types';
import type { AppendedToken } from '../../../lab/experiments/next-token';
import type { NextReport } from '../../lab-controller';

const init: EventInit = { bubbles: true, composed: true };

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
