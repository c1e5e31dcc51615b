import {InvalidFileError} from './errors.js'

/**
 * The largest file kopsmith reads as input (cluster files, namespaces files, kubeconfigs). A
 * cluster file is a few KiB and a namespaces file with 4,000 namespaces about 1 MiB; anything
 * larger is not one of ours, and reading it whole (say `-f /dev/urandom`) would only burn memory.
 */
export const MAX_INPUT_FILE_BYTES = 4 * 1024 * 1024

export function tooLargeError(file: string): InvalidFileError {
  return new InvalidFileError(file, [{path: '', message: `the file is larger than ${MAX_INPUT_FILE_BYTES / 1024 / 1024} MiB, the most kopsmith reads; is this the right file?`}])
}

/**
 * Input files are UTF-8 text (YAML requires a Unicode encoding, and Kubernetes and AWS store labels
 * and tags as UTF-8). Invalid bytes are refused with their position rather than silently turned
 * into U+FFFD, which would then end up in labels and tags.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', {fatal: true}).decode(bytes)
  } catch {
    const {line, column} = firstInvalidUtf8(bytes)
    throw new InvalidFileError(file, [{path: '', message: 'the file is not UTF-8 text: save it as UTF-8', line, column}])
  }
}

/** 1-based line and byte column where decoding first fails (fed byte by byte: only the error path pays for it). */
function firstInvalidUtf8(bytes: Uint8Array): {line: number; column: number} {
  const decoder = new TextDecoder('utf-8', {fatal: true})
  let line = 1
  let lineStart = 0
  for (let i = 0; i < bytes.length; i++) {
    try {
      decoder.decode(bytes.subarray(i, i + 1), {stream: true})
    } catch {
      return {line, column: i - lineStart + 1}
    }
    if (bytes[i] === 0x0a) {
      line++
      lineStart = i + 1
    }
  }
  // Only an unfinished sequence at the very end is left.
  return {line, column: bytes.length - lineStart}
}
