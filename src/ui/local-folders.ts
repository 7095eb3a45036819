/**
 * Model folders the user chose on this page (picked or dropped). They live only as long as the page:
 * a source `local:<name>` names one; after a reload the files are gone and the user must choose again.
 */
const folders = new Map<string, Map<string, Blob>>();

/** Keep a chosen folder; returns the source string to load it with. */
export function registerLocalFolder(name: string, files: Map<string, Blob>): string {
  const source = `local:${name}`;
  folders.set(source, files);
  return source;
}

export function isLocalSource(source: string): boolean {
  return source.startsWith('local:');
}

export function localFolder(source: string): Map<string, Blob> | undefined {
  return folders.get(source);
}
