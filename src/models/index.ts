// SPDX-License-Identifier: MIT
// Ready-made networks, one file each.
export { lenet5 } from './lenet5.js';
export type { LeNet5Options } from './lenet5.js';
export { resnet, basicBlock } from './resnet.js';
export type { ResNetOptions } from './resnet.js';
