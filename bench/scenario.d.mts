export declare const B: number
export declare const kernelScenario: (agents: number, ticks: number, mode: "hot" | "cold") => Record<string, unknown>
