// Types of world.mjs for the TypeScript tests.
export interface ReferenceState {
  spins: Int8Array
  couplings: Float32Array
  energy: Float64Array
  surprise: Float32Array
  rng: Uint32Array
}
export declare const GCC_FLAGS: ReadonlyArray<string>
export declare const unsupported: (world: unknown) => string | undefined
export declare const dumpWorld: (world: unknown, file: string) => void
export declare const readState: (file: string, n: number, B: number, P: number) => ReferenceState
export declare const hasGcc: () => boolean
export declare const buildReference: () => { dir: string; bin: string }
export declare const runReference: (bin: string, worldFile: string, ticks: number, warmup: number, out?: string) => { seconds: number; cpu_seconds: number; ticks: number }
export declare const removeDir: (dir: string) => void
