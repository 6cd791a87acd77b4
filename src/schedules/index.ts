// SPDX-License-Identifier: MIT
// Learning-rate schedules: pure TypeScript, made from options, started with the optimiser's
// base lr, asked for the lr per epoch or per step (see Schedule in schedule.ts).
export type { Interval, Schedule } from './schedule.js';
export type { StepOptions, MultiStepOptions, ExponentialOptions, CosineOptions } from './decay.js';
export type { WarmupOptions } from './warmup.js';
export type { ReduceOnPlateauOptions, PlateauSchedule } from './plateau.js';
export { step, multiStep, exponential, cosine } from './decay.js';
export { warmup } from './warmup.js';
export { reduceOnPlateau } from './plateau.js';
