// The public API of sensitivity analysis: the Sobol sequence, Saltelli and Morris designs, their estimators, and the analysis of a store.
export { JOE_KUO_6_21201, MAX_SOBOL_DIMENSION } from "./joe-kuo.js"
export { sobolPoints, type Scramble } from "./sobol-sequence.js"
export {
  saltelliDesign, sobolIndices, MAX_SOBOL_FACTORS,
  type SaltelliPoint, type SaltelliBlock, type SaltelliOutputs, type SobolIndex, type SobolResult, type BootstrapOptions, type Interval
} from "./saltelli.js"
export { morrisDesign, morrisEffects, elementaryEffects, type MorrisPoint, type ElementaryEffect, type MorrisEffect, type MorrisResult } from "./morris.js"
export {
  analyzeStore, formatAnalysis, analysisText, writeAnalysis, parseAt,
  type SensitivityMethod, type At, type AnalyzeOptions, type SensitivityAnalysis, type SobolAnalysis, type MorrisAnalysis, type SobolRow, type MorrisRow
} from "./analyze.js"
export { plotSensitivity, type SensitivityPlotOptions } from "../plot.js"
