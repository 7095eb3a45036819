// One worker per loaded model. Nothing else lives here: the API is typed in src/engine/worker-api.ts.
import { expose } from 'comlink';
import { createModelWorkerHost } from '../src/engine/worker-api';

expose(createModelWorkerHost());
