// Saving files from the page: a Blob download, and several files zipped (fflate) into one.
import { zipSync } from 'fflate';

export function download(name: string, bytes: Uint8Array, type: string): void {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function zipFiles(files: [string, Uint8Array][]): Uint8Array {
  return zipSync(Object.fromEntries(files), { level: 0 });
}
