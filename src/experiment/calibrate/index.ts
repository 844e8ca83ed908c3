// The public API of calibration: the ABC-SMC core over any simulator, the targets file, and `calibrate` over Kiln.
export {
  abcSmc, weightedQuantile, madScale, distance,
  type AbcParameter, type AbcBatch, type AbcSimulator, type AbcGeneration, type AbcSmcOptions, type AbcResult
} from "./abc.js"
export { decodeTargets, loadTargets, TargetsSpec, type Targets, type Prior, type Target } from "./targets.js"
export { calibrate, defaultCalibrationDir, summaryOf, type CalibrateOptions, type CalibrateProgress, type CalibrationResult } from "./run.js"
