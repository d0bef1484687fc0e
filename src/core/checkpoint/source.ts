// A checkpoint directory seen as named files, so loading works the same from disk (Node), fetch or a picked folder.
export interface FileSource {
  /** How the directory is named in messages (a path or a folder name). */
  label: string;
  /** The file's bytes, or null when it does not exist. */
  read(file: string): Promise<Uint8Array | null>;
}

/** An in-memory directory (tests, the browser's picked files, freshly saved checkpoints). */
export function memorySource(label: string, files: Map<string, Uint8Array>): FileSource {
  return { label, read: async (f) => files.get(f) ?? null };
}

export async function readText(src: FileSource, file: string): Promise<string | null> {
  const bytes = await src.read(file);
  return bytes === null ? null : new TextDecoder().decode(bytes);
}
