// Reading text files as strict UTF-8, so a wrong encoding is reported where it is instead of turning into U+FFFD.
import { InputError } from "../errors.js"

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false })

/**
 * Strict UTF-8: a byte that is not UTF-8 would otherwise become U+FFFD and end up in names and paths.
 * A leading byte-order mark is dropped (the decoder does that), since editors show it nowhere.
 */
export const decodeUtf8 = (bytes: Uint8Array, file: string): string => {
  try {
    return utf8.decode(bytes)
  } catch {
    const at = firstInvalidUtf8(bytes)
    const line = bytes.subarray(0, at).filter((b) => b === 0x0a).length + 1
    const byte = bytes[at].toString(16).toUpperCase().padStart(2, "0")
    throw new InputError({ file, path: `line ${line}, byte ${at}`, message: `invalid UTF-8 (byte 0x${byte}); save the file as UTF-8` })
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence. */
const firstInvalidUtf8 = (bytes: Uint8Array): number => {
  let lo = 0
  let hi = bytes.length
  // The longest prefix that decodes, give or take a truncated sequence at its end: bisect, then step back.
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1
    if (decodes(bytes.subarray(0, mid), true)) lo = mid
    else hi = mid
  }
  while (lo > 0 && !decodes(bytes.subarray(0, lo), false)) lo--
  return lo
}

const decodes = (bytes: Uint8Array, stream: boolean): boolean => {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(bytes, { stream })
    return true
  } catch {
    return false
  }
}
