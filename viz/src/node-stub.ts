// Stand-ins for the Node built-ins that src/frames.ts imports for writing files; the browser never writes.
const unavailable = (..._args: unknown[]): never => {
  throw new Error("kiln viewer: file system access is not available in the browser")
}
export const writeFileSync = unavailable
export const join = (...parts: string[]): string => parts.join("/")
