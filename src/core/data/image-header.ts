// An image's format and dimensions read from its header alone (image-size: PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X
// canvas), so a file that claims more pixels than the limit is refused before any decoder allocates for it.
import { imageSize } from 'image-size';

export interface ImageHeader {
  width: number;
  height: number;
}

/** Width and height as the file's header states them. Throws an Error saying the header cannot be read. */
export function readImageHeader(bytes: Uint8Array): ImageHeader {
  let size;
  try {
    size = imageSize(bytes);
  } catch (e) {
    throw new Error(`its header cannot be read (${(e as Error).message})`, { cause: e });
  }
  if (!size.width || !size.height) throw new Error('its header gives no width and height');
  return { width: size.width, height: size.height };
}
