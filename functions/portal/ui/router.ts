/** Views are addressed by the URL fragment: `#/`, `#/add`, `#/directories/<id>/<tab>/<id>`. */

/** The fragment's path segments, decoded. */
export function currentRoute(): string[] {
  return window.location.hash
    .replace(/^#\/?/, '')
    .split('/')
    .filter((part) => part !== '')
    .map((part) => {
      try {
        return decodeURIComponent(part);
      } catch {
        return part;
      }
    });
}

/** Sends the browser to a view of the page. */
export function navigate(path: string): void {
  window.location.hash = `#${path}`;
}

/** The fragment of a directory's view. */
export function directoryHref(directoryId: string, ...rest: string[]): string {
  return `#/directories/${[directoryId, ...rest].map(encodeURIComponent).join('/')}`;
}
