/** The lab's version (package.json), recorded in every saved run. */
import pkg from '../../../package.json';

export const APP_VERSION: string = pkg.version;
